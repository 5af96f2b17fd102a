// Bounds of the config's `tls` section (src/config/config.ts explains each key and its default).
import { boolean, integer, oneOf, type Schema } from '../util/schema.ts';

export const TLS_BOUNDS: Schema = {
  enabled: boolean,
  // a factory bundle is all three PEM files or none
  factory: { kind: 'section', required: true, schema: { certificate: { kind: 'string' }, key: { kind: 'string' }, ca: { kind: 'string' } } },
  clientCertificates: oneOf('off', 'request', 'require'),
  clearCredentials: boolean,
  anonymousReads: oneOf('any', 'tls', 'none'),
  handshakeTimeoutSeconds: integer(1, 300),
};
