// Issue 15 acceptance 7, first half, against the built binary: GET /metrics over the setup page's HTTPS passes
// Prometheus' own `promtool check metrics` (Debian's prometheus package), carries nut_exporter's names with the
// values upsc prints for the same UPS, walnut's health (build, NUT clients by transport, certificate expiry,
// refused bearer tokens), asks for a bearer token when anonymous reads are off, and drops the UPS series while
// the simulated UPS is unplugged (SIGUSR2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { startWalnut, until, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, afterStarttls, run } from './helpers/clients.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over HTTPS to 127.0.0.1 with the unit's CA pinned: the device certificate must carry 127.0.0.1. */
function get(w: RunningWalnut, port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const ca = readFileSync(join(w.dataDir, 'tls', 'ca.pem'));
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, ca, agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.setTimeout(10_000, () => req.destroy(new Error('GET timed out')));
    req.end();
  });
}

/** promtool's verdict on the text: '' when it exits 0 and prints nothing, else what it said. */
function promtool(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return `exit ${e.status}: ${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

/** The samples of the text: `name{labels}` → value (labels as written, in walnut's order). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** `upsc ups@127.0.0.1:PORT`: every variable and its value, as the real NUT client prints them. */
async function upscAll(w: RunningWalnut): Promise<Map<string, string>> {
  const r = await run('upsc', [w.target()]);
  assert.equal(r.code, 0, r.stderr);
  const vars = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) vars.set(line.slice(0, i), line.slice(i + 2));
  }
  return vars;
}

/** STARTTLS on a new NUT connection and the handshake with the unit's CA pinned, presenting no certificate. */
async function starttls(w: RunningWalnut): Promise<tls.TLSSocket> {
  const raw = await afterStarttls(w.port);
  const socket = tls.connect({ socket: raw, ca: readFileSync(join(w.dataDir, 'tls', 'ca.pem')), servername: 'localhost' });
  await new Promise<void>((res, rej) => socket.once('secureConnect', res).once('error', rej));
  return socket;
}

/** A NUT connection kept open inside TLS, after one answered request. */
async function tlsNutClient(w: RunningWalnut): Promise<tls.TLSSocket> {
  const socket = await starttls(w);
  const answer = new Promise<string>((res) => socket.once('data', (d: Buffer) => res(d.toString('latin1'))));
  socket.write('GET VAR ups ups.status\n');
  assert.match(await answer, /^VAR ups ups\.status "OL/);
  return socket;
}

const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
const metricName = (variable: string): string => `network_ups_tools_${variable.replace(/[.-]/g, '_')}`;
const labelValue = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

test('a scrape of /metrics passes promtool check metrics and carries nut_exporter’s names with the values upsc prints', async () => {
  const w = await startWalnut();
  try {
    const port = await w.webPort();
    const clear = await LineClient.connect(w.port);
    assert.match((await clear.request('GET VAR ups ups.status'))[0]!, /^VAR ups ups\.status "OL\b/);
    const secure = await tlsNutClient(w);

    const before = await upscAll(w);
    const t = Date.now();
    const r = await get(w, port, '/metrics');
    console.log(`scrape: ${Date.now() - t} ms, ${Buffer.byteLength(r.body)} bytes`);
    const after = await upscAll(w);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(promtool(r.body), '');
    const m = samples(r.body);

    // every numeric variable upsc prints is a network_ups_tools_* gauge of the same value (the simulated UPS is
    // a recording; a variable that changed between the two upsc runs is left out)
    let compared = 0;
    for (const [name, value] of before) {
      if (!NUMBER.test(value) || after.get(name) !== value) continue;
      assert.equal(m.get(metricName(name)), Number(value), `${name}: upsc says ${value}`);
      compared++;
    }
    assert.ok(compared >= 10, `only ${compared} numeric variables compared`);
    assert.equal(m.get('network_ups_tools_battery_charge'), Number(before.get('battery.charge')));
    assert.match(r.body, /^# TYPE network_ups_tools_battery_charge gauge$/m);

    // ups.status: a 1 for every flag upsc shows, 0 for nut_exporter's other default flags
    // (the fixture's recording says "OL DISCHRG", as that UPS reported it)
    const flags = before.get('ups.status')!.split(' ');
    assert.ok(flags.includes('OL'), before.get('ups.status'));
    assert.equal(m.get('network_ups_tools_ups_status{flag="OL"}'), 1);
    for (const f of flags) assert.equal(m.get(`network_ups_tools_ups_status{flag="${f}"}`), 1, f);
    for (const f of ['OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'SD']) {
      if (!flags.includes(f)) assert.equal(m.get(`network_ups_tools_ups_status{flag="${f}"}`), 0, f);
    }

    // device_info with the labels from upsc's device.* in nut_exporter's order
    const labels = ['model', 'mfr', 'serial', 'type', 'description', 'contact', 'location', 'part', 'macaddr']
      .map((l) => `${l}="${labelValue(before.get(`device.${l}`) ?? '')}"`)
      .join(',');
    assert.equal(m.get(`network_ups_tools_device_info{${labels}}`), 1, r.body.split('\n').filter((l) => l.includes('device_info')).join('\n'));
    assert.ok(before.get('device.model'), 'the fixture has a device.model');

    // walnut's health
    assert.match(r.body, /^walnut_build_info\{version="[^"]+",board="[^"]+"\} 1$/m);
    assert.equal(m.get('walnut_ups_available'), 1);
    assert.equal(m.get('walnut_ups_link_state{state="ok"}'), 1);
    assert.equal(m.get('walnut_nut_clients{transport="clear"}'), 1);
    assert.equal(m.get('walnut_nut_clients{transport="tls"}'), 1);
    // the two upsc runs, the two kept connections
    assert.ok(m.get('walnut_nut_connections_accepted_total')! >= 3, String(m.get('walnut_nut_connections_accepted_total')));
    const device = new X509Certificate(readFileSync(join(w.dataDir, 'tls', 'device.pem')));
    const notAfter = Date.parse(device.validTo) / 1000;
    assert.equal(m.get('walnut_tls_certificate_not_after_timestamp_seconds'), notAfter);
    const expiry = m.get('walnut_tls_certificate_expiry_seconds')!;
    assert.ok(expiry > 0, `expiry ${expiry}`);
    assert.ok(Math.abs(expiry - (notAfter - t / 1000)) < 60, `expiry ${expiry} vs ${notAfter - t / 1000}`);

    // the connections closed, the gauges follow
    clear.close();
    secure.destroy();
    await until('both NUT clients gone from /metrics', async () => {
      const n = samples((await get(w, port, '/metrics')).body);
      return n.get('walnut_nut_clients{transport="clear"}') === 0 && n.get('walnut_nut_clients{transport="tls"}') === 0;
    });
  } finally {
    await w.stop();
  }
});

test('with anonymous reads off, /metrics asks for the bearer token, counts a wrong one and serves the right one', async () => {
  const token = 'scrape-7f3c9a1e4b';
  const w = await startWalnut({ config: { tls: { anonymousReads: 'none' }, web: { metricsToken: token } } });
  try {
    const port = await w.webPort();
    const none = await get(w, port, '/metrics');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="walnut metrics"');
    assert.doesNotMatch(none.body, /network_ups_tools|walnut_/);

    for (const wrong of [`Bearer ${token}x`, 'Bearer other', `Basic ${Buffer.from(`u:${token}`).toString('base64')}`]) {
      const r = await get(w, port, '/metrics', { Authorization: wrong });
      assert.equal(r.status, 401, wrong);
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="walnut metrics", error="invalid_token"', wrong);
      assert.doesNotMatch(r.body, /network_ups_tools|walnut_/);
    }

    const ok = await get(w, port, '/metrics', { Authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(promtool(ok.body), '');
    const m = samples(ok.body);
    // three refused tokens; the request with none is a challenge, not a failure
    assert.equal(m.get('walnut_auth_failures_total{method="bearer"}'), 3);
    assert.equal(m.get('walnut_auth_failures_total{method="password"}'), 0);
    assert.equal(m.get('network_ups_tools_ups_status{flag="OL"}'), 1);
    // the scheme is case-insensitive (RFC 9110 §11.1)
    assert.equal((await get(w, port, '/metrics', { Authorization: `bearer ${token}` })).status, 200);
  } finally {
    await w.stop();
  }
});

test('a NUT client refused for presenting no client certificate counts in walnut_auth_failures_total{method="certificate"}', async () => {
  const w = await startWalnut({ config: { tls: { clientCertificates: 'require' } } });
  try {
    const port = await w.webPort();
    const scrape = async (): Promise<Map<string, number>> => samples((await get(w, port, '/metrics')).body);
    assert.equal((await scrape()).get('walnut_auth_failures_total{method="certificate"}'), 0);
    for (let i = 0; i < 2; i++) {
      const socket = await starttls(w);
      socket.on('error', () => undefined);
      await new Promise<void>((res) => (socket.closed ? res() : socket.once('close', () => res())));
    }
    assert.equal(w.logs().match(/client certificate refused: none presented/g)?.length, 2, w.logs());
    const m = await scrape();
    assert.equal(m.get('walnut_auth_failures_total{method="certificate"}'), 2);
    assert.equal(m.get('walnut_nut_clients{transport="tls"}'), 0);
  } finally {
    await w.stop();
  }
});

test('while the simulated UPS is unplugged /metrics has no network_ups_tools series and walnut_ups_available 0, and after the replug both come back', async () => {
  const w = await startWalnut();
  try {
    const port = await w.webPort();
    const scrape = async (): Promise<string> => {
      const r = await get(w, port, '/metrics');
      assert.equal(r.status, 200);
      return r.body;
    };
    assert.match(await scrape(), /^network_ups_tools_battery_charge /m);

    w.process.kill('SIGUSR2'); // unplug
    let body = '';
    await until('walnut_ups_available 0', async () => /^walnut_ups_available 0$/m.test((body = await scrape())));
    assert.equal(promtool(body), '');
    assert.doesNotMatch(body, /^network_ups_tools_/m);
    const m = samples(body);
    // the driver keeps the last values and marks them stale, as usbhid-ups does after an unplug
    assert.equal(m.get('walnut_ups_link_state{state="stale"}'), 1);
    assert.equal(m.get('walnut_ups_link_state{state="ok"}'), 0);
    assert.match(body, /^walnut_build_info\{version="[^"]+",board="[^"]+"\} 1$/m, 'walnut’s health stays');
    assert.ok((m.get('walnut_tls_certificate_expiry_seconds') ?? 0) > 0);
    // NUT's clients are told the same: ERR DATA-STALE
    const r = await run('upsc', [w.target(), 'battery.charge']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Data stale/);

    w.process.kill('SIGUSR2'); // plug back in
    await until('walnut_ups_available 1', async () => /^walnut_ups_available 1$/m.test((body = await scrape())));
    assert.equal(promtool(body), '');
    assert.match(body, /^network_ups_tools_ups_status\{flag="OL"\} 1$/m);
    assert.equal(samples(body).get('walnut_usb_reconnects_total'), 1);
  } finally {
    await w.stop();
  }
});
