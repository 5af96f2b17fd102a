import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { AuthAc, AuthAs, AuthPass, AuthTc, AuthTp, AuthTs, AUTHENTLEN, AUTHBODYLEN, TICKETBODYLEN, TICKETLEN } from './constants.ts';
import { AuthError } from './errors.ts';
import { EnvelopeError, Opener, Sealer, open, seal } from './envelope.ts';
import type { EnvelopeType } from './envelope.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const key = Buffer.alloc(32, 0x11);
const otherKey = Buffer.alloc(32, 0x22);
const dom = Buffer.from('ups-1a2b.local');
const body = Buffer.from(Array.from({ length: TICKETBODYLEN }, (_, i) => i & 0xff));

const isEnvelopeError = (e: unknown): boolean => e instanceof EnvelopeError && e instanceof AuthError && e.text === 'auth failed';

test('node:crypto chacha20-poly1305 reproduces the RFC 8439 §2.8.2 AEAD test vector', () => {
  const k = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
  const nonce = Buffer.from('070000004041424344454647', 'hex');
  const aad = Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex');
  const pt = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const c = createCipheriv('chacha20-poly1305', k, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = Buffer.concat([c.update(pt), c.final()]);
  assert.equal(ct.subarray(0, 16).toString('hex'), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.equal(ct.subarray(ct.length - 2).toString('hex'), '6116');
  assert.equal(c.getAuthTag().toString('hex'), '1ae10b594f09e26a7e902ecbd0600691');
});

test('a sealed ticket opens with the same key, type and domain and gives the body back', () => {
  const wire = seal(key, AuthTs, 0, body, dom);
  assert.equal(wire.length, TICKETLEN);
  assert.equal(Buffer.from(wire.subarray(0, 8)).toString('latin1'), 'form2 Ts');
  const { counter, body: got } = open(key, AuthTs, wire, dom, TICKETBODYLEN);
  assert.equal(counter, 0);
  assert.deepEqual(Buffer.from(got), body);
});

test('the form2 encoding is frozen: a fixed key, counter and body seal to these exact bytes', () => {
  // Derivation: key = 32 × 0x11, type AuthAc, counter 7, domain "ups-1a2b.local", body = bytes 0..47.
  // nonce = "form2 Ac" ‖ 07000000, AAD = "dp9r1\0" ‖ 0x43 ‖ "ups-1a2b.local". Frozen from this implementation
  // after the RFC 8439 check above passed; a change to the nonce or AAD layout breaks it.
  const wire = seal(key, AuthAc, 7, body.subarray(0, AUTHBODYLEN), dom);
  assert.equal(wire.length, AUTHENTLEN);
  assert.equal(hex(wire), FROZEN_AC);
});

test('every single flipped bit anywhere in an envelope is rejected', () => {
  const wire = seal(key, AuthAc, 3, body.subarray(0, AUTHBODYLEN), dom);
  for (let i = 0; i < wire.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = Uint8Array.from(wire);
      bad[i]! ^= 1 << bit;
      assert.throws(() => open(key, AuthAc, bad, dom, AUTHBODYLEN), isEnvelopeError, `byte ${i} bit ${bit}`);
    }
  }
});

test('an envelope opened as any other type is rejected, even with its signature rewritten', () => {
  const types: EnvelopeType[] = [AuthTs, AuthTc, AuthAs, AuthAc, AuthTp, AuthPass];
  const sigs: Record<number, string> = { [AuthTs]: 'Ts', [AuthTc]: 'Tc', [AuthAs]: 'As', [AuthAc]: 'Ac', [AuthTp]: 'Tp', [AuthPass]: 'PR' };
  for (const sealedAs of types) {
    const wire = seal(key, sealedAs, 0, body.subarray(0, AUTHBODYLEN), dom);
    for (const openAs of types) {
      if (openAs === sealedAs) continue;
      assert.throws(() => open(key, openAs, wire, dom, AUTHBODYLEN), isEnvelopeError);
      const relabelled = Uint8Array.from(wire);
      relabelled.set(Buffer.from(`form2 ${sigs[openAs]}`, 'latin1'), 0);
      assert.throws(() => open(key, openAs, relabelled, dom, AUTHBODYLEN), isEnvelopeError);
    }
  }
});

test('an envelope under another key or for another auth domain is rejected', () => {
  const wire = seal(key, AuthTc, 0, body, dom);
  assert.throws(() => open(otherKey, AuthTc, wire, dom, TICKETBODYLEN), isEnvelopeError);
  assert.throws(() => open(key, AuthTc, wire, Buffer.from('ups-ffff.local'), TICKETBODYLEN), isEnvelopeError);
});

test('truncated, extended and empty envelopes are rejected with the same error', () => {
  const wire = seal(key, AuthTc, 0, body, dom);
  for (const bad of [wire.subarray(0, wire.length - 1), Buffer.concat([wire, Buffer.of(0)]), wire.subarray(0, 12), new Uint8Array(0)]) {
    assert.throws(() => open(key, AuthTc, bad, dom, TICKETBODYLEN), isEnvelopeError);
  }
  // A whole envelope with the wrong body length for the type expected is also refused.
  assert.throws(() => open(key, AuthTc, wire, dom, AUTHBODYLEN), isEnvelopeError);
});

test('all failures carry the same text, which names neither the key nor the reason', () => {
  const wire = seal(key, AuthTs, 0, body, dom);
  const texts = new Set<string>();
  const attempts: (() => unknown)[] = [
    () => open(otherKey, AuthTs, wire, dom, TICKETBODYLEN),
    () => open(key, AuthTc, wire, dom, TICKETBODYLEN),
    () => open(key, AuthTs, wire.subarray(1), dom, TICKETBODYLEN),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
      assert.fail('opened');
    } catch (e) {
      assert.ok(isEnvelopeError(e));
      texts.add((e as Error).message);
      assert.ok(!(e as Error).message.includes(key.toString('hex')));
    }
  }
  assert.deepEqual([...texts], ['auth failed']);
});

