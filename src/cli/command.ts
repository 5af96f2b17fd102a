// What every `walnut <command>` is: its name, its help, and a run function that takes the words after the
// command. src/main.ts holds the table; each src/cli/<command>.ts owns its options, its help and its run.
import type { Readable, Writable } from 'node:stream';

// restart (EX_TEMPFAIL): walnut ended itself to be started again (the setup page's restart and factory reset);
// systemd's Restart=on-failure does that for any status but 0
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3, restart: 75 } as const;

/** Bad words on the command line: exit status 2, and main points at the command's help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command-line failure with its exit status; main prints `walnut: <command>: <message>`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The process's streams, replaceable in tests. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

export interface Command {
  /** the first word: `walnut NAME ...` */
  name: string;
  /** one line for the command overview */
  summary: string;
  /** the synopsis lines, without the leading `walnut ` */
  usage: readonly string[];
  /** the rest of `walnut help NAME`: options and what the command does */
  details: string;
  /** hidden from the overview (started by another command, not by a person) */
  hidden?: boolean;
  /** runs the command; a UsageError, CliError or ConfigError it throws becomes the exit status */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** `walnut help NAME` and `walnut NAME --help`. */
export function commandHelp(c: Command): string {
  const usage = c.usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}walnut ${u}`).join('\n');
  return `${usage}\n\n${c.summary}\n${c.details === '' ? '' : `\n${c.details.replace(/\n*$/, '\n')}`}`;
}

/** Thrown by a command's parser on -h/--help: main prints that command's help and exits 0. */
export class HelpRequest extends Error {
  constructor() {
    super('help');
    this.name = 'HelpRequest';
  }
}
