// Issue 7 acceptance 1-3 with the built binary in the mDNS lab (test/helpers/netns.ts): two network namespaces
// on a veth pair, each with its own D-Bus and avahi-daemon. walnut runs in side A (or both); side B discovers
// it with the clients LAN users have — avahi-browse, nut-scanner -A, python3-zeroconf (Home Assistant's
// library) — and upsc reads ups.status from what was discovered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { createMdnsLab, parseBrowse, parseBrowseLine, watchLines, zeroconfLookup, type BrowseEntry, type MdnsLab, type Side } from './helpers/netns.ts';

let lab: MdnsLab;

before(async () => {
  lab = await createMdnsLab({ name: 'walnut-mdns' });
});

after(async () => {
  await lab?.destroy();
});

function walnutIn(side: Side, name: string): Promise<RunningWalnut> {
  return startWalnut({
    wrapper: side.wrapper,
    env: side.env,
    config: { listen: ['0.0.0.0:0'], mdns: { enabled: true, name } },
  });
}

/** avahi-browse -rpt in `side` until `want` holds (avahi needs a moment after a registration). */
async function browse(side: Side, type: string, want: (entries: BrowseEntry[]) => boolean, timeoutMs = 15_000): Promise<BrowseEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let last: BrowseEntry[] = [];
  while (Date.now() < deadline) {
    const r = await side.exec('avahi-browse', ['-rpt', type], { timeoutMs: 10_000 });
    last = parseBrowse(r.stdout).filter((e) => e.event === '=');
    if (want(last)) return last;
    await new Promise((res) => setTimeout(res, 300));
  }
  assert.fail(`${type} not as expected within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

async function upscStatus(side: Side, address: string, port: number): Promise<string> {
  const r = await side.exec('upsc', [`ups@${address}:${port}`, 'ups.status'], { timeoutMs: 15_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('from the other namespace avahi-browse, nut-scanner -A and python3-zeroconf each find walnut, and upsc reads ups.status from what they found', async () => {
  const walnut = await walnutIn(lab.a, 'Lab UPS');
  try {
    // avahi-browse: _nut._tcp (Home Assistant's type) and _upsd._tcp with nut-scanner's TXT
    const nut = await browse(lab.b, '_nut._tcp', (es) => es.some((e) => e.name === 'Lab UPS'));
    const entry = nut.find((e) => e.name === 'Lab UPS')!;
    assert.equal(entry.address, lab.a.address);
    assert.equal(entry.port, walnut.port);
    const upsd = (await browse(lab.b, '_upsd._tcp', (es) => es.some((e) => e.name === 'Lab UPS'))).find((e) => e.name === 'Lab UPS')!;
    assert.deepEqual([...(upsd.txt ?? [])].sort(), ['device_list=ups', 'protovers=1.3.0', 'txtvers=1']);
    assert.match(await upscStatus(lab.b, entry.address!, entry.port!), /^OL\b/);

    // nut-scanner -A: `ups@HOST.local:PORT` from _upsd._tcp's device_list; the host name resolved over mDNS
    const scan = await lab.b.exec('nut-scanner', ['-A'], { timeoutMs: 20_000 });
    assert.equal(scan.code, 0, scan.stderr);
    const port = new RegExp(`port = "ups@${lab.a.hostName}\\.local:${walnut.port}"`);
    assert.match(scan.stdout, port);
    const resolved = await lab.b.exec('avahi-resolve', ['-4', '-n', `${lab.a.hostName}.local`]);
    assert.equal(resolved.code, 0, resolved.stderr);
    const address = resolved.stdout.trim().split(/\s+/)[1]!;
    assert.equal(address, lab.a.address);
    assert.match(await upscStatus(lab.b, address, walnut.port), /^OL\b/);

    // python3-zeroconf, as Home Assistant's zeroconf discovery uses it
    const found = await zeroconfLookup(lab.b, 'Lab UPS');
    assert.ok(found, 'python3-zeroconf found Lab UPS');
    assert.deepEqual([found.addresses, found.port], [[lab.a.address], walnut.port]);
    assert.match(await upscStatus(lab.b, found.addresses[0]!, found.port), /^OL\b/);
    assert.match(walnut.logs(), /mDNS: published _nut\._tcp "Lab UPS" on port \d+/);
  } finally {
    await walnut.stop();
  }
});

test('stopping walnut withdraws its services, and a walnut started before avahi is published once avahi runs', async () => {
  const watcher = lab.b.spawn('avahi-browse', ['-rp', '_nut._tcp']);
  const lines = watchLines(watcher, ['stdout']);
  // avahi-browse -p escapes the name (a space is \032): compare parsed entries
  const event = (kind: string, name: string) => (l: string): boolean => parseBrowseLine(l)?.event === kind && parseBrowseLine(l)?.name === name;
  try {
    let walnut = await walnutIn(lab.a, 'Going UPS');
    await lines.waitFor(event('=', 'Going UPS'), 15_000);
    await walnut.stop();
    await lines.waitFor(event('-', 'Going UPS'), 10_000);

    lab.a.stopAvahi();
    walnut = await walnutIn(lab.a, 'Late UPS');
    try {
      // it serves at once, and says once that it cannot announce yet
      assert.match(await upscStatus(lab.a, '127.0.0.1', walnut.port), /^OL\b/);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(walnut.logs().match(/cannot register with avahi/g)?.length, 1, walnut.logs());
      await lab.a.startAvahi();
      const from = lines.lines.length;
      await lines.waitFor(event('=', 'Late UPS'), 20_000, from);
      // avahi's answer to walnut's registration may trail what the browser already saw on the wire
      const deadline = Date.now() + 5000;
      while (!/mDNS: avahi is reachable again; announcing/.test(walnut.logs()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(walnut.logs(), /mDNS: avahi is reachable again; announcing/);
    } finally {
      await walnut.stop();
    }
  } finally {
    watcher.kill();
  }
});

test('two walnuts with the same instance name, one in each namespace, are both published under distinct names', async () => {
  const first = await walnutIn(lab.a, 'Twin UPS');
  try {
    await browse(lab.b, '_nut._tcp', (es) => es.some((e) => e.name === 'Twin UPS' && e.address === lab.a.address));
    const second = await walnutIn(lab.b, 'Twin UPS');
    try {
      for (const side of [lab.a, lab.b]) {
        const es = await browse(side, '_nut._tcp', (all) => all.filter((e) => e.name.startsWith('Twin UPS')).length >= 2);
        const twins = new Map(es.filter((e) => e.name.startsWith('Twin UPS')).map((e) => [e.name, e.address]));
        assert.equal(twins.size, 2, JSON.stringify([...twins]));
        assert.deepEqual(new Set(twins.values()), new Set([lab.a.address, lab.b.address]));
      }
      // the walnut that lost the name says what it is published as now
      assert.match(first.logs() + second.logs(), /_nut\._tcp "Twin UPS" is taken on the network; avahi published it as "Twin UPS #2"/);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});

test('from the other namespace avahi-browse -rpt finds walnut’s setup page as _https._tcp with path=/ and its port, and curl with the unit’s CA gets the page there', async () => {
  const walnut = await startWalnut({
    wrapper: lab.a.wrapper,
    env: lab.a.env,
    config: { listen: ['0.0.0.0:0'], mdns: { enabled: true, name: 'Web UPS' }, web: { listen: ['0.0.0.0:0'] } },
  });
  try {
    let webPort = 0;
    const deadline = Date.now() + 10_000;
    while (webPort === 0 && Date.now() < deadline) {
      webPort = Number(/setup page listening on https:\/\/\*?(?:0\.0\.0\.0)?:(\d+)\//.exec(walnut.logs())?.[1] ?? 0);
      if (webPort === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(webPort > 0, walnut.logs());
    const https = (await browse(lab.b, '_https._tcp', (es) => es.some((e) => e.name === 'Web UPS'))).filter((e) => e.name === 'Web UPS');
    assert.deepEqual(
      https.map((e) => [e.host, e.address, e.port, e.txt]),
      [[`${lab.a.hostName}.local`, lab.a.address, webPort, ['path=/']]],
    );
    // the NUT service is announced beside it, on its own port
    const nut = (await browse(lab.b, '_nut._tcp', (es) => es.some((e) => e.name === 'Web UPS'))).find((e) => e.name === 'Web UPS')!;
    assert.equal(nut.port, walnut.port);
    assert.notEqual(nut.port, webPort);

    // the device certificate was made at this first start inside side A, so it names A's veth address (and the
    // OS host name, which the lab does not change: avahi's walnut-a is the lab's name for the side, not the host's)
    const ca = join(walnut.dataDir, 'tls', 'ca.pem');
    const device = new X509Certificate(readFileSync(join(walnut.dataDir, 'tls', 'device.pem')));
    const san = device.subjectAltName ?? '';
    assert.match(san, new RegExp(`IP Address:${lab.a.address.replaceAll('.', '\\.')}(,|$)`), san);
    const osName = `${hostname().split('.')[0]}.local`;
    assert.match(san, new RegExp(`DNS:${osName.replaceAll('.', '\\.')}(,|$)`), san);

    const curl = (url: string, extra: string[] = []): ReturnType<Side['exec']> =>
      lab.b.exec('curl', ['-sS', '--max-time', '10', '--cacert', ca, '-o', '-', '-w', '\\n%{http_code} %{content_type}', ...extra, url]);
    const { address, port } = https[0]!;
    // by the address avahi resolved: verified against the certificate's IP address entry
    const byAddress = await curl(`https://${address}:${port}/`);
    assert.equal(byAddress.code, 0, byAddress.stderr);
    assert.match(byAddress.stdout, /^200 text\/html; charset=utf-8$/m);
    assert.match(byAddress.stdout, /<!doctype html>/i);
    // by a name the certificate carries, pointed at the resolved address
    const byName = await curl(`https://${osName}:${port}/`, ['--resolve', `${osName}:${port}:${address}`]);
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stdout, /^200 text\/html; charset=utf-8$/m);
    // the lab's avahi host name is not among the certificate's names, and curl says so (60: peer certificate
    // cannot be authenticated): the verification above is real
    const byAvahiHost = await curl(`https://${https[0]!.host}:${port}/`, ['--resolve', `${https[0]!.host}:${port}:${address}`]);
    assert.equal(byAvahiHost.code, 60, byAvahiHost.stderr);
    assert.match(byAvahiHost.stderr, /no alternative certificate subject name matches|does not match/);
    // and /metrics the same way, for a scraper found by browsing
    const metrics = await curl(`https://${address}:${port}/metrics`);
    assert.equal(metrics.code, 0, metrics.stderr);
    assert.match(metrics.stdout, /^network_ups_tools_ups_status\{flag="OL"\} 1$/m);
    assert.match(walnut.logs(), /mDNS: published _https\._tcp "Web UPS" on port \d+/);
  } finally {
    await walnut.stop();
  }
});
