// The ticket clients in the walnut binary: `walnut auth ping`, `walnut passwd` and `walnut upsc`. They speak NUT
// to a walnut NUT server, STARTTLS when it is offered, and authenticate with NUT `AUTH` (docs/auth-protocol.md
// §7.5): the password derives the key here and never leaves this process. The server's TLS certificate is not
// what they trust: the Finished tags bind the TLS exporter, so a man in the middle of the TLS connection (who
// would have to be a different TLS endpoint on each side) makes authentication fail.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { EXIT, type AuthClientArgs } from './args.ts';
import { CliError, PasswordTooLongError, promptPassword } from './user.ts';
import { AuthError } from '../authsrv/errors.ts';
import { ClientAuth, PasswdClient, choiceFor, chooseFromOffer } from '../authsrv/mutual.ts';
import { CHUNK } from '../nut/auth-command.ts';
import { quote } from '../nut/encode.ts';
import { tokenizeLine } from '../nut/tokenizer.ts';
import { MAX_PASSWORD_BYTES, passwordProblem } from '../auth/bytes.ts';

const TIMEOUT_MS = 30_000;

/** A NUT connection that sends one line and reads its reply lines. */
export class NutLineClient {
  #socket: net.Socket;
  #buffer = '';
  #waiting: (() => void) | undefined;
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static connect(host: string, port: number): Promise<NutLineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new CliError(`cannot connect to ${host}:${port}: timed out`));
      }, TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(new NutLineClient(s));
      });
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(new CliError(`cannot connect to ${host}:${port}: ${err.code ?? err.message}`));
      };
      s.once('error', onError);
    });
  }

  #listen(s: net.Socket): void {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.#buffer += d;
      if (this.#buffer.length > 1 << 20) s.destroy(); // no honest reply is this long
      this.#waiting?.();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.#closed = true;
      this.#waiting?.();
    });
  }

  async readLine(): Promise<string> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const lf = this.#buffer.indexOf('\n');
      if (lf >= 0) {
        const line = this.#buffer.slice(0, lf);
        this.#buffer = this.#buffer.slice(lf + 1);
        return line;
      }
      if (this.#closed) throw new CliError('the server closed the connection');
      const left = deadline - Date.now();
      if (left <= 0) throw new CliError('the server did not answer in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(timer);
          this.#waiting = undefined;
          resolve();
        };
      });
    }
  }

  send(line: string): void {
    this.#socket.write(line + '\n', 'latin1');
  }

  async request(line: string): Promise<string> {
    this.send(line);
    return this.readLine();
  }

  /** STARTTLS when the server offers it; the TLS exporter for channel binding, or undefined in clear. */
  async startTls(host: string): Promise<Uint8Array | undefined> {
    const reply = await this.request('STARTTLS');
    if (reply !== 'OK STARTTLS') return undefined; // ERR FEATURE-NOT-CONFIGURED: the server has no TLS
    const raw = this.#socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        socket: raw,
        // trust comes from the ticket exchange bound to this channel, not from the certificate (see above)
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        ...(net.isIP(host) ? {} : { servername: host }),
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', (err) => reject(new CliError(`TLS: ${err.message}`)));
    });
    this.#socket = secure;
    this.#listen(secure);
    return new Uint8Array(secure.exportKeyingMaterial(32, 'EXPORTER-dp9r1', Buffer.alloc(0)));
  }

  close(): void {
    if (!this.#closed) this.send('LOGOUT');
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Words of a reply line; an `ERR` line becomes a failure naming it. */
function words(line: string): string[] {
  const ev = tokenizeLine(line);
  if (ev.kind !== 'line') throw new CliError(`unreadable reply: ${JSON.stringify(line.slice(0, 80))}`);
  if (ev.words[0] === 'ERR') throw new RefusedError(ev.words[1] ?? 'UNKNOWN');
  return ev.words;
}

class RefusedError extends CliError {
  readonly code: string;
  constructor(code: string) {
    super(`the server answered ERR ${code}`);
    this.code = code;
  }
}

/** Sends a message as `AUTH MORE` chunks and a last `AUTH <command>` line; reads the reply message. */
async function exchange(c: NutLineClient, command: string, message: Uint8Array, replyWord: string): Promise<Uint8Array> {
  for (let off = 0; ; off += CHUNK) {
    const piece = Buffer.from(message.subarray(off, off + CHUNK)).toString('base64url');
    if (off + CHUNK < message.length) {
      const ok = words(await c.request(`AUTH MORE ${piece}`));
      if (ok.join(' ') !== 'OK MORE') throw new CliError(`unexpected reply to AUTH MORE: ${ok.join(' ')}`);
      continue;
    }
    c.send(`AUTH ${command} ${piece}`);
    break;
  }
  const parts: Buffer[] = [];
  for (;;) {
    const w = words(await c.readLine());
    if (w[0] !== 'AUTH' || w.length !== 3) throw new CliError(`unexpected reply: ${w.join(' ').slice(0, 80)}`);
    parts.push(Buffer.from(w[2]!, 'base64url'));
    if (w[1] === 'MORE') continue;
    if (w[1] !== replyWord) throw new CliError(`unexpected reply: AUTH ${w[1]}`);
    return new Uint8Array(Buffer.concat(parts));
  }
}

/** p9any over NUT: the offer, and our choice sent back. */
async function p9any(c: NutLineClient): Promise<string> {
  const w = words(await c.request('AUTH P9ANY'));
  if (w[0] !== 'AUTH' || w[1] !== 'OFFER' || w.length !== 3) throw new CliError('the server does not offer ticket authentication (AUTH P9ANY)');
  return w[2]!;
}

async function choose(c: NutLineClient, choice: string): Promise<void> {
  const ok = words(await c.request(`AUTH CHOOSE ${quote(choice)}`));
  if (ok[0] !== 'OK') throw new CliError('p9any: the server refused our choice');
}

/** Mutual authentication on `c` (§7.5); the user the server now knows us as. */
export async function ticketLogin(
  c: NutLineClient,
  user: Uint8Array,
  password: Uint8Array,
  exporter: Uint8Array | undefined,
  speakFor?: Uint8Array,
): Promise<string> {
  const client = new ClientAuth({ user, password, ...(speakFor === undefined ? {} : { speakFor }) });
  const offer = await p9any(c);
  await choose(c, await client.choose(offer));
  const start = await exchange(c, 'START', client.start(), 'DATA');
  const r1 = await exchange(c, 'AS', client.asRequest(start), 'AS');
  const r2 = await exchange(c, 'AS', client.asConfirm(r1), 'AS');
  const finish = await exchange(c, 'FINISH', client.asTickets(r2), 'DATA');
  const tag = client.finish(finish, exporter);
  const done = words(await c.request(`AUTH CONFIRM ${Buffer.from(tag).toString('base64url')}`));
  if (done[0] !== 'OK' || done[1] !== 'AUTH' || done.length !== 3) throw new CliError('the server did not confirm the login');
  return done[2]!;
}

export interface AuthIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Up to `count` lines of stdin as bytes (LF or CRLF stripped), each at most `max` bytes; reads no further. */
export function readLines(input: Readable, count: number, max = MAX_PASSWORD_BYTES): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const limit = count * (max + 2);
    const finish = (): void => {
      input.off('data', onData);
      input.off('end', finish);
      input.pause();
      input.destroy();
      const lines: Buffer[] = [];
      let rest = buf;
      for (let i = 0; i < count; i++) {
        const lf = rest.indexOf(0x0a);
        let line = lf < 0 ? rest : rest.subarray(0, lf);
        rest = lf < 0 ? Buffer.alloc(0) : rest.subarray(lf + 1);
        if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
        if (line.length > max) return reject(new PasswordTooLongError());
        lines.push(Buffer.from(line));
        if (lf < 0) break;
      }
      resolve(lines);
    };
    const onData = (chunk: Buffer | string): void => {
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk]);
      let lfs = 0;
      for (const b of buf) if (b === 0x0a) lfs++;
      if (lfs >= count || buf.length > limit) finish();
    };
    input.on('data', onData);
    input.on('end', finish);
  });
}

