// `walnut authsrv`'s sockets (docs/auth-protocol.md §9): the ticket service on TCP (authsrv(6)'s port 567,
// bare fixed-size messages), the local socket walnut's own servers use (frames.ts: AuthNUT and relayed
// conversations), and the admin socket the CLI uses to set passwords, unlock names and edit speaks-for
// (admin.ts). The outermost layer of the AS: conversations (conversation.ts) decide, the key store persists.
//
// Every input has a limit: connections per listener, an idle timeout, the request sizes conversation.ts
// names, frames of at most MAX_FRAME bytes, relayed conversations per local connection.
import * as net from 'node:net';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { AddressList, canonicalAddress, guesserKey } from '../auth/address.ts';
import { passwordProblem, showBytes } from '../auth/bytes.ts';
import { OWNER } from '../auth/owner.ts';
import { logger } from '../util/log.ts';
import { Conversation, type AsDeps } from './conversation.ts';
import { AuthError } from './errors.ts';
import { KIND_END, KIND_NUT, KIND_RELAY, KIND_STATUS, SETUP_STATE, MAX_ADMIN_FRAME, MAX_FRAME, SOURCELEN, decodeSource, frame, readFrames } from './frames.ts';
import { mayspeakfor, parseSpeaksFor, formatSpeaksFor, type SpeaksForDb } from './speaksfor.ts';
import { passwordKey } from './keys.ts';
import type { KeyStore } from './keystore.ts';
import type { SetupState } from './setup-state.ts';
import { handleAdmin, type AdminRequest, type AdminReply, type AdminTarget } from './admin.ts';

const log = logger('authsrv');

/** Limits of the AS's listeners. */
export const LIMITS = {
  /** TCP connections at once (a Pi serves a household, not a campus) */
  maxTcpConnections: 64,
  /** local and admin connections at once */
  maxLocalConnections: 16,
  /** a connection with no complete request for this long is closed */
  idleMs: 30_000,
  /** relayed conversations one local connection may hold open (one per NUT client in an AUTH exchange) */
  maxRelays: 4096,
  /** scrypt derivations at once: each takes 32 MiB */
  scryptConcurrency: 2,
  /** derivations waiting for their turn; more are refused ("server busy") rather than queued for minutes */
  scryptQueue: 16,
  /** TCP connections from one address at once */
  maxTcpPerSource: 8,
  /** a relayed conversation with no request for this long is forgotten */
  relayIdleMs: 60_000,
} as const;

export interface LegacyEntry {
  name: Buffer;
  key: Uint8Array;
  from: AddressList;
}

export interface AuthServiceOptions {
  store: KeyStore;
  dom: string;
  legacy: readonly LegacyEntry[];
  /** the speaks-for database (ndb text), read when it changes */
  speaksForFile: string;
  /** the first-boot claim: the label code and its window; absent: none */
  setup?: SetupState;
}

