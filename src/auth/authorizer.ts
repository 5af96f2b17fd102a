// The NUT credential check (the Authorizer of src/auth/rights.ts, which src/nut/commands.ts asks) over the
// principal database, with the brute-force throttle and the opt-in legacy client entries. USERNAME and PASSWORD
// are accepted unchecked and verified here when LOGIN, PRIMARY/MASTER, FSD, SET VAR or INSTCMD is attempted
// (docs/nut-protocol.md §2.3, §4.1).
//
// One attempt, in order:
// 1. Attempts from one source address run one at a time (a guesser gains nothing from parallel connections).
// 2. The throttle's delay for this source and name is waited out (the reply is late; the connection is paused,
//    nobody else waits). An attempt whose connection closed meanwhile is dropped unchecked.
// 3. The password goes to the authentication server (AuthNUT, docs/auth-protocol.md §7.4), the one audited place
//    every credential check passes: it runs scrypt for known and unknown names alike, applies its lockout and
//    answers with a ticket for the user this server opens with its own key. This process never sees a key.
// 4. The principal is read from walnut.db (fresh: CLI changes apply at once); an unknown or disabled principal
//    fails whatever the AS said, with the same `ERR ACCESS-DENIED` (docs/auth-protocol.md §1 item 5).
// 5. Failure: counted against the source and the name, logged with the source (never the password).
//    Success: the roles decide the right (upsd.users semantics, roles.ts).
// A connection's later actions reuse its check while the principal's updated_at is unchanged (one AS check
// per connection, not per command; `walnut user passwd` moves updated_at); status and roles are read every
// time. A session that proved itself with a ticket (NUT AUTH) is authorised by `allowedUser`: roles only.
import type { AuthPeer, Authorizer, Right } from './rights.ts';
import { logger } from '../util/log.ts';
import { AddressList, canonicalAddress } from './address.ts';
import { showBytes, wordBytes } from './bytes.ts';
import { LoginThrottle } from './throttle.ts';
import { allows, describeRight, noRoles, type Roles } from './roles.ts';
import type { PrincipalStore } from './principals.ts';
import { OWNER, ownerRoles } from './owner.ts';

/** The AS's verdict on a NUT password (src/authsrv/local-client.ts): the user its ticket names, or undefined. */
export type PasswordCheck = (name: Buffer, password: Buffer, source: string) => Promise<Uint8Array | undefined>;

const log = logger('auth');

/** The event log as far as the authorizer needs it (src/storage/event-log.ts). */
export interface EventSink {
  record(kind: string, source?: string, detail?: string): void;
}

/** An opt-in legacy NAS client (e.g. Synology's monuser/secret): see config.ts `legacyClients`. */
export interface LegacyClient {
  username: string;
  password: string;
  /** addresses and CIDR blocks it may log in from */
  from: readonly string[];
}

/** A legacy client may only ever be an upsmon secondary: LOGIN, never PRIMARY, FSD, SET or INSTCMD. */
const LEGACY_ROLES: Roles = { ...noRoles(), upsmon: 'secondary' };

interface LegacyEntry {
  name: Buffer;
  from: AddressList;
  fromText: string;
}

/** Whose roles a check grants (see DbAuthorizer.target). */
interface Target {
  roles: Roles;
  /** set when the check fails whatever the password (unknown, disabled, legacy name elsewhere) */
  reason?: string;
  /** the principal's updated_at: a cached check stands while it is unchanged */
  version: number;
  legacy?: LegacyEntry;
}

/** The last check on a connection: its words, the principal version it was checked against, the outcome. */
interface Checked {
  username: string;
  password: string;
  version: number;
  match: boolean;
  at: number;
}

/** A connection's check is reused for at most this long: a password changed at the AS (`walnut passwd`, which
 *  walnut.db does not see) stops working for open connections within a minute. */
export const CHECK_REUSE_MS = 60_000;

const where = (peer: AuthPeer): string => (peer.port === undefined ? peer.address : `${peer.address}:${peer.port}`);

