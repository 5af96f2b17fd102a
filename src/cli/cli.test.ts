// Command-line parsing: the shared option parser through each command's own parser, usage errors, each
// command's help and the exit statuses. (The binary's own dispatch, `walnut help X` and `walnut X --help`, is
// tested in test/cli-help.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT, HelpRequest, UsageError, commandHelp, type Command } from './command.ts';
import { parseServeArgs, serveCommand } from './serve.ts';
import { parseUserArgs, userCommand } from './user.ts';
import { logCommand, parseLogArgs } from './log.ts';
import { debugCommand } from './debug.ts';
import { fsdCommand } from './fsd.ts';
import { parseSingleAction } from './single-action.ts';
import { overviewHelp } from './overview.ts';

/** The words after `walnut`, through the parser of the command they name (a help request as { command: 'help' }). */
function parseArgs(argv: string[]): Record<string, unknown> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return { command, ...parseServeArgs(rest) };
      case 'user':
        return { command, ...parseUserArgs(rest) };
      case 'log':
        return { command, ...parseLogArgs(rest) };
      case 'debug':
        return { command, action: 'addons', ...parseSingleAction('debug', 'addons', rest) };
      case 'fsd':
        return { command, action: 'clear', ...parseSingleAction('fsd', 'clear', rest) };
    }
  } catch (err) {
    if (err instanceof HelpRequest) return { command: 'help' };
    throw err;
  }
  throw new Error(`no parser for ${command}`);
}

const helpText = (_version: string): string => [serveCommand, userCommand, logCommand, fsdCommand, debugCommand].map((c: Command) => commandHelp(c)).join('\n');

function usageError(argv: string[], message: string): void {
  assert.throws(
    () => parseArgs(argv),
    (err: unknown) => err instanceof UsageError && err.name === 'UsageError' && err.message === message,
    `${JSON.stringify(argv)} should fail with ${message}`,
  );
}

test('exit statuses are 0 success, 1 failure, 2 usage, 3 configuration, 75 restart', () => {
  assert.deepEqual(EXIT, { ok: 0, failure: 1, usage: 2, config: 3, restart: 75 });
});

test('serve alone has no options set and no listeners', () => {
  assert.deepEqual(parseArgs(['serve']), { command: 'serve', listen: [] });
});

test('serve reads each flag with its value as the next argument', () => {
  assert.deepEqual(
    parseArgs(['serve', '--config', '/etc/w.json', '--data', '/var/w', '--simulate', 'f.json', '--log-level', 'debug']),
    { command: 'serve', config: '/etc/w.json', data: '/var/w', simulate: 'f.json', logLevel: 'debug', listen: [] },
  );
});

test('serve reads --flag=value, and a value may itself contain =', () => {
  assert.deepEqual(parseArgs(['serve', '--config=/a=b.json', '--listen=*:3493']), {
    command: 'serve',
    config: '/a=b.json',
    listen: ['*:3493'],
  });
});

test('--listen may be repeated and keeps its order', () => {
  const args = parseArgs(['serve', '--listen', '127.0.0.1:3493', '--listen=[::1]:3493', '--listen', '*:0']);
  assert.deepEqual(args.command === 'serve' ? args.listen : undefined, [
    '127.0.0.1:3493',
    '[::1]:3493',
    '*:0',
  ]);
});

test('a later flag overrides an earlier one', () => {
  const args = parseArgs(['serve', '--data', '/a', '--data', '/b']);
  assert.equal(args.command === 'serve' ? args.data : undefined, '/b');
});

test('a flag without a value is a usage error', () => {
  usageError(['serve', '--data'], 'serve: --data needs a value');
  usageError(['serve', '--config', ''], 'serve: --config needs a value');
  usageError(['serve', '--listen'], 'serve: --listen needs a value');
});

test('an unknown serve option is a usage error that names it', () => {
  usageError(['serve', '--port', '3493'], 'serve: unknown option "--port"');
  usageError(['serve', '--port=3493'], 'serve: unknown option "--port"');
  usageError(['serve', 'extra'], 'serve: unexpected argument "extra"');
  usageError(['serve', '-d', '/x'], 'serve: unknown option "-d"');
});

