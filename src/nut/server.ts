// The NUT server's socket side: accepts TCP connections, feeds bytes to the tokenizer, runs commands in order
// and writes replies. Protocol meaning lives in commands.ts; this file owns limits and timing.
//
// Where upsd 2.8 is weak, walnut differs on purpose (docs/nut-compat.md):
// - Idle timeout is configurable (default 300 s, upsd: 60 s hard-coded); like upsd, only a complete line
//   counts as activity (docs/nut-protocol.md §1.4); a line that does not parse is not (upsd counts it). A client
//   that sends only bad lines (ERR UNKNOWN-COMMAND / INVALID-ARGUMENT) is dropped after `maxConsecutiveErrors`
//   of them in a row (bad-lines.ts); upsd has no such limit.
// - Sockets never block the server: a client that stops reading stops being read (its pipelined requests wait
//   in the kernel), and is dropped when its output stays above the high-water mark for `writeStallMs`. Nobody
//   else waits for it (upsd blocks every client on one such writer; docs/nut-protocol.md §1.5 item 1).
// - Past `maxConnections`, a new connection is accepted and closed at once, so the client sees EOF instead of
//   hanging in the backlog, and the refusal is counted and logged (upsd goes silent and spins).
// - Replies to a batch of pipelined lines stream out in writes of 1, 2, 4, 8, ... replies, with TCP_NODELAY:
//   the first reply leaves at once, so the client works on it while later lines are still being answered (as
//   with upsd's write per line), yet n lines cost about log2(n) writes instead of n (upsd's per-line writes
//   also meet Nagle and cost ~40 ms per LIST). docs/benchmarks.md, "Pipelined replies".
import * as net from 'node:net';
import * as tls from 'node:tls';
import { NutError } from './errors.ts';
import { BadLineCount, badLineError, isBadLineReply } from './bad-lines.ts';
import { judgePeerCertificate } from './client-cert.ts';
import { execute } from './commands.ts';
import type { CommandContext } from './context.ts';
import { looksLikeHttp } from './http-probe.ts';
import { encodeReply, type Reply } from './reply.ts';
import { newSession, type Session } from './session.ts';
import { snapshotSession, type SessionSnapshot } from './session-snapshot.ts';
import { requestTokenizer } from './credential-words.ts';
import type { Tokenizer, TokenizerEvent } from './tokenizer.ts';
import type { ConnectionEvent, NutServerLimits, NutServerOptions, NutTlsOptions, ServerCounters } from './server-types.ts';
import { clean, logger } from '../util/log.ts';

export type { ConnectionEvent, NutServerLimits, NutServerOptions, NutTlsOptions, ServerCounters } from './server-types.ts';
export type { SessionSnapshot } from './session-snapshot.ts';

const log = logger('nut');

function isBenignSocketError(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ECONNRESET' || err.code === 'ETIMEDOUT';
}

class Connection {
  readonly session: Session;
  lastHeard: number;
  /** when output first stayed above the high-water mark, else 0 */
  stalledSince = 0;
  private tokenizer: Tokenizer = requestTokenizer();
  /** STARTTLS answered: no more lines in clear; the handshake starts once the reply has left */
  private upgrading = false;
  private pending: Buffer | undefined;
  private pendingOffset = 0;
  private busy = false;
  /** a write was refused by the stream (or a flush callback is pending): 'drain' or the callback re-pumps */
  private awaitingDrain = false;
  private closing = false;
  private out = '';
  /** replies in `out` since the last write, and how many the next write waits for (doubles per write) */
  private repliesQueued = 0;
  private nextWriteAt = 1;
  private firstLine = true;
  private readonly badLines: BadLineCount;
  /** the TCP socket, or after STARTTLS the TLS socket over it */
  socket: net.Socket;
  private readonly server: NutServer;

