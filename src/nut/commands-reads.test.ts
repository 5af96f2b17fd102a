// The command handlers against docs/nut-protocol.md §2.4-§2.6: GET and LIST, their framing, order and escaping,
// and the FSD prefix. The setting (NutServer's CommandContext, UPS models, users) is src/nut/commands-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitsReplyLine } from './encode.ts';
import { describeCommand, describeVariable } from '../ups/descriptions.ts';
import { SERVER_INFO, SERVER_VERSION, harness, ask, answer, converse, as } from './commands-harness.ts';

// ---------------------------------------------------------------------------------------------------------
// FSD prefix, LIST framing and order (§2.4, §2.6)

test('the FSD prefix appears in GET VAR and LIST VAR but not in LIST RW, and the stored value is unchanged', async () => {
  const h = harness();
  // make ups.status writable so LIST RW would show it
  h.myups.setVariable('ups.status', 'OL', { writable: true, maxLength: 32 });
  const s = await as(h, 'monprimary', 'primpass');
  assert.deepEqual(await ask(h.ctx, s, 'FSD myups'), ['OK FSD-SET']);
  assert.deepEqual(await ask(h.ctx, s, 'GET VAR myups UPS.Status'), ['VAR myups UPS.Status "FSD OL"']);
  const listVar = await ask(h.ctx, s, 'LIST VAR myups');
  assert.ok(listVar.includes('VAR myups ups.status "FSD OL"'), listVar.join('\n'));
  const listRw = await ask(h.ctx, s, 'LIST RW myups');
  assert.ok(listRw.includes('RW myups ups.status "OL"'), listRw.join('\n'));
  assert.equal(h.myups.getVariable('ups.status')!.value, 'OL');
});

test('LIST VAR lists every variable sorted case-insensitively, values escaped, the UPS name as the client spelled it', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST VAR MyUps'), [
    'BEGIN LIST VAR MyUps',
    'VAR MyUps battery.charge "100"',
    'VAR MyUps device.location ""',
    'VAR MyUps input.frequency.nominal "50"',
    'VAR MyUps input.sensitivity "medium"',
    'VAR MyUps input.transfer.low "90"',
    'VAR MyUps ups.delay.shutdown "20"',
    'VAR MyUps ups.id "MyId"',
    'VAR MyUps ups.mfr "Dummy"',
    'VAR MyUps ups.model "Back-UPS \\"XS\\" \\#1 \\\\ edition"',
    'VAR MyUps ups.status "OL"',
    'END LIST VAR MyUps',
  ]);
});

test('LIST VAR and LIST CMD order names case-insensitively, not by byte value', async () => {
  const h = harness();
  for (const name of ['gamma.x', 'Beta.x', 'alpha.x', 'Delta.x']) h.second.setVariable(name, '1');
  for (const name of ['zeta.run', 'Alpha.run', 'beta.RUN', 'Gamma.run']) h.second.addCommand(name);
  const vars = await ask(h.ctx, h.connect(), 'LIST VAR second');
  assert.deepEqual(
    vars.slice(1, -1).map((l) => l.split(' ')[2]),
    ['alpha.x', 'Beta.x', 'Delta.x', 'gamma.x', 'ups.id', 'ups.status'],
  );
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CMD second'), [
    'BEGIN LIST CMD second',
    'CMD second Alpha.run',
    'CMD second beta.RUN',
    'CMD second Gamma.run',
    'CMD second load.off',
    'CMD second zeta.run',
    'END LIST CMD second',
  ]);
});

test('LIST RW lists only writable variables', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST RW myups'), [
    'BEGIN LIST RW myups',
    'RW myups battery.charge "100"',
    'RW myups device.location ""',
    'RW myups input.frequency.nominal "50"',
    'RW myups input.sensitivity "medium"',
    'RW myups input.transfer.low "90"',
    'RW myups ups.delay.shutdown "20"',
    'RW myups ups.id "MyId"',
    'END LIST RW myups',
  ]);
});

test('LIST CMD lists the commands sorted, with the UPS name as the client spelled it', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CMD MYUPS'), [
    'BEGIN LIST CMD MYUPS',
    'CMD MYUPS beeper.toggle',
    'CMD MYUPS load.off',
    'CMD MYUPS load.on',
    'CMD MYUPS test.battery.start',
    'END LIST CMD MYUPS',
  ]);
});

