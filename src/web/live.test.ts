import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { UpsModel } from '../ups/model.ts';
import { LiveChannel } from './live.ts';

/** Enough of a ws socket for the channel: what it sends, how much it has not sent yet, whether it was dropped. */
class FakeSocket extends EventEmitter {
  sent: unknown[] = [];
  bufferedAmount = 0;
  terminated = false;
  closed: number | undefined;
  send(m: string): void {
    this.sent.push(JSON.parse(m));
  }
  terminate(): void {
    this.terminated = true;
    this.emit('close');
  }
  close(code: number): void {
    this.closed = code;
    this.emit('close');
  }
  ping(): void {}
}

const turn = () => new Promise((r) => setImmediate(r));

function model(): UpsModel {
  const ups = new UpsModel({ name: 'ups' });
  ups.setVariable('ups.status', 'OL');
  ups.setVariable('battery.charge', '100');
  ups.markConnected();
  return ups;
}

test('a page gets the whole picture at once, then one delta per turn naming only what changed', async () => {
  const ups = model();
  const live = new LiveChannel(ups, { maxBufferedBytes: 1024 });
  const ws = new FakeSocket();
  live.attach(ws as unknown as WebSocket, () => true);
  assert.equal((ws.sent[0] as { type: string }).type, 'snapshot');
  ups.setVariable('battery.charge', '99');
  ups.setVariable('battery.charge', '98');
  ups.setVariable('battery.runtime', '3000');
  await turn();
  assert.equal(ws.sent.length, 2, 'three changes in one turn are one message');
  const update = ws.sent[1] as { type: string; vars: Record<string, string>; status: { headline: string } };
  assert.deepEqual(update.vars, { 'battery.charge': '98', 'battery.runtime': '3000' });
  assert.equal(update.status.headline, 'On line');
  ups.setVariable('ups.status', 'OB DISCHRG');
  await turn();
  const next = ws.sent[2] as { vars: Record<string, string>; status: { headline: string } };
  assert.deepEqual(next.vars, { 'ups.status': 'OB DISCHRG' });
  assert.equal(next.status.headline, 'On battery');
  live.close();
});

test('a client too slow to take its messages is dropped, and the others still get theirs', async () => {
  const ups = model();
  const live = new LiveChannel(ups, { maxBufferedBytes: 1024 });
  const slow = new FakeSocket();
  const fast = new FakeSocket();
  live.attach(slow as unknown as WebSocket, () => true);
  live.attach(fast as unknown as WebSocket, () => true);
  slow.bufferedAmount = 4096;
  ups.setVariable('battery.charge', '97');
  await turn();
  assert.equal(slow.terminated, true);
  assert.equal(fast.sent.length, 2);
  assert.equal(live.size, 1);
  assert.equal(live.dropped, 1);
  live.close();
});

test('a client that talks more than a few messages a minute is closed with 1008', () => {
  const live = new LiveChannel(model(), { maxBufferedBytes: 1024, maxClientMessagesPerMinute: 3 });
  const ws = new FakeSocket();
  live.attach(ws as unknown as WebSocket, () => true);
  for (let i = 0; i < 3; i++) ws.emit('message', Buffer.from('x'));
  assert.equal(ws.closed, undefined);
  ws.emit('message', Buffer.from('x'));
  assert.equal(ws.closed, 1008);
  live.close();
});

test('a socket whose session ended, or that missed a ping, goes at the next ping', async () => {
  const live = new LiveChannel(model(), { maxBufferedBytes: 1024, pingIntervalMs: 20 });
  const ended = new FakeSocket();
  const silent = new FakeSocket();
  let session = true;
  live.attach(ended as unknown as WebSocket, () => session);
  live.attach(silent as unknown as WebSocket, () => true);
  session = false;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(ended.terminated, true, 'its session is over');
  assert.equal(silent.terminated, false, 'one ping missed so far: it may still answer');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(silent.terminated, true, 'no pong to the last ping');
  live.close();
});

test('the time the UPS went on battery is the server\'s, the same for a page that opens later, and clears on line', async () => {
  const ups = model();
  const live = new LiveChannel(ups, { maxBufferedBytes: 1024 });
  const first = new FakeSocket();
  live.attach(first as unknown as WebSocket, () => true);
  const before = Date.now();
  ups.setVariable('ups.status', 'OB DISCHRG');
  await turn();
  const since = (first.sent[1] as { onBatterySince: number }).onBatterySince;
  assert.ok(since >= before && since <= Date.now());
  await new Promise((r) => setTimeout(r, 20));
  const later = new FakeSocket();
  live.attach(later as unknown as WebSocket, () => true);
  assert.equal((later.sent[0] as { onBatterySince: number }).onBatterySince, since);
  ups.setVariable('ups.status', 'OL CHRG');
  await turn();
  assert.equal((later.sent[1] as { onBatterySince: number | null }).onBatterySince, null);
  live.close();
});
