// claimbench: the factory and claim rows of `make bench` (issue 14). With the built binary:
//   1. batch provisioning: `walnut factory ca init`, then `walnut factory provision --count 20`; time per unit
//      (one scrypt verifier, one P-256 key and certificate, one QR code each);
//   2. claim round trip: for 5 provisioned units, each served by its own walnut, `walnut claim --qr` end to end
//      (process start, STARTTLS, the certificate pin, the PAK password change: two scrypt derivations at the AS and
//      one for the client's old and new keys), next to `walnut auth ping` as admin right after, in the same run:
//      the ratio is what a claim costs over a ticket login.
// Figures, nothing asserted. Usage: node bench/claimbench.ts [--binary out/walnut-linux-x64]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBenchWalnut } from './walnut-process.ts';

const REPO = resolve(import.meta.dirname, '..');
const binaryArg = process.argv.indexOf('--binary');
const BINARY = resolve(binaryArg > 0 ? process.argv[binaryArg + 1]! : join(REPO, 'out', 'walnut-linux-x64'));
const FIXTURE = join(REPO, 'test', 'fixtures', 'ups', 'apc-back-ups-bk650m2-ch.json');
const UNITS = 20;
const CLAIMS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function timed(args: string[], input?: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BINARY, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`walnut ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), 'walnut-claimbench-'));
try {
  execFileSync(BINARY, ['factory', 'ca', 'init', '--out', join(dir, 'ca'), '--passphrase-stdin'], { input: 'bench passphrase\n' });
  const provision = timed(['factory', 'provision', '--ca', join(dir, 'ca'), '--count', String(UNITS), '--serial-prefix', 'WB', '--out', join(dir, 'batch')]);
  const labels = readFileSync(join(dir, 'batch', 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const claims: number[] = [];
  const pings: number[] = [];
  for (const [serial, , qr] of labels.slice(0, CLAIMS)) {
    const w = await startBenchWalnut(BINARY, FIXTURE, { factoryDir: join(dir, 'batch', 'units', serial!), mdns: { enabled: false }, auth: { listen: [] } });
    try {
      // the AS starts beside the listener: a first ping waits until it answers
      for (let i = 0; i < 100 && spawnSync(BINARY, ['setup', 'status', '--data', w.dataDir]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      claims.push(timed(['claim', `127.0.0.1:${w.port}`, '--qr', qr!, '--password-stdin'], 'bench owner password\n'));
      pings.push(timed(['auth', 'ping', '--server', `127.0.0.1:${w.port}`, '--user', 'admin', '--password-stdin'], 'bench owner password\n'));
    } finally {
      await w.stop();
    }
  }
  const claim = median(claims);
  const ping = median(pings);
  process.stdout.write(`| factory provision, per unit (${UNITS} units) | ${(provision / UNITS).toFixed(1)} ms |\n`);
  process.stdout.write(`| walnut claim --qr, round trip (median of ${CLAIMS}) | ${claim.toFixed(0)} ms |\n`);
  process.stdout.write(`| walnut auth ping after it, same units | ${ping.toFixed(0)} ms (claim / ping = ${(claim / ping).toFixed(2)}) |\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
