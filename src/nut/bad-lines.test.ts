// Bad lines in a row (src/nut/bad-lines.ts): which replies count, the drop at the limit, and the idle clock,
// seen from a real loopback client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { BadLineCount, badLineError, isBadLineReply } from './bad-lines.ts';
import { NutError, NUT_ERROR_CODES } from './errors.ts';
import type { NutServer } from './server.ts';
import { startLoopbackServer } from './server-harness.ts';
import type { NutServerLimits } from './server-types.ts';

async function withServer(limits: Partial<NutServerLimits>, body: (port: number, server: NutServer) => Promise<void>): Promise<void> {
  const { server, port } = await startLoopbackServer({ maxConsecutiveErrors: 5, ...limits });
  try {
    await body(port, server);
  } finally {
    await server.close();
  }
}

/** Connects, writes `text`, and collects every reply line until the server closes (or `waitMs` passes). */
function talk(port: number, text: string, waitMs = 3000): Promise<{ lines: string[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (got += d));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ lines: got.split('\n').slice(0, -1), closedByServer: false });
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ lines: got.split('\n').slice(0, -1), closedByServer: true });
    });
    s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
}

test('only UNKNOWN-COMMAND and INVALID-ARGUMENT mark a line as bad; data answers and walnut bugs do not', () => {
  const bad = NUT_ERROR_CODES.filter((code) => badLineError(new NutError(code)));
  assert.deepEqual(bad, ['INVALID-ARGUMENT', 'UNKNOWN-COMMAND']);
  assert.equal(badLineError(new Error('a bug')), false);
  assert.equal(isBadLineReply('ERR INVALID-ARGUMENT\n'), true);
  assert.equal(isBadLineReply('ERR VAR-NOT-SUPPORTED\n'), false);
  assert.equal(isBadLineReply('VAR ups ups.status "OL"\n'), false);
});

test('the count reaches its limit only on bad lines in a row, and any good reply starts it again', () => {
  const count = new BadLineCount(3);
  assert.equal(count.note(true), false);
  assert.equal(count.note(true), false);
  assert.equal(count.note(false), false);
  assert.equal(count.count, 0);
  assert.equal(count.note(true), false);
  assert.equal(count.note(true), false);
  assert.equal(count.note(true), true);
  assert.equal(count.count, 3);
});

test('a client that sends only bad lines gets its errors up to the limit and is then dropped', () =>
  withServer({}, async (port, server) => {
    const { lines, closedByServer } = await talk(port, 'NONSENSE\n'.repeat(3) + 'GET "VAR #\n' + 'GET\n'.repeat(1000));
    assert.equal(closedByServer, true);
    assert.deepEqual(lines, ['ERR UNKNOWN-COMMAND', 'ERR UNKNOWN-COMMAND', 'ERR UNKNOWN-COMMAND', 'ERR INVALID-ARGUMENT', 'ERR INVALID-ARGUMENT']);
    assert.equal(server.counters.badLineClosed, 1);
  }));

test('good replies and data errors between bad lines keep a client connected', () =>
  withServer({}, async (port, server) => {
    const round = 'NONSENSE\n'.repeat(4) + 'GET VAR ups no.such.var\n' + 'NONSENSE\n'.repeat(4) + 'GET VAR nope ups.status\n' + 'NONSENSE\n'.repeat(4) + 'VER\n';
    const { lines, closedByServer } = await talk(port, round.repeat(20), 1000);
    assert.equal(closedByServer, false);
    assert.equal(lines.length, 20 * 15);
    assert.equal(lines.filter((l) => l === 'ERR VAR-NOT-SUPPORTED').length, 20);
    assert.equal(lines.filter((l) => l === 'ERR UNKNOWN-UPS').length, 20);
    assert.equal(server.counters.badLineClosed, 0);
  }));

test('a line that does not parse is not activity: a client sending only those is dropped at the idle timeout', () =>
  withServer({ idleTimeoutMs: 300, maxConsecutiveErrors: 10_000 }, async (port, server) => {
    const garbler = net.connect(port, '127.0.0.1');
    garbler.on('error', () => undefined);
    const talker = net.connect(port, '127.0.0.1');
    talker.on('error', () => undefined);
    const timer = setInterval(() => {
      garbler.write('GET "VAR #\n');
      talker.write('NONSENSE\n'); // a complete line, though an error: activity, as in upsd
    }, 50);
    try {
      const t0 = Date.now();
      await new Promise<void>((resolve) => garbler.once('close', () => resolve()));
      const ms = Date.now() - t0;
      assert.ok(ms < 2500, `dropped after ${ms} ms, the idle sweep runs once a second`);
      assert.equal(talker.destroyed, false, 'the client sending complete lines is still connected');
      assert.equal(server.counters.idleClosed, 1);
    } finally {
      clearInterval(timer);
      talker.destroy();
      garbler.destroy();
    }
  }));
