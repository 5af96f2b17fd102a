import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from './errors.ts';
import { parseTarget } from './server.ts';

test('an origin-form target is split into its path and query', () => {
  const t = parseTarget('/api/events?limit=5&x=%20y');
  assert.equal(t.path, '/api/events');
  assert.equal(t.query.get('limit'), '5');
  assert.equal(t.query.get('x'), ' y');
  assert.equal(parseTarget('/').path, '/');
  assert.equal(parseTarget('/app-0123.js').path, '/app-0123.js');
});

test('path tricks and malformed targets are a 400 before anything looks them up', () => {
  const bad = [
    undefined, '', '*', 'http://evil/', 'api/hello', '/../etc/passwd', '/a/../b', '/./x', '/%2e%2e/x', '/%2E/x', '/a%2fb',
    '/a%5cb', '/a\\b', '/x%00', '/x\u0000', '/ x', '/%E0%A4%A', `/${'a'.repeat(2100)}`,
  ];
  for (const t of bad) assert.throws(() => parseTarget(t), (e: unknown) => e instanceof HttpError && e.status === 400, String(t));
});
