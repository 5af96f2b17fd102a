// Bounds of the config's `web` section (src/config/config.ts explains each key and its default).
import { LISTENERS } from '../authsrv/bounds.ts';
import { boolean, integer, type Schema } from '../util/schema.ts';

export const WEB_BOUNDS: Schema = {
  enabled: boolean,
  listen: LISTENERS,
  redirectListen: LISTENERS,
  sessionIdleSeconds: integer(60, 7 * 86_400),
  sessionMaxSeconds: integer(300, 30 * 86_400),
  maxSessions: integer(1, 10_000),
  maxBodyBytes: integer(1024, 1024 * 1024),
  maxHeaderBytes: integer(1024, 64 * 1024),
  requestsPerMinute: integer(10, 100_000),
  maxSockets: integer(1, 100_000),
  wsMaxBufferedBytes: integer(4096, 64 * 1024 * 1024),
  metricsToken: { kind: 'string', pattern: /^[\x21-\x7e]{16,256}$/, describe: '16 to 256 printable ASCII characters, no spaces' },
};
