// Issue 13: a client that sends only bad lines is dropped after nut.maxConsecutiveErrors of them in a row, with
// one log line, while every other client is answered throughout (src/nut/bad-lines.ts, docs/nut-compat.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineClient, run } from './helpers/clients.ts';
import { startWalnut } from './helpers/walnut.ts';

test('1,000 bad lines on one connection: dropped after the threshold with a log line, a fresh client answered throughout', async () => {
  const walnut = await startWalnut();
  try {
    const bad = await LineClient.connect(walnut.port);
    const badPort = bad.socket.localPort!;
    const lines = Array.from({ length: 1000 }, (_, i) => ['NONSENSE', 'GET', 'GET "VAR #', 'LIST', ''][i % 5]! + '\n');
    // sent in batches over about 2 s, so that the fresh client's checks run while the bad one is still sending
    const sending = (async () => {
      for (let i = 0; i < lines.length && !bad.socket.destroyed; i += 20) {
        bad.send(lines.slice(i, i + 20).join(''));
        await sleep(40);
      }
    })();
    const fresh = await LineClient.connect(walnut.port);
    for (let i = 0; i < 5; i++) {
      fresh.send('GET VAR ups ups.status\n');
      assert.match(await fresh.line(), /^VAR ups ups\.status "[A-Z ]+"$/);
      const upsc = await run('upsc', [walnut.target(), 'ups.status'], { timeoutMs: 10_000 });
      assert.equal(upsc.code, 0, upsc.stderr);
      assert.match(upsc.stdout, /^[A-Z ]+\n$/);
      await sleep(200);
    }
    await sending;

    // the bad client got exactly the threshold's worth of error replies, then the connection was closed
    const replies: string[] = [];
    for (;;) {
      try {
        replies.push(await bad.line(2000));
      } catch {
        break;
      }
    }
    assert.equal(bad.closed, true, 'the bad client was disconnected');
    assert.equal(replies.length, 20);
    for (const r of replies) assert.match(r, /^ERR (UNKNOWN-COMMAND|INVALID-ARGUMENT)$/);
    const logged = walnut.logs().split('\n').filter((l) => l.includes('bad lines in a row'));
    assert.equal(logged.length, 1, walnut.logs().slice(-2000));
    assert.match(logged[0]!, new RegExp(`127\\.0\\.0\\.1:${badPort}: 20 bad lines in a row`));

    // the fresh client, on the same connection as before, is still answered
    fresh.send('GET VAR ups ups.status\n');
    assert.match(await fresh.line(), /^VAR ups ups\.status "/);
    fresh.close();
  } finally {
    await walnut.stop();
  }
});
