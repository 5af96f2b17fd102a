// Names and passwords as byte strings: limits, and how they are shown in logs and `walnut user list`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NAME_BYTES, MAX_PASSWORD_BYTES, nameProblem, passwordProblem, showBytes, showName, wordBytes } from './bytes.ts';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

test('a name is 1 to 64 bytes without control characters; anything else printable is fine', () => {
  assert.equal(MAX_NAME_BYTES, 64);
  for (const ok of ['a', 'x'.repeat(64), 'we ird "name" #1 \\ ok', 'jürgen', '名前']) assert.equal(nameProblem(utf8(ok)), undefined, ok);
  assert.match(nameProblem(utf8(''))!, /empty/);
  assert.match(nameProblem(utf8('x'.repeat(65)))!, /at most 64 bytes \(this one is 65\)/);
  // 22 three-byte characters: 22 characters, 66 bytes
  assert.match(nameProblem(utf8('名'.repeat(22)))!, /at most 64 bytes/);
  for (const bad of ['a\tb', 'a\nb', 'a\x00b', 'a\x7fb', '\x1b[31m']) assert.match(nameProblem(utf8(bad))!, /control characters/, JSON.stringify(bad));
});

test('a password is 1 to 512 bytes (a NUT word) without control characters', () => {
  assert.equal(MAX_PASSWORD_BYTES, 512);
  assert.equal(passwordProblem(utf8('p'.repeat(512))), undefined);
  assert.equal(passwordProblem(utf8('p a"s#s\\wörd')), undefined);
  assert.match(passwordProblem(utf8(''))!, /empty/);
  assert.match(passwordProblem(utf8('p'.repeat(513)))!, /at most 512 bytes/);
  assert.match(passwordProblem(utf8('tab\there'))!, /control characters/);
  assert.match(passwordProblem(utf8('cr\r'))!, /control characters/);
});

test('a NUT word turns back into the bytes the client sent', () => {
  // the tokenizer hands over latin1: one char per byte, so UTF-8 bytes arrive as two chars each
  const sent = utf8('jürgen');
  assert.deepEqual(wordBytes(sent.toString('latin1')), sent);
});

test('showBytes prints printable ASCII as is, quotes names with blanks, quotes, # or backslashes', () => {
  assert.equal(showBytes(utf8('admin')), 'admin');
  assert.equal(showBytes(utf8('we ird')), '"we ird"');
  assert.equal(showBytes(utf8('a"b')), '"a\\"b"');
  assert.equal(showBytes(utf8('a\\b')), '"a\\\\b"');
  assert.equal(showBytes(utf8('#1')), '"#1"');
  assert.equal(showBytes(utf8('')), '""');
});

test('showBytes escapes every other byte, so a peer cannot forge log lines or send terminal escapes', () => {
  assert.equal(showBytes(utf8('jürgen')), '"j\\xc3\\xbcrgen"');
  assert.equal(showBytes(Buffer.from('a\nb\x1b[2J', 'latin1')), '"a\\x0ab\\x1b[2J"');
  assert.match(showBytes(Buffer.from([0, 0x7f, 0xff])), /^"[\x20-\x7e]*"$/);
});

test('showBytes never shows two different byte strings the same way', () => {
  const samples = ['a', 'a ', '"a"', 'a\\x41', 'aA', '\\', '\\\\', 'x"y', 'x\\"y'].map(utf8);
  samples.push(Buffer.from([0x61, 0x41]), Buffer.from([0xc3]), Buffer.from('\\xc3'));
  const shown = samples.map(showBytes);
  assert.equal(new Set(shown).size, new Set(samples.map((b) => b.toString('hex'))).size, shown.join(' | '));
});

test('showName prints valid UTF-8 as text, quoted the same way, and falls back to escapes', () => {
  assert.equal(showName(utf8('jürgen')), 'jürgen');
  assert.equal(showName(utf8('we ird "nâme" #1 \\')), '"we ird \\"nâme\\" #1 \\\\"');
  assert.equal(showName(Buffer.from([0x6a, 0xfc])), '"j\\xfc"'); // latin1 ü: not UTF-8
  assert.equal(showName(utf8('a\u202eb')), '"a\\xe2\\x80\\xaeb"'); // a right-to-left override could disguise a name
});

test('showBytes cuts a long name (a peer may send 512 bytes) and says how long it was', () => {
  assert.equal(showBytes(Buffer.alloc(300, 0x61)), `${'a'.repeat(128)}...(300 bytes)`);
  assert.equal(showBytes(Buffer.alloc(128, 0x61)), 'a'.repeat(128));
});
