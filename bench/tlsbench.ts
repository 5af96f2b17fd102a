// tlsbench: the TLS rows of `make bench` (issue 5). upsd in the same run has no TLS set up (NSS databases by
// hand), so the baseline is walnut's own plain-text path measured in the same run:
//   1. handshakes per second: connect, STARTTLS, TLS handshake (verifying walnut's CA), VER, close — one at a
//      time for 3 s (at most 5,000), against the same loop without STARTTLS;
//   2. memory per idle connection: VmRSS before and after opening 1,000 connections that sit idle, inside TLS
//      and in plain text.
// Usage: node bench/tlsbench.ts [--binary out/walnut-linux-x64]
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBenchWalnut } from './walnut-process.ts';

const REPO = resolve(import.meta.dirname, '..');
const binaryArg = process.argv.indexOf('--binary');
const BINARY = resolve(binaryArg > 0 ? process.argv[binaryArg + 1]! : join(REPO, 'out', 'walnut-linux-x64'));
const IDLE = 1000;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

function readLine(socket: net.Socket): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\n');
      if (i >= 0) {
        socket.off('data', onData);
        res(buf.slice(0, i));
      }
    };
    socket.on('data', onData);
    socket.once('error', rej);
  });
}

async function open(port: number, ca: string | undefined): Promise<net.Socket> {
  const raw = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((res, rej) => raw.once('connect', res).once('error', rej));
  if (ca === undefined) return raw;
  raw.write('STARTTLS\n');
  const ok = await readLine(raw);
  if (ok !== 'OK STARTTLS') throw new Error(`STARTTLS: ${ok}`);
  const s = tls.connect({ socket: raw, ca, servername: 'localhost' });
  await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
  return s;
}

async function churn(port: number, ca: string | undefined): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 3000 && n < 5000) {
    const s = await open(port, ca);
    s.write('VER\n');
    await readLine(s);
    s.destroy();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function perConnectionKb(pid: number, port: number, ca: string | undefined): Promise<number> {
  const before = rssKb(pid);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < IDLE; i++) sockets.push(await open(port, ca));
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssKb(pid);
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  return (after - before) / IDLE;
}

const walnut = await startBenchWalnut(BINARY, join(REPO, 'test', 'fixtures', 'ups', 'apc-back-ups-bk650m2-ch.json'));
try {
  const port = walnut.port;
  const ca = readFileSync(join(walnut.dataDir, 'tls', 'ca.pem'), 'utf8');
  await churn(port, ca); // warm-up: JIT and session caches on both sides
  const tlsRate = await churn(port, ca);
  const plainRate = await churn(port, undefined);
  const tlsKb = await perConnectionKb(walnut.process.pid!, port, ca);
  const plainKb = await perConnectionKb(walnut.process.pid!, port, undefined);
  console.log('\nTLS (walnut against its own plain-text path, same run; issue 5)\n');
  console.log('| metric | TLS | plain | TLS/plain |');
  console.log('|:---|---:|---:|---:|');
  console.log(`| connect + STARTTLS + handshake + VER, one at a time (per s) | ${tlsRate.toFixed(0)} | ${plainRate.toFixed(0)} | ${(tlsRate / plainRate).toFixed(2)}× |`);
  console.log(`| memory per idle connection (VmRSS, ${IDLE} held) | ${tlsKb.toFixed(1)} KB | ${plainKb.toFixed(1)} KB | ${(tlsKb / plainKb).toFixed(2)}× |`);
} finally {
  await walnut.stop();
}
