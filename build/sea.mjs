// Builds the single executable for one board profile (board/*.json):
//   1. esbuild bundles src/main.ts into one CommonJS script (the SEA main must be CommonJS on Node 24),
//      with the version and the board's default paths baked in;
//   2. the board's own Node 24 (under qemu for a foreign arch, so the V8 code cache matches the CPU) writes
//      the SEA blob, carrying the native addons as assets;
//   3. a stripped copy of that Node gets the blob injected with postject.
// Usage: <node24> build/sea.mjs board/<name>.json
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

const boardFile = process.argv[2];
if (!boardFile) {
  console.error('usage: sea.mjs board/<name>.json');
  process.exit(2);
}
const board = JSON.parse(readFileSync(boardFile, 'utf8'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const runtimeNode = resolve('runtime', `${board.runtime.package}-${board.runtime.version}`, 'bin', 'node');
const work = resolve('dist', board.name);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// the addons' content hashes name their cache files (src/native/addons.ts addonHash): computed here, so the
// binary need not read megabytes of its own assets at every start to learn them
const addonHashes = {};
for (const [key, path] of Object.entries(board.addons)) {
  addonHashes[key] = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}
// the build time is the floor below which the unit's clock is taken to be unset (src/util/build-info.ts);
// SOURCE_DATE_EPOCH (seconds) keeps a reproducible build reproducible
const epoch = Number(process.env.SOURCE_DATE_EPOCH);
const builtAt = Number.isInteger(epoch) && epoch > 0 ? epoch * 1000 : Date.now();
// the setup page (issue 15), bundled for the browser and carried as SEA assets `page/<file>`
const { buildPage } = await import('./page-bundle.ts');
const pageDir = join(work, 'page');
const page = await buildPage(pageDir);
console.log(`setup page: ${page.files.length} files, first load ${(page.firstLoadBytes / 1024).toFixed(1)} KiB (brotli)`);
const build = { version: pkg.version, board: board.name, arch: board.arch, paths: board.paths, addonHashes, builtAt };
await esbuild.build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  outfile: join(work, 'walnut.cjs'),
  minify: true,
  keepNames: true,
  legalComments: 'none',
  define: { __WALNUT_BUILD__: JSON.stringify(build), __WALNUT_PAGE__: JSON.stringify(page.files) },
  // addons never go into the bundle: they ride as SEA assets and are dlopened (src/native/addons.ts)
  loader: { '.node': 'empty' },
  plugins: [
    {
      // node-hid finds its addon with pkg-prebuilds at run time, and mdns's lib/dns_sd.js requires
      // ../build/Release/dns_sd_bindings by a computed path; in the SEA both addons are assets instead
      name: 'sea-addons',
      setup(b) {
        b.onResolve({ filter: /^pkg-prebuilds\/bindings$/ }, () => ({ path: resolve('build/shims/pkg-prebuilds-bindings.cjs') }));
        b.onResolve({ filter: /^\.\/dns_sd(\.js)?$/ }, (args) =>
          /[\\/]node_modules[\\/]mdns[\\/]lib$/.test(args.resolveDir) ? { path: resolve('build/shims/mdns-dns-sd.cjs') } : undefined,
        );
      },
    },
  ],
  logLevel: 'warning',
});

const assets = {};
for (const [key, path] of Object.entries(board.addons)) assets[key] = resolve(path);
for (const f of page.files) for (const ext of ['', '.gz', '.br']) assets[`page/${f.file}${ext}`] = join(pageDir, `${f.file}${ext}`);
const seaConfig = {
  main: join(work, 'walnut.cjs'),
  output: join(work, 'sea.blob'),
  disableExperimentalSEAWarning: true,
  useSnapshot: false,
  useCodeCache: Boolean(board.codeCache),
  // NODE_OPTIONS from the environment must not change an appliance's runtime
  execArgvExtension: 'none',
  assets,
};
writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));

const emulator = board.emulator;
const env = { ...process.env, ...(emulator?.env ?? {}) };
const cmd = emulator ? [emulator.command, runtimeNode] : [runtimeNode];
execFileSync(cmd[0], [...cmd.slice(1), '--experimental-sea-config', join(work, 'sea-config.json')], { env, stdio: 'inherit' });

const out = resolve(board.output);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.tmp`;
copyFileSync(runtimeNode, tmp);
chmodSync(tmp, 0o755);
execFileSync(board.strip, [tmp], { stdio: 'inherit' });
const postject = resolve('node_modules', 'postject', 'dist', 'cli.js');
// postject prints one harmless LIEF warning per note section on these binaries; keep only real errors
execFileSync(
  process.execPath,
  [postject, tmp, 'NODE_SEA_BLOB', join(work, 'sea.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
execFileSync('mv', [tmp, out]);
console.log(`${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB (${board.name}, walnut ${pkg.version})`);
