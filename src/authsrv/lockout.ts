// The AS's lockout: confirmed failures per user name and source address, kept in the key database so that
// restarting the AS does not hand a guesser a fresh count (issue 6 acceptance 4; ETSI EN 303 645 provision
// 5.1-5; docs/auth-protocol.md §12). Pure: records in, records out, the clock injected. keystore.ts persists them.
//
// Per (name, source), like the NUT server's throttle (src/auth/throttle.ts): a guesser on one address locks
// that name for that address only, never the real user on another (issue 4's promise). A guesser spread over
// addresses is caught by the name-wide rule: when `distinctSources` addresses have failed a name within
// `lockSeconds` and their failures add up to `failures`, the name is locked for every address until they stop.
//
// - A failure is a PAK that was not confirmed (counted when it starts, undone by a correct confirmation) or a
//   wrong password in AuthNUT or a password change. Unknown names count exactly like real ones, so the lockout
//   says nothing about which names exist.
// - After `failures` failures the next attempt finds the name locked for `lockSeconds`; every further lock
//   (without a success in between) doubles it, up to `maxLockSeconds`. While locked, nothing is counted and
//   nothing succeeds, not even the right password (the AS answers with a random key: same shape, same time).
//   The lock starts at the next attempt, not at the N-th failure, because a PAK is counted when it starts: with
//   N-1 failures behind it the right password's own count is the N-th, and its confirmation must be able to
//   undo it. A success forgets everything.
// - Failures older than `forgetSeconds` are forgotten, so a typo a week ago does not bring a lock closer.
// The name-wide rule lets someone with several addresses lock a name for everyone while they keep failing; the
// window is short (lockSeconds after the last failure) and the NUT server's throttle slows each address first.

export interface LockoutOptions {
  failures: number;
  lockSeconds: number;
  maxLockSeconds: number;
  forgetSeconds: number;
  /** addresses that must have failed a name for the name-wide rule */
  distinctSources: number;
}

export const DEFAULT_LOCKOUT: Readonly<LockoutOptions> = Object.freeze({
  failures: 10,
  lockSeconds: 60,
  maxLockSeconds: 3600,
  forgetSeconds: 900,
  distinctSources: 3,
});

export interface LockoutRecord {
  failures: number;
  /** unix ms of the latest counted failure */
  lastFailureAt: number;
  /** unix ms; 0 when not locked */
  lockedUntil: number;
  /** locks in a row without a success: the next lock lasts lockSeconds · 2^locks */
  locks: number;
}

export const emptyRecord = (): LockoutRecord => ({ failures: 0, lastFailureAt: 0, lockedUntil: 0, locks: 0 });

export function lockedNow(r: LockoutRecord | undefined, now: number): boolean {
  return r !== undefined && r.lockedUntil > now;
}

const stale = (r: LockoutRecord, now: number, o: LockoutOptions): boolean => now - r.lastFailureAt > o.forgetSeconds * 1000;

/** The record after a failure at `now` (nothing changes while locked). */
export function afterFailure(r: LockoutRecord | undefined, now: number, o: LockoutOptions): LockoutRecord {
  const cur = r ?? emptyRecord();
  if (lockedNow(cur, now)) return cur;
  return { ...cur, failures: (stale(cur, now, o) ? 0 : cur.failures) + 1, lastFailureAt: now };
}

/** At the start of an attempt: is the name locked? A record with `failures` failures turns into a lock here
 *  (`lockedFor` says for how long), so the failures that earned it are the ones before this attempt. */
export function atAttempt(r: LockoutRecord | undefined, now: number, o: LockoutOptions): { locked: boolean; record?: LockoutRecord; lockedFor?: number } {
  if (r === undefined) return { locked: false };
  if (lockedNow(r, now)) return { locked: true };
  if (r.failures < o.failures || stale(r, now, o)) return { locked: false };
  const seconds = Math.min(o.maxLockSeconds, o.lockSeconds * 2 ** Math.min(r.locks, 30));
  return { locked: true, record: { failures: 0, lastFailureAt: r.lastFailureAt, lockedUntil: now + seconds * 1000, locks: r.locks + 1 }, lockedFor: seconds };
}

/** A confirmed success forgets everything. Only an attempt that began unlocked can succeed (a locked name gets
 *  a random key). */
export function afterSuccess(): undefined {
  return undefined;
}

/** Whether a record still matters at `now` (the store drops the others). */
export function worthKeeping(r: LockoutRecord, now: number, o: LockoutOptions): boolean {
  return lockedNow(r, now) || now - r.lastFailureAt <= Math.max(o.forgetSeconds, o.maxLockSeconds) * 1000;
}

/** The name-wide rule over every address's record of one name: locked while `distinctSources` addresses failed
 *  it within the last `lockSeconds` and their failures add up to `failures`. */
export function nameWideLock(records: readonly LockoutRecord[], now: number, o: LockoutOptions): boolean {
  const recent = records.filter((r) => now - r.lastFailureAt <= o.lockSeconds * 1000 && (r.failures > 0 || r.lockedUntil > 0));
  if (recent.length < o.distinctSources) return false;
  const total = recent.reduce((sum, r) => sum + Math.max(r.failures, r.lockedUntil > 0 ? o.failures : 0), 0);
  return total >= o.failures;
}
