// Debian's real upsmon (2.8.0, NSS) against walnut's default TLS: an NSS database that trusts walnut's CA,
// CERTVERIFY 1 and FORCESSL 1. With the right CERTHOST name it logs in inside TLS (walnut takes no credential in
// clear); with a wrong one it refuses to connect at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X64_BINARY, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, run } from './helpers/clients.ts';
import { nssDbTrusting, startUpsmon } from './helpers/upsmon.ts';

/** An NSS database (what upsmon's CERTPATH names) that trusts walnut's CA for issuing server certificates. */
async function nssTrusting(dir: string, walnut: RunningWalnut): Promise<string> {
  const db = join(dir, 'nssdb');
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, 'walnut-ca.pem');
  writeFileSync(ca, readFileSync(join(walnut.dataDir, 'tls', 'ca.pem')));
  await nssDbTrusting(db, ca, 'walnut CA');
  return db;
}

async function numlogins(walnut: RunningWalnut): Promise<string> {
  const c = await LineClient.connect(walnut.port);
  try {
    c.send('GET NUMLOGINS ups\n');
    return await c.line();
  } finally {
    c.socket.destroy();
  }
}

for (const [certhost, works] of [
  ['localhost', true],
  ['wronghost', false],
] as const) {
  test(`upsmon with CERTVERIFY 1, FORCESSL 1 and CERTHOST "${certhost}" ${works ? 'logs in over TLS' : 'refuses to connect'}`, async () => {
    const walnut = await startWalnut({
      config: { tls: { clearCredentials: false }, users: { nas1: { password: 'nas-one', upsmon: 'secondary' } } },
    });
    const db = await nssTrusting(walnut.dir, walnut);
    const upsmon = startUpsmon({
      dir: join(walnut.dir, 'upsmon'),
      port: walnut.port,
      user: 'nas1',
      password: 'nas-one',
      extra: [`CERTPATH ${db}`, 'CERTVERIFY 1', 'FORCESSL 1', `CERTHOST 127.0.0.1 "${certhost}" 1 1`],
    });
    try {
      if (works) {
        const deadline = Date.now() + 15_000;
        while ((await numlogins(walnut)) !== 'NUMLOGINS ups 1' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        assert.equal(await numlogins(walnut), 'NUMLOGINS ups 1', upsmon.logs());
        assert.match(walnut.logs(), /user nas1 logged into ups \(TLS\)/);
        assert.doesNotMatch(walnut.logs(), /outside TLS/);
      } else {
        // give it several POLLFREQs to try
        await new Promise((r) => setTimeout(r, 4000));
        assert.equal(await numlogins(walnut), 'NUMLOGINS ups 0');
        assert.match(upsmon.logs(), /Certificate validation failed|SSL is not available|certificate/i);
        assert.doesNotMatch(walnut.logs(), /logged into ups/);
      }
    } finally {
      await upsmon.stop();
      await walnut.stop();
    }
  });
}

/** `walnut client-cert issue NAME` on the instance's data, imported into an NSS database for upsmon's CERTIDENT. */
async function clientCertInto(walnut: RunningWalnut, name: string, db: string): Promise<string> {
  const out = join(walnut.dir, `certs-${name}`);
  mkdirSync(out, { recursive: true });
  const issue = await run('sh', ['-c', `printf 'p12-pass\\n' | "$0" client-cert issue "$1" --out "$2" --password-stdin --config "$3"`, X64_BINARY, name, out, join(walnut.dir, 'walnut.json')]);
  assert.equal(issue.code, 0, issue.stderr);
  const serial = /serial ([0-9A-F]+)/.exec(issue.stdout)?.[1];
  assert.ok(serial, issue.stdout);
  const imp = await run('pk12util', ['-i', join(out, `${name}.p12`), '-d', `sql:${db}`, '-W', 'p12-pass']);
  assert.equal(imp.code, 0, imp.stderr + imp.stdout);
  return serial;
}

test('with client certificates required, upsmon presenting a walnut-issued one logs in, one without is refused, a revoked one is refused', async () => {
  const walnut = await startWalnut({
    config: {
      tls: { clearCredentials: false, clientCertificates: 'require' },
      users: { nas1: { password: 'nas-one', upsmon: 'secondary' } },
    },
  });
  const db = await nssTrusting(walnut.dir, walnut);
  const bare = await nssTrusting(join(walnut.dir, 'bare'), walnut); // trusts the CA, holds no certificate of its own
  const serial = await clientCertInto(walnut, 'nas-kitchen', db);
  const tlsLines = (dbDir: string, ident: string[]): string[] => [`CERTPATH ${dbDir}`, ...ident, 'CERTVERIFY 1', 'FORCESSL 1', 'CERTHOST 127.0.0.1 "localhost" 1 1'];
  const monitor = (name: string, dbDir: string, ident: string[]) =>
    startUpsmon({ dir: join(walnut.dir, name), port: walnut.port, user: 'nas1', password: 'nas-one', extra: tlsLines(dbDir, ident) });
  try {
    const good = monitor('with-cert', db, ['CERTIDENT "nas-kitchen" ""']);
    try {
      const deadline = Date.now() + 15_000;
      while ((await numlogins(walnut)) !== 'NUMLOGINS ups 1' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.equal(await numlogins(walnut), 'NUMLOGINS ups 1', `${good.logs()}\n${walnut.logs()}`);
      assert.match(walnut.logs(), /client certificate nas-kitchen \(serial /);
    } finally {
      await good.stop();
    }

    const without = monitor('without-cert', bare, []);
    try {
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await numlogins(walnut), 'NUMLOGINS ups 0');
      assert.match(walnut.logs(), /client certificate refused: none presented \(tls\.clientCertificates is require\)/);
    } finally {
      await without.stop();
    }

    const revoke = await run(X64_BINARY, ['client-cert', 'revoke', serial, '--config', join(walnut.dir, 'walnut.json')]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const revoked = monitor('revoked-cert', db, ['CERTIDENT "nas-kitchen" ""']);
    try {
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await numlogins(walnut), 'NUMLOGINS ups 0');
      assert.match(walnut.logs(), new RegExp(`client certificate refused: nas-kitchen: serial ${serial} is revoked`, 'i'));
    } finally {
      await revoked.stop();
    }
  } finally {
    await walnut.stop();
  }
});
