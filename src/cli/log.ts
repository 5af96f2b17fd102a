// `walnut log`: the event log (src/storage/event-log.ts) of the data folder `walnut serve` uses, newest last,
// one line per event: `ISO-TIME KIND [SOURCE] [DETAIL]`. Ordered by time, not by row: the server writes its
// events in batches once a second while the CLI writes at once, so row order can differ from time order, and
// the newest second of a running server may not show yet.
import type { Writable } from 'node:stream';
import { EXIT, type LogArgs } from './args.ts';
import { openDataFolder } from './user.ts';
import { clean } from '../util/log.ts';

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

export async function logCommand(args: LogArgs, stdout: Writable = process.stdout): Promise<number> {
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
