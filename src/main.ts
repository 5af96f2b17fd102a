// walnut's entry point: one binary, several commands.
import { EXIT, UsageError, helpText, parseArgs } from './cli/args.ts';
import { BUILD } from './util/build-info.ts';
import { serve } from './cli/serve.ts';
import { CliError, userCommand } from './cli/user.ts';
import { logCommand } from './cli/log.ts';
import { fsdCommand } from './cli/fsd.ts';
import { caCommand, clientCertCommand } from './cli/client-cert.ts';
import { ConfigError } from './config/config.ts';
import { authsrvCommand } from './cli/authsrv.ts';
import { authClientCommand } from './cli/auth-client.ts';
import { authAdminCommand } from './cli/auth-admin.ts';
import { debugCommand } from './cli/debug.ts';

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`walnut: ${err.message}\nTry 'walnut --help'.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(helpText(BUILD.version));
      return EXIT.ok;
    case 'version':
      process.stdout.write(`walnut ${BUILD.version} (${BUILD.board}, ${BUILD.arch}, node ${process.version})\n`);
      return EXIT.ok;
    case 'serve':
    case 'debug':
      try {
        return args.command === 'serve' ? await serve(args) : await debugCommand(args);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`walnut: configuration: ${err.message}\n`);
          return EXIT.config;
        }
        throw err;
      }
    case 'user':
    case 'log':
    case 'fsd':
    case 'client-cert':
    case 'ca':
    case 'authsrv':
    case 'auth-ping':
    case 'passwd':
    case 'upsc':
    case 'auth-admin':
      try {
        if (args.command === 'authsrv') return await authsrvCommand(args);
        if (args.command === 'auth-admin') return await authAdminCommand(args);
        if (args.command === 'fsd') return await fsdCommand(args);
        if (args.command === 'client-cert') return await clientCertCommand(args);
        if (args.command === 'ca') return await caCommand(args);
        if (args.command === 'user') return await userCommand(args);
        if (args.command === 'log') return await logCommand(args);
        return await authClientCommand(args);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`walnut: configuration: ${err.message}\n`);
          return EXIT.config;
        }
        if (err instanceof CliError) {
          const what = args.command === 'auth-ping' ? 'auth ping' : args.command === 'auth-admin' ? args.action.replace('-', ' ') : args.command;
          process.stderr.write(`walnut: ${what}: ${err.message}\n`);
          return err.exitCode;
        }
        throw err;
      }
  }
}

// In a SEA, argv[0] and argv[1] are both the executable; under node, argv[1] is this script.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== EXIT.ok || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`walnut: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
