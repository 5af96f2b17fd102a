import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthAc, AuthAs, AuthNUT, AuthPAK, AuthPass, AuthTc, AuthTreq, AuthTs, AUTHENTLEN, NUTREQLEN, PASSREQLEN, TICKETLEN, TICKREQLEN,
  ANAMELEN, DOMLEN, CHALLEN, PASSWDLEN, USERREQLEN, USERREQBODYLEN, AuthUser,
} from './constants.ts';
import { AuthError } from './errors.ts';
import { EnvelopeError, Opener, Sealer } from './envelope.ts';
import {
  decodeNutreq, decodeReplyHead, decodeTicketreq, encodeErrReply, encodeNutreq, encodeTicketreq, openAuthenticator,
  openPasswordreq, openTicket, sealAuthenticator, sealPasswordreq, sealTicket, encodeUserreqBody, openUserreq, sealUserreq,
} from './messages.ts';
import type { Ticketreq } from './messages.ts';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const dom = b('ups-1a2b.local');
const chal = new Uint8Array(CHALLEN).fill(0xc5);
const key = new Uint8Array(32).fill(0x42);
const tr: Ticketreq = { type: AuthPAK, authid: b('upsd'), authdom: dom, chal, hostid: b('nas-kitchen'), uid: b('monitor') };
const errText = (text: string) => (e: unknown): boolean => e instanceof AuthError && e.text === text;

test('the sizes are the ones in docs/auth-protocol.md', () => {
  assert.deepEqual({ TICKREQLEN, TICKETLEN, AUTHENTLEN, PASSREQLEN, NUTREQLEN }, { TICKREQLEN: 273, TICKETLEN: 204, AUTHENTLEN: 76, PASSREQLEN: 1085, NUTREQLEN: 785 });
});

test('a ticket request round-trips at its fixed offsets', () => {
  const wire = encodeTicketreq(tr);
  assert.equal(wire.length, 273);
  assert.equal(wire[0], 19);
  assert.equal(Buffer.from(wire.subarray(1, 5)).toString(), 'upsd');
  assert.equal(Buffer.from(wire.subarray(65, 79)).toString(), 'ups-1a2b.local');
  assert.deepEqual(wire.subarray(129, 145), chal);
  assert.equal(Buffer.from(wire.subarray(145, 156)).toString(), 'nas-kitchen');
  assert.equal(Buffer.from(wire.subarray(209, 216)).toString(), 'monitor');
  assert.deepEqual(decodeTicketreq(wire), tr);
  for (const type of [AuthTreq, AuthPass, AuthNUT]) assert.equal(decodeTicketreq(encodeTicketreq({ ...tr, type })).type, type);
});

test('a name of exactly 64 bytes fills its field and still round-trips; 65 bytes is refused', () => {
  const long = new Uint8Array(ANAMELEN).fill(0x61);
  assert.deepEqual(decodeTicketreq(encodeTicketreq({ ...tr, uid: long })).uid, long);
  assert.throws(() => encodeTicketreq({ ...tr, uid: new Uint8Array(ANAMELEN + 1).fill(0x61) }), errText('bad ticket request'));
  assert.throws(() => encodeTicketreq({ ...tr, authdom: new Uint8Array(DOMLEN + 1).fill(0x61) }), errText('bad ticket request'));
});

test('a ticket request of the wrong length, unknown type, bad padding or control bytes is refused as authsrv would', () => {
  const wire = encodeTicketreq(tr);
  const bad: Uint8Array[] = [wire.subarray(0, 272), Uint8Array.from([...wire, 0]), new Uint8Array(0)];
  for (const type of [0, 2, 5, 7, 10, 11, 14, 64, 255]) { const w = Uint8Array.from(wire); w[0] = type; bad.push(w); }
  const afterNul = Uint8Array.from(wire); afterNul[1 + 10] = 0x41; bad.push(afterNul); // "upsd\0…A"
  const ctrl = Uint8Array.from(wire); ctrl[2] = 0x0a; bad.push(ctrl);
  for (const w of bad) assert.throws(() => decodeTicketreq(w), errText('bad ticket request'));
  assert.throws(() => encodeTicketreq({ ...tr, chal: chal.subarray(1) }), errText('bad ticket request'));
  assert.throws(() => encodeTicketreq({ ...tr, uid: b('a\tb') }), errText('bad ticket request'));
});

test('a ticket round-trips through its envelope and opens only as the type it was sealed as', () => {
  const t = { chal, cuid: b('monitor'), suid: b('monitor'), key: new Uint8Array(32).fill(7) };
  const ts = sealTicket(key, AuthTs, t, dom);
  assert.equal(ts.length, TICKETLEN);
  assert.deepEqual(openTicket(key, AuthTs, ts, dom), t);
  assert.throws(() => openTicket(key, AuthTc, ts, dom), (e: unknown) => e instanceof EnvelopeError);
  // An authenticator presented where a ticket is expected fails on length before any decryption.
  const ac = sealAuthenticator(key, AuthAc, { chal, rand: new Uint8Array(32) }, dom);
  assert.throws(() => openTicket(key, AuthTs, ac, dom), errText('auth failed'));
  assert.throws(() => sealTicket(key, AuthTs, { ...t, key: new Uint8Array(16) }, dom), errText('bad ticket'));
});