test('LIST UPS gives every UPS in configuration order with its escaped description or "Description unavailable"', async () => {
  const h = harness();
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST UPS'), [
    'BEGIN LIST UPS',
    'UPS myups "Test \\"quoted\\" UPS \\#1 back\\\\slash"',
    'UPS second "Description unavailable"',
    'END LIST UPS',
  ]);
});

test('GET UPSDESC gives the escaped description, echoing the name as sent', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET UPSDESC MYUPS', 'UPSDESC MYUPS "Test \\"quoted\\" UPS \\#1 back\\\\slash"'],
    ['GET UPSDESC nosuch', 'ERR UNKNOWN-UPS'],
    ['GET UPSDESC', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('LIST ENUM keeps the driver order; a variable without an enum list gives an empty list', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    [
      'LIST ENUM myups INPUT.SENSITIVITY',
      [
        'BEGIN LIST ENUM myups INPUT.SENSITIVITY',
        'ENUM myups INPUT.SENSITIVITY "medium"',
        'ENUM myups INPUT.SENSITIVITY "low"',
        'ENUM myups INPUT.SENSITIVITY "high"',
        'END LIST ENUM myups INPUT.SENSITIVITY',
      ],
    ],
    ['LIST ENUM myups ups.id', ['BEGIN LIST ENUM myups ups.id', 'END LIST ENUM myups ups.id']],
    ['LIST ENUM myups', 'ERR INVALID-ARGUMENT'],
    ['LIST ENUM nosuch ups.id', 'ERR UNKNOWN-UPS'],
  ]);
});

test('LIST RANGE gives each range as quoted integers', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    [
      'LIST RANGE myups input.transfer.low',
      [
        'BEGIN LIST RANGE myups input.transfer.low',
        'RANGE myups input.transfer.low "80" "100"',
        'RANGE myups input.transfer.low "110" "120"',
        'END LIST RANGE myups input.transfer.low',
      ],
    ],
    ['LIST RANGE myups ups.id', ['BEGIN LIST RANGE myups ups.id', 'END LIST RANGE myups ups.id']],
    ['LIST RANGE myups nosuch', 'ERR VAR-NOT-SUPPORTED'],
    ['LIST RANGE myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('LIST without a subcommand, with an unknown one, or without its UPS name is an invalid argument', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['LIST', 'ERR INVALID-ARGUMENT'],
    ['LIST FOO', 'ERR INVALID-ARGUMENT'],
    ['LIST FOO myups', 'ERR INVALID-ARGUMENT'],
    ['LIST CLIENTS myups', 'ERR INVALID-ARGUMENT'],
    ['LIST VAR', 'ERR INVALID-ARGUMENT'],
    ['LIST RW', 'ERR INVALID-ARGUMENT'],
    ['LIST CMD', 'ERR INVALID-ARGUMENT'],
    ['LIST CLIENT', 'ERR INVALID-ARGUMENT'],
    ['LIST RW nosuch', 'ERR UNKNOWN-UPS'],
    ['LIST CMD nosuch', 'ERR UNKNOWN-UPS'],
    ['LIST CLIENT nosuch', 'ERR UNKNOWN-UPS'],
  ]);
});

test('LIST CLIENT lists each connection that did LOGIN, under the canonical UPS name', async () => {
  const h = harness();
  const v6 = await as(h, 'monsec', 'secret', '::1');
  const v4 = await as(h, 'monprimary', 'primpass', '127.0.0.1');
  assert.deepEqual(await ask(h.ctx, v6, 'LOGIN MYUPS'), ['OK']);
  assert.deepEqual(await ask(h.ctx, v4, 'LOGIN myups'), ['OK']);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CLIENT MyUps'), [
    'BEGIN LIST CLIENT MyUps',
    'CLIENT myups ::1',
    'CLIENT myups 127.0.0.1',
    'END LIST CLIENT MyUps',
  ]);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'LIST CLIENT second'), ['BEGIN LIST CLIENT second', 'END LIST CLIENT second']);
  assert.deepEqual(await ask(h.ctx, h.connect(), 'GET NUMLOGINS MYUPS'), ['NUMLOGINS MYUPS 2']);
});

