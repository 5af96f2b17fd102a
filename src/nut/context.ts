// What the command handlers are given (docs/nut-protocol.md §2): the server's answers about itself, the UPS models,
// the authorizer, tracking, the transport policy and the audit hook. Types only, so that commands.ts, its
// helpers and server.ts share them without importing one another.
import type { UpsModel } from '../ups/model.ts';
import type { TicketService } from './auth-command.ts';
import type { UserDirectory } from './auth-user-command.ts';
import type { Reply } from './reply.ts';
import type { Authorizer } from '../auth/rights.ts';
import type { Session } from './session.ts';
import type { TrackingTable } from './tracking.ts';

export type AuditEvent =
  | { kind: 'login'; session: Session; ups: string }
  | { kind: 'denied'; session: Session; command: string; ups: string }
  | { kind: 'fsd'; session: Session; ups: string }
  | { kind: 'set'; session: Session; ups: string; variable: string; value: string }
  | { kind: 'instcmd'; session: Session; ups: string; command: string; parameter: string | undefined }
  | { kind: 'cleartext-refused'; session: Session; command: string; reason: string }
  | { kind: 'ticket-login'; session: Session; user: string }
  | { kind: 'ticket-refused'; session: Session; reason: string };

/** What may travel outside TLS (issue 5): credentials never by default; reads by default, as clients without
 *  TLS (Home Assistant) need them. */
export interface TransportPolicy {
  /** USERNAME, PASSWORD, LOGIN, PRIMARY/MASTER, FSD, SET VAR and INSTCMD outside TLS are accepted */
  readonly clearCredentials: boolean;
  /** GET and LIST: 'any' connection, only inside 'tls', or 'none' without TLS and a LOGIN */
  readonly anonymousReads: 'any' | 'tls' | 'none';
}

/** Starts TLS on the session's connection, or says why it cannot (FEATURE-NOT-CONFIGURED until TLS exists). */
export type StartTls = (session: Session) => void;

export interface CommandContext {
  /** VER reply and `server.info` */
  readonly serverInfo: string;
  /** `server.version` */
  readonly serverVersion: string;
  findUps(name: string): UpsModel | undefined;
  upsList(): readonly UpsModel[];
  /** connections that did LOGIN to the UPS with this canonical name */
  logins(ups: string): readonly Session[];
  readonly authorizer: Authorizer;
  readonly tracking: TrackingTable;
  readonly startTls: StartTls;
  /** unset: everything allowed in clear, as upsd */
  readonly transport?: TransportPolicy | undefined;
  /** NUT AUTH with tickets; unset: AUTH answers FEATURE-NOT-CONFIGURED */
  readonly tickets?: TicketService | undefined;
  /** NUT `AUTH USER` for a ticket-authenticated administrator; unset: FEATURE-NOT-CONFIGURED */
  readonly users?: UserDirectory | undefined;
  audit(event: AuditEvent): void;
}

export type Handler = (ctx: CommandContext, session: Session, words: readonly string[]) => Reply | Promise<Reply>;