/** A queue that lets `limit` async jobs run at once and `queue` more wait; past that, `busy()` is thrown. */
class Semaphore {
  #free: number;
  readonly #queue: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number, queue: number) {
    this.#free = limit;
    this.#queue = queue;
  }
  async run<T>(job: () => Promise<T>, busy: () => Error): Promise<T> {
    if (this.#free === 0) {
      if (this.#waiting.length >= this.#queue) throw busy();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#free--;
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

const utf8 = (b: Uint8Array): string | undefined => {
  const s = Buffer.from(b).toString('utf8');
  return Buffer.from(s, 'utf8').equals(Buffer.from(b)) ? s : undefined; // not UTF-8: never in the database
};

export class AuthService implements AdminTarget {
  readonly deps: AsDeps;
  readonly #o: AuthServiceOptions;
  readonly #scrypt = new Semaphore(LIMITS.scryptConcurrency, LIMITS.scryptQueue);
  readonly #dom: Uint8Array;
  #speaksFor: { mtimeMs: number; size: number; db: SpeaksForDb } | undefined;
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  #tcpCount = 0;
  readonly #tcpBySource = new Map<string, number>();
  #localCount = 0;
  #adminCount = 0;

  constructor(o: AuthServiceOptions) {
    this.#o = o;
    this.#dom = new Uint8Array(Buffer.from(o.dom, 'latin1'));
    const store = o.store;
    const keyseed = store.keyseed();
    this.deps = {
      dom: this.#dom,
      keyseed,
      userKey: (n) => store.userKey(n),
      serverKey: (n) => store.serverKey(n),
      legacyKey: (n, source) => {
        const entry = o.legacy.find((l) => l.name.equals(n));
        return entry && entry.from.has(source) ? entry.key : undefined;
      },
      setUserKey: (n, k) => store.setUserKey(n, k),
      speaksFor: (h, u) => {
        const hs = utf8(h);
        const us = utf8(u);
        return hs !== undefined && us !== undefined && mayspeakfor(this.speaksForDb(), hs, us);
      },
      locked: (n, source) => {
        const { locked, lockedFor, nameWide } = store.attempt(n, guesserKey(source));
        if (lockedFor !== undefined) log.warn(`user ${showBytes(n)} locked out for ${lockedFor} s from ${source} after repeated failures from there`);
        if (nameWide) log.warn(`${source}: user ${showBytes(n)} is locked for every address: failures from several addresses`);
        return locked;
      },
      failed: (n, source, why) => {
        store.failed(n, guesserKey(source));
        if (why !== '') log.warn(`${source}: user ${showBytes(n)}: ${why}`);
      },
      succeeded: (n, source) => {
        store.succeeded(n, guesserKey(source));
        log.info(`${source}: user ${showBytes(n)} authenticated`);
      },
      newPasswordProblem: (n, p) => {
        const problem = passwordProblem(p);
        if (problem) return problem.slice(0, 63);
        if (p.length < 8) return 'password too short (8 bytes at least)';
        if (Buffer.from(p).equals(Buffer.from(n))) return 'password is the user name';
        return undefined;
      },
      ...(o.setup ? { setup: o.setup } : {}),
      users: {
        // the owner alone administers (src/auth/owner.ts); issue 16's web roles may add more
        mayAdminister: (n) => OWNER.equals(n),
        setKey: (n, k) => {
          store.setUserKey(n, k);
          store.unlock(n);
        },
        remove: (n) => store.removeUser(n),
      },
      derive: (p, n) =>
        this.#scrypt.run(
          () => passwordKey(p, this.#dom, n),
          () => {
            log.warn(`more than ${LIMITS.scryptQueue} password checks waiting: refusing (server busy)`);
            return new AuthError('server busy');
          },
        ),
      log: (kind, source, text) => log[kind](`${source}: ${text}`),
    };
  }

  /** The speaks-for database, re-read when the file changes; a broken file allows nothing (and says so). */
  speaksForDb(): SpeaksForDb {
    const file = this.#o.speaksForFile;
    if (!existsSync(file)) return { entries: [] };
    const st = statSync(file);
    if (this.#speaksFor && this.#speaksFor.mtimeMs === st.mtimeMs && this.#speaksFor.size === st.size) return this.#speaksFor.db;
    let db: SpeaksForDb = { entries: [] };
    try {
      db = parseSpeaksFor(readFileSync(file, 'utf8'));
    } catch (err) {
      log.error(`${file}: ${(err as Error).message}; nobody may speak for anybody until it is fixed`);
    }
    this.#speaksFor = { mtimeMs: st.mtimeMs, size: st.size, db };
    return db;
  }

  /** Replaces the speaks-for file (validated, written whole, renamed into place). */
  writeSpeaksFor(text: string): void {
    const canonical = formatSpeaksFor(parseSpeaksFor(text));
    const tmp = `${this.#o.speaksForFile}.new`;
    writeFileSync(tmp, canonical, { mode: 0o600 });
    renameSync(tmp, this.#o.speaksForFile);
    this.#speaksFor = undefined;
  }

  // ---- listeners ----

  listenTcp(host: string, port: number): Promise<net.AddressInfo> {
    const server = net.createServer((socket) => this.#tcp(socket));
    server.maxConnections = LIMITS.maxTcpConnections;
    return this.#listen(server, { host, port });
  }

  listenLocal(path: string): Promise<net.AddressInfo> {
    return this.#listen(net.createServer((socket) => this.#local(socket)), { path });
  }

  listenAdmin(path: string): Promise<net.AddressInfo> {
    return this.#listen(net.createServer((socket) => this.#admin(socket)), { path });
  }

  #listen(server: net.Server, where: net.ListenOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => {
        server.off('error', reject);
        this.#servers.push(server);
        resolve(server.address() as net.AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.setTimeout(LIMITS.idleMs, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  /** TCP 567: one conversation per connection, bare messages, sized by the conversation's state. */
  #tcp(socket: net.Socket): void {
    const source = canonicalAddress(socket.remoteAddress ?? '?');
    const guesser = guesserKey(source);
    const fromSource = this.#tcpBySource.get(guesser) ?? 0;
    if (fromSource >= LIMITS.maxTcpPerSource) {
      socket.destroy();
      return;
    }
    this.#tcpBySource.set(guesser, fromSource + 1);
    this.#track(socket);
    this.#tcpCount++;
    socket.on('close', () => {
      this.#tcpCount--;
      const n = (this.#tcpBySource.get(guesser) ?? 1) - 1;
      if (n <= 0) this.#tcpBySource.delete(guesser);
      else this.#tcpBySource.set(guesser, n);
    });
    const conv = new Conversation(this.deps, source, 'tcp');
    let buf = Buffer.alloc(0);
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          const need = conv.need(buf);
          if (buf.length < need) break;
          const req = buf.subarray(0, need);
          buf = buf.subarray(need);
          const answer = await conv.handle(new Uint8Array(req));
          if (socket.destroyed) return;
          socket.write(answer.reply);
          if (answer.close) {
            socket.end();
            return;
          }
        }
      } catch (err) {
        log.error(`${source}: ${(err as Error).message}`);
        socket.destroy();
      } finally {
        busy = false;
      }
      if (buf.length >= conv.need(buf)) void pump();
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 4096) {
        socket.destroy(); // more than any request: nobody honest pipelines this much
        return;
      }
      void pump();
    });
    socket.on('close', () => conv.end());
  }

  /** The local socket: AuthNUT and relayed conversations, framed, several at once. */
  #local(socket: net.Socket): void {
    if (this.#localCount >= LIMITS.maxLocalConnections) {
      socket.destroy();
      return;
    }
    this.#localCount++;
    socket.on('close', () => this.#localCount--);
    this.#track(socket);
    socket.setTimeout(0); // the NUT server keeps one connection open
    const relays = new Map<number, { conv: Conversation; queue: Promise<void>; lastUsed: number }>();
    // a NUT server that never sends 'E' (a bug, or a crash between) must not fill the table for good
    const sweep = setInterval(() => {
      const old = Date.now() - LIMITS.relayIdleMs;
      for (const [id, r] of relays) {
        if (r.lastUsed < old) {
          r.conv.end();
          relays.delete(id);
        }
      }
    }, LIMITS.relayIdleMs / 4);
    sweep.unref();
    socket.on('close', () => clearInterval(sweep));
    socket.on('close', () => {
      for (const r of relays.values()) r.conv.end();
      relays.clear();
    });
    const answer = (id: number, payload: Uint8Array): void => {
      if (!socket.destroyed) socket.write(frame(id, payload));
    };
    readFrames(
      socket,
      (f) => {
        const kind = f.payload[0];
        if (kind === KIND_NUT && f.payload.length > 1 + SOURCELEN) {
          const source = decodeSource(f.payload.subarray(1, 1 + SOURCELEN));
          const conv = new Conversation(this.deps, source, 'local');
          const req = new Uint8Array(f.payload.subarray(1 + SOURCELEN));
          if (conv.need(req) !== req.length) {
            answer(f.id, Buffer.alloc(0));
            return;
          }
          conv.handle(req).then(
            (a) => answer(f.id, a.reply),
            (err: unknown) => {
              log.error(`AuthNUT: ${(err as Error).message}`);
              answer(f.id, Buffer.alloc(0));
            },
          );
        } else if ((kind === KIND_RELAY || kind === KIND_END) && f.payload.length >= 5) {
          const convId = f.payload.readUInt32BE(1);
          if (kind === KIND_END) {
            relays.get(convId)?.conv.end();
            relays.delete(convId);
            answer(f.id, Buffer.alloc(0));
            return;
          }
          if (f.payload.length <= 5 + SOURCELEN) {
            answer(f.id, Buffer.alloc(0));
            return;
          }
          const source = decodeSource(f.payload.subarray(5, 5 + SOURCELEN));
          let relay = relays.get(convId);
          if (!relay) {
            if (relays.size >= LIMITS.maxRelays) {
              answer(f.id, Buffer.alloc(0));
              return;
            }
            relay = { conv: new Conversation(this.deps, source, 'relay'), queue: Promise.resolve(), lastUsed: Date.now() };
            relays.set(convId, relay);
          }
          relay.lastUsed = Date.now();
          const r = relay;
          const req = new Uint8Array(f.payload.subarray(5 + SOURCELEN));
          // one request at a time per conversation, whole: a relayed piece must be exactly one request
          r.queue = r.queue.then(async () => {
            if (r.conv.need(req) !== req.length) {
              relays.delete(convId);
              answer(f.id, Buffer.alloc(0));
              return;
            }
            const a = await r.conv.handle(req);
            if (a.close) relays.delete(convId);
            answer(f.id, a.reply);
          }).catch((err: unknown) => {
            log.error(`relay: ${(err as Error).message}`);
            relays.delete(convId);
            answer(f.id, Buffer.alloc(0));
          });
        } else if (kind === KIND_STATUS && f.payload.length === 1) {
          // what the web page needs to offer the claim or a login; nothing secret (a LAN scan learns the same)
          const setup = this.setup;
          const state = !setup ? SETUP_STATE.none : setup.isClaimed ? SETUP_STATE.claimed : setup.isOpen ? SETUP_STATE.open : SETUP_STATE.closed;
          answer(f.id, Buffer.of(state));
        } else {
          answer(f.id, Buffer.alloc(0)); // not understood: an empty reply, the caller treats it as refused
        }
      },
      MAX_FRAME,
      (err) => log.error(`local socket: ${err.message}; closing it`),
    );
  }

  /** The admin socket (0600 in the 0700 key folder): the CLI, run by root or the AS's user. */
  #admin(socket: net.Socket): void {
    if (this.#adminCount >= LIMITS.maxLocalConnections) {
      socket.destroy();
      return;
    }
    this.#adminCount++;
    socket.on('close', () => this.#adminCount--);
    this.#track(socket);
    let queue = Promise.resolve();
    readFrames(
      socket,
      (f) => {
        queue = queue.then(async () => {
          let reply: AdminReply;
          try {
            reply = await handleAdmin(this, JSON.parse(f.payload.toString('utf8')) as AdminRequest);
          } catch (err) {
            reply = { ok: false, error: (err as Error).message };
          }
          let out: Buffer;
          try {
            out = frame(f.id, Buffer.from(JSON.stringify(reply), 'utf8'), MAX_ADMIN_FRAME);
          } catch {
            out = frame(f.id, Buffer.from(JSON.stringify({ ok: false, error: 'reply too large' }), 'utf8'), MAX_ADMIN_FRAME);
          }
          if (!socket.destroyed) socket.write(out);
        }).catch((err: unknown) => {
          log.error(`admin socket: ${(err as Error).message}`);
          socket.destroy();
        });
      },
      MAX_ADMIN_FRAME,
    );
  }

  get store(): KeyStore {
    return this.#o.store;
  }

  get domain(): string {
    return this.#o.dom;
  }

  get setup(): SetupState | undefined {
    return this.#o.setup;
  }
}