// ---------------------------------------------------------------------------------------------------------
// GET (§2.5)

test('GET TYPE gives RW, ENUM, RANGE, then STRING:n or NUMBER', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET TYPE myups ups.id', 'TYPE myups ups.id RW STRING:16'],
    ['GET TYPE myups battery.charge', 'TYPE myups battery.charge RW NUMBER'],
    ['GET TYPE myups ups.status', 'TYPE myups ups.status NUMBER'],
    ['GET TYPE myups input.sensitivity', 'TYPE myups input.sensitivity RW ENUM STRING:10'],
    ['GET TYPE myups input.transfer.low', 'TYPE myups input.transfer.low RW RANGE NUMBER'],
    ['GET TYPE myups ups.delay.shutdown', 'TYPE myups ups.delay.shutdown RW RANGE STRING:10'],
    ['GET TYPE myups input.frequency.nominal', 'TYPE myups input.frequency.nominal RW ENUM RANGE NUMBER'],
    ['GET TYPE myups device.location', 'TYPE myups device.location RW STRING:0'],
    ['GET TYPE MYUPS UPS.ID', 'TYPE MYUPS UPS.ID RW STRING:16'],
    ['GET TYPE nosuch ups.id', 'ERR UNKNOWN-UPS'],
    ['GET TYPE myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('GET VAR escapes the value and echoes both names as the client spelled them', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR MyUps UPS.MODEL', 'VAR MyUps UPS.MODEL "Back-UPS \\"XS\\" \\#1 \\\\ edition"'],
    ['GET VAR second ups.status extra words', 'VAR second ups.status "OB LB"'],
  ]);
});

test('server.info and server.version are answered for any UPS name, known or not', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET VAR nosuch server.info', `VAR nosuch server.info "${SERVER_INFO}"`],
    ['GET VAR anything Server.Version', `VAR anything Server.Version "${SERVER_VERSION}"`],
    ['GET VAR myups server.', 'ERR VAR-NOT-SUPPORTED'],
  ]);
});

test('GET DESC and GET CMDDESC give the description table text, or "Description unavailable"', async () => {
  const h = harness();
  const statusText = describeVariable('ups.status');
  const loadOffText = describeCommand('load.off');
  assert.equal(typeof statusText, 'string');
  assert.equal(typeof loadOffText, 'string');
  await converse(h.ctx, h.connect(), [
    ['GET DESC myups ups.status', `DESC myups ups.status "${statusText}"`],
    ['GET DESC MYUPS UPS.STATUS', `DESC MYUPS UPS.STATUS "${statusText}"`],
    ['GET DESC myups upstream.ups.status', `DESC myups upstream.ups.status "${statusText}"`],
    ['GET CMDDESC myups load.off', `CMDDESC myups load.off "${loadOffText}"`],
    ['GET CMDDESC myups nosuch.cmd', 'CMDDESC myups nosuch.cmd "Description unavailable"'],
    ['GET DESC nosuch ups.status', 'ERR UNKNOWN-UPS'],
    ['GET CMDDESC nosuch load.off', 'ERR UNKNOWN-UPS'],
    ['GET DESC myups', 'ERR INVALID-ARGUMENT'],
    ['GET CMDDESC myups', 'ERR INVALID-ARGUMENT'],
  ]);
});

test('GET DESC with a 600-byte variable name builds a line too long for a client, which fitsReplyLine rejects', async () => {
  // server.ts turns such a reply into ERR INVALID-ARGUMENT (upsd sends 512 truncated bytes with no LF).
  const h = harness();
  const name = 'y'.repeat(600);
  const reply = await answer(h.ctx, h.connect(), ['GET', 'DESC', 'myups', name]);
  assert.deepEqual(reply, [`DESC myups ${name} "Description unavailable"`]);
  assert.equal(fitsReplyLine(reply[0]!), false);
});

test('GET NUMLOGINS needs a UPS name that exists', async () => {
  const h = harness();
  await converse(h.ctx, h.connect(), [
    ['GET NUMLOGINS', 'ERR INVALID-ARGUMENT'],
    ['GET NUMLOGINS nosuch', 'ERR UNKNOWN-UPS'],
    ['GET NUMLOGINS second', 'NUMLOGINS second 0'],
  ]);
});
