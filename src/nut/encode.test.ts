// Reply encoding, docs/nut-protocol.md §1.3 and §8.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REPLY_LINE_BYTES, escapeValue, fitsReplyLine, quote } from './encode.ts';
import { tokenizeLine } from './tokenizer.ts';

test('a backslash is put before each backslash, double quote and hash', () => {
  assert.equal(escapeValue('\\'), '\\\\');
  assert.equal(escapeValue('"'), '\\"');
  assert.equal(escapeValue('#'), '\\#');
  assert.equal(escapeValue('a"b"c##d\\\\'), 'a\\"b\\"c\\#\\#d\\\\\\\\');
});

test('values without special characters are unchanged', () => {
  for (const v of ['', 'OL', 'OB DISCHRG LB', "it's = fine; {x} 'y' $z", '~!@$%^&*()_+-=[]{}|;:,.<>/?']) {
    assert.equal(escapeValue(v), v);
  }
});

test('the ups.conf desc of Appendix A is encoded as upsd encodes it', () => {
  assert.equal(quote('Test "quoted" UPS #1 back\\slash'), '"Test \\"quoted\\" UPS \\#1 back\\\\slash"');
});

test('quote wraps the escaped value in double quotes', () => {
  assert.equal(quote(''), '""');
  assert.equal(quote('OL CHRG'), '"OL CHRG"');
});

test('a quoted value reads back as the same value through the request tokenizer', () => {
  const values = ['', 'plain', 'two words', 'a"b', 'back\\slash', 'hash#tag', '\\"#', ' lead and trail ', '"#"\\'];
  for (let c = 0x20; c < 0x7f; c++) values.push(`x${String.fromCharCode(c)}y`);
  for (const v of values) {
    const ev = tokenizeLine(`VAR myups ups.id ${quote(v)}`);
    assert.deepEqual(ev, { kind: 'line', words: ['VAR', 'myups', 'ups.id', v] }, JSON.stringify(v));
  }
});

test('a reply line may be 510 characters (511 bytes with its LF) and no longer', () => {
  assert.equal(MAX_REPLY_LINE_BYTES, 511);
  assert.equal(fitsReplyLine('x'.repeat(510)), true);
  assert.equal(fitsReplyLine('x'.repeat(511)), false);
  assert.equal(fitsReplyLine(''), true);
});
