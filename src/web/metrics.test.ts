// /metrics for every UPS fixture, checked by Prometheus' own promtool (Debian's prometheus package, make
// test-deps), and who may read it.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PowerDevice } from '../power-device/power-device.ts';
import { FixtureSource, type UpsFixture } from '../power-device/test-support.ts';
import { UpsModel } from '../ups/model.ts';
import { formatValue } from './exposition.ts';
import { sampleHealth } from './health-harness.ts';
import { METRICS_CONTENT_TYPE, metricsAccess, metricsHandler, renderMetrics, type MetricsEndpoint } from './metrics.ts';
import { exporterName, exporterValue } from './nut-exporter.ts';

const FIXTURES = new URL('../../test/fixtures/ups/', import.meta.url);
const ALL = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

/** The fixture driven as the appliance drives a USB UPS: the HID mapping publishes into a UPS model. */
async function upsFrom(file: string): Promise<{ ups: UpsModel; fixture: UpsFixture }> {
  const fixture = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as UpsFixture;
  const ups = new UpsModel({ name: 'ups' });
  const device = await PowerDevice.open(new FixtureSource(fixture), ups, { sleep: async () => undefined });
  for (const report of FixtureSource.inputs(fixture)) device.onInputReport(report);
  ups.markConnected();
  return { ups, fixture };
}

