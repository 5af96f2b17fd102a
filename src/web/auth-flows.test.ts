import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthFlows, type AsRelay } from './auth-flows.ts';
import { HttpError } from './errors.ts';

function fakeAs(): AsRelay & { ended: number[]; relayed: number[] } {
  let next = 1;
  const ended: number[] = [];
  const relayed: number[] = [];
  return {
    ended,
    relayed,
    newConversation: () => next++,
    relay: async (conv, _source, request) => {
      relayed.push(conv);
      if (request[0] === 0xff) throw new Error('refused');
      return Uint8Array.of(4);
    },
    end: (conv) => void ended.push(conv),
    serverAuth: () => undefined,
  };
}
const status = (code: number) => (e: unknown): boolean => e instanceof HttpError && e.status === code;

test('a flow relays whole requests for its own address only; another address finds no such flow', async () => {
  const as = fakeAs();
  const flows = new AuthFlows(as);
  const id = flows.open('192.0.2.1');
  assert.deepEqual(await flows.relay(id, '192.0.2.1', Uint8Array.of(1)), Uint8Array.of(4));
  await assert.rejects(flows.relay(id, '192.0.2.2', Uint8Array.of(1)), status(400));
  await assert.rejects(flows.relay('made-up-flow-id-000000000', '192.0.2.1', Uint8Array.of(1)), status(400));
  assert.deepEqual(as.relayed, [1]);
});

test('a flow ends after its eighth relay, when the AS refuses a request, and when it expires; each end reaches the AS', async () => {
  const as = fakeAs();
  const now = { t: 0 };
  const flows = new AuthFlows(as, { now: () => now.t, ttlMs: 1000 });
  const a = flows.open('a');
  for (let i = 0; i < 8; i++) await flows.relay(a, 'a', Uint8Array.of(1));
  await assert.rejects(flows.relay(a, 'a', Uint8Array.of(1)), status(400));
  const b = flows.open('a');
  await assert.rejects(flows.relay(b, 'a', Uint8Array.of(0xff)), status(502));
  await assert.rejects(flows.relay(b, 'a', Uint8Array.of(1)), status(400));
  const c = flows.open('a');
  now.t = 1000;
  await assert.rejects(flows.relay(c, 'a', Uint8Array.of(1)), status(400));
  assert.deepEqual(as.ended.sort(), [1, 2, 3]);
  assert.equal(flows.size, 0);
});

test('empty and oversized AS requests are refused before they reach the AS', async () => {
  const as = fakeAs();
  const flows = new AuthFlows(as);
  const id = flows.open('a');
  await assert.rejects(flows.relay(id, 'a', new Uint8Array(0)), status(400));
  await assert.rejects(flows.relay(id, 'a', new Uint8Array(2049)), status(400));
  assert.deepEqual(as.relayed, []);
});

test('one address holds at most its share of flows (the oldest goes), and the table has a hard bound', () => {
  const as = fakeAs();
  const flows = new AuthFlows(as, { maxFlowsPerAddress: 2, maxFlows: 3 });
  flows.open('a');
  flows.open('a');
  flows.open('a');
  assert.equal(flows.size, 2);
  assert.deepEqual(as.ended, [1]);
  flows.open('b');
  assert.throws(() => flows.open('c'), status(503));
});

test('the login steps need the AS\'s key: without it the page is told to try again', () => {
  const flows = new AuthFlows(fakeAs());
  const id = flows.open('a');
  assert.throws(() => flows.start(id, 'a', 'dp9r1 dom', new Uint8Array(16)), status(503));
});
