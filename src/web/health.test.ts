import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeExposition } from './exposition.ts';
import { healthFamilies, upsAvailabilityFamilies } from './health.ts';
import { NOW, sampleHealth } from './health-harness.ts';

const render = (h = sampleHealth()): string => writeExposition(healthFamilies(h));

test('walnut_build_info is 1 with the version and board as labels', () => {
  assert.match(render(), /^walnut_build_info\{version="1\.2\.3",board="x86_64-generic"\} 1$/m);
});

test('USB reconnects are a counter', () => {
  assert.match(render(), /^# TYPE walnut_usb_reconnects_total counter\nwalnut_usb_reconnects_total 2$/m);
});

test('NUT clients are counted by transport, tls and clear', () => {
  const text = render();
  assert.match(text, /^# TYPE walnut_nut_clients gauge$/m);
  assert.match(text, /^walnut_nut_clients\{transport="tls"\} 3$/m);
  assert.match(text, /^walnut_nut_clients\{transport="clear"\} 1$/m);
});

test("the NUT server's counters are counters, refusals and closes by reason", () => {
  const text = render();
  assert.match(text, /^walnut_nut_connections_accepted_total 40$/m);
  assert.match(text, /^walnut_nut_connections_refused_total\{reason="max_connections"\} 4$/m);
  assert.match(text, /^walnut_nut_connections_refused_total\{reason="http"\} 7$/m);
  assert.match(text, /^walnut_nut_connections_closed_total\{reason="idle"\} 5$/m);
  assert.match(text, /^walnut_nut_connections_closed_total\{reason="write_stall"\} 6$/m);
  assert.match(text, /^walnut_nut_connections_closed_total\{reason="bad_lines"\} 9$/m);
  assert.match(text, /^walnut_nut_requests_total 900$/m);
  assert.match(text, /^walnut_nut_parse_errors_total 8$/m);
});

test('auth failures are one counter by method: password, ticket, certificate, bearer', () => {
  const text = render();
  for (const [method, n] of [['password', 11], ['ticket', 12], ['certificate', 13], ['bearer', 14]] as const) {
    assert.match(text, new RegExp(`^walnut_auth_failures_total\\{method="${method}"\\} ${n}$`, 'm'));
  }
});

test('certificate expiry is given as seconds left and as the expiry time', () => {
  const text = render();
  assert.match(text, /^walnut_tls_certificate_expiry_seconds 2592000$/m);
  assert.match(text, new RegExp(`^walnut_tls_certificate_not_after_timestamp_seconds ${NOW / 1000 + 2_592_000}$`, 'm'));
  assert.match(render(sampleHealth({ now: NOW + 31 * 86_400_000 })), /^walnut_tls_certificate_expiry_seconds -86400$/m, 'negative once expired');
});

test('without a certificate (TLS off) there are no certificate series', () => {
  assert.doesNotMatch(render(sampleHealth({ certificateNotAfter: undefined })), /certificate_/);
});

test('walnut_ups_available is 1 only while the UPS is ok, and the link state names the current state', () => {
  const text = (a: 'ok' | 'stale' | 'not-connected'): string => writeExposition(upsAvailabilityFamilies(a));
  assert.match(text('ok'), /^walnut_ups_available 1$/m);
  for (const a of ['stale', 'not-connected'] as const) {
    assert.match(text(a), /^walnut_ups_available 0$/m);
    assert.match(text(a), new RegExp(`^walnut_ups_link_state\\{state="${a}"\\} 1$`, 'm'));
    assert.match(text(a), /^walnut_ups_link_state\{state="ok"\} 0$/m);
  }
});
