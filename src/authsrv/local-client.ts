// The NUT server's side of the AS's local socket (frames.ts): AuthNUT for PASSWORD checks (§7.4) and relays for
// NUT `AUTH AS` (§7.5). It also reads the server's own key, which the AS leaves in the run folder for it
// (upsd.key, 0640, the NUT server's group): with it the NUT server opens the tickets the AS seals for it, and
// nothing more — it never sees a user key.
//
// The AS may start after the NUT server (spawned alongside, or restarted by systemd): requests wait for the
// connection up to `connectTimeoutMs` and fail after that (a failed check is a refusal, never an acceptance).
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { AuthNUT, AuthOK, PAKYLEN, TICKETLEN, AuthTs, AuthAc } from './constants.ts';
import { AuthError } from './errors.ts';
import { KIND_END, KIND_NUT, KIND_RELAY, KIND_STATUS, SETUP_STATE, encodeSource, frame, readFrames, type SetupStateName } from './frames.ts';
import { encodeNutreq, openAuthenticator, openTicket } from './messages.ts';
import { PakState } from './pak.ts';
import { ServerAuth } from './mutual.ts';
import { logger } from '../util/log.ts';

const log = logger('auth');

/** What the AS writes for the NUT server: `{ "domain": DN, "id": "upsd", "key": base64 }`. */
export interface ServerCredentials {
  domain: string;
  id: string;
  key: Uint8Array;
}

export const SERVER_ID = 'upsd';
export const SERVER_KEY_FILE = 'upsd.key';
export const SOCKET_FILE = 'authsrv.sock';

export function readServerCredentials(file: string): ServerCredentials {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { domain: string; id: string; key: string };
  const key = new Uint8Array(Buffer.from(j.key, 'base64'));
  if (key.length !== 32 || typeof j.domain !== 'string' || typeof j.id !== 'string') throw new Error(`${file}: malformed`);
  return { domain: j.domain, id: j.id, key };
}

