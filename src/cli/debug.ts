// `walnut debug addons`: a diagnostic. It loads every native addon the single executable carries, the way walnut
// itself does (unpacked under its content hash into nativeCacheDir, then dlopened), and prints one line each;
// mdns is also loaded as a package, through the shim that hands it its addon. Nothing else starts: no database
// is opened and no mDNS registration is made, so it works on a box without avahi-daemon (and under qemu).
import { EXIT, type CliIo, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, optionsHelp } from './options.ts';
import { parseSingleAction, type DataFolderArgs } from './single-action.ts';
import { loadConfig } from '../config/load.ts';
import { isSea, loadSeaAddon, seaAddonNames } from '../native/addons.ts';
import { loadMdns } from '../mdns/addon.ts';

export async function runDebugAddons(args: DataFolderArgs, io: CliIo): Promise<number> {
  const config = loadConfig(args);
  if (!isSea()) {
    io.stderr.write('walnut: debug addons: not running as the single executable, which alone carries addons\n');
    return EXIT.failure;
  }
  let failed = false;
  const report = async (name: string, load: () => unknown): Promise<void> => {
    try {
      const detail = await load();
      io.stdout.write(`${name}: loaded${typeof detail === 'string' ? ` (${detail})` : ''}\n`);
    } catch (err) {
      failed = true;
      io.stdout.write(`${name}: ${(err as Error).message}\n`);
    }
  };
  for (const name of seaAddonNames()) await report(name, () => void loadSeaAddon(name, config.nativeCacheDir));
  await report('mdns', async () => `avahi: ${(await loadMdns(config.nativeCacheDir)).isAvahi ? 'yes' : 'no'}`);
  return failed ? EXIT.failure : EXIT.ok;
}

export const debugCommand: Command = {
  name: 'debug',
  summary: 'diagnostics: load every native addon the binary carries (SQLite, USB HID, mDNS), one line each',
  usage: ['debug addons [--config FILE]'],
  details: `Addons are unpacked into the native cache folder (nativeCacheDir in --config FILE). Exit status 1 if one
cannot load; the message names the missing library.

Options:
${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: (argv, io) => runDebugAddons(parseSingleAction('debug', 'addons', argv), io),
};
