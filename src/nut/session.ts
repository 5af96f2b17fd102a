// Per-connection protocol state (docs/nut-protocol.md §2.3, §4.2). Plain data: the socket lives in server.ts.
import type { ServerAuth } from '../authsrv/mutual.ts';

export interface Session {
  /** peer address as inet_ntop prints it (LIST CLIENT shows it) */
  readonly address: string;
  readonly port: number;
  username: string | undefined;
  password: string | undefined;
  /** canonical name of the UPS this connection did LOGIN to (one LOGIN per connection) */
  loginUps: string | undefined;
  /** SET TRACKING ON for this connection */
  tracking: boolean;
  /** the connection runs inside TLS */
  tls: boolean;
  /** set by LOGOUT: send the reply, then close */
  closeAfterReply: boolean;
  /** the connection is gone: an answer still being worked out (an asynchronous credential check) lands nowhere */
  closed: boolean;
  /** a NUT `AUTH` exchange in progress (auth-command.ts) */
  auth: AuthExchange | undefined;
  /** the user a ticket proved (AUTH CONFIRM): rights come from its roles, no PASSWORD is needed */
  ticketUser: string | undefined;
  /** TLS exporter (32 bytes, label EXPORTER-dp9r1) once the connection runs inside TLS: AUTH binds to it */
  tlsExporter: Uint8Array | undefined;
  /** PRIMARY (or MASTER) was granted: this client is the UPS's primary, not a secondary (the Clients page) */
  primary: boolean;
  /** when the connection was accepted, unix milliseconds */
  readonly connectedAt: number;
}

export function newSession(address: string, port: number, connectedAt = Date.now()): Session {
  return {
    address,
    port,
    username: undefined,
    password: undefined,
    loginUps: undefined,
    tracking: false,
    tls: false,
    closeAfterReply: false,
    closed: false,
    auth: undefined,
    ticketUser: undefined,
    tlsExporter: undefined,
    primary: false,
    connectedAt,
  };
}

/** A NUT `AUTH` exchange in progress (auth-command.ts): the server end, and what `AUTH MORE` lines gathered. */
export interface AuthExchange {
  server: ServerAuth;
  chunks: Buffer[];
  bytes: number;
  relays: number;
}
