/**
 * What "progress" means for a call to the cache service: bytes moving over the process's client
 * sockets (downloads, uploads) or into the run's own cache directories (@actions/cache's archive
 * being packed or unpacked). The deadlines of those calls are stall deadlines on this measure,
 * so a slow but steady transfer goes on while a silent service is given up on.
 */
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** Less than this much movement is no progress (a retried small request is not a transfer). */
export const PROGRESS_STEP_BYTES = 64 * 1024;

const open = new Set<Socket>();
/** Sockets opened while a cache call was under way: the ones an abandoned call may leave. */
const duringCalls = new Set<Socket>();
let closedBytes = 0;
let watching = false;
let callsUnderWay = 0;
let abandoned = false;

function socketBytes(socket: Socket): number {
  return (socket.bytesRead ?? 0) + (socket.bytesWritten ?? 0);
}

/** Starts counting the bytes of every client socket the process opens from now on. */
function watchSockets(): void {
  if (watching) return;
  watching = true;
  subscribe('net.client.socket', (message) => {
    const socket = (message as { socket?: Socket }).socket;
    if (!socket) return;
    if (callsUnderWay > 0 && abandoned) {
      // A retry of an abandoned call: it fails at once instead of waiting on the service again.
      socket.destroy();
      return;
    }
    open.add(socket);
    if (callsUnderWay > 0) duringCalls.add(socket);
    socket.once('close', () => {
      closedBytes += socketBytes(socket);
      open.delete(socket);
      duringCalls.delete(socket);
    });
  });
}

/** Bytes moved by the client sockets counted so far. */
export function networkBytes(): number {
  watchSockets();
  let total = closedBytes;
  for (const socket of open) total += socketBytes(socket);
  return total;
}

/** Runs one call to the cache service; the sockets opened meanwhile are known as its own. */
export async function asCacheCall<T>(work: () => Promise<T>): Promise<T> {
  watchSockets();
  callsUnderWay++;
  try {
    return await work();
  } finally {
    callsUnderWay--;
  }
}

/**
 * Closes the sockets of the cache calls still under way, and every socket they open from now
 * on. After a call was abandoned (the service is then given up on for the run), its requests
 * and retries neither go on nor keep the process alive.
 */
export function abandonCacheCalls(): number {
  abandoned = true;
  const sockets = [...duringCalls];
  for (const socket of sockets) socket.destroy();
  duringCalls.clear();
  return sockets.length;
}

/** Total size of the files under `dir` (a few files: @actions/cache's archive, a slot's cache.tar). */
export function treeBytes(dir: string, depth = 6): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth > 0) total += treeBytes(path, depth - 1);
    else if (e.isFile()) {
      try {
        total += statSync(path).size;
      } catch {
        // Removed while we looked: it counts as nothing.
      }
    }
  }
  return total;
}

/** Pure: a progress measure in steps, so a stall deadline only sees real movement. */
export function inSteps(bytes: number, step = PROGRESS_STEP_BYTES): number {
  return Math.floor(bytes / step);
}

/** The progress of cache calls: network bytes plus the bytes under `dirs`, in steps. */
export function cacheProgress(dirs: string[]): () => number {
  return () => inSteps(networkBytes() + dirs.reduce((sum, dir) => sum + treeBytes(dir), 0));
}
