// The mDNS lab of test/helpers/netns.ts, proved with real avahi and real clients: what side A advertises,
// side B's avahi-browse, python3-zeroconf and nut-scanner discover over the veth; withdrawals reach a watching
// browser; avahi renames a second publisher of a taken name. Needs root and the packages in MDNS_LAB_PACKAGES.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createMdnsLab, parseBrowse, parseBrowseLine, watchLines, zeroconfLookup, type MdnsLab, type Side } from './helpers/netns.ts';

// the host's own D-Bus and avahi folders, before the lab: it must leave them as they were
const hostRunBefore = {
  dbus: existsSync('/run/dbus') ? readdirSync('/run/dbus').sort() : null,
  avahi: existsSync('/run/avahi-daemon') ? readdirSync('/run/avahi-daemon').sort() : null,
};

let lab: MdnsLab;
const started: ChildProcess[] = [];

before(async () => {
  lab = await createMdnsLab({ name: 'mdns-lab-test' });
  console.log(`mDNS lab ${lab.id} ready in ${lab.setupMs} ms`);
});

after(async () => {
  await lab?.destroy();
});

/** avahi-publish in a side; resolves once avahi says the service is established, with the name it got */
async function publish(side: Side, args: string[]): Promise<{ child: ChildProcess; name: string }> {
  const child = side.spawn('avahi-publish', ['-s', ...args]);
  started.push(child);
  const out = watchLines(child, ['stdout', 'stderr']);
  const line = await out.waitFor(/^Established under name '(.*)'$/, 10_000);
  return { child, name: /'(.*)'/.exec(line)![1]! };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
}

test('each side has its own bus and avahi-daemon, and the host /run is left as it was', async () => {
  for (const side of [lab.a, lab.b]) {
    const r = await side.exec('dbus-send', ['--system', '--print-reply', '--dest=org.freedesktop.Avahi', '/', 'org.freedesktop.Avahi.Server.GetHostName']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`string "${side.hostName}"`));
    const ip = await side.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', side.ifname]);
    assert.match(ip.stdout, new RegExp(` ${side.address.replaceAll('.', '\\.')}/24 `));
  }
  assert.deepEqual(existsSync('/run/dbus') ? readdirSync('/run/dbus').sort() : null, hostRunBefore.dbus);
  assert.deepEqual(existsSync('/run/avahi-daemon') ? readdirSync('/run/avahi-daemon').sort() : null, hostRunBefore.avahi);
});

test('an avahi-publish of _nut._tcp in A is seen by avahi-browse -rpt in B with A’s address, port and TXT', async () => {
  const { child, name } = await publish(lab.a, ['Rack UPS; A.1', '_nut._tcp', '3493', 'txtvers=1', 'protovers=1.3.0', 'device_list=ups']);
  assert.equal(name, 'Rack UPS; A.1');
  const r = await lab.b.exec('avahi-browse', ['-rpt', '_nut._tcp']);
  assert.equal(r.code, 0, r.stderr);
  const resolved = parseBrowse(r.stdout).filter((e) => e.event === '=' && e.name === name);
  assert.deepEqual(resolved, [
    {
      event: '=',
      iface: 'eth0',
      protocol: 'IPv4',
      name,
      type: '_nut._tcp',
      domain: 'local',
      host: 'walnut-a.local',
      address: lab.a.address,
      port: 3493,
      txt: ['device_list=ups', 'protovers=1.3.0', 'txtvers=1'],
    },
  ]);
  await stop(child);
});

test('a browser in B watching _nut._tcp sees the service removed when A’s publisher stops', async () => {
  const browser = lab.b.spawn('avahi-browse', ['-rp', '_nut._tcp']);
  started.push(browser);
  const seen = watchLines(browser);
  const { child, name } = await publish(lab.a, ['Withdrawn UPS', '_nut._tcp', '3493']);
  const isOurs = (event: string) => (l: string) => parseBrowseLine(l)?.event === event && parseBrowseLine(l)?.name === name;
  const resolved = parseBrowseLine(await seen.waitFor(isOurs('='), 10_000))!;
  assert.equal(resolved.address, lab.a.address);
  const t = Date.now();
  await stop(child);
  await seen.waitFor(isOurs('-'), 10_000); // avahi sends goodbyes (TTL 0); B drops the record a second later
  console.log(`removal seen ${Date.now() - t} ms after the publisher stopped`);
  await stop(browser);
});

