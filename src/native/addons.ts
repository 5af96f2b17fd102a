// Native addons inside the single executable (docs/packaging.md §1.1): each .node file rides in the SEA
// blob as an asset, is written once to a content-hashed file in the cache directory (so an upgraded binary
// never dlopens an old ABI, and two starts racing are harmless thanks to the atomic rename), then loaded with
// process.dlopen. Outside a SEA (unit tests, development) the packages find their own binaries.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { BUILD } from '../util/build-info.ts';

export class AddonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddonError';
  }
}

interface SeaApi {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
  getAssetKeys(): string[];
}

function seaApi(): SeaApi | undefined {
  try {
    // getBuiltinModule works from ESM (tests) and from the CommonJS SEA main alike
    const sea = process.getBuiltinModule('node:sea') as SeaApi | undefined;
    if (!sea) return undefined;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/** True when running as the single executable. */
export function isSea(): boolean {
  return seaApi() !== undefined;
}

/** The addons this executable carries (its `.node` assets, from the board profile), sorted; none outside a SEA. */
export function seaAddonNames(): string[] {
  return (seaApi()?.getAssetKeys() ?? []).filter((k) => k.endsWith('.node')).sort((a, b) => a.localeCompare(b));
}

const loaded = new Map<string, unknown>();

/**
 * Returns the exports of the addon carried as SEA asset `asset` (e.g. "better_sqlite3.node"), or undefined
 * outside a SEA. Throws AddonError with the reason (noexec cache, unwritable directory) when it cannot load.
 */
export function loadSeaAddon(asset: string, cacheDir: string): unknown {
  const sea = seaApi();
  if (!sea) return undefined;
  const cached = loaded.get(asset);
  if (cached) return cached;
  // read-only view of the mapped executable: never write it. Touched only when needed: hashing it at every
  // start would fault megabytes of the executable into memory for good (idle RSS, docs/benchmarks.md).
  const bytes = (): Uint8Array => new Uint8Array(sea.getRawAsset(asset));
  const hash = BUILD.addonHashes?.[asset] ?? addonHash(bytes());
  // the arch is in the name so an x64 and an arm64 build sharing a cache (a build host) never evict each other
  const base = `${asset.replace(/\.node$/, '')}-${process.arch}`;
  const file = join(cacheDir, `${base}-${hash}.node`);
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes(), { mode: 0o500 });
      chmodSync(tmp, 0o500);
      renameSync(tmp, file);
      removeOlderCopies(cacheDir, base, file);
    }
  } catch (err) {
    throw new AddonError(`cannot unpack ${asset} into ${cacheDir}: ${(err as Error).message} (set nativeCacheDir to a writable directory)`);
  }
  const mod = { exports: {} as unknown };
  try {
    process.dlopen(mod, file, constants.dlopen.RTLD_NOW);
  } catch (err) {
    const why = (err as Error).message;
    // a library the addon links is missing: the loader names it, and noexec is not the question
    const hint = /cannot open shared object file/.test(why) ? '' : ` (is ${cacheDir} mounted noexec?)`;
    throw new AddonError(`cannot load ${file}: ${why}${hint}`);
  }
  loaded.set(asset, mod.exports);
  return mod.exports;
}

/** The cache file's content hash: sha256, first 16 hex digits (build/sea.mjs computes the same at build time). */
function addonHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Garbage-collects copies left by earlier builds (other content hashes of the same addon). */
function removeOlderCopies(dir: string, base: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path !== keep && name.startsWith(`${base}-`) && name.endsWith('.node')) rmSync(path, { force: true });
  }
}

let cacheDirForPackages: string | undefined;

/** Where addons that packages load themselves (node-hid through pkg-prebuilds) are unpacked; set at start. */
export function setPackageAddonCacheDir(dir: string): void {
  cacheDirForPackages = dir;
}

/**
 * The exports of SEA asset `asset` for a package that loads its addon itself (build/shims/: node-hid through
 * pkg-prebuilds, mdns through lib/dns_sd.js), unpacked into the directory setPackageAddonCacheDir named.
 */
export function seaPackageAddon(asset: string): unknown {
  if (!cacheDirForPackages) throw new AddonError(`${asset}: native cache directory not set`);
  const addon = loadSeaAddon(asset, cacheDirForPackages);
  if (!addon) throw new AddonError(`${asset} is not carried by this build`);
  return addon;
}

/**
 * Stands in for `require('pkg-prebuilds/bindings')(dir, options)` inside the single executable: esbuild points
 * that import here (build/sea.mjs), and the addon named `options.name` comes out of the SEA assets.
 */
export function pkgPrebuildsBindings(_packageDir: string, options: { name: string }): unknown {
  return seaPackageAddon(`${options.name}.node`);
}