interface Pending {
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface LocalAuthClientOptions {
  socketPath: string;
  keyFile: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export class LocalAuthClient {
  readonly #o: Required<LocalAuthClientOptions>;
  #socket: net.Socket | undefined;
  #connecting: Promise<net.Socket> | undefined;
  #creds: ServerCredentials | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  #warned = false;

  constructor(o: LocalAuthClientOptions) {
    this.#o = { connectTimeoutMs: 10_000, requestTimeoutMs: 15_000, ...o };
  }

  /** The server's key and the domain; read once the AS has written them. */
  credentials(): ServerCredentials | undefined {
    if (this.#creds) return this.#creds;
    try {
      this.#creds = readServerCredentials(this.#o.keyFile);
    } catch {
      return undefined;
    }
    return this.#creds;
  }

  async #connect(): Promise<net.Socket> {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    if (this.#connecting) return this.#connecting;
    const deadline = Date.now() + this.#o.connectTimeoutMs;
    this.#connecting = (async () => {
      for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
        if (this.#closed) throw new Error('closed');
        try {
          const s = await new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(this.#o.socketPath);
            s.once('connect', () => {
              s.off('error', reject);
              resolve(s);
            });
            s.once('error', reject);
          });
          if (this.#warned) log.info('authentication server reachable again');
          this.#warned = false;
          this.#attach(s);
          return s;
        } catch (err) {
          if (Date.now() + delay > deadline) {
            if (!this.#warned) log.error(`cannot reach the authentication server at ${this.#o.socketPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            this.#warned = true;
            throw new Error('authentication server unreachable');
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })();
    try {
      return await this.#connecting;
    } finally {
      this.#connecting = undefined;
    }
  }

  #attach(s: net.Socket): void {
    this.#socket = s;
    readFrames(s, (f) => {
      const p = this.#pending.get(f.id);
      if (!p) return;
      this.#pending.delete(f.id);
      clearTimeout(p.timer);
      p.resolve(f.payload);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.#socket === s) this.#socket = undefined;
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new Error('authentication server connection lost'));
        this.#pending.delete(id);
      }
    });
  }

  async #request(payload: Buffer): Promise<Buffer> {
    const s = await this.#connect();
    const id = this.#nextId++ >>> 0;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error('authentication server did not answer in time'));
      }, this.#o.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      s.write(frame(id, payload));
    });
  }

  /** §7.4: the AS checks a NUT password; the user the ticket names, or undefined when refused. */
  async checkNutPassword(user: Uint8Array, password: Uint8Array, source: string): Promise<Uint8Array | undefined> {
    const creds = this.credentials() ?? (await this.#connect().then(() => this.credentials()));
    if (!creds) throw new Error('the authentication server has not written the NUT server key yet');
    const dom = new Uint8Array(Buffer.from(creds.domain, 'latin1'));
    const id = new Uint8Array(Buffer.from(creds.id, 'latin1'));
    const chs = new Uint8Array(randomBytes(16));
    const pak = new PakState('client', { key: creds.key, dom, id });
    let req: Uint8Array;
    try {
      req = encodeNutreq({ type: AuthNUT, authid: id, authdom: dom, chal: chs, hostid: id, uid: user }, password);
    } catch {
      return undefined; // a name or password no key could have (too long, control bytes): refused
    }
    const reply = await this.#request(Buffer.concat([Buffer.of(KIND_NUT), encodeSource(source), req, pak.y]));
    if (reply.length !== 1 + PAKYLEN + TICKETLEN + 76 || reply[0] !== AuthOK) return undefined;
    try {
      const k = pak.finish(reply.subarray(1, 1 + PAKYLEN));
      const ts = openTicket(k.key, AuthTs, reply.subarray(1 + PAKYLEN, 1 + PAKYLEN + TICKETLEN), dom);
      const ac = openAuthenticator(ts.key, AuthAc, reply.subarray(1 + PAKYLEN + TICKETLEN), dom);
      if (!Buffer.from(ts.chal).equals(chs) || !Buffer.from(ac.chal).equals(chs) || !Buffer.from(ts.suid).equals(Buffer.from(user))) return undefined;
      return ts.suid;
    } catch (err) {
      if (err instanceof AuthError) {
        log.error(`AuthNUT: the AS's reply does not open with this server's key (${err.text}): is ${this.#o.keyFile} stale?`);
        this.#creds = undefined;
        return undefined;
      }
      throw err;
    }
  }

  /** The claim state: 'open' while the label code works, 'claimed' once the owner took the unit over. */
  async setupState(): Promise<SetupStateName> {
    const reply = await this.#request(Buffer.of(KIND_STATUS));
    const name = (Object.keys(SETUP_STATE) as SetupStateName[]).find((k) => reply.length === 1 && SETUP_STATE[k] === reply[0]);
    if (!name) throw new Error('the authentication server did not say whether the unit is claimed');
    return name;
  }

  #nextConversation = 1;

  /** A relayed-conversation number no other user of this client holds (the NUT server's AUTH and the web page
   *  relay through the same socket, and the AS keys conversations by this number alone). */
  newConversation(): number {
    const id = this.#nextConversation;
    this.#nextConversation = (this.#nextConversation % 0xffff_ffff) + 1;
    return id;
  }

  /** One request of relayed conversation `conv`; the AS's reply (empty: refused). */
  async relay(conv: number, source: string, request: Uint8Array): Promise<Uint8Array> {
    const head = Buffer.alloc(5);
    head[0] = KIND_RELAY;
    head.writeUInt32BE(conv >>> 0, 1);
    const reply = await this.#request(Buffer.concat([head, encodeSource(source), request]));
    if (reply.length === 0) throw new Error('the authentication server refused the relayed request');
    return new Uint8Array(reply);
  }

  end(conv: number): void {
    if (!this.#socket || this.#socket.destroyed) return;
    const head = Buffer.alloc(5);
    head[0] = KIND_END;
    head.writeUInt32BE(conv >>> 0, 1);
    this.#request(head).catch(() => undefined);
  }

  /** A fresh server end of mutual authentication (NUT AUTH), or undefined before the AS wrote the key. */
  serverAuth(): ServerAuth | undefined {
    const c = this.credentials();
    if (!c) return undefined;
    return new ServerAuth({ id: new Uint8Array(Buffer.from(c.id, 'latin1')), key: c.key, dom: c.domain });
  }

  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
  }
}
