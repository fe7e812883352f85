/**
 * What "progress" means for a call to the cache service: bytes moving over the process's client
 * sockets (downloads, uploads) or into the run's own cache directories (@actions/cache's archive
 * being packed or unpacked). The deadlines of those calls are stall deadlines on this measure,
 * so a slow but steady transfer goes on while a silent service is given up on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** Less than this much movement is no progress (a retried small request is not a transfer). */
export const PROGRESS_STEP_BYTES = 64 * 1024;

/** One call to the cache service: the sockets it opened, and whether it was given up on. */
interface CacheCall {
  sockets: Set<Socket>;
  abandoned: boolean;
}

/**
 * The cache call a socket is opened for: the channel's message comes synchronously in the
 * opener's async context, so only the cache's own sockets are counted and ever closed here
 * (a registry read or a GitHub call of the same process is never touched).
 */
const currentCall = new AsyncLocalStorage<CacheCall>();
const liveCalls = new Set<CacheCall>();
const open = new Set<Socket>();
let closedBytes = 0;
let watching = false;

function socketBytes(socket: Socket): number {
  return (socket.bytesRead ?? 0) + (socket.bytesWritten ?? 0);
}

/** Starts counting the bytes of every client socket a cache call opens from now on. */
function watchSockets(): void {
  if (watching) return;
  watching = true;
  subscribe('net.client.socket', (message) => {
    const socket = (message as { socket?: Socket }).socket;
    const call = currentCall.getStore();
    if (!socket || !call) return;
    if (call.abandoned) {
      // A retry of an abandoned call: it fails at once instead of waiting on the service again.
      socket.destroy();
      return;
    }
    open.add(socket);
    call.sockets.add(socket);
    socket.once('close', () => {
      closedBytes += socketBytes(socket);
      open.delete(socket);
      call.sockets.delete(socket);
    });
  });
}

/** Bytes moved by the cache calls' client sockets so far. */
export function networkBytes(): number {
  watchSockets();
  let total = closedBytes;
  for (const socket of open) total += socketBytes(socket);
  return total;
}

/** Runs one call to the cache service; the sockets it opens are known as its own. */
export async function asCacheCall<T>(work: () => Promise<T>): Promise<T> {
  watchSockets();
  const call: CacheCall = { sockets: new Set(), abandoned: false };
  liveCalls.add(call);
  try {
    return await currentCall.run(call, work);
  } finally {
    liveCalls.delete(call);
  }
}

/**
 * Closes the sockets of the cache calls still under way, and every socket they open from now
 * on. After a call was abandoned (the service is then given up on for the run), its requests
 * and retries neither go on nor keep the process alive. Returns how many sockets it closed.
 */
export function abandonCacheCalls(): number {
  let closed = 0;
  for (const call of liveCalls) {
    call.abandoned = true;
    for (const socket of call.sockets) {
      socket.destroy();
      closed++;
    }
    call.sockets.clear();
  }
  return closed;
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