  constructor(socket: net.Socket, server: NutServer) {
    this.socket = socket;
    this.server = server;
    this.session = newSession(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    this.lastHeard = Date.now();
    this.badLines = new BadLineCount(server.limits.maxConsecutiveErrors);
    socket.setNoDelay(true);
    this.listen(socket);
  }

  private listen(socket: net.Socket): void {
    const server = this.server;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.awaitingDrain = false;
      this.stalledSince = 0;
      this.pump();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!isBenignSocketError(err)) log.debug(`${this.peer()}: socket error ${err.code ?? err.message}`);
    });
    socket.on('close', () => server.forget(this));
  }

  peer(): string {
    return `${this.session.address}:${this.session.port}`;
  }

  close(reason: string): void {
    if (this.closing && this.socket.destroyed) return;
    this.closing = true;
    this.server.noteCloseReason(this, reason);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    if (this.pending) {
      const rest = this.pending.length - this.pendingOffset;
      if (rest + chunk.length > this.server.limits.maxPendingInputBytes) {
        log.warn(`${this.peer()}: more than ${this.server.limits.maxPendingInputBytes} bytes of requests queued; closing`);
        this.close('input overflow');
        return;
      }
      this.pending = Buffer.concat([this.pending.subarray(this.pendingOffset), chunk]);
    } else {
      this.pending = chunk;
    }
    this.pendingOffset = 0;
    this.pump();
  }

  /** Runs as many buffered request lines as flow control allows, then writes their replies at once. */
  private pump(): void {
    this.nextWriteAt = 1;
    while (this.pending && !this.busy && !this.closing && !this.session.closeAfterReply && !this.upgrading) {
      const buf = this.pending;
      const stoppedAt = this.tokenizer.push(buf, (ev) => this.onEvent(ev), this.pendingOffset);
      if (stoppedAt >= buf.length) {
        this.pending = undefined;
        this.pendingOffset = 0;
      } else {
        this.pendingOffset = stoppedAt;
      }
      if (this.overHighWater()) {
        // Hand the replies to the socket; if the kernel took them, keep going, else wait for 'drain'.
        this.flush();
        if (this.overHighWater()) break;
      }
    }
    this.flush();
    if (this.closing) return;
    if (this.upgrading) {
      this.startTls();
      return;
    }
    const blocked = this.busy || this.overHighWater();
    if (blocked) {
      if (!this.socket.isPaused()) this.socket.pause();
      if (this.overHighWater()) {
        if (this.stalledSince === 0) this.stalledSince = Date.now();
        // The mark may sit below the stream's own, so write() said yes and no 'drain' will come: ask the
        // stream to call back once what is queued now has gone to the kernel.
        if (!this.awaitingDrain) {
          this.awaitingDrain = true;
          this.socket.write('', 'latin1', () => {
            this.awaitingDrain = false;
            if (!this.closing) this.pump();
          });
        }
      }
    } else {
      this.stalledSince = 0;
      if (this.socket.isPaused()) this.socket.resume();
    }
  }

  private overHighWater(): boolean {
    return this.socket.writableLength + this.out.length > this.server.limits.outputHighWaterBytes;
  }

  private flush(): void {
    this.repliesQueued = 0;
    if (this.out.length === 0) return;
    const out = this.out;
    this.out = '';
    if (!this.socket.destroyed && !this.socket.write(out, 'latin1')) this.awaitingDrain = true;
    if (this.session.closeAfterReply && !this.busy) {
      this.closing = true;
      this.server.noteCloseReason(this, 'logout');
      // end() after the reply; libupsclient closes without reading it, so EPIPE/ECONNRESET are expected
      this.socket.end();
    }
  }

  /** Tokenizer callback: returns false to stop feeding (async reply, LOGOUT, back-pressure, or dropped). */
  private onEvent(ev: TokenizerEvent): boolean {
    const counters = this.server.counters;
    if (ev.kind === 'parse-error') {
      counters.parseErrors++;
      log.debug(`${this.peer()}: parse error: ${ev.reason}`);
      return this.answered('ERR INVALID-ARGUMENT\n', true) && !this.overHighWater();
    }
    // a complete line is activity, as in upsd (docs/nut-protocol.md §1.4); one that did not even parse is not
    this.lastHeard = Date.now();
    counters.requests++;
    const words = ev.words;
    if (this.firstLine) {
      this.firstLine = false;
      if (looksLikeHttp(words)) {
        counters.httpRefused++;
        log.info(`${this.peer()}: HTTP request on the NUT port (${clean(words[0]!)} ${clean(words[1]!, 60)}); closing`);
        this.out += 'ERR UNKNOWN-COMMAND\n';
        this.closing = true;
        this.socket.end(this.out, 'latin1');
        this.out = '';
        this.server.noteCloseReason(this, 'http request');
        return false;
      }
    }
    let reply: Reply | Promise<Reply>;
    try {
      reply = execute(this.server.context, this.session, words);
    } catch (err) {
      return this.answered(this.errorLine(err, words), badLineError(err)) && !this.overHighWater();
    }
    if (reply instanceof Promise) {
      this.busy = true;
      reply
        .then(
          (r) => {
            const text = encodeReply(r);
            return { text, bad: isBadLineReply(text) };
          },
          (err: unknown) => ({ text: this.errorLine(err, words), bad: badLineError(err) }),
        )
        .then(({ text, bad }) => {
          this.busy = false;
          if (this.closing) return;
          this.answered(text, bad);
          this.pump();
        });
      return false;
    }
    const text = encodeReply(reply);
    if (!this.answered(text, isBadLineReply(text))) return false;
    if (this.session.closeAfterReply || this.upgrading) return false;
    if (++this.repliesQueued >= this.nextWriteAt) {
      this.flush();
      this.nextWriteAt *= 2;
    }
    return !this.overHighWater();
  }

  /** Queues a reply; after `maxConsecutiveErrors` bad lines in a row (bad-lines.ts) the client is dropped, and
   *  the answer is false. */
  private answered(text: string, bad: boolean): boolean {
    this.out += text;
    if (!this.badLines.note(bad)) return true;
    this.server.counters.badLineClosed++;
    log.warn(`${this.peer()}: ${this.badLines.count} bad lines in a row (nut.maxConsecutiveErrors); closing`);
    this.closing = true;
    this.server.noteCloseReason(this, 'too many bad lines');
    // the replies so far still go out; what the client sends meanwhile is not read
    const out = this.out;
    this.out = '';
    const socket = this.socket;
    socket.end(out, 'latin1', () => socket.destroy());
    return false;
  }

  /** Called by STARTTLS's handler (through the server) before it answers OK STARTTLS. */
  requestTls(): void {
    if (!this.server.tlsOptions) throw new NutError('FEATURE-NOT-CONFIGURED');
    this.upgrading = true;
  }

  /**
   * After `OK STARTTLS` has gone out: a full reset (issue 5). Whatever the client pipelined in clear after
   * STARTTLS is dropped, the credentials and LOGIN given in clear are forgotten, and the TLS handshake runs on
   * the same socket (docs/nut-protocol.md §5.1); lines are parsed again only inside TLS.
   */
  private startTls(): void {
    const options = this.server.tlsOptions!;
    const dropped = this.pending ? this.pending.length - this.pendingOffset : 0;
    if (dropped > 0) log.info(`${this.peer()}: ${dropped} bytes sent in clear after STARTTLS dropped`);
    this.pending = undefined;
    this.pendingOffset = 0;
    this.tokenizer = requestTokenizer();
    this.session.username = undefined;
    this.session.password = undefined;
    this.session.ticketUser = undefined;
    if (this.session.auth !== undefined) this.server.context.tickets?.forget(this.session);
    this.session.auth = undefined;
    if (this.session.loginUps !== undefined) this.server.dropLogin(this.session);
    this.session.loginUps = undefined;
    this.session.primary = false;
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('drain');
    raw.pause();
    // the handshake may start only once OK STARTTLS is on the wire: an empty write calls back after it
    raw.write('', 'latin1', () => {
      if (this.closing || raw.destroyed) return;
      const secure = new tls.TLSSocket(raw, {
        isServer: true,
        secureContext: options.secureContext,
        requestCert: options.clientCertificates !== 'off',
        // verdicts on client certificates are ours, so they can be logged with their reason (tls.md: node
        // drops the connection silently otherwise)
        rejectUnauthorized: false,
      });
      this.socket = secure;
      const timer = setTimeout(() => {
        log.info(`${this.peer()}: TLS handshake not finished in ${options.handshakeTimeoutMs} ms; closing`);
        this.close('tls handshake timeout');
      }, options.handshakeTimeoutMs);
      timer.unref();
      secure.once('secure', () => {
        clearTimeout(timer);
        if (!this.acceptPeer(secure, options)) return;
        this.session.tls = true;
        // NUT AUTH binds its session secret to this channel (docs/auth-protocol.md §4.3)
        this.session.tlsExporter = new Uint8Array(secure.exportKeyingMaterial(32, 'EXPORTER-dp9r1', Buffer.alloc(0)));
        this.upgrading = false;
        this.lastHeard = Date.now();
        log.debug(`${this.peer()}: TLS ${secure.getProtocol()} ${secure.getCipher()?.name ?? ''}`);
        this.pump();
      });
      secure.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!this.session.tls) log.info(`${this.peer()}: TLS handshake failed: ${clean(err.code ?? err.message, 120)}`);
        this.close(this.session.tls ? 'tls error' : 'tls handshake failed');
      });
      this.listen(secure);
    });
  }

  /** Client certificate policy, after the handshake: false when the connection was refused (and closed). */
  private acceptPeer(secure: tls.TLSSocket, options: NutTlsOptions): boolean {
    const verdict = judgePeerCertificate(secure, options);
    if (verdict.refused !== undefined) {
      this.server.counters.certificateRefused++;
      log.warn(`${this.peer()}: client certificate refused: ${verdict.refused}`);
      this.close('client certificate refused');
      return false;
    }
    if (verdict.accepted !== undefined) log.info(`${this.peer()}: client certificate ${verdict.accepted}`);
    return true;
  }

  private errorLine(err: unknown, words: readonly string[]): string {
    if (err instanceof NutError) {
      if (err.reason) log.debug(`${this.peer()}: ${clean(words[0] ?? '')}: ${err.wire} (${err.reason})`);
      return err.wire + '\n';
    }
    // A bug, not a protocol error: keep serving this client and everybody else, and say so loudly.
    log.error(`${this.peer()}: internal error on ${clean(words.slice(0, 3).join(' '))}: ${(err as Error)?.stack ?? String(err)}`);
    return 'ERR INVALID-ARGUMENT\n';
  }
}

