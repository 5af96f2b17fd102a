// Runs the real NUT command-line clients (Debian's nut-client 2.8.0) and a raw line client for the protocol.
import { execFile } from 'node:child_process';
import * as net from 'node:net';

export interface ClientResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with a time limit; never rejects: the exit code is part of the result. */
export function run(cmd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ClientResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: options.timeoutMs ?? 15_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** A raw protocol connection: send lines, read reply lines. */
export class LineClient {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress` picks the source address (any of 127/8 on loopback: tests of per-address behaviour) */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Next reply line (without LF); rejects after `timeoutMs` or on close. */
  async line(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buffer.indexOf('\n');
      if (i >= 0) {
        const l = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        return l;
      }
      if (this.closed) throw new Error(`connection closed; partial: ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply line within ${timeoutMs} ms; partial: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Sends one request and returns its reply: one line, or the whole BEGIN LIST ... END LIST block. */
  async request(line: string, timeoutMs = 5000): Promise<string[]> {
    this.send(line + '\n');
    const first = await this.line(timeoutMs);
    if (!first.startsWith('BEGIN LIST')) return [first];
    const out = [first];
    for (;;) {
      const l = await this.line(timeoutMs);
      out.push(l);
      if (l.startsWith('END LIST')) return out;
    }
  }

  /** Resolves when the server closes the connection (or after timeoutMs with false). */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A NUT connection on `port` that has sent STARTTLS and read upsd's `OK STARTTLS`: ready for tls.connect. */
export async function afterStarttls(port: number): Promise<net.Socket> {
  const raw = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((res, rej) => raw.once('connect', res).once('error', rej));
  raw.write('STARTTLS\n');
  const line = await new Promise<string>((res, rej) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) {
        raw.off('data', onData);
        res(buf);
      }
    };
    raw.on('data', onData).once('error', rej);
  });
  if (line !== 'OK STARTTLS\n') throw new Error(`STARTTLS answered ${JSON.stringify(line)}`);
  return raw;
}
