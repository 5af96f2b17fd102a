// Passwords for every command that takes one (user add/passwd, auth ping, passwd, upsc, client-cert issue):
// from the terminal, asked without echo, or from stdin lines with --password-stdin; never from argv (ps, shell
// history). They are bytes: what the terminal or the pipe delivers, exactly, so a password with spaces, quotes,
// `#`, backslashes or UTF-8 is the one NUT clients send. The one rule they then meet is src/auth/bytes.ts's.
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { MAX_PASSWORD_BYTES } from '../auth/bytes.ts';
import { CliError, EXIT, type CliIo } from './command.ts';

export class PasswordTooLongError extends CliError {
  constructor() {
    super(`the password is longer than ${MAX_PASSWORD_BYTES} bytes (a NUT word's limit); nothing was changed`);
  }
}

/**
 * Up to `count` lines of `input` as bytes (LF or CRLF stripped). Reads no further than `count` lines or what
 * `count` lines of `max` bytes can take, whichever comes first, then stops reading: a 10 MB stream is refused
 * after its first chunk, never held in memory. Fewer lines when the stream ends first; the last may lack its LF.
 */
export function readPasswordLines(input: Readable, count: number, max = MAX_PASSWORD_BYTES): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let lfs = 0;
    let settled = false;
    const limit = count * (max + 2); // room for each line's CRLF
    const done = (err: Error | undefined, lines?: Buffer[]): void => {
      if (settled) return;
      settled = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      input.destroy(); // nothing more is read; a writer still going gets EPIPE
      if (err) reject(err);
      else resolve(lines!);
    };
    const finish = (): void => {
      const lines: Buffer[] = [];
      let rest = buf;
      for (let i = 0; i < count; i++) {
        const lf = rest.indexOf(0x0a);
        let line = lf < 0 ? rest : rest.subarray(0, lf);
        rest = lf < 0 ? Buffer.alloc(0) : rest.subarray(lf + 1);
        if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
        if (line.length > max) return done(new PasswordTooLongError());
        if (lf < 0 && line.length === 0 && i > 0) break; // nothing after the last LF
        lines.push(Buffer.from(line));
        if (lf < 0) break;
      }
      done(undefined, lines);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (const b of bytes) if (b === 0x0a) lfs++;
      buf = Buffer.concat([buf, bytes]);
      if (lfs >= count) return finish();
      if (buf.length > limit) done(new PasswordTooLongError());
    };
    const onEnd = (): void => finish();
    const onError = (err: Error): void => done(new CliError(`cannot read the password from stdin: ${err.message}`));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

/** The first line of `input`: the password of --password-stdin (empty when stdin is). */
export async function readPasswordLine(input: Readable, max = MAX_PASSWORD_BYTES): Promise<Buffer> {
  return (await readPasswordLines(input, 1, max))[0] ?? Buffer.alloc(0);
}

/** Asks on the terminal without echo: raw bytes until Enter; Backspace removes one UTF-8 character, Ctrl-U the
 *  line, Ctrl-C aborts. */
export function promptPassword(prompt: string, input: ReadStream, output: Writable, max = MAX_PASSWORD_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const bytes: number[] = [];
    let tooLong = false;
    input.setRawMode(true); // before the prompt shows: an answer typed at once must not be echoed
    output.write(prompt);
    const done = (err: Error | undefined): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else if (tooLong) reject(new PasswordTooLongError());
      else resolve(Buffer.from(bytes));
    };
    const onData = (chunk: Buffer | string): void => {
      for (const b of typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk) {
        if (b === 0x0d || b === 0x0a) return done(undefined);
        if (b === 0x03) return done(new CliError('interrupted; nothing was changed', 130));
        if (b === 0x04) {
          if (bytes.length === 0) return done(new CliError('no password given; nothing was changed'));
          return done(undefined);
        }
        if (b === 0x7f || b === 0x08) {
          while (bytes.length > 0 && (bytes.at(-1)! & 0xc0) === 0x80) bytes.pop(); // continuation bytes
          bytes.pop();
        } else if (b === 0x15) bytes.length = 0;
        else if (bytes.length <= max) bytes.push(b);
        else tooLong = true;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/**
 * The answers to `prompts`: asked on the terminal, or the first lines of stdin when `fromStdin` or stdin is no
 * terminal and `pipeOk`; `nonEmpty`: an empty answer on stdin is a usage error. `pipeOk` false: a piped stdin without --password-stdin is a usage error (a command that
 * creates a password asks twice on a terminal; a pipe must say it means it).
 */
export async function askPasswords(
  io: CliIo,
  prompts: readonly string[],
  opts: { fromStdin: boolean; pipeOk: boolean; nonEmpty?: boolean },
): Promise<Buffer[]> {
  const tty = io.stdin as ReadStream;
  if (opts.fromStdin || (opts.pipeOk && !tty.isTTY)) {
    const lines = await readPasswordLines(io.stdin, prompts.length);
    // several answers, or one that must be there: a missing or empty line is a usage error, nothing is sent
    if ((prompts.length > 1 || opts.nonEmpty) && (lines.length < prompts.length || lines.some((l) => l.length === 0))) {
      throw new CliError(`expected ${prompts.length === 1 ? 'the password' : `${prompts.length} lines (${prompts.join(', ')})`} on stdin`, EXIT.usage);
    }
    return lines.length > 0 ? lines : [Buffer.alloc(0)];
  }
  if (!tty.isTTY) throw new CliError('stdin is not a terminal: give --password-stdin to read the password from it', EXIT.usage);
  const out: Buffer[] = [];
  for (const p of prompts) out.push(await promptPassword(`${p}: `, tty, io.stderr));
  return out;
}
