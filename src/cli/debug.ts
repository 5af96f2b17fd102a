// `walnut debug addons`: a diagnostic. It loads every native addon the single executable carries, the way walnut
// itself does (unpacked under its content hash into nativeCacheDir, then dlopened), and prints one line each;
// mdns is also loaded as a package, through the shim that hands it its addon. Nothing else starts: no database
// is opened and no mDNS registration is made, so it works on a box without avahi-daemon (and under qemu).
import { EXIT, type DebugArgs } from './args.ts';
import { loadConfig } from './serve.ts';
import { isSea, loadSeaAddon, seaAddonNames } from '../native/addons.ts';
import { loadMdns } from '../mdns/addon.ts';

export async function debugCommand(args: DebugArgs): Promise<number> {
  const config = loadConfig({
    command: 'serve',
    listen: [],
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.data === undefined ? {} : { data: args.data }),
  });
  if (!isSea()) {
    process.stderr.write('walnut: debug addons: not running as the single executable, which alone carries addons\n');
    return EXIT.failure;
  }
  let failed = false;
  const report = async (name: string, load: () => unknown): Promise<void> => {
    try {
      const detail = await load();
      process.stdout.write(`${name}: loaded${typeof detail === 'string' ? ` (${detail})` : ''}\n`);
    } catch (err) {
      failed = true;
      process.stdout.write(`${name}: ${(err as Error).message}\n`);
    }
  };
  for (const name of seaAddonNames()) await report(name, () => void loadSeaAddon(name, config.nativeCacheDir));
  await report('mdns', async () => `avahi: ${(await loadMdns(config.nativeCacheDir)).isAvahi ? 'yes' : 'no'}`);
  return failed ? EXIT.failure : EXIT.ok;
}
