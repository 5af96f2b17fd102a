// GET /metrics (issue 15): the UPS under nut_exporter's names plus walnut's own health, in Prometheus text
// format, for whoever the anonymous-read policy lets read, or who shows the configured bearer token.
// renderMetrics and metricsAccess are pure; metricsHandler is the one function the web server mounts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeExposition } from './exposition.ts';
import { healthFamilies, upsAvailabilityFamilies, type HealthInput } from './health.ts';
import { nutExporterFamilies, type UpsView } from './nut-exporter.ts';

/** The media type of text format 0.0.4, as Prometheus asks for it in its Accept header. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(ups: UpsView, health: HealthInput): string {
  return writeExposition([...nutExporterFamilies(ups), ...upsAvailabilityFamilies(ups.availability()), ...healthFamilies(health)]);
}

/** The NUT server's setting (tls.anonymousReads), or a web-specific one of the same shape. */
export type AnonymousReads = 'any' | 'tls' | 'none';

export type MetricsAccess =
  | { readonly status: 200 }
  /** credentials could let the caller in: `challenge` goes in WWW-Authenticate; `badCredentials` when some
   *  were given and refused (an auth failure to count), not merely missing */
  | { readonly status: 401; readonly challenge: string; readonly badCredentials: boolean }
  /** nothing would: anonymous reads are off and no token is configured */
  | { readonly status: 403 };

const REALM = 'Bearer realm="walnut metrics"';
/** RFC 6750 §2.1: the scheme is case-insensitive (RFC 9110 §11.1), the token is b64token */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Equal in time independent of where the strings differ and of their lengths: both are hashed first. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Who may read /metrics. The web server speaks only HTTPS, so every request is inside TLS and 'tls' allows
 * as 'any' does; 'none' (reads only after a login, for NUT) requires the token here. Credentials that are
 * given are checked even where anonymous reads are allowed: a scraper with a stale token is told (401) rather
 * than silently let in, and the failure is counted. An empty token counts as none configured.
 */
export function metricsAccess(anonymousReads: AnonymousReads, authorization: string | undefined, token: string | undefined): MetricsAccess {
  const configured = token !== undefined && token !== '' ? token : undefined;
  const anonymous = anonymousReads !== 'none';
  if (!anonymous && configured === undefined) return { status: 403 };
  if (authorization === undefined || authorization.trim() === '') {
    return anonymous ? { status: 200 } : { status: 401, challenge: REALM, badCredentials: false };
  }
  const presented = BEARER.exec(authorization.trim())?.[1];
  if (presented !== undefined && configured !== undefined && sameSecret(presented, configured)) return { status: 200 };
  return { status: 401, challenge: `${REALM}, error="invalid_token"`, badCredentials: true };
}

export interface MetricsEndpoint {
  readonly ups: UpsView;
  /** the counters as they are at this scrape */
  health(): HealthInput;
  /** read per request, so a changed setting applies to the next scrape */
  access(): { readonly anonymousReads: AnonymousReads; readonly token: string | undefined };
  /** a refused request, e.g. to count refused tokens in HealthInput.authFailures.bearer */
  onRefused?(refusal: Exclude<MetricsAccess, { status: 200 }>): void;
}

/** The request handler for GET/HEAD /metrics; routing to it is the server's job. */
export function metricsHandler(endpoint: MetricsEndpoint): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const { anonymousReads, token } = endpoint.access();
    const verdict = metricsAccess(anonymousReads, req.headers.authorization, token);
    if (verdict.status !== 200) {
      endpoint.onRefused?.(verdict);
      const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
      if (verdict.status === 401) headers['WWW-Authenticate'] = verdict.challenge;
      res.writeHead(verdict.status, headers).end(verdict.status === 401 ? 'bearer token required\n' : 'metrics are not offered\n');
      return;
    }
    const body = renderMetrics(endpoint.ups, endpoint.health());
    res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
