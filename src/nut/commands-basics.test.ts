// The command handlers against docs/nut-protocol.md §2-§4 and the upsd 2.8.0 transcripts of Appendix A: anonymous
// requests and argument errors, the tokenizer's edge cases as the handlers see them, the misc commands (§2.2),
// STARTTLS and LOGOUT. The setting (NutServer's CommandContext, UPS models, users) is src/nut/commands-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NutError } from './errors.ts';
import type { Session } from './session.ts';
import { SERVER_INFO, SERVER_VERSION, harness, ask, answer, converse, as, replay } from './commands-harness.ts';

// ---------------------------------------------------------------------------------------------------------
// Appendix A, anonymous access and argument errors

test('Appendix A anonymous requests get the replies upsd 2.8.0 gave (walnut names itself in server.version)', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR myups ups.status', 'VAR myups ups.status "OL"'],
    ['get var MYUPS UPS.STATUS', 'VAR MYUPS UPS.STATUS "OL"'],
    ['GET VAR nosuch server.version', `VAR nosuch server.version "${SERVER_VERSION}"`],
    ['GET VAR myups server.foo', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR myups nosuch.var', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['GET VAR myups', 'ERR INVALID-ARGUMENT'],
    ['GET', 'ERR INVALID-ARGUMENT'],
    ['GET FOO a b', 'ERR INVALID-ARGUMENT'],
    ['GET TYPE myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['GET DESC myups nosuch.var', 'DESC myups nosuch.var "Description unavailable"'],
    ['GET UPSDESC second', 'UPSDESC second "Unavailable"'],
    ['GET NUMLOGINS myups', 'NUMLOGINS myups 0'],
    ['LIST ENUM myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['LIST CLIENTS myups', 'ERR INVALID-ARGUMENT'],
    ['LIST VAR nosuch', 'ERR UNKNOWN-UPS'],
    ['FOO', 'ERR UNKNOWN-COMMAND'],
    ['', 'ERR UNKNOWN-COMMAND'],
    ['VER extra', 'ERR INVALID-ARGUMENT'],
    ['STARTTLS', 'ERR FEATURE-NOT-CONFIGURED'],
  ]);
});

test('Appendix A tokenizer edge cases get the replies upsd 2.8.0 gave', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR "myups" "ups.status"', 'VAR myups ups.status "OL"'],
    ['GET\tVAR\tmyups\tups.status', 'VAR myups ups.status "OL"'],
    ['GET VAR myups ups.status # comment', 'VAR myups ups.status "OL"'],
    ['GET VAR myups=ups.status', 'ERR VAR-NOT-SUPPORTED'],
    ['GET VAR my\xe9ups ups.st\x01atus', 'VAR myups ups.status "OL"'],
    ['ver\r', SERVER_INFO],
    ['   ', 'ERR UNKNOWN-COMMAND'],
    ['# only a comment', 'ERR UNKNOWN-COMMAND'],
  ]);
});

test('a request split across two packets is answered once it is complete', async () => {
  const h = harness();
  assert.deepEqual(await replay(h, h.connect(), 'GET VAR myups battery.ch', 'arge\n'), [['VAR myups battery.charge "100"']]);
});

test('an unescaped # in quotes is a parse error and the pipelined requests after it are still answered', async () => {
  // upsd answers nothing and drops VER and NETVER; walnut reports the bad line (the server sends
  // ERR INVALID-ARGUMENT for it) and answers the rest.
  const h = harness();
  assert.deepEqual(await replay(h, h.connect(), 'GET VAR myups "ups.sta#tus"\nVER\nNETVER\n'), [
    'parse-error',
    [SERVER_INFO],
    ['1.3'],
  ]);
});

test('32 words reach the handler and the rest are dropped, so INSTCMD with 40 words has no parameter', async () => {
  const h = harness();
  const s = await as(h, 'admin', 'adminpass');
  const extra = Array.from({ length: 36 }, (_, i) => `p${i}`).join(' ');
  assert.deepEqual(await replay(h, s, `INSTCMD myups load.off ${extra}\n`), [['OK']]);
  assert.deepEqual(h.control.calls, ['cmd load.off']);
});

// ---------------------------------------------------------------------------------------------------------
// Misc commands (§2.2)

test('VER, NETVER, PROTVER and HELP answer and refuse any argument', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['VER', SERVER_INFO],
    ['NETVER', '1.3'],
    ['PROTVER', '1.3'],
    ['netver', '1.3'],
    ['HELP', 'Commands: HELP VER PROTVER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS'],
    ['NETVER x', 'ERR INVALID-ARGUMENT'],
    ['PROTVER x', 'ERR INVALID-ARGUMENT'],
    ['HELP me', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('VER and server.info report walnut, not upsd', async () => {
  const h = harness();
  const s = h.connect();
  const [ver] = await ask(h.ctx, s, 'VER');
  assert.match(ver!, /^walnut /);
  assert.doesNotMatch(ver!, /upsd|2\.8\.0/);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups server.info'), [`VAR myups server.info "${SERVER_INFO}"`]);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups SERVER.VERSION'), [`VAR myups SERVER.VERSION "${SERVER_VERSION}"`]);
});

test('commands that do not exist in protocol 1.3 are unknown', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['ATTACH myups', 'ERR UNKNOWN-COMMAND'],
    ['DETACH myups', 'ERR UNKNOWN-COMMAND'],
    ['REQ myups ups.status', 'ERR UNKNOWN-COMMAND'],
    ['LISTVARS myups', 'ERR UNKNOWN-COMMAND'],
    ['GETVAR', 'ERR UNKNOWN-COMMAND'],
  ]);
});

test('STARTTLS answers OK STARTTLS when TLS can start, and ALREADY-SSL-MODE inside TLS', async () => {
  const started: Session[] = [];
  const h = harness({ startTls: (s) => void started.push(s) });
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'STARTTLS ignored args'), ['OK STARTTLS']);
  assert.deepEqual(started, [s]);
  s.tls = true;
  assert.deepEqual(await ask(h.ctx, s, 'STARTTLS'), ['ERR ALREADY-SSL-MODE']);
  assert.equal(started.length, 1);
});

test('STARTTLS passes on the reason TLS cannot start', async () => {
  const h = harness({
    startTls: () => {
      throw new NutError('FEATURE-NOT-SUPPORTED');
    },
  });
  assert.deepEqual(await ask(h.ctx, h.connect(), 'STARTTLS'), ['ERR FEATURE-NOT-SUPPORTED']);
});

test('LOGOUT says goodbye and asks for the connection to close; with an argument it is refused', async () => {
  const h = harness();
  const s = h.connect();
  assert.deepEqual(await ask(h.ctx, s, 'LOGOUT now'), ['ERR INVALID-ARGUMENT']);
  assert.equal(s.closeAfterReply, false);
  assert.deepEqual(await ask(h.ctx, s, 'logout'), ['OK Goodbye']);
  assert.equal(s.closeAfterReply, true);
});

test('the empty request is an unknown command', async () => {
  const h = harness();
  assert.deepEqual(await answer(h.ctx, h.connect(), []), ['ERR UNKNOWN-COMMAND']);
});
