import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Teardown } from './teardown.ts';
import type { Logger } from './log.ts';

function recorder(): { log: Logger; errors: string[] } {
  const errors: string[] = [];
  return { errors, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => void errors.push(m) } };
}

test('closers run newest first, awaiting each one', async () => {
  const order: string[] = [];
  const t = new Teardown(recorder().log);
  t.defer('database', () => void order.push('database'));
  t.defer('server', async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push('server');
  });
  t.defer('child', () => void order.push('child'));
  assert.deepEqual(t.open, ['database', 'server', 'child']);
  await t.close();
  assert.deepEqual(order, ['child', 'server', 'database']);
  assert.deepEqual(t.open, []);
});

test('a closer that fails is logged by name and the others still run', async () => {
  const order: string[] = [];
  const { log, errors } = recorder();
  const t = new Teardown(log);
  t.defer('database', () => void order.push('database'));
  t.defer('socket', () => {
    throw new Error('EBADF');
  });
  await t.close();
  assert.deepEqual(order, ['database']);
  assert.deepEqual(errors, ['closing socket: EBADF']);
});

test('a second close does nothing and nothing may be opened after the first', async () => {
  let runs = 0;
  const t = new Teardown(recorder().log);
  t.defer('x', () => void runs++);
  await t.close();
  await t.close();
  assert.equal(runs, 1);
  assert.throws(() => t.defer('late', () => undefined), /late opened after close/);
});
