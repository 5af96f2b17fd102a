// TLS on by default (issue 5), against the built binary: STARTTLS with the unit's own certificate, no credential
// taken in clear, TLS 1.2+ with AEAD ciphers only, and bad input during the handshake ending only that connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { join } from 'node:path';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, afterStarttls, run } from './helpers/clients.ts';

let walnut: RunningWalnut;
let caPem: string;

before(async () => {
  walnut = await startWalnut({
    config: {
      // walnut's defaults, spelled out (the test helper otherwise allows clear credentials for Debian's upsrw)
      tls: { clearCredentials: false, anonymousReads: 'any', handshakeTimeoutSeconds: 1 },
      users: { admin: { password: 'tls-admin', actions: ['SET'], instcmds: ['ALL'], upsmon: 'primary' } },
    },
  });
  caPem = readFileSync(join(walnut.dataDir, 'tls', 'ca.pem'), 'utf8');
});

after(async () => {
  await walnut.stop();
});

/** A raw connection that sends STARTTLS, then completes the handshake with `options`; lines inside TLS. */
async function starttls(options: tls.ConnectionOptions = {}): Promise<{ socket: tls.TLSSocket; ask(line: string): Promise<string> }> {
  const raw = await afterStarttls(walnut.port);
  const socket = tls.connect({ socket: raw, ca: caPem, servername: 'localhost', ...options });
  await new Promise<void>((res, rej) => socket.once('secureConnect', res).once('error', rej));
  let buf = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    waiters.splice(0).forEach((w) => w());
  });
  return {
    socket,
    ask: async (line) => {
      socket.write(`${line}\n`);
      const deadline = Date.now() + 5000;
      while (!buf.includes('\n')) {
        if (Date.now() > deadline) throw new Error(`no reply to ${line}`);
        await new Promise<void>((res) => {
          waiters.push(res);
          setTimeout(res, 100);
        });
      }
      const i = buf.indexOf('\n');
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      return l;
    },
  };
}

test('upsc reads variables over TLS: it sends STARTTLS first and the handshake succeeds with the unit’s certificate', async () => {
  const read = await run('upsc', [walnut.target(), 'battery.charge']);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, '100\n');
  assert.match(read.stderr, /Connected to NUT server 127\.0\.0\.1 in SSL/);
});

