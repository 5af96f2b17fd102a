// Command-line parsing: commands, serve flags, usage errors and exit statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT, UsageError, helpText, parseArgs } from './args.ts';

function usageError(argv: string[], message: string): void {
  assert.throws(
    () => parseArgs(argv),
    (err: unknown) => err instanceof UsageError && err.name === 'UsageError' && err.message === message,
    `${JSON.stringify(argv)} should fail with ${message}`,
  );
}

test('exit statuses are 0 success, 1 failure, 2 usage, 3 configuration', () => {
  assert.deepEqual(EXIT, { ok: 0, failure: 1, usage: 2, config: 3 });
});

test('no arguments, --help, -h and help all ask for help', () => {
  for (const argv of [[], ['--help'], ['-h'], ['help'], ['help', 'extra']]) {
    assert.deepEqual(parseArgs(argv), { command: 'help' }, JSON.stringify(argv));
  }
});

test('--version, -V and version ask for the version', () => {
  for (const argv of [['--version'], ['-V'], ['version']]) assert.deepEqual(parseArgs(argv), { command: 'version' });
});

test('an unknown command is a usage error', () => {
  usageError(['start'], 'unknown command "start"');
  usageError(['--serve'], 'unknown command "--serve"');
  usageError(['-v'], 'unknown command "-v"');
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
  usageError(['serve', 'extra'], 'serve: unknown option "extra"');
  usageError(['serve', '-d', '/x'], 'serve: unknown option "-d"');
});

test('--help after serve asks for help', () => {
  assert.deepEqual(parseArgs(['serve', '--data', '/x', '--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['serve', '-h']), { command: 'help' });
});

test('the help text names the version, every serve option and the exit statuses', () => {
  const text = helpText('1.2.3');
  assert.match(text, /^walnut 1\.2\.3:/);
  for (const flag of ['--config', '--data', '--listen', '--simulate', '--log-level', '--version', '--help']) {
    assert.ok(text.includes(flag), flag);
  }
  assert.match(text, /0 success, 1 runtime failure, 2 usage error, 3 configuration error/);
});
