// `walnut log` lines: ISO time, kind, source, detail, one line each whatever the detail holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEvent } from './log.ts';

const at = Date.UTC(2025, 5, 1, 12, 30, 45, 123);

test('an event is one line: ISO time, kind, then source and detail when there are any', () => {
  assert.equal(
    formatEvent({ at, kind: 'login-failed', source: '192.168.1.7:40312', detail: 'user admin: wrong password (for SET)' }),
    '2025-06-01T12:30:45.123Z login-failed 192.168.1.7:40312 user admin: wrong password (for SET)',
  );
  assert.equal(formatEvent({ at, kind: 'start', source: null, detail: 'walnut 1.0' }), '2025-06-01T12:30:45.123Z start walnut 1.0');
  assert.equal(formatEvent({ at, kind: 'stop', source: null, detail: null }), '2025-06-01T12:30:45.123Z stop');
});

test('a detail with a newline, an escape sequence or non-ASCII text cannot break the one-line format', () => {
  const line = formatEvent({ at, kind: 'set', source: 'cli', detail: 'a\nb\x1b[2Jc ü' });
  assert.equal(line.includes('\n'), false);
  assert.match(line, /^[\x20-\x7e]+$/);
});
