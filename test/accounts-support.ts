// Shared by the accounts integration tests (test/accounts-*.test.ts): the `walnut user`/`walnut log` commands of
// the built binary on a running instance's data folder, and raw NUT logins with exact bytes.
import { dirname, join } from 'node:path';
import { X64_BINARY, type RunningWalnut } from './helpers/walnut.ts';
import { LineClient, run, type ClientResult } from './helpers/clients.ts';

/** The config file startWalnut wrote: the CLI resolves the same data folder from it, as an admin would. */
export const configOf = (walnut: RunningWalnut): string => join(dirname(walnut.dataDir), 'walnut.json');

/** `walnut ARGS --config <the instance's config>`, with `input` on stdin. */
export function cli(walnut: RunningWalnut, args: string[], input?: string): Promise<ClientResult> {
  return run(X64_BINARY, [...args, '--config', configOf(walnut)], input === undefined ? {} : { input });
}

/** `walnut user add NAME ROLES... --password-stdin`, failing loudly when it does not succeed. */
export async function addUser(walnut: RunningWalnut, name: string, password: string, roles: string[]): Promise<void> {
  const r = await cli(walnut, ['user', 'add', name, ...roles, '--password-stdin'], `${password}\n`);
  if (r.code !== 0) throw new Error(`walnut user add ${name} failed (${r.code}): ${r.stderr}`);
}

/** A NUT word as libupsclient's pconf_encode + quotes would send it: `"` ... `"` with \, " and # escaped, as
 *  the bytes of its UTF-8 text. */
export function quoted(word: string | Buffer): Buffer {
  const bytes = typeof word === 'string' ? Buffer.from(word, 'utf8') : word;
  const out: number[] = [0x22];
  for (const b of bytes) {
    if (b === 0x5c || b === 0x22 || b === 0x23) out.push(0x5c);
    out.push(b);
  }
  out.push(0x22);
  return Buffer.from(out);
}

/** One request line made of raw byte words. */
export const line = (...words: (string | Buffer)[]): Buffer =>
  Buffer.concat([...words.flatMap((w, i) => [Buffer.from(i === 0 ? '' : ' '), typeof w === 'string' ? Buffer.from(w, 'utf8') : w]), Buffer.from('\n')]);

/** Connects (from `localAddress` when given) and sends USERNAME and PASSWORD quoted; both must answer OK. */
export async function withCredentials(port: number, user: string | Buffer, password: string | Buffer, localAddress?: string): Promise<LineClient> {
  const c = await LineClient.connect(port, '127.0.0.1', localAddress);
  for (const l of [line('USERNAME', quoted(user)), line('PASSWORD', quoted(password))]) {
    c.send(l);
    const reply = await c.line();
    if (reply !== 'OK') throw new Error(`credentials not accepted: ${reply}`);
  }
  return c;
}

/** `GET NUMLOGINS ups` as a number. */
export async function numLogins(port: number): Promise<number> {
  const c = await LineClient.connect(port);
  try {
    const [reply] = await c.request('GET NUMLOGINS ups');
    const m = /^NUMLOGINS ups (\d+)$/.exec(reply ?? '');
    if (!m) throw new Error(`unexpected NUMLOGINS reply: ${reply}`);
    return Number(m[1]);
  } finally {
    c.close();
  }
}

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
