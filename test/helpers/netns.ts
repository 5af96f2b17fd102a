// An mDNS lab: two network namespaces, A and B, joined by a veth pair (192.0.2.1/24 and 192.0.2.2/24, TEST-NET-1),
// each with its own D-Bus system bus and its own avahi-daemon, so that what is advertised on one side is
// discovered by the browsers on the other, with real avahi and real multicast and no other machine.
//
// Each side has a holder process (`ip netns exec NS unshare --mount ... sleep`) whose mount namespace puts the
// side's own folder over /run and an empty folder over /etc/avahi/services (nut-server ships a static
// nut.service there). Every process of the side is started through `nsenter -t HOLDER -m -n`, so it finds the
// side's bus at /run/dbus/system_bus_socket and avahi's socket at /run/avahi-daemon/socket like on a real
// appliance, while the host's own /run (and any dbus or avahi running there) is never touched. The side's
// dbus-daemon has no service directories, so nothing is ever bus-activated behind the test's back.
//
// Needs root and Debian's dbus, avahi-daemon and avahi-utils (the tests install them with
// build/need-debian-packages.sh). Names carry the test process's PID: a lab that a crashed run left behind is
// cleaned up by the next createMdnsLab().
import { execFile, execFileSync, spawn as spawnProcess, type ChildProcess, type StdioOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'walnut-mdns-';

/** Debian 12 packages the lab and its tests use (nut-scanner comes with nut-server) */
export const MDNS_LAB_PACKAGES = ['avahi-daemon', 'avahi-utils', 'dbus', 'libavahi-compat-libdnssd1', 'python3-zeroconf'];
const NEEDED_PROGRAMS = ['/usr/sbin/avahi-daemon', '/usr/bin/dbus-daemon', '/usr/bin/avahi-publish', '/usr/bin/nsenter', '/usr/bin/unshare'];

export interface ExecResult {
  /** exit code, null when a signal ended the process */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** true when the time limit ended it */
  timedOut: boolean;
}

export interface ExecOptions {
  /** default 15 s; the process is killed (SIGKILL) when it is up */
  timeoutMs?: number;
  /** added to the side's environment */
  env?: Record<string, string>;
  input?: string;
  /** default: this process's working directory */
  cwd?: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** default ['ignore', 'pipe', 'pipe'] */
  stdio?: StdioOptions;
  /** kill (SIGKILL) the process after this long; by default it lives until killed or lab.destroy() */
  timeoutMs?: number;
}

export interface Side {
  readonly label: 'a' | 'b';
  /** the network namespace's name (`ip netns exec NAME` works too, but without the side's mount namespace) */
  readonly ns: string;
  readonly address: string;
  readonly prefixLength: number;
  /** the veth end in this namespace */
  readonly ifname: string;
  /** avahi's host name, without .local */
  readonly hostName: string;
  /** the side's folder on the host; its run/ is the side's /run */
  readonly dir: string;
  /** host path of the side's /etc/avahi/services (avahi reloads on SIGHUP, or on its own when a file changes) */
  readonly servicesDir: string;
  /** the side's bus, as a path on the host (unix:path=...) */
  readonly busAddress: string;
  /** PID of the process that holds the side's mount namespace */
  readonly holderPid: number;
  /** command prefix that runs a program in this side, e.g. startWalnut({ wrapper: side.wrapper, env: side.env }) */
  readonly wrapper: string[];
  /** environment for the side's clients (the bus address as the side sees it, avahi's compat banner off) */
  readonly env: Record<string, string>;
  readonly avahiRunning: boolean;
  /** runs a program in the side and waits for it, bounded; never rejects for a non-zero exit */
  exec(cmd: string, args?: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** starts a program in the side; lab.destroy() kills it if it is still running */
  spawn(cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  /** starts the side's avahi-daemon and waits until it has its host name (no-op while it runs) */
  startAvahi(): Promise<void>;
  /** SIGTERM (avahi sends goodbyes for all it published), wait for the exit; SIGKILL after 5 s */
  stopAvahi(): Promise<void>;
  /** all that avahi-daemon wrote so far, every run of it */
  avahiLog(): string;
  dbusLog(): string;
}

export interface MdnsLab {
  /** unique for this lab: names, namespaces and folders start with it */
  readonly id: string;
  readonly dir: string;
  readonly a: Side;
  readonly b: Side;
  /** milliseconds createMdnsLab took */
  readonly setupMs: number;
  /** kills every process of both sides, removes the namespaces and the folder; safe to call twice */
  destroy(): Promise<void>;
}

export interface MdnsLabOptions {
  /** a short label for the names (letters, digits, dashes) */
  name?: string;
  /** default false: the veths get no IPv6 and avahi runs with use-ipv6=no, so every answer is one IPv4 one */
  ipv6?: boolean;
  /** default true; false leaves both daemons stopped (dbus still runs) */
  startAvahi?: boolean;
  /** default ['walnut-a', 'walnut-b'] */
  hostNames?: [string, string];
  /** default ['192.0.2.1', '192.0.2.2'], both /24 */
  addresses?: [string, string];
  /** extra lines for both avahi-daemon.conf files, under [server] */
  avahiServer?: string[];
}

const live = new Set<LabState>();
let seq = 0;
let exitHookInstalled = false;

interface LabState {
  id: string;
  dir: string;
  namespaces: string[];
  children: Set<ChildProcess>;
  destroyed: boolean;
}

/** Runs a host command (ip, and such), bounded; rejects on failure with its stderr. */
function host(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function netnsPids(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs every process in the namespaces and deletes them, then removes the folder. Synchronous, so that it
 *  also serves the process's 'exit' hook and the clean-up of a crashed run's leftovers. */
function teardownSync(namespaces: string[], dir: string | null): void {
  for (let round = 0; round < 3; round++) {
    let any = false;
    for (const ns of namespaces) {
      for (const pid of netnsPids(ns)) {
        any = true;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
    }
    if (!any) break;
    execFileSync('sleep', ['0.1']);
  }
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { timeout: 5000, stdio: 'ignore' });
    } catch {
      /* not there */
    }
  }
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
}

/** Removes the namespaces and folders of labs whose test process is gone (a crashed or killed run). */
export function cleanStaleLabs(): void {
  let names: string[] = [];
  try {
    names = execFileSync('ip', ['netns', 'list'], { timeout: 5000 })
      .toString()
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith(PREFIX));
  } catch {
    /* no namespaces at all */
  }
  const ownerDead = (name: string): boolean => {
    const m = /^walnut-mdns-(\d+)-/.exec(name);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  };
  teardownSync(names.filter(ownerDead), null);
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(PREFIX) && ownerDead(entry)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a test that failed before its after() hook, or forgot destroy(): nothing is left behind when Node exits
  process.on('exit', () => {
    for (const lab of live) teardownSync(lab.namespaces, lab.dir);
  });
}

/** Collects a process's output lines and lets a test wait for one. Call it right after spawn. */
export interface LineWatch {
  readonly lines: string[];
  /** resolves with the first line (seen so far, from index `from` on, or later) that matches; rejects on timeout or
   *  when the process exits without one */
  waitFor(match: RegExp | ((line: string) => boolean), timeoutMs?: number, from?: number): Promise<string>;
  text(): string;
}

export function watchLines(child: ChildProcess, streams: ('stdout' | 'stderr')[] = ['stdout']): LineWatch {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  for (const s of streams) {
    let partial = '';
    child[s]?.setEncoding('utf8');
    child[s]?.on('data', (d: string) => {
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      wake();
    });
  }
  child.once('exit', () => {
    // 'exit' may come before the last data: give the pipes a moment
    setTimeout(() => {
      exited = true;
      wake();
    }, 50);
  });
  return {
    lines,
    text: () => lines.join('\n'),
    waitFor(match, timeoutMs = 15_000, start = 0) {
      const test = typeof match === 'function' ? match : (l: string) => match.test(l);
      return new Promise((resolve, reject) => {
        let from = start;
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${String(match)} within ${timeoutMs} ms; got:\n${lines.join('\n')}`));
        }, timeoutMs);
        function check(): void {
          for (; from < lines.length; from++) {
            if (test(lines[from]!)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(lines[from]!);
              return;
            }
          }
          if (exited) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) with no line matching ${String(match)}; got:\n${lines.join('\n')}`));
          }
        }
        waiters.add(check);
        check();
      });
    },
  };
}

