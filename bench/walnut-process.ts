// Starts the built walnut for a bench script: a temp data folder and config on 127.0.0.1:0, a fixture to
// simulate; resolves with the port once it listens. stop() ends it and removes the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchWalnut {
  port: number;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startBenchWalnut(binary: string, fixture: string, config: Record<string, unknown> = {}): Promise<BenchWalnut> {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-bench-'));
  const dataDir = join(dir, 'data');
  const file = join(dir, 'walnut.json');
  writeFileSync(file, JSON.stringify({ dataDir, nativeCacheDir: join(dir, 'native'), listen: ['127.0.0.1:0'], logLevel: 'warn', ...config }));
  const child = spawn(binary, ['serve', '--config', file, '--simulate', fixture, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((res, rej) => {
      let log = '';
      const t = setTimeout(() => rej(new Error(`walnut did not start: ${log}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) {
          clearTimeout(t);
          res(Number(m[1]));
        }
      });
    });
    return { port, dataDir, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
