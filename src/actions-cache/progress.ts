/**
 * What "progress" means for a call to the cache service: bytes moving over the cache worker's
 * client sockets (downloads, uploads) or into the call's own directories (@actions/cache's
 * archive being packed or unpacked). The deadlines of those calls are stall deadlines on this
 * measure, so a slow but steady transfer goes on while a silent service is given up on.
 */
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** Less than this much movement is no progress (a retried small request is not a transfer). */
export const PROGRESS_STEP_BYTES = 64 * 1024;

/**
 * Starts counting the bytes of every client socket this process opens from now on; returns
 * the total so far. Meant for the cache worker, whose every socket belongs to its one call.
 */
export function meterSockets(): () => number {
  const open = new Set<Socket>();
  let closedBytes = 0;
  const socketBytes = (socket: Socket): number => (socket.bytesRead ?? 0) + (socket.bytesWritten ?? 0);
  subscribe('net.client.socket', (message) => {
    const socket = (message as { socket?: Socket }).socket;
    if (!socket) return;
    open.add(socket);
    socket.once('close', () => {
      closedBytes += socketBytes(socket);
      open.delete(socket);
    });
  });
  return () => {
    let total = closedBytes;
    for (const socket of open) total += socketBytes(socket);
    return total;
  };
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