test('an authenticator round-trips and the client\'s Ac is not accepted as the server\'s As', () => {
  const a = { chal, rand: new Uint8Array(32).fill(9) };
  const ac = sealAuthenticator(key, AuthAc, a, dom);
  assert.equal(ac.length, AUTHENTLEN);
  assert.deepEqual(openAuthenticator(key, AuthAc, ac, dom), a);
  assert.throws(() => openAuthenticator(key, AuthAs, ac, dom), errText('auth failed'));
  assert.throws(() => sealAuthenticator(key, AuthAs, { chal, rand: new Uint8Array(31) }, dom), errText('bad authenticator'));
});

test('a password request round-trips, a replay of it is refused, and bad fields are refused', () => {
  const pr = { old: b('old password'), new: new Uint8Array(PASSWDLEN).fill(0x7a), changesecret: true, secret: new Uint8Array(32).fill(3) };
  const sealer = new Sealer(key, dom);
  const opener = new Opener(key, dom);
  const wire = sealPasswordreq(sealer, pr);
  assert.equal(wire.length, PASSREQLEN);
  assert.deepEqual(openPasswordreq(opener, wire), pr);
  assert.throws(() => openPasswordreq(opener, wire), errText('auth failed'));
  assert.deepEqual(openPasswordreq(opener, sealPasswordreq(sealer, { ...pr, changesecret: false })).changesecret, false);
  for (const bad of [{ ...pr, old: new Uint8Array(0) }, { ...pr, new: new Uint8Array(PASSWDLEN + 1).fill(0x61) }, { ...pr, secret: new Uint8Array(31) }, { ...pr, new: b('a\x00b') }]) {
    assert.throws(() => sealPasswordreq(sealer, bad), errText('bad password request'));
  }
});

test('a sealed password request whose changesecret byte is not 0 or 1 is refused after opening', async () => {
  const { seal } = await import('./envelope.ts');
  const { encodePasswordreqBody } = await import('./messages.ts');
  const body = encodePasswordreqBody({ old: b('a'), new: b('b'), changesecret: false, secret: new Uint8Array(32) });
  body[PASSWDLEN * 2] = 2;
  assert.throws(() => openPasswordreq(new Opener(key, dom), seal(key, AuthPass, 0, body, dom)), errText('bad password request'));
});

test('a user request round-trips at 605 bytes, a replay of it is refused, and a set without a password or a removal with one is refused', async () => {
  const sealer = new Sealer(key, dom);
  const opener = new Opener(key, dom);
  const set = { op: 'set' as const, name: b('nas1'), password: b('a new long password') };
  const wire = sealUserreq(sealer, set);
  assert.equal(wire.length, USERREQLEN);
  assert.deepEqual(openUserreq(opener, wire), set);
  assert.throws(() => openUserreq(opener, wire), errText('auth failed'));
  const removal = { op: 'remove' as const, name: b('nas1'), password: new Uint8Array(0) };
  assert.deepEqual(openUserreq(opener, sealUserreq(sealer, removal)), removal);
  for (const bad of [{ ...set, password: new Uint8Array(0) }, { ...removal, password: b('x') }, { ...set, name: new Uint8Array(0) },
    { ...set, name: new Uint8Array(ANAMELEN + 1).fill(0x61) }, { ...set, password: b('a\x00b') }, { ...set, op: 'rename' as 'set' }]) {
    assert.throws(() => sealUserreq(sealer, bad), errText('bad user request'));
  }
  // an op byte the AS does not know, sealed by a peer holding the key, is refused after opening
  const { seal } = await import('./envelope.ts');
  const body = encodeUserreqBody(set);
  assert.equal(body.length, USERREQBODYLEN);
  body[0] = 3;
  assert.throws(() => openUserreq(new Opener(key, dom), seal(key, AuthUser, 0, body, dom)), errText('bad user request'));
});

test('an AuthNUT request carries the ticket request and the password and round-trips', () => {
  const nutTr = { ...tr, type: AuthNUT, hostid: b('upsd') };
  const wire = encodeNutreq(nutTr, b('s3cret "quoted" pass'));
  assert.equal(wire.length, NUTREQLEN);
  const got = decodeNutreq(wire);
  assert.deepEqual(got.tr, nutTr);
  assert.equal(Buffer.from(got.password).toString(), 's3cret "quoted" pass');
  assert.throws(() => decodeNutreq(wire.subarray(1)), errText('bad nut request'));
  assert.throws(() => encodeNutreq(nutTr, new Uint8Array(0)), errText('bad nut request'));
});

test('an AuthErr reply is 65 bytes and decodes back to the AuthError it carried', () => {
  const wire = encodeErrReply(new AuthError('bad ticket request'));
  assert.equal(wire.length, 65);
  assert.equal(wire[0], 5);
  assert.throws(() => decodeReplyHead(wire), errText('bad ticket request'));
  assert.doesNotThrow(() => decodeReplyHead(Uint8Array.of(4)));
  assert.throws(() => decodeReplyHead(Uint8Array.of(6)), errText('bad reply'));
  assert.throws(() => decodeReplyHead(wire.subarray(0, 64)), errText('bad reply'));
  assert.throws(() => new AuthError('x'.repeat(64)), RangeError);
});
