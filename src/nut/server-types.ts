// The NUT server's settings, events and counters (server.ts).
import type * as tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { CommandContext } from './context.ts';

export interface NutServerLimits {
  /** Close a connection after this long without a complete request line that parsed. */
  idleTimeoutMs: number;
  /** Most simultaneous client connections. */
  maxConnections: number;
  /** Stop reading a client's requests while this many reply bytes wait to be sent to it. */
  outputHighWaterBytes: number;
  /** Drop a client whose output has stayed above the high-water mark this long. */
  writeStallMs: number;
  /** Longest run of unparsed input held for one client while its previous request is in progress. */
  maxPendingInputBytes: number;
  /** Drop a client after this many bad lines in a row (bad-lines.ts says which replies count). */
  maxConsecutiveErrors: number;
}

export interface ConnectionEvent {
  kind: 'connect' | 'disconnect';
  address: string;
  port: number;
  reason?: string;
}

/** STARTTLS (docs/nut-protocol.md §5): without it the server answers ERR FEATURE-NOT-CONFIGURED, as upsd. */
export interface NutTlsOptions {
  /** certificate chain, key, the CA that client certificates must chain to, versions and ciphers */
  secureContext: tls.SecureContext;
  /** CERTREQUEST done right: off, request (checked when sent), require (no certificate, no session) */
  clientCertificates: 'off' | 'request' | 'require';
  /** the CA client certificates must be issued by (walnut's own, or the factory CA) */
  clientCa: X509Certificate;
  /** a revoked client certificate is refused even though it chains to the CA */
  isRevoked?: ((serialHex: string) => boolean) | undefined;
  /** a handshake that has not finished by then ends that connection */
  handshakeTimeoutMs: number;
}

export interface NutServerOptions {
  context: Omit<CommandContext, 'logins' | 'audit' | 'startTls'> & Partial<Pick<CommandContext, 'startTls'>>;
  tls?: NutTlsOptions | undefined;
  limits: NutServerLimits;
  /** connects, disconnects and audit events, for the event log */
  onConnection?: (event: ConnectionEvent) => void;
  onAudit?: CommandContext['audit'];
}

export interface ServerCounters {
  accepted: number;
  refusedOverCap: number;
  idleClosed: number;
  stallClosed: number;
  httpRefused: number;
  parseErrors: number;
  requests: number;
  /** clients dropped for maxConsecutiveErrors bad lines in a row */
  badLineClosed: number;
  /** TLS connections closed because the client certificate policy refused the peer (walnut_auth_failures_total{method="certificate"}) */
  certificateRefused: number;
}
