// Every command's help, from the built binary: `walnut help COMMAND` and `walnut COMMAND --help` print the same
// text (exit 0) with that command's synopsis and every option its parser takes; the overview lists each command;
// an unknown one is a usage error (issue 13, acceptance 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X64_BINARY } from './helpers/walnut.ts';
import { run } from './helpers/clients.ts';

/** The names under "Commands:" in `walnut --help`. */
async function commandNames(): Promise<string[]> {
  const r = await run(X64_BINARY, ['--help']);
  assert.equal(r.code, 0);
  const section = r.stdout.split('\nCommands:\n')[1]!.split('\n\n')[0]!;
  return section.split('\n').map((l) => l.trim().split(/\s+/)[0]!);
}

/** Each command and options its help must show (the flags its parser accepts). */
const OPTIONS: Record<string, string[]> = {
  serve: ['--config FILE', '--data DIR', '--listen HOST:PORT', '--simulate FILE', '--log-level LEVEL'],
  user: ['--config FILE', '--data DIR', '--upsmon ROLE', '--actions LIST', '--instcmds LIST', '--password-stdin'],
  log: ['--config FILE', '--data DIR', '--limit N', '--kind KIND'],
  fsd: ['--config FILE', '--data DIR'],
  'client-cert': ['--config FILE', '--data DIR', '--out DIR', '--password-stdin', '--nss-db DIR', '--host HOST', '--reason TEXT'],
  ca: ['--config FILE', '--data DIR'],
  authsrv: ['--config FILE', '--data DIR', '--log-level LEVEL'],
  auth: ['--server HOST[:PORT]', '--user NAME', '--as USER', '--password-stdin', '--config FILE', '--data DIR'],
  passwd: ['--server HOST[:PORT]', '--user NAME', '--password-stdin'],
  upsc: ['--user NAME', '--as USER', '--password-stdin'],
  speaksfor: ['--config FILE', '--data DIR'],
  claim: ['--qr PAYLOAD', '--keep-code', '--password-stdin'],
  setup: ['--config FILE', '--data DIR'],
  'factory-reset': ['--yes', '--config FILE', '--data DIR'],
  factory: ['--out DIR', '--passphrase-stdin', '--ca DIR', '--serials FILE', '--count N', '--serial-prefix P', '--out BATCH'],
  debug: ['--config FILE'],
};

test('the overview lists exactly the commands whose help is checked here', async () => {
  assert.deepEqual((await commandNames()).sort(), Object.keys(OPTIONS).sort());
});

for (const [name, options] of Object.entries(OPTIONS)) {
  test(`walnut help ${name} and walnut ${name} --help print ${name}'s synopsis and options`, async () => {
    const viaHelp = await run(X64_BINARY, ['help', name]);
    const viaFlag = await run(X64_BINARY, [name, '--help']);
    const viaShort = await run(X64_BINARY, [name, '-h']);
    for (const r of [viaHelp, viaFlag, viaShort]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
    }
    assert.equal(viaFlag.stdout, viaHelp.stdout);
    assert.equal(viaShort.stdout, viaHelp.stdout);
    assert.match(viaHelp.stdout, new RegExp(`^Usage: walnut ${name}( |$)`, 'm'));
    for (const o of options) assert.ok(viaHelp.stdout.includes(o), `${name}: ${o}`);
  });
}

test('--help after other words still prints that command\'s help', async () => {
  const r = await run(X64_BINARY, ['user', 'add', 'bob', '--upsmon', 'secondary', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: walnut user add NAME/);
});

test('help for an unknown command is a usage error naming it', async () => {
  const r = await run(X64_BINARY, ['help', 'frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('a usage error points at that command\'s help', async () => {
  const r = await run(X64_BINARY, ['log', '--limit', 'ten']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `walnut: log: --limit takes a number of events from 1 to 9999999, not "ten"\nTry 'walnut help log'.\n`);
});
