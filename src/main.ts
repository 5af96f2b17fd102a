// walnut's entry point: one binary, a table of commands. Each src/cli/<command>.ts owns its options, its help
// and its run function; this file only finds the command and turns its errors into exit statuses.
import { BUILD } from './util/build-info.ts';
import { ConfigError } from './config/config.ts';
import { CliError, EXIT, HelpRequest, UsageError, commandHelp, processIo, type Command } from './cli/command.ts';
import { serveCommand } from './cli/serve.ts';
import { userCommand } from './cli/user.ts';
import { logCommand } from './cli/log.ts';
import { fsdCommand } from './cli/fsd.ts';
import { caCommand, clientCertCommand } from './cli/client-cert.ts';
import { authsrvCommand } from './cli/authsrv.ts';
import { authCommand, speaksforCommand } from './cli/auth-admin.ts';
import { passwdCommand, upscCommand } from './cli/auth-client.ts';
import { debugCommand } from './cli/debug.ts';
import { claimCommand } from './cli/claim.ts';
import { setupCommand } from './cli/setup.ts';
import { factoryResetCommand } from './cli/factory-reset.ts';
import { factoryCommand } from './cli/factory.ts';
import { overviewHelp } from './cli/overview.ts';

const COMMANDS: readonly Command[] = [
  serveCommand,
  userCommand,
  logCommand,
  fsdCommand,
  clientCertCommand,
  caCommand,
  authsrvCommand,
  authCommand,
  passwdCommand,
  upscCommand,
  speaksforCommand,
  claimCommand,
  setupCommand,
  factoryResetCommand,
  factoryCommand,
  debugCommand,
];

/** The words a failure of `argv` names: the command, and for auth and speaksfor its action too. */
function label(c: Command, argv: readonly string[]): string {
  return (c.name === 'auth' || c.name === 'speaksfor' || c.name === 'setup' || c.name === 'factory') && argv[0] !== undefined && !argv[0].startsWith('-') ? `${c.name} ${argv[0]}` : c.name;
}

async function main(argv: readonly string[], io = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    io.stdout.write(overviewHelp(BUILD.version, COMMANDS));
    return EXIT.ok;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`walnut ${BUILD.version} (${BUILD.board}, ${BUILD.arch}, node ${process.version})\n`);
    return EXIT.ok;
  }
  const find = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
  if (first === 'help') {
    const c = find(rest[0]!);
    if (!c) {
      io.stderr.write(`walnut: help: unknown command "${rest[0]}"\nTry 'walnut --help'.\n`);
      return EXIT.usage;
    }
    io.stdout.write(commandHelp(c));
    return EXIT.ok;
  }
  const command = find(first);
  if (!command) {
    io.stderr.write(`walnut: unknown command "${first}"\nTry 'walnut --help'.\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof HelpRequest) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`walnut: ${err.message}\nTry 'walnut help ${command.name}'.\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`walnut: configuration: ${err.message}\n`);
      return EXIT.config;
    }
    if (err instanceof CliError) {
      io.stderr.write(`walnut: ${label(command, rest)}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
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
