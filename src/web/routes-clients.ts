// The Clients page's API (issue 16): the NUT connections open now and the roster of expected clients with the
// verdict on each (client-rules.ts). Any logged-in role may look; only the admin changes the roster, and every
// change is an event with its author. Inputs are bounded (ROSTER_LIMITS) and nothing echoes them in an error.
import { parseIp } from '../auth/address.ts';
import { ipFromBytes } from '../util/ip.ts';
import { ROSTER_LIMITS, type NewRosterEntry, type RosterEntry } from '../storage/client-roster.ts';
import type { EventLog } from '../storage/event-log.ts';
import type { RouteModule } from './api.ts';
import { describeSeconds, fromClient, judge, type SessionView } from './client-rules.ts';
import { badRequest, HttpError, notFound } from './errors.ts';
import { readInput } from './json-input.ts';

/** What the page reads and changes; src/appliance/client-watch.ts is one. */
export interface ClientDirectory {
  sessions(): SessionView[];
  /** the roster with the newest last-seen times (the watch's, which reach the database in batches) */
  roster(): RosterEntry[];
  /** how often the watch checks the roster, in seconds (the page says it) */
  readonly checkSeconds: number;
  add(e: NewRosterEntry): number | 'exists' | 'full';
  /** the removed entry, or undefined when there was none */
  remove(id: number): RosterEntry | undefined;
}

// a name for people: printable, no surrounding spaces; a NUT user: printable ASCII without spaces, which every
// NUT client can send as one word and which reads the same on the wire and here
const NAME = /^[^\p{C}\s](?:[^\p{C}]*[^\p{C}\s])?$/u;
const USER = /^[\x21-\x7e]+$/;
const TLS = /^(required|optional)$/;

export function clientRoutes(d: { clients: ClientDirectory; events: Pick<EventLog, 'record'> }): RouteModule {
  return {
    'GET /api/clients': (call) => {
      call.session('viewer');
      const now = Date.now();
      const sessions = d.clients.sessions();
      const roster = d.clients.roster();
      return {
        status: 200,
        json: {
          now,
          checkSeconds: d.clients.checkSeconds,
          sessions: sessions.map((s) => ({ ...s, client: roster.find((e) => fromClient(e, s))?.name ?? null })),
          roster: roster.map((e) => ({ ...e, ...judge(e, sessions, now) })),
        },
      };
    },
    'POST /api/clients/roster': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, {
        name: { kind: 'string', max: ROSTER_LIMITS.nameChars, pattern: NAME },
        user: { kind: 'string', max: ROSTER_LIMITS.userChars, pattern: USER },
        address: { kind: 'string', max: 45, optional: true },
        tls: { kind: 'string', max: 8, pattern: TLS },
        seenWithinSeconds: { kind: 'integer', min: ROSTER_LIMITS.seenWithinMin, max: ROSTER_LIMITS.seenWithinMax },
      });
      let address: string | null = null;
      if (i.address !== undefined && i.address !== '') {
        const ip = parseIp(i.address);
        if (!ip || i.address.includes('%')) throw badRequest('address: an IPv4 or IPv6 address, or empty for any');
        address = ipFromBytes(ip.bytes);
      }
      const entry: NewRosterEntry = { name: i.name, user: i.user, address, tls: i.tls === 'required', seenWithinSeconds: i.seenWithinSeconds };
      const id = d.clients.add(entry);
      if (id === 'exists') throw new HttpError(409, 'exists', 'a client of that name is in the roster already');
      if (id === 'full') throw new HttpError(409, 'full', `the roster holds at most ${ROSTER_LIMITS.entries} clients`);
      d.events.record('client-roster-add', call.address, `user ${s.user}: ${describeEntry(entry)}`);
      return { status: 201, json: { id } };
    },
    'POST /api/clients/roster/remove': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { id: { kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER } });
      const gone = d.clients.remove(i.id);
      if (!gone) throw notFound();
      d.events.record('client-roster-remove', call.address, `user ${s.user}: ${describeEntry(gone)}`);
      return { status: 204 };
    },
  };
}

/** `"NAS kitchen" (nas1 from 192.0.2.10, TLS, seen within 5 min)`: the event log's words for an entry. */
export function describeEntry(e: NewRosterEntry): string {
  return `${JSON.stringify(e.name)} (${e.user} from ${e.address ?? 'any address'}, ${e.tls ? 'TLS' : 'TLS optional'}, seen within ${describeSeconds(e.seenWithinSeconds)})`;
}
