// Debian's real upsmon (nut-client 2.8.0) as a NUT client of walnut, one private directory each: its config and
// state live there (NUT_CONFPATH, NUT_STATEPATH), its PID file in a private /run/nut, and its SHUTDOWNCMD only
// creates a marker file, so a test can watch a "host" shut down. Needs root (mount namespaces), as CI has.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './clients.ts';

export const UPSMON = '/lib/nut/upsmon'; // /sbin/upsmon is a wrapper that refuses to run unless nut.conf says so

export interface Upsmon {
  readonly dir: string;
  readonly marker: string;
  readonly process: ChildProcess;
  logs(): string;
  /** true once SHUTDOWNCMD ran */
  shutDown(): boolean;
  stop(): Promise<void>;
}

export interface UpsmonOptions {
  dir: string;
  port: number;
  user: string;
  password: string;
  role?: 'secondary' | 'primary';
  ups?: string;
  /** more upsmon.conf lines (CERTPATH, CERTVERIFY, CERTHOST, CERTIDENT, FORCESSL ...) */
  extra?: string[];
  /** lines given whole instead of the MONITOR line (what a page showed, pasted as it is); port, user and
   *  password are then not used */
  lines?: string[];
}

export type PastedUpsmonOptions = Omit<UpsmonOptions, 'port' | 'user' | 'password' | 'lines'> & { lines: string[] };

export function startUpsmon(o: UpsmonOptions | PastedUpsmonOptions): Upsmon {
  const monitor = 'port' in o && !o.lines ? [`MONITOR ${o.ups ?? 'ups'}@127.0.0.1:${o.port} 1 ${o.user} ${o.password} ${o.role ?? 'secondary'}`] : o.lines!;
  mkdirSync(o.dir, { recursive: true });
  const marker = join(o.dir, 'shutdown-ran');
  const conf = join(o.dir, 'upsmon.conf');
  writeFileSync(
    conf,
    [
      ...monitor,
      'MINSUPPLIES 1',
      `SHUTDOWNCMD "/bin/touch ${marker}"`,
      'POLLFREQ 1',
      'POLLFREQALERT 1',
      'HOSTSYNC 15',
      'DEADTIME 5',
      'FINALDELAY 0',
      `POWERDOWNFLAG ${join(o.dir, 'killpower')}`,
      'RUN_AS_USER root',
      ...(o.extra ?? []),
      '',
    ].join('\n'),
  );
  chmodSync(conf, 0o600); // upsmon warns about a readable file that holds a password
  const env = { ...process.env, NUT_CONFPATH: o.dir, NUT_ALTPIDPATH: o.dir, NUT_STATEPATH: o.dir };
  // upsmon running as root writes its PID file to the compiled-in /run/nut whatever the environment says, and
  // a second upsmon then finds the first one's: each runs in its own mount namespace with a private /run/nut.
  // -D: foreground with debug output; -p: one privileged process, so one PID to stop.
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs walnut-test /run/nut && exec "$0" -D -p', UPSMON],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    dir: o.dir,
    marker,
    process: child,
    logs: () => log,
    shutDown: () => existsSync(marker),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Makes `db` an NSS database (what upsmon's CERTPATH names) that trusts the CA in `caFile` to issue server
 *  certificates, with certutil as walnut's README says. */
export async function nssDbTrusting(db: string, caFile: string, nickname: string): Promise<void> {
  mkdirSync(db, { recursive: true });
  for (const args of [
    ['-N', '-d', `sql:${db}`, '--empty-password'],
    ['-A', '-d', `sql:${db}`, '-n', nickname, '-t', 'C,,', '-a', '-i', caFile],
  ]) {
    const r = await run('certutil', args);
    if (r.code !== 0) throw new Error(`certutil ${args.join(' ')}: ${r.stderr}`);
  }
}
