// `walnut factory-reset`: root on the unit takes it back to the state it left the factory in (issue 14). Users,
// their keys, client certificates, lockouts, settings and the event log go (walnut.db and keys.db whole); the
// factory data stays (a read-only partition), and so does the unit's TLS identity (its clients pinned it). Then
// the label code claims the unit again and the setup window opens at the next start; a DIY unit makes and shows
// a new code. src/storage/reset.ts makes it all or nothing across a kill -9.
import type { ReadStream } from 'node:tty';
import { CliError, EXIT, type CliIo, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, noPositional, optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { cliLogger } from './data-folder.ts';
import { loadConfig } from '../config/load.ts';
import { authPaths } from '../authsrv/paths.ts';
import { AdminUnavailableError, connectAdmin } from '../authsrv/admin-client.ts';
import { factoryReset } from '../storage/reset.ts';
import { unitResetFiles } from '../authsrv/reset-files.ts';

const OPTIONS: readonly OptionSpec[] = [...DATA_FOLDER_OPTIONS, { flag: '--yes', help: 'do not ask: wipe at once (for scripts)' }];

/** A terminal must type "reset" before anything goes. */
async function confirmed(io: CliIo): Promise<boolean> {
  const tty = io.stdin as ReadStream;
  if (!tty.isTTY) throw new CliError('stdin is not a terminal: give --yes to reset without asking', EXIT.usage);
  io.stderr.write('This wipes every user, key, client certificate, lockout, setting and event. Type "reset" to go on: ');
  const answer = await new Promise<string>((resolve) => {
    tty.setEncoding('utf8');
    tty.once('data', (d: string) => resolve(d.trim()));
  });
  tty.pause();
  return answer === 'reset';
}

export async function runFactoryReset(argv: readonly string[], io: CliIo): Promise<number> {
  const o = parseOptions('factory-reset', argv, OPTIONS);
  noPositional('factory-reset', o);
  const config = loadConfig(dataFolderArgs(o));
  const paths = authPaths(config);
  // a running AS holds keys.db open (and locked): the reset is for a stopped walnut
  try {
    (await connectAdmin(paths.adminSocket, 300)).destroy();
    throw new CliError('walnut is running: stop it first (systemctl stop walnut walnut-authsrv, or end walnut serve)');
  } catch (err) {
    if (!(err instanceof AdminUnavailableError)) throw err;
  }
  if (!o.flags.has('--yes') && !(await confirmed(io))) {
    io.stderr.write('walnut: factory-reset: nothing was changed\n');
    return EXIT.failure;
  }
  factoryReset(config.dataDir, unitResetFiles(config), cliLogger(io.stderr));
  io.stdout.write(`reset: users, keys, client certificates, lockouts, settings and the event log are gone; the factory data and the TLS identity stay.
At the next start the unit is unclaimed and its setup window open: claim it again (walnut claim HOST).
`);
  return EXIT.ok;
}

export const factoryResetCommand: Command = {
  name: 'factory-reset',
  summary: 'on the unit: back to the factory state (users, keys, certificates, settings, events wiped); claim it again',
  usage: ['factory-reset [--yes] [--config FILE] [--data DIR]'],
  details: `walnut must be stopped. A reset interrupted (power cut, kill -9) is finished by the next start of walnut, so
the unit is either as it was or reset, never a mix.

Options:
${optionsHelp(OPTIONS)}`,
  run: (argv, io) => runFactoryReset(argv, io),
};