test('a Sealer never reuses a counter and an Opener refuses a replayed or older envelope', () => {
  const sealer = new Sealer(key, dom);
  const opener = new Opener(key, dom);
  const pr = Buffer.alloc(AUTHBODYLEN, 7);
  const first = sealer.seal(AuthPass, pr);
  const second = sealer.seal(AuthPass, pr);
  assert.notEqual(hex(first), hex(second));
  assert.deepEqual(Buffer.from(opener.open(AuthPass, first, AUTHBODYLEN)), pr);
  assert.throws(() => opener.open(AuthPass, first, AUTHBODYLEN), isEnvelopeError);
  assert.deepEqual(Buffer.from(opener.open(AuthPass, second, AUTHBODYLEN)), pr);
  assert.throws(() => opener.open(AuthPass, first, AUTHBODYLEN), isEnvelopeError);
  assert.throws(() => opener.open(AuthPass, second, AUTHBODYLEN), isEnvelopeError);
});

test('keys of the wrong size and counters out of range are programming errors, not envelope failures', () => {
  assert.throws(() => seal(Buffer.alloc(16), AuthTs, 0, body, dom), RangeError);
  assert.throws(() => seal(key, AuthTs, 2 ** 32, body, dom), RangeError);
  assert.throws(() => seal(key, AuthTs, -1, body, dom), RangeError);
  assert.throws(() => seal(key, 99 as EnvelopeType, 0, body, dom), TypeError);
});

const FROZEN_AC =
  '666f726d3220416307000000009eb709caa226efa0b17d0b39692c47eb5db7898a0dcfd5ccf65e24b478e242f348ff74bf901f0677bc6a13ddbdad0c048e04f9a615dab64c20a2c4160feb44';