async function passwords(args: AuthClientArgs, io: AuthIo, prompts: string[]): Promise<Buffer[]> {
  const tty = io.stdin as ReadStream;
  if (args.passwordStdin || !tty.isTTY) {
    const lines = await readLines(io.stdin, prompts.length);
    if (lines.length < prompts.length || lines.some((l) => l.length === 0)) {
      throw new CliError(`expected ${prompts.length === 1 ? 'the password' : `${prompts.length} lines (${prompts.join(', ')})`} on stdin`, EXIT.usage);
    }
    return lines;
  }
  const out: Buffer[] = [];
  for (const p of prompts) out.push(await promptPassword(`${p}: `, tty, io.stderr));
  return out;
}

async function connect(args: AuthClientArgs): Promise<{ c: NutLineClient; exporter: Uint8Array | undefined }> {
  const c = await NutLineClient.connect(args.server.host, args.server.port);
  try {
    return { c, exporter: await c.startTls(args.server.host) };
  } catch (err) {
    c.destroy();
    throw err;
  }
}

function failure(err: unknown, what: string): never {
  if (err instanceof AuthError) throw new CliError(`${what}: ${err.text === 'auth failed' ? 'wrong user name or password (or the user is locked out)' : err.text}`);
  if (err instanceof RefusedError && err.code === 'ACCESS-DENIED') throw new CliError(`${what}: refused by the server (ERR ACCESS-DENIED)`);
  throw err;
}