test('stopping avahi-daemon in A withdraws what it published, and a restarted daemon publishes again', async () => {
  const browser = lab.b.spawn('avahi-browse', ['-rp', '_nut._tcp']);
  started.push(browser);
  const seen = watchLines(browser);
  const isOurs = (event: string, name: string) => (l: string) => parseBrowseLine(l)?.event === event && parseBrowseLine(l)?.name === name;
  const first = await publish(lab.a, ['Daemon UPS', '_nut._tcp', '3493']);
  await seen.waitFor(isOurs('=', 'Daemon UPS'), 10_000);
  await lab.a.stopAvahi();
  assert.equal(lab.a.avahiRunning, false);
  await seen.waitFor(isOurs('-', 'Daemon UPS'), 10_000);
  // avahi-publish is a client of the daemon: it goes with it
  await new Promise((res) => (first.child.exitCode !== null ? res(null) : first.child.once('exit', res)));
  const mark = seen.lines.length;
  await lab.a.startAvahi();
  assert.equal(lab.a.avahiRunning, true);
  const again = await publish(lab.a, ['Daemon UPS', '_nut._tcp', '3493']);
  assert.equal(again.name, 'Daemon UPS');
  await seen.waitFor(isOurs('=', 'Daemon UPS'), 10_000, mark);
  await stop(again.child);
  await stop(browser);
});

test('a static service file in A’s /etc/avahi/services is published, and only A’s', async () => {
  const file = `${lab.a.servicesDir}/walnut-test.service`;
  writeFileSync(
    file,
    `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name replace-wildcards="yes">Static %h</name>
  <service><type>_nut._tcp</type><port>3493</port><txt-record>txtvers=1</txt-record></service>
</service-group>
`,
  );
  const browser = lab.b.spawn('avahi-browse', ['-rp', '_nut._tcp']);
  started.push(browser);
  const seen = watchLines(browser);
  // avahi watches the folder with inotify; SIGHUP (avahi-daemon -r) would also do
  const line = await seen.waitFor((l) => parseBrowseLine(l)?.event === '=' && parseBrowseLine(l)?.name === 'Static walnut-a', 10_000);
  assert.equal(parseBrowseLine(line)!.address, lab.a.address);
  assert.match(lab.a.avahiLog(), /Service "Static walnut-a" \(\/etc\/avahi\/services\/walnut-test\.service\) successfully established\./);
  assert.doesNotMatch(lab.b.avahiLog(), /walnut-test\.service|nut\.service/);
  await stop(browser);
});

test('python3-zeroconf in B finds the _nut._tcp service that A publishes, with its address, port and TXT', async () => {
  const { child, name } = await publish(lab.a, ['Zeroconf UPS', '_nut._tcp', '3493', 'txtvers=1', 'protovers=1.3.0', 'device_list=ups']);
  const found = await zeroconfLookup(lab.b, name);
  assert.deepEqual(found, {
    name: 'Zeroconf UPS._nut._tcp.local.',
    server: 'walnut-a.local.',
    addresses: [lab.a.address],
    port: 3493,
    properties: { txtvers: '1', protovers: '1.3.0', device_list: 'ups' },
  });
  await stop(child);
});

