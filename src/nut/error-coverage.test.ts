// Every error code walnut sends (NUT_ERROR_CODES, src/nut/errors.ts) must still come out of some request. The
// command tests are spread over src/nut/commands-*.test.ts, each run in its own process, so none can see what the
// others produced; instead this file keeps, in one place, one minimal request per code, run through the same
// setting (src/nut/commands-harness.ts). The test fails if a request no longer gives its code, and if a code in
// NUT_ERROR_CODES has no request here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NUT_ERROR_CODES, NutError, type NutErrorCode } from './errors.ts';
import type { Session } from './session.ts';
import { ask, as, converse, harness, settle, trackingId, type Harness } from './commands-harness.ts';

interface Case {
  code: NutErrorCode;
  /** a harness other than the default one */
  harness?: () => Harness;
  /** brings the session (and the harness) to where `request` gives `code`; default: a fresh anonymous session */
  before?: (h: Harness) => Promise<Session>;
  /** the request, or a function of the session (for a tracking id learnt in `before`) */
  request: string | ((s: Session) => string);
}

const anonymous = async (h: Harness): Promise<Session> => h.connect();
const admin = (h: Harness): Promise<Session> => as(h, 'admin', 'adminpass');
const trackedIds = new WeakMap<Session, string>();

const CASES: Case[] = [
  { code: 'ACCESS-DENIED', before: (h) => as(h, 'admin', 'wrong'), request: 'SET VAR myups ups.id x' },
  { code: 'UNKNOWN-UPS', request: 'GET VAR nosuch ups.status' },
  { code: 'INVALID-ARGUMENT', request: 'GET' },
  { code: 'UNKNOWN-COMMAND', request: 'FOO' },
  { code: 'VAR-NOT-SUPPORTED', request: 'GET VAR myups nosuch.var' },
  { code: 'CMD-NOT-SUPPORTED', before: admin, request: 'INSTCMD myups nosuch.cmd' },
  { code: 'READONLY', before: admin, request: 'SET VAR myups ups.mfr x' },
  { code: 'TOO-LONG', before: admin, request: 'SET VAR myups ups.id "12345678901234567"' },
  { code: 'INVALID-VALUE', before: admin, request: 'SET VAR myups input.sensitivity extreme' },
  { code: 'SET-FAILED', before: admin, request: 'SET VAR myups device.location x' },
  {
    code: 'INSTCMD-FAILED',
    before: async (h) => {
      h.control.mode = 'throw';
      return admin(h);
    },
    request: 'INSTCMD myups load.off',
  },
  { code: 'USERNAME-REQUIRED', request: 'LOGIN myups' },
  {
    code: 'PASSWORD-REQUIRED',
    before: async (h) => {
      const s = h.connect();
      await converse(h.ctx, s, [['USERNAME admin', 'OK']]);
      return s;
    },
    request: 'LOGIN myups',
  },
  { code: 'ALREADY-SET-USERNAME', before: admin, request: 'USERNAME other' },
  { code: 'ALREADY-SET-PASSWORD', before: admin, request: 'PASSWORD other' },
  {
    code: 'ALREADY-LOGGED-IN',
    before: async (h) => {
      const s = await as(h, 'monsec', 'secret');
      await converse(h.ctx, s, [['LOGIN myups', 'OK']]);
      return s;
    },
    request: 'LOGIN second',
  },
  {
    code: 'DRIVER-NOT-CONNECTED',
    before: async (h) => {
      h.second.markDisconnected();
      return h.connect();
    },
    request: 'GET VAR second ups.status',
  },
  {
    code: 'DATA-STALE',
    before: async (h) => {
      h.second.markStale();
      return h.connect();
    },
    request: 'GET VAR second ups.status',
  },
  {
    code: 'FEATURE-NOT-SUPPORTED',
    harness: () =>
      harness({
        startTls: () => {
          throw new NutError('FEATURE-NOT-SUPPORTED');
        },
      }),
    request: 'STARTTLS',
  },
  { code: 'FEATURE-NOT-CONFIGURED', request: 'STARTTLS' },
  {
    code: 'ALREADY-SSL-MODE',
    harness: () => harness({ startTls: () => undefined }),
    before: async (h) => {
      const s = h.connect();
      s.tls = true;
      return s;
    },
    request: 'STARTTLS',
  },
  {
    code: 'UNKNOWN',
    before: async (h) => {
      const s = await admin(h);
      await converse(h.ctx, s, [['SET TRACKING ON', 'OK']]);
      return s;
    },
    request: 'GET TRACKING 00000000-0000-4000-8000-000000000000',
  },
  {
    code: 'FAILED',
    before: async (h) => {
      const s = await admin(h);
      await converse(h.ctx, s, [['SET TRACKING ON', 'OK']]);
      h.control.mode = 'reject';
      trackedIds.set(s, trackingId(await ask(h.ctx, s, 'INSTCMD myups load.off')));
      await settle();
      return s;
    },
    request: (s) => `GET TRACKING ${trackedIds.get(s)!}`,
  },
];

test('every error code walnut sends comes out of a minimal request, and every code has one', async () => {
  const produced = new Set<string>();
  for (const c of CASES) {
    const h = c.harness ? c.harness() : harness();
    const s = await (c.before ?? anonymous)(h);
    const request = typeof c.request === 'string' ? c.request : c.request(s);
    const reply = await ask(h.ctx, s, request);
    assert.deepEqual(reply, [`ERR ${c.code}`], `${c.code}: C: ${request}`);
    produced.add(reply[0]!.slice(4));
  }
  const missing = NUT_ERROR_CODES.filter((code) => !produced.has(code));
  assert.deepEqual(missing, []);
  assert.equal(CASES.length, NUT_ERROR_CODES.length, 'one request per code');
});
