// The CLI's side of the AS admin socket (admin.ts): one request, one JSON reply. The AS may still be starting
// (spawned by `walnut serve` a moment ago), so connecting is retried for a few seconds.
import * as net from 'node:net';
import { FrameReader, MAX_ADMIN_FRAME, frame } from './frames.ts';
import type { AdminReply, AdminRequest } from './admin.ts';

export class AdminUnavailableError extends Error {
  constructor(path: string, why: string) {
    super(`the authentication server is not reachable at ${path} (${why}): is walnut serve (or walnut authsrv) running?`);
    this.name = 'AdminUnavailableError';
  }
}

function connectOnce(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

export async function connectAdmin(path: string, waitMs = 10_000): Promise<net.Socket> {
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      return await connectOnce(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (code === 'EACCES' || Date.now() + delay > deadline) throw new AdminUnavailableError(path, code);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export function adminRequest(socket: net.Socket, req: AdminRequest, timeoutMs = 30_000): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const reader = new FrameReader(MAX_ADMIN_FRAME);
    const timer = setTimeout(() => reject(new Error('the authentication server did not answer')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      for (const f of reader.push(chunk)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(JSON.parse(f.payload.toString('utf8')) as AdminReply);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('the authentication server closed the admin connection')));
    socket.write(frame(1, Buffer.from(JSON.stringify(req), 'utf8'), MAX_ADMIN_FRAME));
  });
}