export class NutServer {
  readonly context: CommandContext;
  readonly limits: NutServerLimits;
  readonly counters: ServerCounters = {
    accepted: 0,
    refusedOverCap: 0,
    idleClosed: 0,
    stallClosed: 0,
    httpRefused: 0,
    parseErrors: 0,
    requests: 0,
    badLineClosed: 0,
    certificateRefused: 0,
  };
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly loginsByUps = new Map<string, Set<Session>>();
  private readonly closeReasons = new WeakMap<Connection, string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastRefusalLog = 0;
  private readonly onConnection: ((event: ConnectionEvent) => void) | undefined;

  readonly tlsOptions: NutTlsOptions | undefined;
  private readonly connectionOf = new WeakMap<Session, Connection>();

  constructor(options: NutServerOptions) {
    this.limits = options.limits;
    this.tlsOptions = options.tls;
    this.onConnection = options.onConnection;
    const onAudit = options.onAudit;
    this.context = {
      ...options.context,
      startTls:
        options.context.startTls ??
        ((session) => {
          const conn = this.connectionOf.get(session);
          if (!conn) throw new NutError('FEATURE-NOT-CONFIGURED');
          conn.requestTls();
        }),
      logins: (ups) => [...(this.loginsByUps.get(ups) ?? [])],
      audit: (event) => {
        // a LOGIN whose credential check finished after its connection closed must not count (NUMLOGINS)
        if (event.kind === 'login' && event.session.closed) return;
        if (event.kind === 'login') {
          let set = this.loginsByUps.get(event.ups);
          if (!set) this.loginsByUps.set(event.ups, (set = new Set()));
          set.add(event.session);
        }
        onAudit?.(event);
      },
    };
  }

