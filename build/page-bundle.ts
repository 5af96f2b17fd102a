// Bundles the setup page's AS client (src/page/auth-client.ts, issue 15) for the browser: one minified ES module
// with the client halves of src/authsrv, @noble/curves for the PAK and, in place of `node:crypto`, the
// @noble-based src/page/crypto-shim.ts. Any other Node builtin a client module reaches fails the build here
// (platform browser resolves no `node:` import), rather than at run time in the page.
//
// Issue 15's budget is 150 KB compressed for the whole first load, crypto included; this bundle should stay well
// under 60 KB of it. `node build/page-bundle.ts [OUTFILE]` (Node 24 runs it as it is) prints the sizes (and writes OUTFILE when given);
// test/page-crypto.test.ts imports bundlePage and loads its output into Chromium.
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The browsers the setup page supports: current Chromium, Safari and Firefox (BigInt, private fields, ES2022). */
export const PAGE_TARGETS: readonly string[] = ['chrome120', 'safari16.4', 'firefox121'];

/**
 * The bundle as text, with its size raw and gzipped (level 9, what a server would precompress). `entry` is a
 * file under the repository, or `{ contents }`: a module's source resolved from the repository root (a test's
 * own entry that re-exports more, say).
 */
export interface PageBundle {
  code: string;
  bytes: number;
  gzipBytes: number;
}

/** One ES module for the browsers the page supports, `node:crypto` swapped for the shim; a Buffer left in it fails
 *  the build (the client modules use plain Uint8Array, src/util/octets.ts: a Buffer would throw in the page). */
async function browserBundle(entry: Pick<esbuild.BuildOptions, 'entryPoints' | 'stdin'>, logLevel: esbuild.LogLevel): Promise<string> {
  const result = await esbuild.build({
    ...entry,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: [...PAGE_TARGETS],
    minify: true,
    legalComments: 'none',
    // the client modules import node:crypto as in Node; the page gets the shim instead
    alias: { 'node:crypto': resolve(ROOT, 'src/page/crypto-shim.ts') },
    write: false,
    logLevel,
  });
  const code = result.outputFiles[0]!.text;
  if (/\bBuffer\b/.test(code)) throw new Error('the page bundle mentions Buffer: a client module still uses it');
  return code;
}

export async function bundlePage(entry: string | { contents: string } = 'src/page/auth-client.ts'): Promise<PageBundle> {
  const code = await browserBundle(
    typeof entry === 'string'
      ? { entryPoints: [resolve(ROOT, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, sourcefile: 'page-entry.ts', loader: 'ts' } },
    'silent',
  );
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code, bytes, gzipBytes } = await bundlePage();
  const out = process.argv[2];
  if (out) writeFileSync(out, code);
  console.log(`page bundle (src/page/auth-client.ts): ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip${out ? `, written to ${out}` : ''}`);
}

// ---- the whole page: what build/sea.mjs carries in the binary ---------------------------------------------

export interface PageFile {
  /** the URL path (`/index.html` for the page) */
  path: string;
  /** the file name in the output folder and the SEA asset `page/<file>` */
  file: string;
  type: string;
  immutable: boolean;
}

/**
 * Bundles the setup page (src/page/ui/main.ts, src/page/app.css, src/page/index.html) into `outDir`: the script
 * and stylesheet under content-hashed names (cached for a year, src/web/assets.ts), the HTML naming them, each
 * with .gz and .br beside it, and manifest.json listing them (src/web/page-assets.ts reads it). Returns the
 * manifest and the bytes a first load transfers (brotli), for the 150 KB budget.
 */
export async function buildPage(outDir: string): Promise<{ files: PageFile[]; firstLoadBytes: number }> {
  const { mkdirSync, readFileSync, rmSync } = await import('node:fs');
  const { createHash } = await import('node:crypto');
  const { brotliCompressSync, constants } = await import('node:zlib');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const code = await browserBundle({ entryPoints: [resolve(ROOT, 'src/page/ui/main.ts')] }, 'warning');
  const css = (await esbuild.build({ entryPoints: [resolve(ROOT, 'src/page/app.css')], bundle: true, minify: true, write: false, logLevel: 'warning' })).outputFiles[0]!.text;
  const hashed = (name: string, ext: string, text: string): string => `${name}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.${ext}`;
  const jsFile = hashed('app', 'js', code);
  const cssFile = hashed('app', 'css', css);
  const html = readFileSync(resolve(ROOT, 'src/page/index.html'), 'utf8').replace('{{js}}', jsFile).replace('{{css}}', cssFile);
  const files: PageFile[] = [
    { path: '/index.html', file: 'index.html', type: 'text/html; charset=utf-8', immutable: false },
    { path: `/${jsFile}`, file: jsFile, type: 'text/javascript; charset=utf-8', immutable: true },
    { path: `/${cssFile}`, file: cssFile, type: 'text/css; charset=utf-8', immutable: true },
  ];
  const contents: Record<string, string> = { 'index.html': html, [jsFile]: code, [cssFile]: css };
  let firstLoadBytes = 0;
  for (const f of files) {
    const raw = Buffer.from(contents[f.file]!);
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    writeFileSync(resolve(outDir, f.file), raw);
    writeFileSync(resolve(outDir, `${f.file}.gz`), gzipSync(raw, { level: 9 }));
    writeFileSync(resolve(outDir, `${f.file}.br`), br);
    firstLoadBytes += br.length;
  }
  writeFileSync(resolve(outDir, 'manifest.json'), `${JSON.stringify(files, null, 2)}\n`);
  return { files, firstLoadBytes };
}