test('credentials in clear are refused with ERR ACCESS-DENIED and the log says why; inside TLS they work', async () => {
  const c = await LineClient.connect(walnut.port);
  c.send('USERNAME admin\nPASSWORD tls-admin\nLOGIN ups\nGET VAR ups ups.status\n');
  assert.deepEqual([await c.line(), await c.line(), await c.line()], ['ERR ACCESS-DENIED', 'ERR ACCESS-DENIED', 'ERR ACCESS-DENIED']);
  assert.match(await c.line(), /^VAR ups ups\.status /, 'anonymous reads stay allowed in clear (tls.anonymousReads any)');
  c.socket.destroy();
  // the server logs as it answers; the lines reach this process through a pipe a moment later
  for (let i = 0; i < 50 && !/access denied: LOGIN outside TLS/.test(walnut.logs()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(walnut.logs(), /access denied: PASSWORD outside TLS: credentials are never taken in clear/);
  assert.match(walnut.logs(), /access denied: LOGIN outside TLS/);

  const s = await starttls();
  assert.equal(await s.ask('USERNAME admin'), 'OK');
  assert.equal(await s.ask('PASSWORD tls-admin'), 'OK');
  assert.equal(await s.ask('LOGIN ups'), 'OK');
  assert.equal(await s.ask('GET NUMLOGINS ups'), 'NUMLOGINS ups 1');
  assert.equal(await s.ask('STARTTLS'), 'ERR ALREADY-SSL-MODE');
  s.socket.destroy();
});

test('the handshake verifies against the CA walnut made for itself, for localhost and 127.0.0.1', async () => {
  const s = await starttls({ servername: 'localhost' });
  const cert = s.socket.getPeerCertificate();
  assert.ok(s.socket.authorized, String(s.socket.authorizationError));
  assert.match(cert.subjectaltname ?? '', /IP Address:127\.0\.0\.1/);
  s.socket.destroy();
  await assert.rejects(starttls({ servername: 'nas.example' }), /altnames|Hostname/i);
});

test('TLS 1.0 and 1.1 are refused, TLS 1.2 and 1.3 accepted, and no non-AEAD cipher is', async () => {
  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    await assert.rejects(
      starttls({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0' }),
      /version|handshake|alert|socket/i,
      version,
    );
  }
  const v12 = await starttls({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  assert.equal(v12.socket.getProtocol(), 'TLSv1.2');
  assert.match(v12.socket.getCipher().name, /GCM|CHACHA20/);
  v12.socket.destroy();
  const v13 = await starttls({ minVersion: 'TLSv1.3' });
  assert.equal(v13.socket.getProtocol(), 'TLSv1.3');
  v13.socket.destroy();
  // CBC suites (with SHA-1 or SHA-2 MACs): the server has none to agree on
  await assert.rejects(
    starttls({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA' }),
    /handshake|cipher|alert/i,
  );
});

test('STARTTLS is a full reset: a LOGIN made in clear is dropped and lines pipelined after it are not run', async () => {
  // an instance that allows credentials in clear, to have something to reset
  const lax = await startWalnut({ config: { users: { admin: { password: 'lax', upsmon: 'secondary' } } } });
  try {
    const ca = readFileSync(join(lax.dataDir, 'tls', 'ca.pem'), 'utf8');
    const raw = net.connect({ host: '127.0.0.1', port: lax.port });
    await new Promise<void>((res) => raw.once('connect', res));
    let clear = '';
    raw.on('data', (d: Buffer) => (clear += d.toString('latin1')));
    raw.write('USERNAME admin\nPASSWORD lax\nLOGIN ups\nSTARTTLS\nFSD ups\n');
    const deadline = Date.now() + 5000;
    while (!clear.includes('OK STARTTLS\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(clear, 'OK\nOK\nOK\nOK STARTTLS\n', 'FSD, sent in clear after STARTTLS, got no answer');
    raw.removeAllListeners('data');
    const s = tls.connect({ socket: raw, ca, servername: 'localhost' });
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    const line = (): Promise<string> => new Promise((res) => s.once('data', (d: Buffer) => res(d.toString('latin1'))));
    s.write('GET NUMLOGINS ups\n');
    assert.equal(await line(), 'NUMLOGINS ups 0\n', 'the LOGIN made in clear is gone');
    s.write('LOGIN ups\n');
    assert.equal(await line(), 'ERR USERNAME-REQUIRED\n', 'and so are USERNAME and PASSWORD');
    s.destroy();
    assert.match(lax.logs(), /bytes sent in clear after STARTTLS dropped/);
  } finally {
    await lax.stop();
  }
});

test('garbage instead of a ClientHello, a stalled handshake and commands before the handshake each end only that connection, with a log line', async () => {
  const opened = async (): Promise<net.Socket> => {
    const raw = net.connect({ host: '127.0.0.1', port: walnut.port });
    await new Promise<void>((res) => raw.once('connect', res));
    raw.write('STARTTLS\n');
    await new Promise<void>((res) => raw.once('data', () => res()));
    return raw;
  };
  const closed = (s: net.Socket): Promise<void> => new Promise((res) => (s.destroyed ? res() : s.once('close', () => res())));

  const garbage = await opened();
  garbage.on('error', () => undefined);
  garbage.write(Buffer.from('16030100ff0100fffb' + 'ab'.repeat(64), 'hex'));
  await closed(garbage);

  const commands = await opened();
  commands.on('error', () => undefined);
  commands.write('USERNAME admin\nPASSWORD tls-admin\n');
  await closed(commands);

  const stalled = await opened();
  stalled.on('error', () => undefined);
  const t0 = Date.now();
  await closed(stalled);
  assert.ok(Date.now() - t0 >= 800, 'the stalled handshake got its timeout (1 s)');

  const logs = walnut.logs();
  assert.ok((logs.match(/TLS handshake failed/g) ?? []).length >= 2, logs);
  assert.match(logs, /TLS handshake not finished in 1000 ms; closing/);
  // and everybody else is still served
  const fresh = await run('upsc', [walnut.target(), 'ups.status']);
  assert.equal(fresh.code, 0, fresh.stderr);
});

test('reads can be limited to TLS, or to connections that logged in', async () => {
  for (const mode of ['tls', 'none'] as const) {
    const strict = await startWalnut({
      config: { tls: { clearCredentials: false, anonymousReads: mode }, users: { nas1: { password: 'nas-one', upsmon: 'secondary' } } },
    });
    try {
      const ca = readFileSync(join(strict.dataDir, 'tls', 'ca.pem'), 'utf8');
      const c = await LineClient.connect(strict.port);
      c.send('GET VAR ups ups.status\nLIST UPS\n');
      assert.deepEqual([await c.line(), await c.line()], ['ERR ACCESS-DENIED', 'ERR ACCESS-DENIED'], mode);
      c.socket.destroy();
      const raw = net.connect({ host: '127.0.0.1', port: strict.port });
      await new Promise<void>((res) => raw.once('connect', res));
      raw.write('STARTTLS\n');
      await new Promise<void>((res) => raw.once('data', () => res()));
      const s = tls.connect({ socket: raw, ca, servername: 'localhost' });
      await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
      const ask = (line: string): Promise<string> =>
        new Promise((res) => {
          s.once('data', (d: Buffer) => res(d.toString('latin1')));
          s.write(`${line}\n`);
        });
      if (mode === 'tls') {
        assert.match(await ask('GET VAR ups ups.status'), /^VAR ups ups\.status /);
      } else {
        assert.equal(await ask('GET VAR ups ups.status'), 'ERR ACCESS-DENIED\n');
        assert.equal(await ask('USERNAME nas1'), 'OK\n');
        assert.equal(await ask('PASSWORD nas-one'), 'OK\n');
        assert.equal(await ask('LOGIN ups'), 'OK\n');
        assert.match(await ask('GET VAR ups ups.status'), /^VAR ups ups\.status /);
      }
      s.destroy();
    } finally {
      await strict.stop();
    }
  }
});

test('a factory bundle, when configured, is the identity walnut presents instead of making its own', async () => {
  const { createCa, issueServerCertificate } = await import('../src/tls/x509.ts');
  const dir = mkdtempSync(join(tmpdir(), 'walnut-factory-'));
  try {
    const ca = createCa({ commonName: 'Factory Test CA' });
    const device = issueServerCertificate(ca, { commonName: 'walnut-0001', dnsNames: ['localhost', 'walnut-0001.local'], ipAddresses: ['127.0.0.1'] });
    const files = { certificate: join(dir, 'device.pem'), key: join(dir, 'device.key'), ca: join(dir, 'ca.pem') };
    writeFileSync(files.certificate, device.certPem);
    writeFileSync(files.key, device.keyPem, { mode: 0o600 });
    writeFileSync(files.ca, ca.certPem);
    const factory = await startWalnut({ config: { tls: { factory: files } } });
    try {
      assert.match(factory.logs(), /TLS identity from the factory bundle; names localhost, walnut-0001\.local, 127\.0\.0\.1/);
      assert.ok(!existsSync(join(factory.dataDir, 'tls', 'ca.key')), 'no local CA was made');
      const raw = net.connect({ host: '127.0.0.1', port: factory.port });
      await new Promise<void>((res) => raw.once('connect', res));
      raw.write('STARTTLS\n');
      await new Promise<void>((res) => raw.once('data', () => res()));
      const s = tls.connect({ socket: raw, ca: ca.certPem, servername: 'walnut-0001.local' });
      await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
      assert.ok(s.authorized);
      assert.equal(s.getPeerCertificate().issuer.CN, 'Factory Test CA');
      s.destroy();
    } finally {
      await factory.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
