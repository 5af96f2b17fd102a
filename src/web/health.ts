// walnut's own health as Prometheus families (walnut_*): what nut_exporter cannot see from outside — the USB
// link, who is connected and how, refused logins, the certificate's remaining life, the build. Pure: a plain
// object of numbers in (the appliance fills it from the parts that count), families out, so the counting
// stays where the events happen and this file only names them.
import type { Availability } from '../ups/model.ts';
import type { MetricFamily } from './exposition.ts';

/** The NUT server's cumulative counters; src/nut/server.ts `NutServer.counters` (ServerCounters) fits as is. */
export interface NutServerCounts {
  readonly accepted: number;
  readonly refusedOverCap: number;
  readonly idleClosed: number;
  readonly stallClosed: number;
  readonly httpRefused: number;
  readonly parseErrors: number;
  readonly requests: number;
  readonly badLineClosed: number;
}

/** Refused credentials since start, by what was refused. */
export interface AuthFailureCounts {
  /** wrong password or unknown user at LOGIN (the authorizer's `login-failed` event) */
  readonly password: number;
  /** a ticket login refused (audit event `ticket-refused`) */
  readonly ticket: number;
  /** a client certificate refused in the TLS handshake (server.ts acceptPeer) */
  readonly certificate: number;
  /** a refused bearer token on /metrics (metricsAccess: status 401 with badCredentials) */
  readonly bearer: number;
}

export interface HealthInput {
  readonly build: { readonly version: string; readonly board: string };
  /** times the driver found the UPS again after losing it (the first attach is not a reconnect) */
  readonly usbReconnects: number;
  /** NUT connections open now, by whether STARTTLS has completed on them */
  readonly nutClients: { readonly tls: number; readonly clear: number };
  readonly nut: NutServerCounts;
  readonly authFailures: AuthFailureCounts;
  /** the unit's server certificate (TlsIdentity.notAfter); undefined when TLS is off */
  readonly certificateNotAfter?: Date | undefined;
  /** ms since the epoch: the scrape's moment, so the expiry countdown is computed without a clock here */
  readonly now: number;
}

const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): MetricFamily => ({
  name,
  help,
  type: 'gauge',
  samples: [{ labels, value }],
});

const counter = (name: string, help: string, samples: MetricFamily['samples']): MetricFamily => ({ name, help, type: 'counter', samples });

const AVAILABILITY: readonly Availability[] = ['ok', 'stale', 'not-connected'];

/** walnut_ups_available (1 only when the UPS series are exported) and the link state as a state set. */
export function upsAvailabilityFamilies(availability: Availability): MetricFamily[] {
  return [
    gauge('walnut_ups_available', 'Whether the UPS is heard from and its network_ups_tools_* series are exported (1) or not (0)', availability === 'ok' ? 1 : 0),
    {
      name: 'walnut_ups_link_state',
      help: 'The driver link to the UPS: ok, stale (DATA-STALE) or not-connected (DRIVER-NOT-CONNECTED); 1 for the current state',
      type: 'gauge',
      samples: AVAILABILITY.map((state) => ({ labels: { state }, value: state === availability ? 1 : 0 })),
    },
  ];
}

export function healthFamilies(h: HealthInput): MetricFamily[] {
  const families: MetricFamily[] = [
    gauge('walnut_build_info', 'walnut build: version and board profile, value 1', 1, { version: h.build.version, board: h.build.board }),
    counter('walnut_usb_reconnects_total', 'Times the driver found the UPS again after losing it', [{ value: h.usbReconnects }]),
    {
      name: 'walnut_nut_clients',
      help: 'NUT connections open now, by transport (tls after STARTTLS, clear otherwise)',
      type: 'gauge',
      samples: [
        { labels: { transport: 'tls' }, value: h.nutClients.tls },
        { labels: { transport: 'clear' }, value: h.nutClients.clear },
      ],
    },
    counter('walnut_nut_connections_accepted_total', 'NUT connections accepted', [{ value: h.nut.accepted }]),
    counter('walnut_nut_connections_refused_total', 'NUT connections refused, by reason', [
      { labels: { reason: 'max_connections' }, value: h.nut.refusedOverCap },
      { labels: { reason: 'http' }, value: h.nut.httpRefused },
    ]),
    counter('walnut_nut_connections_closed_total', 'NUT connections closed by the server, by reason', [
      { labels: { reason: 'idle' }, value: h.nut.idleClosed },
      { labels: { reason: 'write_stall' }, value: h.nut.stallClosed },
      { labels: { reason: 'bad_lines' }, value: h.nut.badLineClosed },
    ]),
    counter('walnut_nut_requests_total', 'NUT request lines answered', [{ value: h.nut.requests }]),
    counter('walnut_nut_parse_errors_total', 'NUT request lines that did not parse', [{ value: h.nut.parseErrors }]),
    counter('walnut_auth_failures_total', 'Refused credentials, by kind', [
      { labels: { method: 'password' }, value: h.authFailures.password },
      { labels: { method: 'ticket' }, value: h.authFailures.ticket },
      { labels: { method: 'certificate' }, value: h.authFailures.certificate },
      { labels: { method: 'bearer' }, value: h.authFailures.bearer },
    ]),
  ];
  if (h.certificateNotAfter) {
    const notAfter = h.certificateNotAfter.getTime() / 1000;
    // both: the countdown is what the issue asks for and reads at a glance; the timestamp is what
    // blackbox_exporter's probe_ssl_earliest_cert_expiry offers, for alerts written as `... - time() < N`
    families.push(
      gauge('walnut_tls_certificate_expiry_seconds', 'Seconds until the server certificate expires (negative once expired)', Math.floor(notAfter - h.now / 1000)),
      gauge('walnut_tls_certificate_not_after_timestamp_seconds', 'When the server certificate expires, as a Unix time', notAfter),
    );
  }
  return families;
}