/** promtool's verdict: exit status 0 and no lint output, or what it said. */
function promtoolCheck(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return `exit ${e.status}: ${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

describe('/metrics for every UPS fixture', () => {
  it('has all eight fixtures to render', () => assert.equal(ALL.length, 8));

  for (const file of ALL) {
    it(`passes promtool check metrics for ${file}`, async () => {
      const { ups } = await upsFrom(file);
      assert.equal(promtoolCheck(renderMetrics(ups, sampleHealth())), '');
    });

    it(`carries nut_exporter's name and the fixture's value for every numeric variable of ${file}`, async () => {
      const { ups, fixture } = await upsFrom(file);
      const text = renderMetrics(ups, sampleHealth());
      for (const [name, value] of Object.entries(fixture.nutOracle.variables)) {
        const n = exporterValue(value);
        if (name === 'ups.status' || n === undefined) continue;
        assert.match(text, new RegExp(`^${exporterName(name)} ${formatValue(n).replace(/[.+]/g, '\\$&')}$`, 'm'), name);
      }
      assert.match(text, /^network_ups_tools_device_info\{model="[^"]*",mfr=/m);
      assert.match(text, /^walnut_ups_available 1$/m);
    });
  }

  it('shows the APC BK650M2-CH as nut_exporter would: charge, load, voltages, status flags, device info', async () => {
    const text = renderMetrics((await upsFrom('apc-back-ups-bk650m2-ch.json')).ups, sampleHealth());
    for (const line of [
      'network_ups_tools_battery_charge 100',
      'network_ups_tools_battery_runtime 3618',
      'network_ups_tools_battery_voltage 13.5',
      'network_ups_tools_input_voltage 232',
      'network_ups_tools_ups_load 0',
      'network_ups_tools_ups_beeper_status 0', // "disabled", as go.nut coerces it
      'network_ups_tools_ups_status{flag="OL"} 1',
      'network_ups_tools_ups_status{flag="DISCHRG"} 1',
      'network_ups_tools_ups_status{flag="OB"} 0',
      'network_ups_tools_device_info{model="BK650M2-CH",mfr="American Power Conversion",serial="9B2019A14274",type="ups",description="",contact="",location="",part="",macaddr=""} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), line);
    }
  });

  it('passes promtool for a UPS that is not connected: walnut_ups_available 0 and no UPS series', async () => {
    const { ups } = await upsFrom('apc-back-ups-cs-500.json');
    ups.markDisconnected();
    const text = renderMetrics(ups, sampleHealth());
    assert.equal(promtoolCheck(text), '');
    assert.match(text, /^walnut_ups_available 0$/m);
    assert.doesNotMatch(text, /^network_ups_tools_/m);
  });
});

test('promtool really rejects bad exposition text, so its silence above means something', () => {
  assert.match(promtoolCheck('# TYPE x gauge\nx{a="unterminated} 1\n'), /^exit [1-9]/);
});

test('label values with quotes, backslashes and newlines still pass promtool', () => {
  const ups = new UpsModel({ name: 'ups' });
  ups.setVariable('device.model', 'Back-UPS "RS" \\ 1000');
  ups.markConnected();
  const text = renderMetrics(ups, sampleHealth({ build: { version: '1.0 "quoted"\nsecond line', board: 'a\\b' } }));
  assert.equal(promtoolCheck(text), '');
  assert.match(text, /^walnut_build_info\{version="1\.0 \\"quoted\\"\\nsecond line",board="a\\\\b"\} 1$/m);
});

describe('who may read /metrics', () => {
  const TOKEN = 'k3y-With.chars_~+/=';

  it('anyone, when anonymous reads are allowed (any, or tls: the web server is HTTPS only)', () => {
    assert.deepEqual(metricsAccess('any', undefined, undefined), { status: 200 });
    assert.deepEqual(metricsAccess('tls', undefined, TOKEN), { status: 200 });
  });

  it('with anonymous reads off, only the caller with the configured bearer token', () => {
    assert.deepEqual(metricsAccess('none', `Bearer ${TOKEN}`, TOKEN), { status: 200 });
    assert.deepEqual(metricsAccess('none', `bearer  ${TOKEN} `, TOKEN), { status: 200 }, 'the scheme is case-insensitive');
    assert.deepEqual(metricsAccess('none', undefined, TOKEN), { status: 401, challenge: 'Bearer realm="walnut metrics"', badCredentials: false });
  });

  it('a wrong, malformed or non-bearer credential is 401 invalid_token and counts as bad, even where anonymous reads are allowed', () => {
    for (const header of [`Bearer ${TOKEN}x`, 'Bearer', 'Basic dXNlcjpwdw==', `Bearer ${TOKEN} extra`, 'Bearer k3y"']) {
      for (const policy of ['none', 'any'] as const) {
        assert.deepEqual(
          metricsAccess(policy, header, TOKEN),
          { status: 401, challenge: 'Bearer realm="walnut metrics", error="invalid_token"', badCredentials: true },
          `${policy}: ${header}`,
        );
      }
    }
  });

  it('nobody, with anonymous reads off and no token configured (an empty token is none): 403', () => {
    assert.deepEqual(metricsAccess('none', undefined, undefined), { status: 403 });
    assert.deepEqual(metricsAccess('none', 'Bearer ', ''), { status: 403 });
    assert.deepEqual(metricsAccess('none', 'Bearer x', undefined), { status: 403 });
  });

  it('no token is accepted when none is configured, even where anonymous reads are allowed', () => {
    assert.equal(metricsAccess('any', 'Bearer anything', undefined).status, 401);
  });
});

describe('the /metrics handler', () => {
  async function serve(endpoint: MetricsEndpoint): Promise<{ server: Server; port: number }> {
    const server = createServer(metricsHandler(endpoint));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  function get(port: number, method: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/metrics', method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject).end();
    });
  }

  it('answers GET with the rendered text, HEAD with its headers only, others with 405, and tells refusals', async (t) => {
    const ups = new UpsModel({ name: 'ups' });
    ups.setVariable('battery.charge', '77');
    ups.markConnected();
    const refusals: number[] = [];
    let policy: { anonymousReads: 'any' | 'none'; token: string | undefined } = { anonymousReads: 'any', token: 'secret' };
    const { server, port } = await serve({ ups, health: () => sampleHealth(), access: () => policy, onRefused: (r) => refusals.push(r.status) });
    t.after(() => server.close());

    const ok = await get(port, 'GET');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], METRICS_CONTENT_TYPE);
    assert.equal(ok.headers['cache-control'], 'no-store');
    assert.match(ok.body, /^network_ups_tools_battery_charge 77$/m);
    assert.equal(ok.body, renderMetrics(ups, sampleHealth()));

    const head = await get(port, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(Number(head.headers['content-length']), Buffer.byteLength(ok.body));

    const post = await get(port, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');

    policy = { anonymousReads: 'none', token: 'secret' };
    const missing = await get(port, 'GET');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="walnut metrics"');
    assert.equal((await get(port, 'GET', { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get(port, 'GET', { Authorization: 'Bearer secret' })).status, 200);
    policy = { anonymousReads: 'none', token: undefined };
    assert.equal((await get(port, 'GET')).status, 403);
    assert.deepEqual(refusals, [401, 401, 403]);
  });
});
