// The NUT credential check (the Authorizer of src/nut/commands.ts) over the principal database, with the
// brute-force throttle and the opt-in legacy client entries. USERNAME and PASSWORD are accepted unchecked and
// verified here when LOGIN, PRIMARY/MASTER, FSD, SET VAR or INSTCMD is attempted (nut-protocol.md §2.3, §4.1).
//
// One attempt, in order:
// 1. Attempts from one source address run one at a time (a guesser gains nothing from parallel connections).
// 2. The throttle's delay for this source and name is waited out (the reply is late; the connection is paused,
//    nobody else waits). An attempt whose connection closed meanwhile is dropped unchecked.
// 3. The principal is read from the database (fresh: CLI changes apply at once). An unknown, disabled or
//    keyless principal is checked against a dummy verifier of the same cost, so every failure costs one scrypt
//    and replies the same `ERR ACCESS-DENIED` (auth-plan9-and-modern.md §3.1).
// 4. Failure: counted against the source and the name, logged with the source (never the password).
//    Success: the roles decide the right (upsd.users semantics, roles.ts).
// A connection's later actions reuse its check while the database still holds the verifier it was checked
// against (one scrypt per connection, not per command); the principal's status and roles are read every time.
import type { AuthPeer, Authorizer, Right } from '../nut/commands.ts';
import { logger } from '../util/log.ts';
import { AddressList, canonicalAddress } from './address.ts';
import { showBytes, wordBytes } from './bytes.ts';
import { LoginThrottle } from './throttle.ts';
import { allows, describeRight, noRoles, type Roles } from './roles.ts';
import type { PrincipalStore } from './principals.ts';
import { DEFAULT_SCRYPT, createVerifier, dummyVerifier, verifyPassword, weakerThan, type ScryptParams, type Verifier } from './verifier.ts';

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
  verifier: Verifier;
  from: AddressList;
  fromText: string;
}

/** What one check compares against (see DbAuthorizer.target). */
interface Target {
  verifier: Verifier;
  roles: Roles;
  /** set when the check fails whatever the password (unknown, disabled, keyless, legacy name elsewhere) */
  reason?: string;
  principalId?: number;
  legacy?: LegacyEntry;
}

/** The last check on a connection: its words, the verifier material it was checked against, the outcome. */
interface Checked {
  username: string;
  password: string;
  material: Buffer;
  match: boolean;
}

const where = (peer: AuthPeer): string => (peer.port === undefined ? peer.address : `${peer.address}:${peer.port}`);

export interface DbAuthorizerOptions {
  store: PrincipalStore;
  throttle?: LoginThrottle;
  legacyClients?: readonly LegacyClient[];
  events?: EventSink;
  /** cost of new and dummy verifiers (tests lower it; production keeps the default) */
  scrypt?: ScryptParams;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class DbAuthorizer implements Authorizer {
  readonly throttle: LoginThrottle;
  private readonly store: PrincipalStore;
  private readonly legacy: LegacyEntry[];
  private readonly events: EventSink | undefined;
  private readonly params: ScryptParams;
  private readonly dummy: Verifier;
  private readonly sleep: (ms: number) => Promise<void>;
  /** the last queued attempt per source: attempts from one source run one after the other */
  private readonly queues = new Map<string, Promise<void>>();
  /** per connection (the session object), forgotten with it */
  private readonly checked = new WeakMap<AuthPeer, Checked>();

  private constructor(options: DbAuthorizerOptions, legacy: LegacyEntry[]) {
    this.store = options.store;
    this.throttle = options.throttle ?? new LoginThrottle();
    this.events = options.events;
    this.params = options.scrypt ?? DEFAULT_SCRYPT;
    this.dummy = dummyVerifier(this.params);
    this.sleep = options.sleep ?? defaultSleep;
    this.legacy = legacy;
  }

  /** Derives the legacy entries' verifiers (their passwords are not kept in memory past this). */
  static async create(options: DbAuthorizerOptions): Promise<DbAuthorizer> {
    const params = options.scrypt ?? DEFAULT_SCRYPT;
    const legacy: LegacyEntry[] = [];
    for (const c of options.legacyClients ?? []) {
      legacy.push({
        name: Buffer.from(c.username, 'utf8'),
        verifier: await createVerifier(Buffer.from(c.password, 'utf8'), params),
        from: new AddressList(c.from),
        fromText: c.from.join(', '),
      });
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
    // A connection's USERNAME and PASSWORD never change (nut-protocol.md §2.3), and clients often act several
    // times on one connection (upsmon: LOGIN, PRIMARY, later FSD; a SET per variable). Once checked, the result
    // stands for as long as the verifier it was checked against is the one the database holds now (the target
    // is read fresh every time, so a passwd, disable or remove still applies at once).
    const cached = this.checked.get(peer);
    if (cached && cached.username === username && cached.password === password) {
      const target = this.target(name, peer);
      if (target.verifier.material.equals(cached.material)) {
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

  /** What a name is checked against from this peer: a legacy entry (from its addresses only), an active
   *  principal's verifier, or the dummy with the reason the check must fail whatever the password. */
  private target(name: Buffer, peer: AuthPeer): Target {
    const legacy = this.legacy.find((l) => l.name.equals(name));
    if (legacy && legacy.from.has(peer.address)) return { verifier: legacy.verifier, roles: LEGACY_ROLES, legacy };
    const record = this.store.find(name);
    let reason: string | undefined;
    if (!record) reason = legacy ? 'legacy client not allowed from this address' : 'unknown user';
    else if (record.principal.status !== 'active') reason = 'user disabled';
    else if (!record.verifier) reason = record.verifierProblem ? `unusable verifier (${record.verifierProblem})` : 'no password set';
    if (reason !== undefined) return { verifier: this.dummy, roles: noRoles(), reason };
    return { verifier: record!.verifier!, roles: record!.principal.roles, principalId: record!.principal.id };
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

    const target = this.target(name, peer); // read after the wait: the freshest roles and keys
    const match = (await verifyPassword(password, target.verifier)) && target.reason === undefined;
    this.checked.set(peer, { username, password: passwordWord, material: target.verifier.material, match });
    if (match && target.principalId !== undefined && weakerThan(target.verifier.params, this.params)) {
      void this.upgrade(target.principalId, name, password, target.verifier);
    }
    return this.decide(name, right, peer, target, match, true);
  }

  /** The verdict for a checked password; `fresh` when this was a new check (it counts for the throttle). */
  private decide(name: Buffer, right: Right, peer: AuthPeer, target: Target, match: boolean, fresh: boolean): boolean {
    const source = canonicalAddress(peer.address);
    const userKey = name.toString('latin1');
    if (!match) {
      const reason = target.reason ?? (target.legacy ? 'wrong password for a legacy client' : 'wrong password');
      if (fresh) this.throttle.failure(source, userKey);
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

  /** Re-derives a verifier made with a lower cost than today's, after the password was shown to be right. */
  private async upgrade(principalId: number, name: Buffer, password: Buffer, old: Verifier): Promise<void> {
    try {
      const replacement = await createVerifier(password, this.params);
      if (this.store.upgradeVerifier(principalId, old, replacement)) {
        log.info(`user ${showBytes(name)}: password verifier upgraded to scrypt N=${this.params.N} r=${this.params.r} p=${this.params.p}`);
      }
    } catch (err) {
      log.error(`user ${showBytes(name)}: cannot upgrade the password verifier: ${(err as Error).message}`);
    }
  }
}
