// The browser's node:crypto (crypto-shim.ts) gives the bytes node:crypto gives, for the calls the AS client
// modules make (docs/auth-protocol.md §3.2 envelopes, §4 derivations). The shim is pure JS, so it runs here in
// Node beside the real thing; test/page-crypto.test.ts runs it in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as node from 'node:crypto';
import { promisify } from 'node:util';
import * as shim from './crypto-shim.ts';
import { SCRYPT_PARAMS } from '../authsrv/keys.ts';

const rnd = (n: number): Uint8Array => new Uint8Array(node.randomBytes(n));
const hex = (b: Uint8Array | ArrayBuffer): string => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
const LENGTHS = [0, 1, 31, 32, 55, 56, 63, 64, 65, 127, 128, 1000, 4096];

test('sha256 of inputs of many lengths, in one or several updates, equals node:crypto', () => {
  for (const n of LENGTHS) {
    const data = rnd(n);
    const want = node.createHash('sha256').update(data).digest('hex');
    assert.equal(hex(shim.createHash('sha256').update(data).digest()), want, `${n} bytes`);
    const cut = Math.floor(n / 3);
    assert.equal(hex(shim.createHash('sha256').update(data.subarray(0, cut)).update(data.subarray(cut)).digest()), want, `${n} bytes in two`);
  }
  assert.equal(hex(shim.createHash('sha256').update(new Uint8Array(0)).digest()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('hmac-sha256 with keys shorter than, equal to and longer than a block equals node:crypto', () => {
  for (const k of [0, 16, 32, 64, 65, 200]) {
    for (const n of [0, 32, 100]) {
      const key = rnd(k);
      const data = rnd(n);
      assert.equal(hex(shim.createHmac('sha256', key).update(data).digest()), node.createHmac('sha256', key).update(data).digest('hex'), `key ${k}, data ${n}`);
    }
  }
});

test('hkdfSync returns an ArrayBuffer with node:crypto\'s bytes for empty and long salts and infos', () => {
  for (const [ikm, salt, info, len] of [[32, 0, 0, 32], [32, 64, 40, 64], [16, 100, 300, 100], [64, 32, 1, 255 * 32]] as const) {
    const args = [rnd(ikm), rnd(salt), rnd(info)] as const;
    const got = shim.hkdfSync('sha256', ...args, len);
    assert.ok(got instanceof ArrayBuffer);
    assert.equal(hex(got), hex(node.hkdfSync('sha256', ...args, len)), `ikm ${ikm} salt ${salt} info ${info} length ${len}`);
  }
});

const shimScrypt = (pw: Uint8Array, salt: Uint8Array, len: number, o: shim.ScryptOptions): Promise<Uint8Array> =>
  new Promise((resolve, reject) => shim.scrypt(pw, salt, len, o, (err, key) => (err ? reject(err) : resolve(key))));
const nodeScrypt = promisify(node.scrypt) as (pw: Uint8Array, salt: Uint8Array, len: number, o: node.ScryptOptions) => Promise<Buffer>;

test('scrypt with the option names keys.ts passes equals node:crypto, at small costs and at walnut\'s', async () => {
  const cases: [shim.ScryptOptions, number][] = [[{ N: 16, r: 1, p: 1 }, 64], [{ N: 1024, r: 8, p: 2 }, 32], [{ N: 256, r: 4, p: 1, maxmem: 1 << 20 }, 17]];
  for (const [o, len] of cases) {
    const pw = rnd(12);
    const salt = rnd(32);
    assert.equal(hex(await shimScrypt(pw, salt, len, o)), hex(await nodeScrypt(pw, salt, len, o)), JSON.stringify(o));
  }
  // walnut's own derivation (docs/auth-protocol.md §4.1), with keys.ts's maxmem
  const o = { ...SCRYPT_PARAMS, maxmem: 256 * SCRYPT_PARAMS.N * SCRYPT_PARAMS.r + (1 << 20) };
  const pw = new TextEncoder().encode('correct horse battery');
  const salt = rnd(32);
  assert.equal(hex(await shimScrypt(pw, salt, 32, o)), hex(await nodeScrypt(pw, salt, 32, o)));
});

test('scrypt calls back later, never inside the call, and reports a maxmem overrun as an error', async () => {
  let called = false;
  const done = new Promise<Error | null>((resolve) => shim.scrypt(rnd(4), rnd(4), 32, { N: 1024, r: 8, p: 1, maxmem: 1024 }, (err) => ((called = true), resolve(err))));
  assert.equal(called, false);
  assert.match(String(await done), /maxmem/i);
});

test('chacha20-poly1305 seals to node:crypto\'s ciphertext and tag, and each opens the other\'s', () => {
  for (const n of [0, 1, 48, 64, 176, 1057]) {
    for (const a of [0, 12, 70]) {
      const key = rnd(32);
      const iv = rnd(12);
      const aad = rnd(a);
      const body = rnd(n);
      const c = node.createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
      c.setAAD(aad, { plaintextLength: n });
      const want = Buffer.concat([c.update(body), c.final(), c.getAuthTag()]);
      const s = shim.createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
      s.setAAD(aad, { plaintextLength: n });
      const got = Buffer.concat([s.update(body), s.final(), s.getAuthTag()]);
      assert.equal(got.toString('hex'), want.toString('hex'), `body ${n}, aad ${a}`);
      const d = shim.createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
      d.setAAD(aad, { plaintextLength: n });
      d.setAuthTag(want.subarray(n));
      assert.equal(hex(Buffer.concat([d.update(want.subarray(0, n)), d.final()])), hex(body));
      const nd = node.createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
      nd.setAAD(aad, { plaintextLength: n });
      nd.setAuthTag(got.subarray(n));
      assert.equal(Buffer.concat([nd.update(got.subarray(0, n)), nd.final()]).toString('hex'), hex(body));
    }
  }
});

test('chacha20-poly1305 refuses a changed byte of ciphertext, tag or AAD, and hands out no plaintext before the tag is checked', () => {
  const key = rnd(32);
  const iv = rnd(12);
  const aad = rnd(20);
  const c = shim.createCipheriv('chacha20-poly1305', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(rnd(76)), c.final()]);
  const tag = c.getAuthTag();
  const open = (ct2: Uint8Array, tag2: Uint8Array, aad2: Uint8Array): Uint8Array => {
    const d = shim.createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    d.setAAD(aad2);
    d.setAuthTag(tag2);
    assert.equal(d.update(ct2).length, 0);
    return d.final();
  };
  assert.equal(open(ct, tag, aad).length, 76);
  const flip = (b: Uint8Array, i: number): Uint8Array => {
    const x = Uint8Array.from(b);
    x[i]! ^= 1;
    return x;
  };
  assert.throws(() => open(flip(ct, 5), tag, aad), /unable to authenticate/);
  assert.throws(() => open(ct, flip(tag, 15), aad), /unable to authenticate/);
  assert.throws(() => open(ct, tag, flip(aad, 0)), /unable to authenticate/);
});

test('timingSafeEqual and randomBytes behave as node:crypto\'s (unequal lengths throw; sizes past 64 KiB work)', () => {
  assert.equal(shim.timingSafeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)), true);
  assert.equal(shim.timingSafeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)), false);
  assert.throws(() => shim.timingSafeEqual(Uint8Array.of(1), Uint8Array.of(1, 2)), RangeError);
  assert.throws(() => node.timingSafeEqual(Uint8Array.of(1), Uint8Array.of(1, 2)), RangeError);
  const big = shim.randomBytes(200_000);
  assert.equal(big.length, 200_000);
  assert.ok(big.subarray(150_000).some((b) => b !== 0), 'the part past the first 64 KiB is filled too');
  assert.notEqual(hex(shim.randomBytes(32)), hex(shim.randomBytes(32)));
});

