// Unplug and replug: the simulated UPS vanishes like a USB device (SIGUSR2 in `walnut serve --simulate`), the
// NUT server answers ERR DATA-STALE while it is gone, and the values return without a restart.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startWalnut, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient } from './helpers/clients.ts';

let walnut: RunningWalnut;
let client: LineClient;

before(async () => {
  walnut = await startWalnut({ config: { ups: { pollIntervalSeconds: 0.5 } } });
  client = await LineClient.connect(walnut.port);
});

after(async () => {
  client.socket.destroy();
  await walnut.stop();
});

async function ask(line: string): Promise<string> {
  client.send(`${line}\n`);
  return client.line();
}

async function until(line: string, want: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await ask(line);
    if (want.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`"${line}" never answered ${want} within ${timeoutMs} ms; last: ${last}`);
}

test('a UPS unplugged answers DATA-STALE, and once plugged back its values return without a restart', async () => {
  assert.equal(await ask('GET VAR ups battery.charge'), 'VAR ups battery.charge "100"');
  const pid = walnut.process.pid!;

  process.kill(pid, 'SIGUSR2'); // unplug
  await until('GET VAR ups battery.charge', /^ERR DATA-STALE$/, 5000);
  assert.equal(await ask('LIST VAR ups'), 'ERR DATA-STALE');
  assert.match(walnut.logs(), /unplugged/);
  assert.match(walnut.logs(), /data is stale/);

  process.kill(pid, 'SIGUSR2'); // plug back in
  await until('GET VAR ups battery.charge', /^VAR ups battery\.charge "100"$/, 5000);
  assert.equal(await ask('GET VAR ups ups.status'), 'VAR ups ups.status "OL DISCHRG"');
  assert.equal(walnut.process.exitCode, null, 'the same process serves on');
  assert.match(walnut.logs(), /plugged in/);
});
