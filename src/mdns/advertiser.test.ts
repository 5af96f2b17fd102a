import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Advertiser, nutServices, type Registrar, type RegistrationEvents, type ServiceSpec } from './advertiser.ts';

/** A stand-in for avahi: registrations succeed, fail, or throw (daemon absent) as the test says. */
class FakeAvahi implements Registrar {
  running = true;
  /** names already taken on the network: avahi renames to "NAME #2" */
  taken = new Set<string>();
  live: { spec: ServiceSpec; events: RegistrationEvents; stopped: boolean }[] = [];
  register(spec: ServiceSpec, events: RegistrationEvents): { stop(): void } {
    if (!this.running) throw new Error('dns service error: unknown');
    const reg = { spec, events, stopped: false };
    this.live.push(reg);
    return { stop: () => void (reg.stopped = true) };
  }
  /** avahi answers every pending registration */
  answer(): void {
    for (const r of this.live) if (!r.stopped) r.events.registered(this.taken.has(r.spec.name) ? `${r.spec.name} #2` : r.spec.name);
  }
  active(): ServiceSpec[] {
    return this.live.filter((r) => !r.stopped).map((r) => r.spec);
  }
}

function harness() {
  const avahi = new FakeAvahi();
  const lines: string[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const ad = new Advertiser(avahi, { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) }, {
    minRetryMs: 1000,
    maxRetryMs: 8000,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => void ((t as { cleared: boolean }).cleared = true),
  });
  const fire = (): number[] => {
    const due = timers.filter((t) => !t.cleared);
    for (const t of due) t.cleared = true;
    for (const t of due) t.fn();
    return due.map((t) => t.ms);
  };
  return { avahi, ad, lines, fire };
}

test('both NUT service types are registered; _upsd._tcp carries the TXT nut-scanner reads', () => {
  const { avahi, ad, lines } = harness();
  ad.publish(nutServices('rack-ups', 3493, ['ups', 'second']));
  avahi.answer();
  assert.deepEqual(avahi.active(), [
    { type: '_nut._tcp', name: 'rack-ups', port: 3493 },
    { type: '_upsd._tcp', name: 'rack-ups', port: 3493, txt: { txtvers: '1', protovers: '1.3.0', device_list: 'ups;second' } },
  ]);
  assert.deepEqual(ad.published().map((s) => [s.type, s.state, s.name]), [['_nut._tcp', 'published', 'rack-ups'], ['_upsd._tcp', 'published', 'rack-ups']]);
  assert.deepEqual(lines, ['info mDNS: published _nut._tcp "rack-ups" on port 3493', 'info mDNS: published _upsd._tcp "rack-ups" on port 3493']);
});

test('without avahi: one warning, retries with back-off, and the services are published once avahi appears', () => {
  const { avahi, ad, lines, fire } = harness();
  avahi.running = false;
  ad.publish(nutServices('rack-ups', 3493, ['ups']));
  assert.equal(lines.filter((l) => l.startsWith('warn')).length, 1);
  assert.match(lines[0]!, /cannot register with avahi \(dns service error: unknown\); NUT keeps serving/);
  assert.deepEqual(fire(), [1000, 1000]);
  assert.deepEqual(fire(), [2000, 2000]);
  assert.deepEqual(fire(), [4000, 4000]);
  assert.deepEqual(fire(), [8000, 8000]);
  assert.deepEqual(fire(), [8000, 8000], 'capped');
  assert.equal(lines.filter((l) => l.startsWith('warn')).length, 1, 'still one warning');
  avahi.running = true;
  fire();
  avahi.answer();
  assert.deepEqual(ad.published().map((s) => s.state), ['published', 'published']);
  assert.ok(lines.includes('info mDNS: avahi is reachable again; announcing'));
});

test('a registration lost later (avahi restarted) is retried, and a new outage warns again', () => {
  const { avahi, ad, lines, fire } = harness();
  ad.publish(nutServices('rack-ups', 3493, ['ups']));
  avahi.answer();
  const first = avahi.live[0]!;
  first.events.failed(new Error('daemon went away'));
  assert.equal(ad.published()[0]!.state, 'waiting');
  assert.equal(first.stopped, true);
  assert.equal(lines.filter((l) => l.startsWith('warn')).length, 1);
  fire();
  avahi.answer();
  assert.equal(ad.published()[0]!.state, 'published');
});

test('a name conflict is reported with the name avahi chose', () => {
  const { avahi, ad, lines } = harness();
  avahi.taken.add('rack-ups');
  ad.publish(nutServices('rack-ups', 3493, ['ups']));
  avahi.answer();
  assert.deepEqual(ad.published().map((s) => s.name), ['rack-ups #2', 'rack-ups #2']);
  assert.ok(lines.includes('warn mDNS: _nut._tcp "rack-ups" is taken on the network; avahi published it as "rack-ups #2"'));
});

test('a changed UPS list re-registers only _upsd._tcp; stop withdraws everything and ends retries', () => {
  const { avahi, ad, fire } = harness();
  ad.publish(nutServices('rack-ups', 3493, ['ups']));
  avahi.answer();
  ad.publish(nutServices('rack-ups', 3493, ['ups', 'other']));
  avahi.answer();
  assert.deepEqual(avahi.active().map((s) => [s.type, s.txt?.device_list]), [['_nut._tcp', undefined], ['_upsd._tcp', 'ups;other']]);
  assert.equal(avahi.live.length, 3, 'one new registration');
  ad.stop();
  assert.deepEqual(avahi.active(), []);
  avahi.running = false;
  ad.publish(nutServices('rack-ups', 3493, ['ups']));
  assert.deepEqual(fire(), [], 'nothing after stop');
});

test('events of a registration that was replaced are ignored', () => {
  const { avahi, ad } = harness();
  ad.publish(nutServices('a', 3493, ['ups']));
  const old = avahi.live[1]!;
  ad.publish(nutServices('a', 3493, ['ups2']));
  old.events.registered('stale');
  old.events.failed(new Error('late'));
  assert.deepEqual(ad.published().map((s) => s.state), ['registering', 'registering']);
});
