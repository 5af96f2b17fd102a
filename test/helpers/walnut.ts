// Starts the built walnut binary for integration tests: a fresh data folder, a config file, listening on
// 127.0.0.1:0; resolves once the log says which port it bound. Every process is killed when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
/** WALNUT_X64_BINARY lets a developer test a build of their own (another board profile's output) */
export const X64_BINARY = process.env.WALNUT_X64_BINARY ?? join(REPO, 'out', 'walnut-linux-x64');
export const ARM64_BINARY = join(REPO, 'out', 'walnut-linux-arm64');
export const FIXTURE = join(REPO, 'test', 'fixtures', 'ups', 'apc-back-ups-bk650m2-ch.json');

export interface WalnutOptions {
  binary?: string;
  /** extra config keys (merged over dataDir/nativeCacheDir/listen) */
  config?: Record<string, unknown>;
  simulate?: string | null;
  /** command prefix, e.g. qemu for the arm64 binary */
  wrapper?: string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** the folder of an earlier instance (RunningWalnut.dir), to restart on its data */
  dir?: string;
  extraArgs?: string[];
}

export interface RunningWalnut {
  port: number;
  /** the AS's TCP ticket service port, once its log line is there */
  ticketPort(): Promise<number>;
  /** the setup page's HTTPS port, once its log line is there */
  webPort(): Promise<number>;
  host: string;
  /** `ups@127.0.0.1:PORT` */
  target(ups?: string): string;
  process: ChildProcess;
  dataDir: string;
  dir: string;
  /** everything the server logged so far */
  logs(): string;
  /** SIGTERM, wait for exit; the temp folder is removed unless `keepData` */
  stop(keepData?: boolean): Promise<number | null>;
}

export async function startWalnut(options: WalnutOptions = {}): Promise<RunningWalnut> {
  // a restart reuses the folder (and so the database) of the instance before
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'walnut-test-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'walnut.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir,
      nativeCacheDir: join(dir, 'native'),
      listen: ['127.0.0.1:0'],
      ...options.config,
      // Debian's upsrw and upscmd 2.8.0 never send STARTTLS (docs/nut-protocol.md §5.3), so the tests that drive them
      // allow credentials in clear; test/tls.test.ts checks walnut's default, which refuses them
      tls: { clearCredentials: true, ...(options.config?.tls as object | undefined) },
      // the AS's ticket service on a free loopback port (its default, *:567, may be taken or need root)
      // under a wrapper (qemu-user, no binfmt) the binary cannot start itself as the AS child: the kernel would run
      // the arm64 file natively. Those tests read only; they run serve without its AS ("connect" to none)
      auth: { listen: ['127.0.0.1:0'], ...(options.wrapper?.length ? { server: 'connect' } : {}), ...(options.config?.auth as object | undefined) },
      // announcing is for test/mdns.test.ts, in its own namespaces: other tests must not reach a host's avahi
      mdns: { enabled: false, ...(options.config?.mdns as object | undefined) },
      // the setup page on a free loopback port (its default, *:8443, is one port for every test)
      web: { listen: ['127.0.0.1:0'], ...(options.config?.web as object | undefined) },
    }),
  );
  const args = ['serve', '--config', configFile];
  const simulate = options.simulate === undefined ? FIXTURE : options.simulate;
  if (simulate !== null) args.push('--simulate', simulate);
  args.push(...(options.extraArgs ?? []));
  const wrapper = options.wrapper ?? [];
  const binary = options.binary ?? X64_BINARY;
  const cmd = wrapper.length > 0 ? wrapper[0]! : binary;
  const cmdArgs = wrapper.length > 0 ? [...wrapper.slice(1), binary, ...args] : args;
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`walnut did not start in time; log:\n${log}`)), options.startTimeoutMs ?? 10_000);
    const check = (): void => {
      const m = /listening on (?:127\.0\.0\.1|0\.0\.0\.0):(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`walnut exited with ${code} before listening; log:\n${log}`));
    });
  });

  return {
    port,
    ticketPort: async () => {
      for (let i = 0; i < 200; i++) {
        const m = /ticket service on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) return Number(m[1]);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ticket service port in the log:\n${log}`);
    },
    webPort: async () => {
      for (let i = 0; i < 200; i++) {
        const m = /setup page listening on https:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
        if (m) return Number(m[1]);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no setup page port in the log:\n${log}`);
    },
    host: '127.0.0.1',
    target: (ups = 'ups') => `${ups}@127.0.0.1:${port}`,
    process: child,
    dataDir,
    dir,
    logs: () => log,
    stop: async (keepData = false) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      if (!keepData) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Waits (bounded) until `check` holds. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The AS starts beside a listening serve: waits for its start line (the setup code exists from then on). */
export function authServerReady(w: RunningWalnut): Promise<void> {
  return until('the authentication server', () => /authentication server for domain/.test(w.logs()));
}

/** The setup code a DIY unit showed on stdout at its first start, if it did. */
export function shownSetupCode(w: RunningWalnut): string | undefined {
  return /Its setup code: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*$U]{2})/.exec(w.logs())?.[1];
}

/** A walnut claimed by `walnut claim` with its shown setup code, admin's password `ownerPassword`. */
export async function startClaimed(ownerPassword: string, options: WalnutOptions = {}): Promise<RunningWalnut> {
  const { run } = await import('./clients.ts');
  const w = await startWalnut(options);
  await authServerReady(w);
  const code = shownSetupCode(w);
  if (!code) throw new Error(`no setup code in the log:\n${w.logs()}`);
  const r = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${code}\n${ownerPassword}\n` });
  if (r.code !== 0) throw new Error(`walnut claim failed: ${r.stderr}`);
  return w;
}