/** The lab's own daemons must not keep Node running: a test file that never calls destroy() still ends, and the
 *  'exit' hook then tears the lab down. */
function background(child: ChildProcess): ChildProcess {
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => child.once('exit', () => res()));
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exitOf(child);
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(t);
}

function dbusConfig(): string {
  // Debian's system.conf without <fork/>, <syslog/>, the service directories and the launch helper: the side's
  // avahi-daemon is started by the lab or not at all, never bus-activated
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <user>messagebus</user>
  <pidfile>/run/dbus/pid</pidfile>
  <auth>EXTERNAL</auth>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>/etc/dbus-1/system.d</includedir>
</busconfig>
`;
}

function avahiConfig(hostName: string, ifname: string, ipv6: boolean, extra: string[]): string {
  return [
    '[server]',
    `host-name=${hostName}`,
    'domain-name=local',
    'use-ipv4=yes',
    `use-ipv6=${ipv6 ? 'yes' : 'no'}`,
    `allow-interfaces=${ifname}`,
    'enable-dbus=yes',
    'ratelimit-interval-usec=1000000',
    'ratelimit-burst=1000',
    ...extra,
    '',
    '[wide-area]',
    'enable-wide-area=no',
    '',
    '[publish]',
    'publish-addresses=yes',
    'publish-hinfo=no',
    'publish-workstation=no',
    'publish-aaaa-on-ipv4=no',
    'publish-a-on-ipv6=no',
    '',
    '[reflector]',
    'enable-reflector=no',
    '',
  ].join('\n');
}

function waitForText(get: () => string, child: ChildProcess, re: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const m = re.exec(get());
      if (m) return resolve(m);
      if (child.exitCode !== null || child.signalCode !== null)
        return reject(new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${get()}`));
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${get()}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

