// `walnut log`: the event log (src/storage/event-log.ts) of the data folder `walnut serve` uses, newest last,
// one line per event: `ISO-TIME KIND [SOURCE] [DETAIL]`. Ordered by time, not by row: the server writes its
// events in batches once a second while the CLI writes at once, so row order can differ from time order, and
// the newest second of a running server may not show yet.
import type { Writable } from 'node:stream';
import { EXIT, UsageError, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, noPositional, optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { openDataFolder } from './data-folder.ts';
import { clean } from '../util/log.ts';

export interface LogArgs {
  config?: string;
  data?: string;
  limit: number;
  kind?: string;
}

const OPTIONS: readonly OptionSpec[] = [
  ...DATA_FOLDER_OPTIONS,
  { flag: '--limit', value: 'N', help: 'the newest N events (default 100)' },
  { flag: '--kind', value: 'KIND', help: 'only events of this kind, e.g. login-failed' },
];

/** Pure: the words after `walnut log`. */
export function parseLogArgs(argv: readonly string[]): LogArgs {
  const o = parseOptions('log', argv, OPTIONS);
  noPositional('log', o);
  const out: LogArgs = { limit: 100, ...dataFolderArgs(o) };
  const limit = o.values.get('--limit');
  if (limit !== undefined) {
    if (!/^[1-9]\d{0,6}$/.test(limit)) throw new UsageError(`log: --limit takes a number of events from 1 to 9999999, not "${limit}"`);
    out.limit = Number(limit);
  }
  const kind = o.values.get('--kind');
  if (kind !== undefined) {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(kind)) throw new UsageError(`log: --kind takes an event kind such as login-failed, not "${kind}"`);
    out.kind = kind;
  }
  return out;
}

interface Row {
  at: number;
  kind: string;
  source: string | null;
  detail: string | null;
}

/** One event as a line; every field printable ASCII, so a detail can never break the one-line format. */
export function formatEvent(e: Row): string {
  let line = `${new Date(e.at).toISOString()} ${clean(e.kind, 64)}`;
  if (e.source !== null && e.source !== '') line += ` ${clean(e.source, 128)}`;
  if (e.detail !== null && e.detail !== '') line += ` ${clean(e.detail, 4096)}`;
  return line;
}

export async function runLog(args: LogArgs, stdout: Writable = process.stdout): Promise<number> {
  const { db } = openDataFolder(args, true);
  try {
    const newest = 'ORDER BY at DESC, id DESC LIMIT ?';
    const rows =
      args.kind === undefined
        ? db.prepare<[number], Row>(`SELECT at, kind, source, detail FROM events ${newest}`).all(args.limit)
        : db.prepare<[string, number], Row>(`SELECT at, kind, source, detail FROM events WHERE kind = ? ${newest}`).all(args.kind, args.limit);
    let out = '';
    for (let i = rows.length - 1; i >= 0; i--) out += formatEvent(rows[i]!) + '\n';
    await new Promise<void>((resolve, reject) => stdout.write(out, (err) => (err ? reject(err) : resolve())));
    return EXIT.ok;
  } finally {
    db.close();
  }
}

export const logCommand: Command = {
  name: 'log',
  summary: 'print the event log, newest last, one line per event: ISO-TIME KIND [SOURCE] [DETAIL]',
  usage: ['log [--limit N] [--kind KIND] [--config FILE] [--data DIR]'],
  details: `Options:\n${optionsHelp(OPTIONS)}`,
  run: (argv, io) => runLog(parseLogArgs(argv), io.stdout),
};