export async function authClientCommand(args: AuthClientArgs, io: AuthIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const user = Buffer.from(args.user, 'utf8');
  if (args.command === 'passwd') return passwd(args, io, user);
  const [password] = await passwords(args, io, ['Password']);
  const { c, exporter } = await connect(args);
  try {
    let who: string;
    try {
      who = await ticketLogin(c, user, password!, exporter, args.as === undefined ? undefined : Buffer.from(args.as, 'utf8'));
    } catch (err) {
      failure(err, 'authentication failed');
    }
    if (args.command === 'auth-ping') {
      const shown = Buffer.from(who, 'latin1').toString('utf8');
      io.stdout.write(`authenticated as ${shown} to ${args.server.host}:${args.server.port} (mutual, ${exporter ? 'TLS channel-bound' : 'no TLS'})\n`);
      return EXIT.ok;
    }
    return await upsc(c, args, io);
  } finally {
    c.close();
  }
}

/** `upsc`'s output: one variable's value, or every `name: value`. */
async function upsc(c: NutLineClient, args: AuthClientArgs, io: AuthIo): Promise<number> {
  const ups = args.ups!;
  if (args.variable !== undefined) {
    const w = words(await c.request(`GET VAR ${ups} ${args.variable}`));
    io.stdout.write(`${w[3] ?? ''}\n`);
    return EXIT.ok;
  }
  c.send(`LIST VAR ${ups}`);
  const first = words(await c.readLine());
  if (first[0] !== 'BEGIN') throw new CliError(`unexpected reply: ${first.join(' ')}`);
  for (;;) {
    const w = words(await c.readLine());
    if (w[0] === 'END') break;
    io.stdout.write(`${w[2]}: ${w[3] ?? ''}\n`);
  }
  return EXIT.ok;
}

async function passwd(args: AuthClientArgs, io: AuthIo, user: Buffer): Promise<number> {
  const tty = io.stdin as ReadStream;
  const interactive = !args.passwordStdin && tty.isTTY;
  const lines = await passwords(args, io, interactive ? ['Old password', 'New password', 'New password again'] : ['old password', 'new password']);
  if (interactive && !lines[1]!.equals(lines[2]!)) throw new CliError('the new passwords do not match; nothing was changed');
  const problem = passwordProblem(lines[1]!);
  if (problem) throw new CliError(`${problem}; nothing was changed`);
  const { c } = await connect(args);
  try {
    const dom = chooseFromOffer(await p9any(c));
    await choose(c, choiceFor(dom));
    const p = new PasswdClient({ user, oldPassword: lines[0]!, newPassword: lines[1]! });
    try {
      const r1 = await exchange(c, 'AS', await p.request(dom), 'AS');
      const r2 = await exchange(c, 'AS', p.confirm(r1), 'AS');
      const r3 = await exchange(c, 'AS', p.passwordRequest(r2), 'AS');
      p.done(r3);
    } catch (err) {
      failure(err, 'password not changed');
    }
    io.stdout.write(`password changed for ${args.user}\n`);
    return EXIT.ok;
  } finally {
    c.close();
  }
}
