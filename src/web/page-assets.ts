// The page's files inside the binary: build/page.mjs bundles src/page into dist/page (each file beside its .gz and
// .br forms, and manifest.json), and build/sea.mjs carries them as SEA assets named `page/<file>` with the
// manifest baked in as __WALNUT_PAGE__. Run from the sources (tests, development), the same folder is read from
// disk; without it the server still answers the API and says the page is not built.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Asset, AssetTable } from './assets.ts';

export interface PageManifestEntry {
  /** the URL path, `/index.html` for the page itself */
  path: string;
  /** the file in dist/page (and the SEA asset `page/<file>`) */
  file: string;
  type: string;
  immutable: boolean;
}

declare const __WALNUT_PAGE__: PageManifestEntry[] | undefined;

type Reader = (file: string) => Uint8Array | undefined;

export function pageAssets(devFolder = join(process.cwd(), 'dist', 'page')): AssetTable {
  let manifest: PageManifestEntry[] | undefined;
  let read: Reader;
  if (typeof __WALNUT_PAGE__ !== 'undefined') {
    manifest = __WALNUT_PAGE__;
    read = seaReader();
  } else {
    const m = join(devFolder, 'manifest.json');
    manifest = existsSync(m) ? (JSON.parse(readFileSync(m, 'utf8')) as PageManifestEntry[]) : undefined;
    read = (file) => (existsSync(join(devFolder, file)) ? new Uint8Array(readFileSync(join(devFolder, file))) : undefined);
  }
  const table = new Map<string, Asset>();
  for (const e of manifest ?? []) {
    const identity = read(e.file);
    if (!identity) continue;
    const gzip = read(`${e.file}.gz`);
    const br = read(`${e.file}.br`);
    const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`;
    table.set(e.path, { path: e.path, type: e.type, immutable: e.immutable, etag, identity, ...(gzip ? { gzip } : {}), ...(br ? { br } : {}) });
  }
  if (!table.has('/index.html')) table.set('/index.html', notBuilt());
  return table;
}

function seaReader(): Reader {
  // node:sea exists in every Node 24; required lazily so a plain `node` run never touches it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sea = process.getBuiltinModule('node:sea');
  return (file) => {
    try {
      return new Uint8Array(sea.getAsset(`page/${file}`));
    } catch {
      return undefined;
    }
  };
}

function notBuilt(): Asset {
  const identity = new TextEncoder().encode('<!doctype html><title>walnut</title><p>This walnut was built without its setup page (build/page.mjs).</p>\n');
  return { path: '/index.html', type: 'text/html; charset=utf-8', etag: '"not-built"', immutable: false, identity };
}