test('calls outside the subset throw a CryptoShimError that names them', () => {
  const refused: [() => unknown, RegExp][] = [
    [() => shim.createHash('sha1'), /createHash\('sha1'\)/],
    [() => shim.createHmac('sha512', rnd(32)), /createHmac\('sha512'\)/],
    [() => shim.hkdfSync('sha512', rnd(32), rnd(0), rnd(0), 32), /hkdfSync\('sha512'\)/],
    [() => shim.createHash('sha256').update('text' as unknown as Uint8Array), /update with a string/],
    [() => shim.createHash('sha256').digest('hex' as never), /digest with an encoding/],
    [() => shim.scrypt(rnd(1), rnd(1), 32, { N: 16, r: 1, p: 1, cost: 16 } as shim.ScryptOptions, () => undefined), /scrypt option cost/],
    [() => shim.createCipheriv('aes-256-gcm', rnd(32), rnd(12)), /createCipheriv\('aes-256-gcm'\)/],
    [() => shim.createCipheriv('chacha20-poly1305', rnd(32), rnd(12), { authTagLength: 8 }), /authTagLength 8/],
    [() => shim.randomBytes(8, () => undefined), /randomBytes with a callback/],
  ];
  for (const [call, text] of refused) assert.throws(call, (e: unknown) => e instanceof shim.CryptoShimError && text.test((e as Error).message), String(text));
});
