import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHUNK, MAX_MESSAGE, authCommand, blobLines, type TicketService } from './auth-command.ts';
import { newSession } from './session.ts';
import { NutError } from './errors.ts';
import { ServerAuth } from '../authsrv/mutual.ts';
import { MAX_REPLY_LINE_BYTES } from './encode.ts';

function tickets(): TicketService & { forgotten: number; relayed: Uint8Array[] } {
  const t = {
    forgotten: 0,
    relayed: [] as Uint8Array[],
    serverAuth: () => new ServerAuth({ id: new Uint8Array(Buffer.from('upsd')), key: new Uint8Array(32), dom: 'walnut' }),
    relay: async (_s: unknown, req: Uint8Array) => {
      t.relayed.push(req);
      return new Uint8Array(409).fill(4);
    },
    forget: () => void t.forgotten++,
  };
  return t;
}

const run = (t: TicketService, s: ReturnType<typeof newSession>, line: string) => authCommand(t, s, line.split(' '), () => undefined);

test('a long message goes out as AUTH MORE lines, each within a NUT reply line, and comes back whole', () => {
  const blob = new Uint8Array(1085).map((_, i) => i & 0xff);
  const lines = blobLines('AUTH AS', blob);
  assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['MORE', 'MORE', 'AS']);
  for (const l of lines) assert.ok(l.length + 1 <= MAX_REPLY_LINE_BYTES, `${l.length}`);
  assert.ok(lines.every((l) => !l.includes('=')), 'no padding: = splits NUT words');
  const back = Buffer.concat(lines.map((l) => Buffer.from(l.split(' ')[2]!, 'base64url')));
  assert.deepEqual(new Uint8Array(back), blob);
  assert.equal(CHUNK * 4 / 3 + 'AUTH MORE '.length + 1 <= MAX_REPLY_LINE_BYTES, true);
});

test('AUTH MORE gathers a message up to its limit; past it the exchange is refused and the relay forgotten', async () => {
  const t = tickets();
  const s = newSession('192.0.2.1', 1);
  run(t, s, 'AUTH P9ANY');
  const piece = Buffer.alloc(CHUNK).toString('base64url');
  for (let sent = 0; sent + CHUNK <= MAX_MESSAGE; sent += CHUNK) assert.equal(run(t, s, `AUTH MORE ${piece}`), 'OK MORE');
  assert.throws(() => run(t, s, `AUTH MORE ${piece}`), (e: unknown) => e instanceof NutError && e.code === 'ACCESS-DENIED');
  assert.equal(s.auth, undefined);
  assert.equal(t.forgotten, 1);
});

test('every refusal forgets the relayed AS conversation, and so does a new P9ANY over an old exchange', async () => {
  const t = tickets();
  const s = newSession('192.0.2.1', 1);
  assert.equal(run(t, s, 'AUTH P9ANY'), 'AUTH OFFER "v.2 dp9r1@walnut"');
  await run(t, s, `AUTH AS ${Buffer.alloc(10).toString('base64url')}`);
  assert.equal(t.relayed.length, 1);
  run(t, s, 'AUTH P9ANY');
  assert.equal(t.forgotten, 1, 'the first exchange\'s conversation ends');
  assert.throws(() => run(t, s, 'AUTH CHOOSE p9sk1'), (e: unknown) => e instanceof NutError && e.code === 'ACCESS-DENIED');
  assert.equal(t.forgotten, 2);
  assert.throws(() => run(t, s, 'AUTH START !!'), (e: unknown) => e instanceof NutError && e.code === 'INVALID-ARGUMENT', 'no exchange any more');
});

test('a padded or non-base64url word is refused', () => {
  const t = tickets();
  const s = newSession('192.0.2.1', 1);
  run(t, s, 'AUTH P9ANY');
  assert.throws(() => run(t, s, 'AUTH MORE AAAA='), (e: unknown) => e instanceof NutError && e.code === 'ACCESS-DENIED');
});

test('without an authentication server AUTH is not configured; USERNAME first means no AUTH', () => {
  const s = newSession('192.0.2.1', 1);
  assert.throws(() => authCommand(undefined, s, ['AUTH', 'P9ANY'], () => undefined), (e: unknown) => e instanceof NutError && e.code === 'FEATURE-NOT-CONFIGURED');
  s.username = 'someone';
  assert.throws(() => run(tickets(), s, 'AUTH P9ANY'), (e: unknown) => e instanceof NutError && e.code === 'ALREADY-SET-USERNAME');
});
