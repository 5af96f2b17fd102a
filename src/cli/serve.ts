// `walnut serve`: the appliance (src/appliance/appliance.ts) on the config, until SIGTERM or SIGINT.
import { isSea } from 'node:sea';
import { EXIT, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, noPositional, optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { loadConfig, type ConfigOverrides } from '../config/load.ts';
import { StartError, startAppliance } from '../appliance/appliance.ts';
import type { AuthChildCommand } from '../appliance/auth-child.ts';
import { setPackageAddonCacheDir } from '../native/addons.ts';
import { completePendingReset } from '../storage/reset.ts';
import { logger, setLogLevel } from '../util/log.ts';

const log = logger('walnut');

const OPTIONS: readonly OptionSpec[] = [
  ...DATA_FOLDER_OPTIONS,
  { flag: '--listen', value: 'HOST:PORT', repeat: true, help: "NUT listener, repeatable; '*' is every address, port 0 picks a free one (default *:3493)" },
  { flag: '--simulate', value: 'FILE', help: 'serve a UPS fixture (test/fixtures/ups format) instead of a USB device' },
  { flag: '--log-level', value: 'LEVEL', help: 'debug, info, warn or error (default info)' },
];

/** Pure: the words after `walnut serve`, as config overrides. */
export function parseServeArgs(argv: readonly string[]): ConfigOverrides {
  const o = parseOptions('serve', argv, OPTIONS);
  noPositional('serve', o);
  const out: ConfigOverrides = { ...dataFolderArgs(o), listen: o.lists.get('--listen') ?? [] };
  const simulate = o.values.get('--simulate');
  const logLevel = o.values.get('--log-level');
  if (simulate !== undefined) out.simulate = simulate;
  if (logLevel !== undefined) out.logLevel = logLevel;
  return out;
}

/** `walnut authsrv --spawned` on the same config, data folder and log level as this serve. */
export function authChildFor(args: ConfigOverrides): AuthChildCommand {
  const self = isSea() ? [] : [process.argv[1]!];
  const words = [...self, 'authsrv', '--spawned'];
  if (args.config !== undefined) words.push('--config', args.config);
  if (args.data !== undefined) words.push('--data', args.data);
  if (args.logLevel !== undefined) words.push('--log-level', args.logLevel);
  return { command: process.execPath, args: words };
}

export async function runServe(args: ConfigOverrides): Promise<number> {
  const config = loadConfig(args);
  setLogLevel(config.logLevel);
  setPackageAddonCacheDir(config.nativeCacheDir);
  completePendingReset(config.dataDir, log); // before any database is opened
  // from the first moment: a SIGTERM while the AS child is still starting must stop walnut in order, not kill it
  const stopRequested = new AbortController();
  let exitCode: number = EXIT.ok;
  let endItself: (why: string) => void = () => undefined;
  const signalled = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info(`${signal}: shutting down`);
      stopRequested.abort();
      resolve();
    };
    endItself = (why) => {
      log.warn(`${why}: ending with status ${EXIT.restart} so that the service manager starts walnut again`);
      exitCode = EXIT.restart;
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  let appliance;
  try {
    appliance = await startAppliance(config, { authServer: authChildFor(args), stop: stopRequested.signal, exit: (why) => endItself(why) });
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    log.error(err.message);
    return EXIT.failure;
  }
  await signalled;
  await appliance.stop();
  return exitCode;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the UPS to the LAN as a NUT server (with the authentication server, mDNS and the shutdown policy)',
  usage: ['serve [--config FILE] [--data DIR] [--listen HOST:PORT]... [--simulate FIXTURE.json] [--log-level LEVEL]'],
  details: `Options:\n${optionsHelp(OPTIONS)}`,
  run: (argv) => runServe(parseServeArgs(argv)),
};
