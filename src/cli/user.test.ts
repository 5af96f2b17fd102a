// Reading passwords for `walnut user`: the first line of stdin as bytes, bounded without buffering the stream,
// and the no-echo terminal prompt's editing keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { CliError } from './command.ts';
import { PasswordTooLongError, promptPassword, readPasswordLine, readPasswordLines } from './password-input.ts';
import { formatPrincipal } from './user.ts';
import { rolesFromUserConfig } from '../auth/roles.ts';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

test('the first line of stdin is the password, its LF or CRLF stripped, every other byte kept', async () => {
  assert.deepEqual(await readPasswordLine(Readable.from([utf8('p a"s#s\\wörd\n')])), utf8('p a"s#s\\wörd'));
  assert.deepEqual(await readPasswordLine(Readable.from([utf8('crlf\r\nsecond line\n')])), utf8('crlf'));
  assert.deepEqual(await readPasswordLine(Readable.from([utf8('no newline at all')])), utf8('no newline at all'));
  assert.deepEqual(await readPasswordLine(Readable.from([utf8('sp'), utf8('lit '), utf8('line\nrest')])), utf8('split line'));
  assert.deepEqual(await readPasswordLine(Readable.from([utf8('\n')])), Buffer.alloc(0));
  assert.deepEqual(await readPasswordLine(Readable.from([Buffer.from([0xff, 0xfe, 0x0a])])), Buffer.from([0xff, 0xfe]));
});

test('a password of exactly 512 bytes is read; 513 bytes are refused', async () => {
  assert.equal((await readPasswordLine(Readable.from([Buffer.alloc(512, 0x61), utf8('\r\n')]))).length, 512);
  await assert.rejects(readPasswordLine(Readable.from([Buffer.alloc(513, 0x61), utf8('\n')])), PasswordTooLongError);
});

test('a 10 MB password is refused after reading its first chunk, not the whole stream', async () => {
  let produced = 0;
  const total = 10 * 1024 * 1024;
  const huge = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (produced >= total) return void this.push(null);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      produced += chunk.length;
      this.push(chunk);
    },
  });
  await assert.rejects(readPasswordLine(huge), (err: unknown) => err instanceof PasswordTooLongError && /longer than 512 bytes/.test((err as Error).message));
  assert.ok(produced <= 256 * 1024, `read ${produced} bytes of ${total}`);
  assert.equal(huge.destroyed, true);
});

test('several lines of stdin are several passwords; fewer come back when stdin ends first', async () => {
  assert.deepEqual(await readPasswordLines(Readable.from([utf8('old\r\nnew\nrest\n')]), 2), [utf8('old'), utf8('new')]);
  assert.deepEqual(await readPasswordLines(Readable.from([utf8('only\n')]), 2), [utf8('only')]);
  assert.deepEqual(await readPasswordLines(Readable.from([utf8('a\nb')]), 2), [utf8('a'), utf8('b')]);
  await assert.rejects(readPasswordLines(Readable.from([utf8('ok\n'), Buffer.alloc(600, 0x61), utf8('\n')]), 2), PasswordTooLongError);
});

/** A stand-in terminal: a stream with setRawMode that records the mode. */
function fakeTty(): { tty: ReadStream; modes: boolean[]; out: PassThrough; written: () => string } {
  const modes: boolean[] = [];
  const tty = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(mode: boolean) {
      modes.push(mode);
      return tty;
    },
  }) as unknown as ReadStream;
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { tty, modes, out, written: () => text };
}

test('the prompt reads raw bytes up to Enter without echoing them, and restores the terminal', async () => {
  const { tty, modes, out, written } = fakeTty();
  const answer = promptPassword('Password: ', tty, out);
  (tty as unknown as PassThrough).write(utf8('sécret "#\\\r'));
  assert.deepEqual(await answer, utf8('sécret "#\\'));
  assert.deepEqual(modes, [true, false]);
  assert.equal(written(), 'Password: \n');
});

test('Backspace removes one whole UTF-8 character and Ctrl-U the whole line', async () => {
  const { tty, out } = fakeTty();
  const answer = promptPassword('', tty, out);
  (tty as unknown as PassThrough).write(Buffer.concat([utf8('wrong'), Buffer.from([0x15]), utf8('pä✓'), Buffer.from([0x7f, 0x7f]), utf8('x\r')]));
  assert.deepEqual(await answer, utf8('px'));
});

test('Ctrl-C at the prompt aborts and changes nothing', async () => {
  const { tty, out, modes } = fakeTty();
  const answer = promptPassword('', tty, out);
  (tty as unknown as PassThrough).write(Buffer.from([0x61, 0x03]));
  await assert.rejects(answer, (err: unknown) => err instanceof CliError && err.exitCode === 130);
  assert.deepEqual(modes, [true, false]);
});

test('a typed password longer than 512 bytes is refused', async () => {
  const { tty, out } = fakeTty();
  const answer = promptPassword('', tty, out);
  (tty as unknown as PassThrough).write(Buffer.concat([Buffer.alloc(600, 0x61), utf8('\r')]));
  await assert.rejects(answer, PasswordTooLongError);
});

test('user list shows one line per user: name, status, roles and ISO timestamps', () => {
  const line = formatPrincipal({
    id: 1,
    name: utf8('we ird "nâme"'),
    status: 'disabled',
    roles: rolesFromUserConfig({ upsmon: 'secondary', actions: ['SET'] }),
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    updatedAt: Date.UTC(2025, 0, 2, 3, 4, 6),
  });
  assert.equal(line, '"we ird \\"nâme\\"" disabled upsmon=secondary actions=SET created=2025-01-02T03:04:05.000Z updated=2025-01-02T03:04:06.000Z');
});
