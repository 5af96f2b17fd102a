// Units with factory data (issue 14, acceptance 2 and 5): three units of a provisioned batch, each started on its
// own factory folder, show the factory certificate (walnut claim --qr pins it; a STARTTLS client sees its
// fingerprint), are claimed with the code from labels.csv, and then serve a real upsmon secondary, created by the
// owner over the network (walnut user add --server), over TLS with CERTVERIFY 1 against the factory root. A factory reset brings back that same label code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X64_BINARY, authServerReady as ready, startWalnut, until, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, afterStarttls, run } from './helpers/clients.ts';
import { nssDbTrusting, startUpsmon } from './helpers/upsmon.ts';

interface Label {
  serial: string;
  code: string;
  qr: string;
}

async function batch(dir: string, serials: string[]): Promise<{ labels: Label[]; ca: string; out: string }> {
  const ca = join(dir, 'ca');
  const init = await run(X64_BINARY, ['factory', 'ca', 'init', '--out', ca, '--passphrase-stdin'], { input: 'factory passphrase 1\n' });
  assert.equal(init.code, 0, init.stderr);
  writeFileSync(join(dir, 'serials.csv'), `serial\n${serials.join('\n')}\n`);
  const out = join(dir, 'batch');
  const p = await run(X64_BINARY, ['factory', 'provision', '--ca', ca, '--serials', join(dir, 'serials.csv'), '--out', out], { timeoutMs: 60_000 });
  assert.equal(p.code, 0, p.stderr);
  const rows = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  const labels = rows.map((r) => {
    const [serial, code, qr] = r.split(',');
    return { serial: serial!, code: code!, qr: qr! };
  });
  return { labels, ca, out };
}

/** The certificate a STARTTLS client is shown, as its SHA-256. */
async function startTlsFingerprint(port: number): Promise<string> {
  const raw = await afterStarttls(port);
  const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
  await new Promise<void>((r) => secure.once('secureConnect', () => r()));
  const der = secure.getPeerCertificate(false).raw;
  secure.destroy();
  return createHash('sha256').update(der).digest('hex');
}

async function numlogins(w: RunningWalnut): Promise<string> {
  const c = await LineClient.connect(w.port);
  try {
    c.send('GET NUMLOGINS ups\n');
    return await c.line();
  } finally {
    c.socket.destroy();
  }
}

test('three provisioned units show their factory certificate, are claimed with their label codes, and serve upsmon with CERTVERIFY against the factory root', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-factory-unit-'));
  try {
    const { labels, ca, out } = await batch(dir, ['WN-1001', 'WN-1002', 'WN-1003', 'WN-1004']);
    const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8');
    for (const label of labels.slice(0, 3)) {
      const unitDir = join(out, 'units', label.serial);
      const w = await startWalnut({ config: { factoryDir: unitDir, tls: { clearCredentials: false } } });
      try {
        await ready(w);
        assert.doesNotMatch(w.logs(), /setup code:/, 'a factory unit shows no code of its own');
        assert.match(w.logs(), /TLS identity from the factory bundle/);
        const fingerprint = await startTlsFingerprint(w.port);
        assert.ok(manifest.includes(`${label.serial},${fingerprint}`), `${label.serial}: the STARTTLS certificate is the manifest's`);
        // a unit that is not the label's is refused before anything is sent
        const other = labels.find((l) => l.serial !== label.serial)!;
        const rogue = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--qr', other.qr, '--password-stdin'], { input: 'the-owners-password\n' });
        assert.equal(rogue.code, 1);
        assert.match(rogue.stderr, new RegExp(`is not unit ${other.serial}`));
        const claim = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--qr', label.qr, '--password-stdin'], { input: 'the-owners-password\n' });
        assert.equal(claim.code, 0, claim.stderr);

        // the owner, from another computer, adds a NAS's upsmon; it verifies the unit against the factory root
        const add = await run(X64_BINARY, ['user', 'add', 'nas1', '--upsmon', 'secondary', '--password-stdin', '--server', `127.0.0.1:${w.port}`], {
          input: 'the-owners-password\nnas-one-password\n',
        });
        assert.equal(add.code, 0, add.stderr);
        const db = join(w.dir, 'nssdb');
        await nssDbTrusting(db, join(ca, 'root.pem'), 'walnut factory root');
        const upsmon = startUpsmon({
          dir: join(w.dir, 'upsmon'),
          port: w.port,
          user: 'nas1',
          password: 'nas-one-password',
          extra: [`CERTPATH ${db}`, 'CERTVERIFY 1', 'FORCESSL 1', `CERTHOST 127.0.0.1 "walnut-${label.serial.toLowerCase()}" 1 1`],
        });
        try {
          await until('upsmon to log in', async () => (await numlogins(w)) === 'NUMLOGINS ups 1');
          assert.match(w.logs(), /user nas1 logged into ups \(TLS\)/);
        } finally {
          await upsmon.stop();
        }
      } finally {
        await w.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after a factory reset the same label code claims a factory unit again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walnut-factory-reset-'));
  try {
    const { labels, out } = await batch(dir, ['WN-2001']);
    const label = labels[0]!;
    const config = { factoryDir: join(out, 'units', label.serial) };
    let w = await startWalnut({ config });
    await ready(w);
    assert.equal((await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--qr', label.qr, '--password-stdin'], { input: 'first-owner-pw\n' })).code, 0);
    await w.stop(true);
    const reset = await run(X64_BINARY, ['factory-reset', '--yes', '--config', join(w.dir, 'walnut.json')]);
    assert.equal(reset.code, 0, reset.stderr);
    w = await startWalnut({ dir: w.dir, config });
    try {
      await ready(w);
      const again = await run(X64_BINARY, ['claim', `127.0.0.1:${w.port}`, '--password-stdin'], { input: `${label.code}\nsecond-owner-pw\n` });
      assert.equal(again.code, 0, again.stderr);
    } finally {
      await w.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
