// The credential arguments of USERNAME and PASSWORD keep their bytes from 0x80 (docs/nut-compat.md); every other
// request word drops them as upsd does (docs/nut-protocol.md §1.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCredentialArgument, requestTokenizer, tokenizeRequest } from './credential-words.ts';
import type { TokenizerEvent } from './tokenizer.ts';

const CASES: [name: string, input: string, expected: string[]][] = [
  ['the USERNAME argument keeps bytes from 0x80 (credentials are bytes)', 'USERNAME j\xc3\xbcrgen\n', ['USERNAME', 'j\xc3\xbcrgen']],
  ['a quoted PASSWORD keeps bytes from 0x80, spaces and escapes', 'password "p\xe4ss \\"w\\" \\#"\n', ['password', 'p\xe4ss "w" #']],
  ['a credential word still drops control bytes', 'PASSWORD a\x01\xffb\n', ['PASSWORD', 'a\xffb']],
  ['only the credential argument keeps them: not a third word', 'USERNAME a \xe9b\n', ['USERNAME', 'a', 'b']],
  ['other commands still drop bytes from 0x80 in every word', 'GET USERNAME \xe9x\n', ['GET', 'USERNAME', 'x']],
  ['a byte from 0x80 in the command word itself is dropped', 'USERN\xe9AME x\n', ['USERNAME', 'x']],
];

for (const [name, input, expected] of CASES) {
  test(`${name}: ${JSON.stringify(input)}`, () => {
    assert.deepEqual(tokenizeRequest(input), { kind: 'line', words: expected });
  });
}

test('the request tokenizer gives the same words when fed one byte at a time', () => {
  for (const [name, input, expected] of CASES) {
    const t = requestTokenizer();
    const events: TokenizerEvent[] = [];
    for (const b of Buffer.from(input, 'latin1')) t.push(Buffer.from([b]), (ev) => void events.push(ev));
    assert.deepEqual(events, [{ kind: 'line', words: expected }], name);
  }
});

test('only the word right after USERNAME or PASSWORD, in any case, is a credential argument', () => {
  assert.equal(isCredentialArgument(['USERNAME']), true);
  assert.equal(isCredentialArgument(['password']), true);
  assert.equal(isCredentialArgument([]), false);
  assert.equal(isCredentialArgument(['USERNAME', 'a']), false);
  assert.equal(isCredentialArgument(['LOGIN']), false);
});
