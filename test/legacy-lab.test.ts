// Issue 16 acceptance 2, on a real network: walnut in one network namespace of the lab (test/helpers/netns.ts),
// its NAS client in the other, across a veth pair. The entry the Add-a-client page shows for Synology DSM
// (a `legacyClients` entry: monuser/secret bound to the NAS's address) lets that pair log in from the NAS's
// address only: the same side, from a second address of its own, is refused. (The page's text and warning for it
// are checked in test/web-wizard.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { authServerReady, startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { createMdnsLab, type MdnsLab } from './helpers/netns.ts';

const NAS = '192.0.2.2';
const OTHER = '192.0.2.3';
let lab: MdnsLab;
let walnut: RunningWalnut;

before(async () => {
  lab = await createMdnsLab({ name: 'walnut-legacy', startAvahi: false });
  const add = await lab.b.exec('ip', ['addr', 'add', `${OTHER}/24`, 'dev', lab.b.ifname]);
  assert.equal(add.code, 0, add.stderr);
  walnut = await startWalnut({
    wrapper: lab.a.wrapper,
    env: lab.a.env,
    config: {
      listen: ['0.0.0.0:0'],
      // what the Synology page shows: the pair, the NAS's address only, and DSM's cleartext (the cost it names)
      legacyClients: [{ username: 'monuser', password: 'secret', from: [NAS] }],
      tls: { clearCredentials: true },
      // the AS runs beside walnut in the namespace: the legacy pair is checked there like any password
      auth: { server: 'spawn', listen: ['127.0.0.1:0'] },
    },
  });
  await authServerReady(walnut);
});

after(async () => {
  await walnut?.stop();
  await lab?.destroy();
});

/** A NUT conversation from side B with `source` as its address: what DSM's upsmon sends, and upsd's replies. */
async function loginFrom(source: string): Promise<string[]> {
  const script = `
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10, source_address=(sys.argv[3], 0))
s.sendall(b'USERNAME monuser\\nPASSWORD secret\\nLOGIN ups\\nLOGOUT\\n')
data = b''
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(), end='')
`;
  const r = await lab.b.exec('python3', ['-c', script, lab.a.address, String(walnut.port), source], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('the Synology pair monuser/secret logs in as a secondary from the NAS\'s address across the veth', async () => {
  assert.deepEqual(await loginFrom(NAS), ['OK', 'OK', 'OK', 'OK Goodbye']);
  assert.match(walnut.logs(), new RegExp(`${NAS.replaceAll('.', '\\.')}:\\d+.*legacy`));
});

test('the same pair from a second address of the same side is refused', async () => {
  assert.deepEqual(await loginFrom(OTHER), ['OK', 'OK', 'ERR ACCESS-DENIED', 'OK Goodbye']);
  assert.match(walnut.logs(), /failed login: user monuser: legacy client not allowed from this address/);
});