test('nut-scanner -A in B lists the UPS that A publishes as _upsd._tcp', async () => {
  const { child } = await publish(lab.a, ['nut', '_upsd._tcp', '3493', 'txtvers=1', 'protovers=1.3.0', 'device_list=ups']);
  const r = await lab.b.exec('nut-scanner', ['-A'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Scanning NUT bus (avahi method).\n');
  // Debian 12's nut-scanner (2.8.0) names the host, not its address, and leaves out the default port
  assert.equal(r.stdout, '[nutdev1]\n\tdriver = "nutclient"\n\tport = "ups@walnut-a.local"\n\tdesc = "IPv4"\n');
  await stop(child);
});

// DNSServiceRegister through avahi's Bonjour compat library (libdns_sd.so.1), the route walnut's mdns addon takes,
// driven from Debian's python3 with ctypes so that no compiler is needed; stdin's end makes it deregister and exit
const DNS_SD_REGISTER = `
import ctypes, select, socket, sys
lib = ctypes.CDLL("libdns_sd.so.1")
Reply = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int32, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
lib.DNSServiceRegister.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint32, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_char_p,
    ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint16, ctypes.c_uint16, ctypes.c_char_p, Reply, ctypes.c_void_p]
lib.DNSServiceRefSockFD.argtypes = [ctypes.c_void_p]
lib.DNSServiceProcessResult.argtypes = [ctypes.c_void_p]
lib.DNSServiceRefDeallocate.argtypes = [ctypes.c_void_p]
def reply(ref, flags, err, name, regtype, domain, ctx):
    print("registered", err, name.decode() if name else None, flush=True)
reply_c = Reply(reply)
txt = b"".join(bytes([len(s)]) + s for s in [b"txtvers=1", b"protovers=1.3.0", b"device_list=ups"])
ref = ctypes.c_void_p()
err = lib.DNSServiceRegister(ctypes.byref(ref), 0, 0, sys.argv[1].encode(), b"_nut._tcp", None, None, socket.htons(3493), len(txt), txt, reply_c, None)
print("DNSServiceRegister", err, flush=True)
if err != 0:
    sys.exit(2)
fd = lib.DNSServiceRefSockFD(ref)
while True:
    r, _, _ = select.select([fd, sys.stdin], [], [], 30)
    if sys.stdin in r or not r:
        break
    lib.DNSServiceProcessResult(ref)
lib.DNSServiceRefDeallocate(ref)
`;

test('libdns_sd in A fails with kDNSServiceErr_Unknown while A has no avahi-daemon, and once it runs registers a service B resolves', async () => {
  await lab.a.stopAvahi();
  try {
    const early = await lab.a.exec('/usr/bin/python3', ['-c', DNS_SD_REGISTER, 'Compat UPS'], { input: '' });
    assert.equal(early.code, 2, early.stderr);
    assert.equal(early.stdout, 'DNSServiceRegister -65537\n');
  } finally {
    await lab.a.startAvahi();
  }
  const reg = lab.a.spawn('/usr/bin/python3', ['-c', DNS_SD_REGISTER, 'Compat UPS'], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(reg);
  const out = watchLines(reg);
  assert.equal(await out.waitFor(/^registered /, 10_000), 'registered 0 Compat UPS');
  const r = await lab.b.exec('avahi-browse', ['-rpt', '_nut._tcp']);
  const seen = parseBrowse(r.stdout).filter((e) => e.event === '=' && e.name === 'Compat UPS');
  assert.deepEqual(
    seen.map((e) => [e.host, e.address, e.port, e.txt]),
    [['walnut-a.local', lab.a.address, 3493, ['device_list=ups', 'protovers=1.3.0', 'txtvers=1']]],
  );
  reg.stdin!.end();
  await new Promise((res) => (reg.exitCode !== null ? res(null) : reg.once('exit', res)));
  assert.equal(reg.exitCode, 0);
});

test('two publishers of one instance name, one in each namespace, both stay published under distinct names', async () => {
  const first = await publish(lab.a, ['Twin UPS', '_nut._tcp', '3493']);
  assert.equal(first.name, 'Twin UPS');
  // B probes for the name, A answers, and avahi-publish picks avahi's alternative name
  const second = await publish(lab.b, ['Twin UPS', '_nut._tcp', '3493']);
  assert.equal(second.name, 'Twin UPS #2');
  for (const side of [lab.a, lab.b]) {
    const r = await side.exec('avahi-browse', ['-rpt', '_nut._tcp']);
    assert.equal(r.code, 0, r.stderr);
    const twins = parseBrowse(r.stdout)
      .filter((e) => e.event === '=' && e.name.startsWith('Twin UPS'))
      .map((e) => `${e.name} ${e.host} ${e.address}:${e.port}`)
      .sort();
    assert.deepEqual(twins, ['Twin UPS #2 walnut-b.local 192.0.2.2:3493', 'Twin UPS walnut-a.local 192.0.2.1:3493'], `seen from ${side.label}`);
  }
  await stop(first.child);
  await stop(second.child);
});

test('destroy() ends every process of the lab and removes its namespaces and folder', async () => {
  const extra = await createMdnsLab({ name: 'mdns-lab-destroy', startAvahi: false });
  const sleeper = extra.a.spawn('sleep', ['600']);
  const pids = [extra.a.holderPid, extra.b.holderPid, sleeper.pid!];
  await extra.destroy();
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.doesNotMatch(execFileSync('ip', ['netns', 'list']).toString(), new RegExp(extra.id));
  assert.equal(existsSync(extra.dir), false);
});