test('--help after serve asks for help', () => {
  assert.deepEqual(parseArgs(['serve', '--data', '/x', '--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['serve', '-h']), { command: 'help' });
});

test('the overview names the version, every command with its synopsis and the exit statuses', () => {
  const text = overviewHelp('1.2.3', [serveCommand, userCommand, logCommand]);
  assert.match(text, /^walnut 1\.2\.3:/);
  for (const s of ['walnut serve [--config FILE]', 'walnut user add NAME', 'walnut log [--limit N]', 'walnut help COMMAND', '--version', '--help']) {
    assert.ok(text.includes(s), s);
  }
  assert.match(text, /0 success, 1 runtime failure, 2 usage error, 3 configuration error/);
});

test("serve's help names every serve option", () => {
  const text = commandHelp(serveCommand);
  for (const flag of ['--config FILE', '--data DIR', '--listen HOST:PORT', '--simulate FILE', '--log-level LEVEL']) assert.ok(text.includes(flag), flag);
});

test('user add takes a name, NUT roles and --password-stdin, before or after the name', () => {
  assert.deepEqual(parseArgs(['user', 'add', 'admin', '--actions', 'SET,FSD', '--instcmds=ALL', '--password-stdin', '--data', '/d']), {
    command: 'user',
    action: 'add',
    name: 'admin',
    actions: ['set', 'fsd'],
    instcmds: ['all'],
    passwordStdin: true,
    data: '/d',
  });
  assert.deepEqual(parseArgs(['user', 'add', '--upsmon', 'secondary', '--config', '/c.json', 'nas']), {
    command: 'user',
    action: 'add',
    name: 'nas',
    upsmon: 'secondary',
    config: '/c.json',
    passwordStdin: false,
  });
});

test('role words follow upsd.users: master/slave, MASTER as an action, ALL among commands, case-insensitive', () => {
  const a = parseArgs(['user', 'add', 'x', '--upsmon', 'MASTER', '--actions', 'set,Master,login', '--instcmds', 'Load.Off,beeper.toggle']);
  assert.deepEqual(a.command === 'user' ? [a.upsmon, a.actions, a.instcmds] : undefined, ['primary', ['set', 'primary', 'login'], ['load.off', 'beeper.toggle']]);
  const b = parseArgs(['user', 'add', 'x', '--upsmon', 'slave', '--instcmds', 'load.off,all']);
  assert.deepEqual(b.command === 'user' ? [b.upsmon, b.instcmds] : undefined, ['secondary', ['all']]);
});

test('user grant replaces the kinds given; none clears a kind; at least one kind is required', () => {
  assert.deepEqual(parseArgs(['user', 'grant', 'x', '--upsmon', 'none', '--actions', 'none', '--instcmds', 'none']), {
    command: 'user',
    action: 'grant',
    name: 'x',
    upsmon: null,
    actions: null,
    instcmds: null,
    passwordStdin: false,
  });
  usageError(['user', 'grant', 'x'], 'user grant: give --upsmon, --actions or --instcmds (each replaces that kind of role; none clears it)');
});

test('user names keep spaces, quotes, # and non-ASCII characters, and -- lets a name start with a dash', () => {
  const odd = 'we ird "nâme" #1 \\';
  const a = parseArgs(['user', 'passwd', odd, '--password-stdin']);
  assert.equal(a.command === 'user' ? a.name : undefined, odd);
  const b = parseArgs(['user', 'remove', '--data', '/d', '--', '-dash']);
  assert.equal(b.command === 'user' ? b.name : undefined, '-dash');
});

test('user list, enable and disable take only --data and --config; remove and grant read a password only with --server', () => {
  assert.deepEqual(parseArgs(['user', 'list', '--data=/d']), { command: 'user', action: 'list', data: '/d', passwordStdin: false });
  for (const action of ['remove', 'enable', 'disable']) {
    assert.deepEqual(parseArgs(['user', action, 'bob']), { command: 'user', action, name: 'bob', passwordStdin: false });
    usageError(['user', action, 'bob', '--upsmon', 'primary'], `user ${action}: unknown option "--upsmon"`);
  }
  for (const action of ['enable', 'disable']) usageError(['user', action, 'bob', '--server', 'ups'], `user ${action}: unknown option "--server"`);
  usageError(['user', 'remove', 'bob', '--password-stdin'], 'user remove: --password-stdin needs --server (on the unit, remove asks for no password)');
  assert.deepEqual(parseArgs(['user', 'remove', 'bob', '--password-stdin', '--server', 'ups:4000']),
    { command: 'user', action: 'remove', name: 'bob', passwordStdin: true, server: { host: 'ups', port: 4000 } });
  usageError(['user', 'list', 'bob'], 'user list: unexpected argument "bob"');
  usageError(['user', 'passwd', 'bob', '--actions', 'SET'], 'user passwd: unknown option "--actions"');
  usageError(['user', 'grant', 'bob', '--password-stdin', '--upsmon', 'primary'], 'user grant: --password-stdin needs --server (on the unit, grant asks for no password)');
  usageError(['user', 'add', 'bob', '--server', 'ups', '--data', '/d'], 'user add: --server changes a unit on the network; --config and --data name a local one');
});

test('a password is never taken from the command line', () => {
  const message =
    'user add: passwords are never taken from the command line (ps and shell history would show them): use --password-stdin or answer the prompt';
  usageError(['user', 'add', 'bob', '--password', 'secret'], message);
  usageError(['user', 'add', 'bob', '--password=secret'], message);
  usageError(['user', 'add', 'bob', '-p', 'secret'], message);
  usageError(['user', 'add', 'bob', 'secret'], 'user add: one user at a time (unexpected "secret")');
});

test('bad user names and role words are usage errors that say why', () => {
  usageError(['user', 'add'], 'user add: name the user');
  usageError(['user', 'add', ''], 'user add: a user name cannot be empty');
  usageError(['user', 'add', 'x'.repeat(65)], 'user add: a user name is at most 64 bytes (this one is 65)');
  usageError(['user', 'add', 'ü'.repeat(33)], 'user add: a user name is at most 64 bytes (this one is 66)');
  usageError(['user', 'add', 'tab\there'], 'user add: a user name cannot contain control characters');
  usageError(['user', 'add', 'x', '--upsmon', 'boss'], 'user add: --upsmon takes primary, secondary or none, not "boss"');
  usageError(['user', 'add', 'x', '--actions', 'SET,SHUTDOWN'], 'user add: --actions takes a comma-separated list of SET and FSD (or LOGIN, PRIMARY), or none; not "SHUTDOWN"');
  usageError(['user', 'add', 'x', '--actions', 'SET, FSD'], 'user add: --actions takes a comma-separated list of SET and FSD (or LOGIN, PRIMARY), or none; not " FSD"');
  usageError(['user', 'add', 'x', '--instcmds', 'load off'], 'user add: --instcmds takes ALL, a comma-separated list of command names, or none; not "load off"');
  usageError(['user', 'add', 'x', '--password-stdin=yes'], 'user add: --password-stdin takes no value');
  usageError(['user', 'add', 'x', '--data'], 'user add: --data needs a value');
  usageError(['user', 'frob', 'x'], 'unknown user command "frob" (one of: add, list, remove, passwd, grant, enable, disable)');
});

test('user with no action, or --help anywhere, asks for help', () => {
  assert.deepEqual(parseArgs(['user']), { command: 'help' });
  assert.deepEqual(parseArgs(['user', '--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['user', 'add', 'x', '-h']), { command: 'help' });
  assert.deepEqual(parseArgs(['log', '--help']), { command: 'help' });
});

test('log takes --limit (default 100) and --kind beside --data and --config', () => {
  assert.deepEqual(parseArgs(['log']), { command: 'log', limit: 100 });
  assert.deepEqual(parseArgs(['log', '--data', '/d', '--limit', '5', '--kind=login-failed', '--config', '/c']), {
    command: 'log',
    data: '/d',
    config: '/c',
    limit: 5,
    kind: 'login-failed',
  });
  usageError(['log', '--limit', '0'], 'log: --limit takes a number of events from 1 to 9999999, not "0"');
  usageError(['log', '--limit', 'ten'], 'log: --limit takes a number of events from 1 to 9999999, not "ten"');
  usageError(['log', '--kind', 'Login Failed'], 'log: --kind takes an event kind such as login-failed, not "Login Failed"');
  usageError(['log', 'extra'], 'log: unexpected argument "extra"');
  usageError(['log', '--follow'], 'log: unknown option "--follow"');
});

test('the help text shows the user and log commands and says passwords never come from argv', () => {
  const text = helpText('1.2.3');
  for (const s of ['walnut user add NAME', 'walnut user passwd NAME', 'walnut user grant NAME', 'remove NAME', 'walnut log', '--password-stdin', '--upsmon', '--actions', '--instcmds', '--limit', '--kind']) {
    assert.ok(text.includes(s), s);
  }
  assert.match(text, /never taken from the command line/);
});

test('debug addons takes the config (for nativeCacheDir), and nothing else', () => {
  assert.deepEqual(parseArgs(['debug', 'addons']), { command: 'debug', action: 'addons' });
  assert.deepEqual(parseArgs(['debug', 'addons', '--config', '/c.json']), { command: 'debug', action: 'addons', config: '/c.json' });
  assert.throws(() => parseArgs(['debug']), /debug: expected "addons"/);
  assert.throws(() => parseArgs(['debug', 'addons', 'now']), /debug: unexpected argument "now"/);
  assert.match(helpText('1.0.0'), /walnut debug addons \[--config FILE\]\n/);
});

test('fsd clear takes the data folder or config, and nothing else', () => {
  assert.deepEqual(parseArgs(['fsd', 'clear', '--data', '/d']), { command: 'fsd', action: 'clear', data: '/d' });
  assert.deepEqual(parseArgs(['fsd', 'clear', '--config', '/c.json']), { command: 'fsd', action: 'clear', config: '/c.json' });
  assert.throws(() => parseArgs(['fsd']), /fsd: expected "clear"/);
  assert.throws(() => parseArgs(['fsd', 'set']), /fsd: expected "clear", not "set"/);
  assert.throws(() => parseArgs(['fsd', 'clear', 'now']), /fsd: unexpected argument "now"/);
});
