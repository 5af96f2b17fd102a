// The NUT protocol's error type: each instance carries the exact reply line upsd would send
// (`ERR <CODE>`, docs/nut-protocol.md §2.9). Handlers throw it; the session writes `wire` and carries on.

/** Every code walnut sends. upsd 2.8 defines a few more it never sends (INVALID-USERNAME, ...); so do we not. */
export const NUT_ERROR_CODES = [
  'ACCESS-DENIED',
  'UNKNOWN-UPS',
  'INVALID-ARGUMENT',
  'UNKNOWN-COMMAND',
  'VAR-NOT-SUPPORTED',
  'CMD-NOT-SUPPORTED',
  'READONLY',
  'TOO-LONG',
  'INVALID-VALUE',
  'SET-FAILED',
  'INSTCMD-FAILED',
  'USERNAME-REQUIRED',
  'PASSWORD-REQUIRED',
  'ALREADY-SET-USERNAME',
  'ALREADY-SET-PASSWORD',
  'ALREADY-LOGGED-IN',
  'DRIVER-NOT-CONNECTED',
  'DATA-STALE',
  'FEATURE-NOT-SUPPORTED',
  'FEATURE-NOT-CONFIGURED',
  'ALREADY-SSL-MODE',
  // GET TRACKING <id> results (§2.5)
  'UNKNOWN',
  'FAILED',
] as const;

export type NutErrorCode = (typeof NUT_ERROR_CODES)[number];

export class NutError extends Error {
  readonly code: NutErrorCode;
  /** The reply line, without LF. */
  readonly wire: string;
  /** Why, for the server log only; never sent (upsd's codes are the whole wire contract). */
  readonly reason: string | undefined;

  constructor(code: NutErrorCode, reason?: string) {
    super(reason ? `ERR ${code}: ${reason}` : `ERR ${code}`);
    this.name = 'NutError';
    this.code = code;
    this.wire = `ERR ${code}`;
    this.reason = reason;
  }
}
