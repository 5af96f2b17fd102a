import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from './errors.ts';
import { b64, readInput } from './json-input.ts';

const spec = { flow: { kind: 'string', max: 32, pattern: /^[A-Za-z0-9_-]+$/ }, data: { kind: 'bytes', max: 8 }, n: { kind: 'integer', min: 1, max: 9, optional: true } } as const;
const refused = (body: unknown, message: RegExp) =>
  assert.throws(() => readInput(body, spec), (e: unknown) => e instanceof HttpError && e.status === 400 && message.test(e.message));

test('a well-formed input is read with its bytes decoded', () => {
  const got = readInput({ flow: 'abc', data: b64(Uint8Array.of(1, 2, 3)) }, spec);
  assert.deepEqual(got, { flow: 'abc', data: Uint8Array.of(1, 2, 3) });
  assert.equal(readInput({ flow: 'a', data: '', n: 3 }, spec).n, 3);
});

test('anything but an object of the known keys with values of the right type and size is a 400 naming the key', () => {
  refused(null, /JSON object/);
  refused([1], /JSON object/);
  refused('x', /JSON object/);
  refused({ flow: 'a', data: '', extra: 1 }, /unknown key "extra"/);
  refused({ data: '' }, /flow: missing/);
  refused({ flow: 7, data: '' }, /flow: expected a string/);
  refused({ flow: 'a/../b', data: '' }, /flow: not a valid value/);
  refused({ flow: 'a'.repeat(33), data: '' }, /flow: not a valid value/);
  refused({ flow: 'a', data: 'AQID=' }, /data: expected unpadded base64url/);
  refused({ flow: 'a', data: 'A' }, /data: expected unpadded base64url/);
  refused({ flow: 'a', data: b64(new Uint8Array(9)) }, /data: (wrong length|expected unpadded base64url)/);
  refused({ flow: 'a', data: '', n: 1.5 }, /n: expected an integer/);
  refused({ flow: 'a', data: '', n: 10 }, /n: expected an integer/);
  refused({ ['__proto__']: 1, flow: 'a', data: '' }, /unknown key/);
});