function makeSide(
  state: LabState,
  label: 'a' | 'b',
  ns: string,
  address: string,
  hostName: string,
  ipv6: boolean,
  avahiExtra: string[],
): Side & { start(): Promise<void>; startDbus(): Promise<void> } {
  const ifname = 'eth0';
  const dir = join(state.dir, label);
  const runDir = join(dir, 'run');
  const servicesDir = join(dir, 'avahi-services');
  for (const d of [dir, runDir, join(runDir, 'dbus'), servicesDir]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755); // avahi and messagebus drop root and must reach their folders
  }
  const dbusConf = join(dir, 'dbus-system.conf');
  const avahiConf = join(dir, 'avahi-daemon.conf');
  writeFileSync(dbusConf, dbusConfig());
  writeFileSync(avahiConf, avahiConfig(hostName, ifname, ipv6, avahiExtra));
  const env: Record<string, string> = {
    // as the side sees it; a value the test process inherited must not send clients to the host's bus
    DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/dbus/system_bus_socket',
    AVAHI_COMPAT_NOWARN: '1',
  };
  let holderPid = 0;
  let avahi: ChildProcess | null = null;
  let avahiLog = '';
  let dbusLog = '';

  const wrapper = (cwd?: string): string[] => {
    if (holderPid === 0) throw new Error(`side ${label} is not started`);
    return ['nsenter', '-t', String(holderPid), '-m', '-n', `--wd=${cwd ?? process.cwd()}`, '--'];
  };
  const track = (child: ChildProcess, timeoutMs?: number): ChildProcess => {
    state.children.add(child);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      state.children.delete(child);
      if (timer) clearTimeout(timer);
    });
    child.on('error', () => undefined);
    return child;
  };
  const spawn = (cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess => {
    if (state.destroyed) throw new Error('the lab is destroyed');
    const w = wrapper(opts.cwd);
    const child = spawnProcess(w[0]!, [...w.slice(1), cmd, ...args], {
      stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, ...opts.env },
    });
    return track(child, opts.timeoutMs);
  };
  const exec = (cmd: string, args: string[] = [], opts: ExecOptions = {}): Promise<ExecResult> =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, {
        env: opts.env ?? {},
        cwd: opts.cwd ?? process.cwd(),
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let settled = false;
      const settle = (r: ExecResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
        // a grandchild may still hold the pipes open: do not wait for them past a second
        setTimeout(() => settle({ code: child.exitCode, signal: child.signalCode, stdout, stderr, timedOut }), 1000).unref();
      }, opts.timeoutMs ?? 15_000);
      child.once('error', (e) => settle({ code: null, signal: null, stdout, stderr: stderr + String(e), timedOut }));
      child.once('close', (code, signal) => settle({ code, signal, stdout, stderr, timedOut }));
    });

  const side = {
    label,
    ns,
    address,
    prefixLength: 24,
    ifname,
    hostName,
    dir,
    servicesDir,
    busAddress: `unix:path=${join(runDir, 'dbus', 'system_bus_socket')}`,
    get holderPid() {
      return holderPid;
    },
    get wrapper() {
      return wrapper();
    },
    env,
    get avahiRunning() {
      return avahi !== null && avahi.exitCode === null && avahi.signalCode === null;
    },
    exec,
    spawn,
    avahiLog: () => avahiLog,
    dbusLog: () => dbusLog,

    /** the holder: enters the netns (ip netns exec also mounts a sysfs of it), makes a private mount namespace,
     *  puts the side's folders over /run and /etc/avahi/services (mount -n: no utab write in the host's /run) */
    async start(): Promise<void> {
      const script = [
        'set -e',
        // with IPv6: no duplicate address detection, so the veth's link-local address is usable (not tentative)
        // when avahi starts; without: none at all
        ...['all', 'default'].map((c) =>
          ipv6 ? `echo 0 > /proc/sys/net/ipv6/conf/${c}/accept_dad` : `echo 1 > /proc/sys/net/ipv6/conf/${c}/disable_ipv6`,
        ),
        `mount -n --bind "$0" /run`,
        `mount -n --bind "$1" /etc/avahi/services`,
        'ip link set lo up',
        'echo "ready $$"',
        'exec sleep infinity',
      ].join('\n');
      const holder = background(track(
        spawnProcess('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, runDir, servicesDir], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ));
      let out = '';
      holder.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      holder.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      const m = await waitForText(() => out, holder, /ready (\d+)/, 5000, `side ${label} namespace holder`);
      holderPid = Number(m[1]);
    },

    async startDbus(): Promise<void> {
      const child = background(spawn('dbus-daemon', [`--config-file=${dbusConf}`, '--nofork', '--nosyslog', '--print-address']));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (dbusLog += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (dbusLog += d));
      await waitForText(() => dbusLog, child, /^unix:path=/m, 5000, `side ${label} dbus-daemon`);
    },

    async startAvahi(): Promise<void> {
      if (side.avahiRunning) return;
      rmSync(join(runDir, 'avahi-daemon', 'pid'), { force: true }); // a SIGKILLed daemon leaves it
      const child = background(spawn('avahi-daemon', ['--no-chroot', '--no-rlimits', '-f', avahiConf]));
      avahi = child;
      const from = avahiLog.length;
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (avahiLog += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (avahiLog += d));
      // "Server startup complete" comes once the host name's probes went unanswered and it is announced
      await waitForText(() => avahiLog.slice(from), child, /Server startup complete\. Host name is (\S+)\./, 10_000, `side ${label} avahi-daemon`);
    },

    async stopAvahi(): Promise<void> {
      const child = avahi;
      if (child === null) return;
      await killAndWait(child, 'SIGTERM', 5000);
    },
  };
  return side;
}

/** Builds the lab: 1.0 to 1.6 s here, most of it the two avahi-daemons probing for their host names (in parallel). */
export async function createMdnsLab(options: MdnsLabOptions = {}): Promise<MdnsLab> {
  const started = Date.now();
  if (process.getuid?.() !== 0) throw new Error('the mDNS lab needs root (network and mount namespaces)');
  const missing = NEEDED_PROGRAMS.filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(`the mDNS lab needs ${missing.join(', ')}: bash build/need-debian-packages.sh ${MDNS_LAB_PACKAGES.join(' ')}`);
  cleanStaleLabs();
  installExitHook();
  const label = (options.name ?? 'lab').toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 20);
  const base = `${PREFIX}${process.pid}-${++seq}-${label}-`;
  const dir = mkdtempSync(join(tmpdir(), base));
  chmodSync(dir, 0o755);
  const id = dir.slice(join(tmpdir(), '/').length); // base + 6 random characters
  const nsA = `${id}-a`;
  const nsB = `${id}-b`;
  const state: LabState = { id, dir, namespaces: [nsA, nsB], children: new Set(), destroyed: false };
  live.add(state);

  const destroy = async (): Promise<void> => {
    if (state.destroyed) return;
    state.destroyed = true;
    const children = [...state.children];
    for (const c of children) c.kill('SIGKILL');
    teardownSync(state.namespaces, state.dir);
    // the 'exit' events, so that nothing of the lab is pending when the test goes on (bounded)
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(children.map(exitOf)), new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    live.delete(state);
  };

  try {
    const [addrA, addrB] = options.addresses ?? ['192.0.2.1', '192.0.2.2'];
    const [hostA, hostB] = options.hostNames ?? ['walnut-a', 'walnut-b'];
    const ipv6 = options.ipv6 ?? false;
    const extra = options.avahiServer ?? [];
    await host('ip', ['netns', 'add', nsA]);
    await host('ip', ['netns', 'add', nsB]);
    const a = makeSide(state, 'a', nsA, addrA, hostA, ipv6, extra);
    const b = makeSide(state, 'b', nsB, addrB, hostB, ipv6, extra);
    await Promise.all([a.start(), b.start()]);
    // the veth pair is made inside A with its peer created in B: its names never exist in the host's namespace
    await host('ip', ['-n', nsA, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', nsB]);
    for (const s of [a, b]) {
      await host('ip', ['-n', s.ns, 'addr', 'add', `${s.address}/${s.prefixLength}`, 'dev', s.ifname]);
      await host('ip', ['-n', s.ns, 'link', 'set', s.ifname, 'multicast', 'on', 'up']);
    }
    await Promise.all([a.startDbus(), b.startDbus()]);
    if (options.startAvahi ?? true) await Promise.all([a.startAvahi(), b.startAvahi()]);
    return { id, dir, a, b, setupMs: Date.now() - started, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

/** One line of `avahi-browse -p` (add `-r` for the '=' lines): '+' new, '-' removed, '=' resolved. */
export interface BrowseEntry {
  event: '+' | '-' | '=';
  iface: string;
  protocol: string;
  /** the instance name, avahi's \DDD escapes undone */
  name: string;
  type: string;
  domain: string;
  host?: string;
  address?: string;
  port?: number;
  /** TXT strings, in the order avahi prints them */
  txt?: string[];
}

/** avahi-browse -p escapes a label's dots, backslashes and most punctuation as \DDD (decimal) or \c */
export function unescapeLabel(s: string): string {
  return s.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e));
}

export function parseBrowseLine(line: string): BrowseEntry | null {
  if (!/^[+=-];/.test(line)) return null;
  // fields are ';'-separated; a ';' inside a name is escaped, and the TXT field (last) is quoted strings
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && fields.length < 9) {
      cur += c + (line[i + 1] ?? '');
      i++;
    } else if (c === ';' && fields.length < 9) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  const [event, iface, protocol, name, type, domain, hostName, address, port, txt] = fields;
  const entry: BrowseEntry = {
    event: event as BrowseEntry['event'],
    iface: iface ?? '',
    protocol: protocol ?? '',
    name: unescapeLabel(name ?? ''),
    type: type ?? '',
    domain: domain ?? '',
  };
  if (event === '=') {
    entry.host = hostName ?? '';
    entry.address = address ?? '';
    entry.port = Number(port);
    entry.txt = [...(txt ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescapeLabel(m[1]!));
  }
  return entry;
}

export function parseBrowse(output: string): BrowseEntry[] {
  return output
    .split('\n')
    .map(parseBrowseLine)
    .filter((e): e is BrowseEntry => e !== null);
}

/** What python3-zeroconf (Home Assistant's mDNS library) resolves for an instance, or null when it is not found. */
export interface ZeroconfService {
  name: string;
  server: string;
  addresses: string[];
  port: number;
  properties: Record<string, string>;
}

const ZEROCONF_LOOKUP = `
import json, sys, time
from zeroconf import Zeroconf, ServiceBrowser, IPVersion
zc = Zeroconf(interfaces=[sys.argv[1]], ip_version=IPVersion.V4Only)
type_ = sys.argv[3] + ".local."
names = []
class Listener:
    def add_service(self, zc, t, name): names.append(name)
    def update_service(self, zc, t, name): pass
    def remove_service(self, zc, t, name): pass
ServiceBrowser(zc, type_, Listener())
want = sys.argv[2] + "." + type_
deadline = time.time() + 8
while time.time() < deadline and want not in names:
    time.sleep(0.05)
info = zc.get_service_info(type_, want, timeout=3000) if want in names else None
print(json.dumps(None if info is None else {
    "name": info.name, "server": info.server, "addresses": info.parsed_addresses(), "port": info.port,
    "properties": {k.decode(): v.decode() for k, v in info.properties.items()},
}))
zc.close()
`;

/** Browses for `instance` of `type` from `side` with python3-zeroconf, bounded (8 s browse, 3 s resolve). Debian's
 *  /usr/bin/python3, which has python3-zeroconf (a python3 earlier on PATH may not). */
export async function zeroconfLookup(side: Side, instance: string, type = '_nut._tcp'): Promise<ZeroconfService | null> {
  const r = await side.exec('/usr/bin/python3', ['-c', ZEROCONF_LOOKUP, side.address, instance, type], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`python3-zeroconf failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ZeroconfService | null;
}
