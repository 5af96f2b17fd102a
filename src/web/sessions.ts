// Web sessions after a ticket login (issue 15): an unguessable id in a `__Host-` cookie, an idle and an absolute
// timeout, a bound on how many exist, and a per-session token that every state-changing request must repeat in a
// header (the cookie alone proves nothing: a browser sends it with cross-site requests too, SameSite aside).
// Pure over an injected clock and random source; the server keeps one table in memory, so a restart logs
// everyone out — a box's sessions are not worth a database.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export type WebRole = 'admin' | 'operator' | 'viewer';

export interface WebSession {
  readonly id: string;
  readonly user: string;
  readonly role: WebRole;
  /** repeated by the page in `X-Walnut-Token` on every POST */
  readonly token: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionOptions {
  idleMs: number;
  maxMs: number;
  maxSessions: number;
  now?: () => number;
  random?: (n: number) => Uint8Array;
}

/** the cookie's name: `__Host-` makes browsers insist on Secure, Path=/ and no Domain (RFC 6265bis §4.1.3.2) */
export const SESSION_COOKIE = '__Host-walnut';

export class SessionTable {
  readonly #o: Required<SessionOptions>;
  // insertion order is login order: the first entry is the oldest, the one to drop when full
  readonly #sessions = new Map<string, WebSession>();

  constructor(o: SessionOptions) {
    this.#o = { now: Date.now, random: (n) => randomBytes(n), ...o };
  }

  create(user: string, role: WebRole): WebSession {
    this.sweep();
    while (this.#sessions.size >= this.#o.maxSessions) this.#sessions.delete(this.#sessions.keys().next().value!);
    const now = this.#o.now();
    const id = Buffer.from(this.#o.random(32)).toString('base64url');
    const session: WebSession = { id, user, role, token: Buffer.from(this.#o.random(32)).toString('base64url'), createdAt: now, lastSeen: now };
    this.#sessions.set(id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when unknown or timed out. */
  get(id: string | undefined): WebSession | undefined {
    if (id === undefined) return undefined;
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    const now = this.#o.now();
    if (this.#expired(s, now)) {
      this.#sessions.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  /** The session's token, compared in constant time. */
  tokenMatches(s: WebSession, token: string | undefined): boolean {
    if (token === undefined) return false;
    const a = Buffer.from(s.token);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  destroy(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session of a user (their password changed, or they were removed); `keep`: the session that
   *  changed its own user's password, whose owner knew the old one. */
  destroyUser(user: string, keep?: string): void {
    for (const [id, s] of this.#sessions) if (s.user === user && id !== keep) this.#sessions.delete(id);
  }

  /** Seconds the cookie should live: the absolute timeout left (the idle one is enforced here). */
  cookieMaxAge(s: WebSession): number {
    return Math.max(0, Math.floor((s.createdAt + this.#o.maxMs - this.#o.now()) / 1000));
  }

  get size(): number {
    return this.#sessions.size;
  }

  sweep(): void {
    const now = this.#o.now();
    for (const [id, s] of this.#sessions) if (this.#expired(s, now)) this.#sessions.delete(id);
  }

  #expired(s: WebSession, now: number): boolean {
    return now - s.lastSeen >= this.#o.idleMs || now - s.createdAt >= this.#o.maxMs;
  }
}

/** `Set-Cookie` for a session: Secure, HttpOnly, SameSite=Strict, host-only, Path=/ (what `__Host-` requires). */
export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Max-Age=${maxAgeSeconds}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

/** The session id from a Cookie header, or undefined. Only our cookie's exact name counts. */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}
