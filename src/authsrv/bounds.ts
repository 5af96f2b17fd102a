// Bounds of the config's `auth` section: the authentication server (docs/auth-protocol.md).
import { parseHostPort } from '../util/host-port.ts';
import { integer, oneOf, type Field, type Schema } from '../util/schema.ts';

/** A listener: HOST:PORT, [V6]:PORT or *:PORT (port 0: the kernel picks one). */
export const LISTENERS: Field = {
  kind: 'list',
  check: (v) => (parseHostPort(v, { wildcard: true, minPort: 0 }) ? undefined : `expected HOST:PORT, [IPV6]:PORT or *:PORT, got ${JSON.stringify(v)}`),
};

export const LOCKOUT_BOUNDS: Schema = {
  failures: integer(1, 1000),
  lockSeconds: integer(1, 86_400),
  maxLockSeconds: integer(1, 7 * 86_400),
  forgetSeconds: integer(1, 30 * 86_400),
  distinctSources: integer(1, 64),
};

export const AUTH_BOUNDS: Schema = {
  server: oneOf('spawn', 'connect'),
  // part of every key's salt: what a DN may hold in authsrv(6)'s 48-byte field, kept short
  domain: { kind: 'string', pattern: /^[A-Za-z0-9._-]{1,64}$/ },
  keyDir: { kind: 'string' },
  runDir: { kind: 'string' },
  listen: LISTENERS,
  lockout: { kind: 'section', schema: LOCKOUT_BOUNDS },
};

export const SETUP_BOUNDS: Schema = {
  windowSeconds: integer(1, 7 * 86_400),
  maxFailures: integer(1, 1000),
  codeFile: { kind: 'string' },
  triggerFile: { kind: 'string' },
};