  /** Open connections by whether STARTTLS has completed on them (walnut_nut_clients in /metrics). */
  clientsByTransport(): { tls: number; clear: number } {
    let tls = 0;
    for (const c of this.connections) if (c.session.tls) tls++;
    return { tls, clear: this.connections.size - tls };
  }

  /** The connections open now, as the Clients page shows them (session-snapshot.ts): a copy, never the sessions. */
  sessions(): SessionSnapshot[] {
    return [...this.connections].map((c) => snapshotSession(c.session));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Listens on host:port (port 0 picks one); resolves with the bound address. */
  listen(host: string, port: number): Promise<net.AddressInfo> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // A deep backlog: upsd's 16 drops SYNs in bursts (docs/nut-protocol.md §1.5 item 2).
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => {
        server.off('error', reject);
        server.on('error', (err) => log.error(`listener ${host}:${port}: ${err.message}`));
        this.servers.push(server);
        if (!this.sweepTimer) {
          this.sweepTimer = setInterval(() => this.sweep(), 1000);
          this.sweepTimer.unref();
        }
        const addr = server.address() as net.AddressInfo;
        const shown = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
        log.info(`listening on ${shown}`);
        resolve(addr);
      });
    });
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= this.limits.maxConnections) {
      this.counters.refusedOverCap++;
      socket.on('error', () => undefined);
      socket.destroy();
      const now = Date.now();
      if (now - this.lastRefusalLog > 10_000) {
        this.lastRefusalLog = now;
        log.warn(
          `connection limit ${this.limits.maxConnections} reached: refusing new connections (${this.counters.refusedOverCap} refused so far)`,
        );
      }
      return;
    }
    this.counters.accepted++;
    const conn = new Connection(socket, this);
    this.connections.add(conn);
    this.connectionOf.set(conn.session, conn);
    this.onConnection?.({ kind: 'connect', address: conn.session.address, port: conn.session.port });
  }

  noteCloseReason(conn: Connection, reason: string): void {
    if (!this.closeReasons.has(conn)) this.closeReasons.set(conn, reason);
  }

  /** STARTTLS resets a LOGIN made in clear: NUMLOGINS drops until the client logs in again inside TLS. */
  dropLogin(session: Session): void {
    if (session.loginUps !== undefined) this.loginsByUps.get(session.loginUps)?.delete(session);
  }

  forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    conn.session.closed = true;
    if (conn.session.auth !== undefined) this.context.tickets?.forget(conn.session);
    const ups = conn.session.loginUps;
    if (ups !== undefined) this.loginsByUps.get(ups)?.delete(conn.session); // NUMLOGINS drops on any disconnect
    this.onConnection?.({
      kind: 'disconnect',
      address: conn.session.address,
      port: conn.session.port,
      reason: this.closeReasons.get(conn) ?? 'peer closed',
    });
  }

  /** Once a second: idle and stalled clients go (upsd checks idleness once per main-loop pass, too). */
  private sweep(): void {
    const now = Date.now();
    for (const conn of this.connections) {
      if (now - conn.lastHeard > this.limits.idleTimeoutMs) {
        this.counters.idleClosed++;
        conn.close('idle timeout');
      } else if (conn.stalledSince !== 0 && now - conn.stalledSince > this.limits.writeStallMs) {
        this.counters.stallClosed++;
        log.info(`${conn.peer()}: not reading its replies for ${this.limits.writeStallMs} ms; closing`);
        conn.close('not reading');
      }
    }
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const conn of this.connections) conn.close('server shutdown');
    await Promise.all(closing);
    // every disconnect reaches the event log before the caller closes it: wait (bounded) for the last 'close'
    const deadline = Date.now() + 2000;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
}

