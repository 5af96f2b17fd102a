// The command handlers against docs/nut-protocol.md §3: which requests check that the UPS's data is fresh and its
// driver connected, in which order, and which still work without. The setting (NutServer's CommandContext, UPS
// models, users) is src/nut/commands-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVER_INFO, SERVER_VERSION, harness, ask, converse, as } from './commands-harness.ts';

// ---------------------------------------------------------------------------------------------------------
// Availability (§3)

/** Requests that check ups_available(), on `second`; SET VAR and INSTCMD are sent as admin. */
const AVAILABILITY_CHECKED = [
  'GET NUMLOGINS second',
  'GET VAR second ups.status',
  'GET VAR second nosuch.var', // before VAR-NOT-SUPPORTED
  'GET TYPE second ups.status',
  'GET DESC second ups.status',
  'GET CMDDESC second load.off',
  'LIST VAR second',
  'LIST RW second',
  'LIST CMD second',
  'LIST ENUM second ups.id',
  'LIST RANGE second nosuch.var',
  'SET VAR second ups.id x',
  'SET VAR second nosuch.var x',
  'INSTCMD second load.off',
  'INSTCMD second nosuch.cmd', // before CMD-NOT-SUPPORTED
];

test('with stale data every availability-checked command gives DATA-STALE', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.second.markStale();
  for (const line of AVAILABILITY_CHECKED) assert.deepEqual(await ask(h.ctx, s, line), ['ERR DATA-STALE'], line);
  assert.deepEqual(h.control.calls, []);
});

test('with the driver gone every availability-checked command gives DRIVER-NOT-CONNECTED', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  h.second.markDisconnected();
  for (const line of AVAILABILITY_CHECKED) assert.deepEqual(await ask(h.ctx, s, line), ['ERR DRIVER-NOT-CONNECTED'], line);
  assert.deepEqual(h.control.calls, []);
});

test('data not heard from for more than MAXAGE is stale, and fresh again once heard', async () => {
  const h = harness();
  const s = h.connect();
  h.clock.now += 15_000;
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['VAR second ups.status "OB LB"']);
  h.clock.now += 1;
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['ERR DATA-STALE']);
  h.second.heard();
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR second ups.status'), ['VAR second ups.status "OB LB"']);
});

test('the availability check comes before ACCESS-DENIED for SET VAR and INSTCMD', async () => {
  const h = harness();
  const wrong = await as(h, 'admin', 'wrong');
  const monsec = await as(h, 'monsec', 'secret');
  h.second.markStale();
  for (const s of [wrong, monsec]) {
    await converse(h.ctx, s, [
      ['SET VAR second ups.id x', 'ERR DATA-STALE'],
      ['INSTCMD second load.off', 'ERR DATA-STALE'],
    ]);
  }
  assert.deepEqual(h.audits, []);
});

test('the unknown-UPS check comes before the availability check', async () => {
  const h = harness();
  h.second.markStale();
  await converse(h.ctx, h.connect(), [
    ['GET VAR nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['LIST VAR nosuch', 'ERR UNKNOWN-UPS'],
  ]);
});

test('Appendix A: with stale or dead data, UPSDESC, LIST UPS, LIST CLIENT, LOGIN, PRIMARY, FSD and server.* still work', async () => {
  for (const mark of ['markStale', 'markDisconnected'] as const) {
    const h = harness();
    h.second[mark]();
    const sec = await as(h, 'monsec', 'secret');
    const prim = await as(h, 'monprimary', 'primpass');
    await converse(h.ctx, sec, [
      ['GET UPSDESC second', 'UPSDESC second "Unavailable"'],
      ['LIST CLIENT second', ['BEGIN LIST CLIENT second', 'END LIST CLIENT second']],
      ['LOGIN second', 'OK'],
      ['GET VAR second server.info', `VAR second server.info "${SERVER_INFO}"`],
      ['GET VAR second server.version', `VAR second server.version "${SERVER_VERSION}"`],
      ['LIST CLIENT second', ['BEGIN LIST CLIENT second', 'CLIENT second 127.0.0.1', 'END LIST CLIENT second']],
    ]);
    await converse(h.ctx, prim, [
      ['PRIMARY second', 'OK PRIMARY-GRANTED'],
      ['MASTER second', 'OK MASTER-GRANTED'],
      ['FSD second', 'OK FSD-SET'],
    ]);
    const list = await ask(h.ctx, h.connect(), 'LIST UPS');
    assert.equal(list.length, 4, mark);
  }
});
