// Whether a roster client (src/storage/client-roster.ts) logs in as expected (issue 16, the Clients page). Pure:
// the entry, the connections open now and the time decide; the API and the appliance's periodic check
// (src/appliance/client-watch.ts) ask the same function, so the page and the event log never disagree.
import { canonicalAddress } from '../auth/address.ts';
import type { RosterEntry } from '../storage/client-roster.ts';

/** A connection open now, as the NUT server's snapshot gives it (src/nut/session-snapshot.ts has the same shape;
 *  src/web may not import src/nut). */
export interface SessionView {
  address: string;
  port: number;
  user: string | null;
  tls: boolean;
  since: number;
  ups: string | null;
  upsmon: 'primary' | 'secondary' | null;
}

/** connected: a connection is as expected now; seen: not now, but within its time; waiting: never seen, but
 *  added less than its time ago; never-seen and stale: flagged; not-as-expected: connected, but outside TLS when
 *  TLS is required (flagged, and it does not count as seen). */
export type ClientState = 'connected' | 'seen' | 'waiting' | 'never-seen' | 'stale' | 'not-as-expected';

export interface Judgement {
  state: ClientState;
  flagged: boolean;
  /** a sentence for the page and the event log; null when all is well */
  problem: string | null;
}

/** The connection proved the entry's user from the entry's address (any address when the entry names none). */
export function fromClient(entry: Pick<RosterEntry, 'user' | 'address'>, s: SessionView): boolean {
  return s.user === entry.user && (entry.address === null || canonicalAddress(s.address) === entry.address);
}

/** The connection is the client as expected: its user, its address, and TLS if the entry requires it. */
export function asExpected(entry: Pick<RosterEntry, 'user' | 'address' | 'tls'>, s: SessionView): boolean {
  return fromClient(entry, s) && (!entry.tls || s.tls);
}

export function judge(entry: RosterEntry, sessions: readonly SessionView[], now: number): Judgement {
  const mine = sessions.filter((s) => fromClient(entry, s));
  if (mine.some((s) => asExpected(entry, s))) return { state: 'connected', flagged: false, problem: null };
  if (mine.length > 0) return { state: 'not-as-expected', flagged: true, problem: 'logs in without TLS, which this client must use' };
  const limitMs = entry.seenWithinSeconds * 1000;
  const within = `${describeSeconds(entry.seenWithinSeconds)}`;
  if (entry.lastSeenAt === null) {
    if (now - entry.createdAt <= limitMs) return { state: 'waiting', flagged: false, problem: null };
    return { state: 'never-seen', flagged: true, problem: `has not logged in since it was added (expected within ${within})` };
  }
  if (now - entry.lastSeenAt <= limitMs) return { state: 'seen', flagged: false, problem: null };
  return { state: 'stale', flagged: true, problem: `not seen for longer than ${within}` };
}

/** 5 s, 90 s, 5 min, 2 h, 3 d: whole units only, so the sentence stays short. */
export function describeSeconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0 && s >= 300) return `${s / 60} min`;
  return `${s} s`;
}
