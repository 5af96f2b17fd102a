// A connection as the Clients page shows it (issue 16): who it proved to be, over what, since when, and what it
// logged in as. Plain data copied out of a Session, so nothing outside src/nut can change a live session, and
// never a credential: the PASSWORD word, the AUTH exchange and the TLS exporter stay behind.
import type { Session } from './session.ts';

export interface SessionSnapshot {
  address: string;
  port: number;
  /** the user the server checked (LOGIN succeeded, or a ticket proved it); a bare USERNAME proves nothing */
  user: string | null;
  tls: boolean;
  /** unix milliseconds */
  since: number;
  /** the UPS it did LOGIN to, or null: not an upsmon (upsc, Home Assistant) */
  ups: string | null;
  /** an upsmon's part: primary once PRIMARY/MASTER was granted, else secondary; null without LOGIN */
  upsmon: 'primary' | 'secondary' | null;
}

export function snapshotSession(s: Session): SessionSnapshot {
  const loggedIn = s.loginUps !== undefined;
  return {
    address: s.address,
    port: s.port,
    user: s.ticketUser ?? (loggedIn ? (s.username ?? null) : null),
    tls: s.tls,
    since: s.connectedAt,
    ups: s.loginUps ?? null,
    upsmon: loggedIn ? (s.primary ? 'primary' : 'secondary') : null,
  };
}