export interface DbAuthorizerOptions {
  store: PrincipalStore;
  /** the authentication server's check */
  check: PasswordCheck;
  throttle?: LoginThrottle;
  /** names and addresses only: the AS holds their keys and checks their passwords */
  legacyClients?: readonly Pick<LegacyClient, 'username' | 'from'>[];
  events?: EventSink;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class DbAuthorizer implements Authorizer {
  readonly throttle: LoginThrottle;
  private readonly store: PrincipalStore;
  private readonly legacy: LegacyEntry[];
  private readonly events: EventSink | undefined;
  private readonly check: PasswordCheck;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** the last queued attempt per source: attempts from one source run one after the other */
  private readonly queues = new Map<string, Promise<void>>();
  /** per connection (the session object), forgotten with it */
  private readonly checked = new WeakMap<AuthPeer, Checked>();

  private constructor(options: DbAuthorizerOptions, legacy: LegacyEntry[]) {
    this.store = options.store;
    this.throttle = options.throttle ?? new LoginThrottle();
    this.events = options.events;
    this.check = options.check;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.legacy = legacy;
  }

  static async create(options: DbAuthorizerOptions): Promise<DbAuthorizer> {
    const legacy: LegacyEntry[] = [];
    for (const c of options.legacyClients ?? []) {
      legacy.push({ name: Buffer.from(c.username, 'utf8'), from: new AddressList(c.from), fromText: c.from.join(', ') });
    }
    const authorizer = new DbAuthorizer(options, legacy);
    for (const l of legacy) {
      const shadowed = options.store.find(l.name) !== undefined;
      log.warn(
        `legacy client ${showBytes(l.name)} is enabled from ${l.fromText}: a well-known password, upsmon secondary only` +
          (shadowed ? `; from those addresses it replaces the database user of the same name` : ''),
      );
    }
    return authorizer;
  }

  allowed(username: string, password: string, right: Right, peer: AuthPeer): Promise<boolean> {
    const name = wordBytes(username);
    // A connection's USERNAME and PASSWORD never change (docs/nut-protocol.md §2.3), and clients often act several
    // times on one connection (upsmon: LOGIN, PRIMARY, later FSD; a SET per variable). Once checked, the result
    // stands for as long as the verifier it was checked against is the one the database holds now (the target
    // is read fresh every time, so a passwd, disable or remove still applies at once).
    const cached = this.checked.get(peer);
    if (cached && cached.username === username && cached.password === password) {
      const target = this.target(name, peer);
      if (target.version === cached.version && this.now() - cached.at < CHECK_REUSE_MS) {
        return Promise.resolve(this.decide(name, right, peer, target, cached.match, false));
      }
    }
    const source = canonicalAddress(peer.address);
    return this.oneAtATime(source, () => this.attempt(username, password, right, peer, source));
  }

  private oneAtATime(source: string, fn: () => Promise<boolean>): Promise<boolean> {
    const before = this.queues.get(source) ?? Promise.resolve();
    const result = before.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(source, tail);
    void tail.then(() => {
      if (this.queues.get(source) === tail) this.queues.delete(source);
    });
    return result;
  }

  /** Whose roles a name gets from this peer: a legacy entry (from its addresses only) or an active principal;
   *  else the reason the check must fail whatever the password. */
  private target(name: Buffer, peer: AuthPeer): Target {
    const legacy = this.legacy.find((l) => l.name.equals(name));
    if (legacy && legacy.from.has(peer.address)) return { roles: LEGACY_ROLES, version: 0, legacy };
    const record = this.store.find(name);
    // the owner (the claim's `admin`) before anyone recorded roles for it: an administrator's (owner.ts)
    if (!record && !legacy && OWNER.equals(name)) return { roles: ownerRoles(), version: 0 };
    let reason: string | undefined;
    if (!record) reason = legacy ? 'legacy client not allowed from this address' : 'unknown user';
    else if (record.principal.status !== 'active') reason = 'user disabled';
    if (reason !== undefined) return { roles: noRoles(), reason, version: -1 };
    return { roles: record!.principal.roles, version: record!.principal.updatedAt };
  }

  /** A session proved by a ticket: the AS already checked who it is; roles and status decide. */
  allowedUser(username: string, right: Right, peer: AuthPeer): boolean {
    const name = wordBytes(username);
    const target = this.target(name, peer);
    if (target.legacy) return false; // legacy entries never hold tickets
    if (target.reason !== undefined) {
      log.warn(`${where(peer)}: ticket user ${showBytes(name)}: ${target.reason} (for ${describeRight(right)})`);
      return false;
    }
    return allows(target.roles, right);
  }

  private async attempt(username: string, passwordWord: string, right: Right, peer: AuthPeer, source: string): Promise<boolean> {
    const name = wordBytes(username);
    const password = wordBytes(passwordWord);
    const userKey = username;
    const delay = this.throttle.delay(source, userKey);
    if (delay.ms > 0) {
      if (delay.started) {
        const why = delay.by === 'source' ? `${source} has failed` : `user ${showBytes(name)} has failed from several addresses`;
        log.warn(`${why} too often: delaying its login attempts (${delay.ms} ms now, doubling per failure)`);
        this.events?.record('login-throttled', where(peer), `${why} too often; attempts delayed`);
      }
      await this.sleep(delay.ms);
    }
    if (peer.closed) return false; // nobody is waiting for the answer: do not spend a check on it

    // always asked, whatever walnut.db says: every check costs the same and is audited in one place
    let suid: Uint8Array | undefined;
    try {
      suid = await this.check(name, password, source);
    } catch (err) {
      log.error(`${where(peer)}: cannot check a password: ${(err as Error).message}`);
      return false; // no answer is no
    }
    const target = this.target(name, peer); // read after the check: the freshest roles
    const match = suid !== undefined && Buffer.from(suid).equals(name) && target.reason === undefined;
    this.checked.set(peer, { username, password: passwordWord, version: target.version, match, at: this.now() });
    return this.decide(name, right, peer, target, match, true);
  }

  /** wrong passwords checked so far (walnut_auth_failures_total{method="password"} in /metrics) */
  failedChecks = 0;

  /** The verdict for a checked password; `fresh` when this was a new check (it counts for the throttle). */
  private decide(name: Buffer, right: Right, peer: AuthPeer, target: Target, match: boolean, fresh: boolean): boolean {
    const source = canonicalAddress(peer.address);
    const userKey = name.toString('latin1');
    if (!match) {
      const reason = target.reason ?? (target.legacy ? 'wrong password for a legacy client' : 'wrong password');
      if (fresh) {
        this.throttle.failure(source, userKey);
        this.failedChecks++;
      }
      const detail = `user ${showBytes(name)}: ${reason} (for ${describeRight(right)})`;
      log.warn(`${where(peer)}: failed login: ${detail}`);
      this.events?.record('login-failed', where(peer), detail);
      return false;
    }
    if (fresh) this.throttle.success(source, userKey);
    const granted = allows(target.roles, right);
    if (target.legacy) {
      // every use of the one well-known password is visible
      const verdict = `${describeRight(right)} ${granted ? 'allowed' : 'refused'}`;
      const detail = `legacy client ${showBytes(target.legacy.name)} (upsmon secondary only): ${verdict}`;
      log.warn(`${where(peer)}: ${detail}`);
      this.events?.record('legacy-login', where(peer), detail);
    }
    return granted;
  }

}
