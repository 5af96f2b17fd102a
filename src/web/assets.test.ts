import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assetReply, pickEncoding, type Asset } from './assets.ts';

const asset: Asset = {
  path: '/app-abc.js', type: 'text/javascript; charset=utf-8', etag: '"abc"', immutable: true,
  identity: new Uint8Array(100), gzip: new Uint8Array(40), br: new Uint8Array(30),
};

test('brotli is sent when accepted, then gzip, else the plain bytes', () => {
  assert.equal(pickEncoding(asset, 'gzip, deflate, br, zstd'), 'br');
  assert.equal(pickEncoding(asset, 'gzip;q=1.0'), 'gzip');
  assert.equal(pickEncoding(asset, undefined), 'identity');
  assert.equal(pickEncoding({ ...asset, br: undefined }, 'br, gzip'), 'gzip');
});

test('a hashed file is cached for a year and a current ETag gets 304 with no body', () => {
  const r = assetReply(asset, 'br', undefined);
  assert.equal(r.status, 200);
  assert.equal(r.headers['Cache-Control'], 'public, max-age=31536000, immutable');
  assert.equal(r.headers['Content-Encoding'], 'br');
  assert.equal(r.headers['Content-Length'], '30');
  const cached = assetReply(asset, 'br', 'W/"x", "abc"');
  assert.deepEqual([cached.status, cached.body, cached.headers['Content-Encoding']], [304, undefined, undefined]);
  assert.equal(assetReply(asset, 'br', '"abd"').status, 200, 'another ETag gets the file')
});

test('the page itself is revalidated on every load', () => {
  assert.equal(assetReply({ ...asset, path: '/', immutable: false }, undefined, undefined).headers['Cache-Control'], 'no-cache');
});
