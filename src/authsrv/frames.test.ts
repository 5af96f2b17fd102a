import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, FrameReader, MAX_FRAME, decodeSource, encodeSource, frame } from './frames.ts';

test('frames split across and joined within chunks come out whole and in order', () => {
  const r = new FrameReader();
  const a = frame(1, Buffer.from('first'));
  const b = frame(2, Buffer.alloc(1000, 7));
  const all = Buffer.concat([a, b]);
  const got = [...r.push(all.subarray(0, 3)), ...r.push(all.subarray(3, 700)), ...r.push(all.subarray(700))];
  assert.deepEqual(got.map((f) => [f.id, f.payload.length]), [[1, 5], [2, 1000]]);
  assert.equal(got[0]!.payload.toString(), 'first');
});

test('a frame longer than the limit is refused before it is buffered', () => {
  const r = new FrameReader();
  const head = Buffer.alloc(8);
  head.writeUInt32BE(MAX_FRAME + 1, 0);
  assert.throws(() => r.push(head), FrameError);
  assert.throws(() => frame(1, Buffer.alloc(MAX_FRAME)), FrameError);
});

test('the source field keeps printable addresses and replaces anything else', () => {
  assert.equal(decodeSource(encodeSource('2001:db8::1')), '2001:db8::1');
  assert.equal(decodeSource(encodeSource('a\nb')), 'a?b');
});
