// PEM armour around DER.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPem, toPem } from './pem.ts';

test('PEM wraps base64 at 64 characters between BEGIN and END lines and reads back', () => {
  const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
  const pem = toPem('CERTIFICATE', der);
  const lines = pem.trimEnd().split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
  assert.deepEqual(lines.slice(1, -1).map((l) => l.length), [64, 64, 8]);
  assert.deepEqual(fromPem(pem, 'CERTIFICATE'), [der]);
});

test('fromPem finds every block with the label in order, ignoring text around them and other labels', () => {
  const text = `Bag Attributes\n${toPem('CERTIFICATE', Buffer.from('a'))}junk\n${toPem('PRIVATE KEY', Buffer.from('k'))}${toPem('CERTIFICATE', Buffer.from('b'))}`;
  assert.deepEqual(fromPem(text, 'CERTIFICATE').map(String), ['a', 'b']);
  assert.deepEqual(fromPem(text, 'PRIVATE KEY').map(String), ['k']);
  assert.deepEqual(fromPem('nothing here', 'CERTIFICATE'), []);
});
