// The event log: what happened, when, caused by whom. Writes are queued and flushed in one transaction per
// interval, so thousands of connects per second cost one fsync-free insert batch, not one transaction each.
// Bounded: the queue drops (and counts) events past `maxQueued`; the table keeps the newest `maxRows`.
import type { Db } from './database.ts';
import { immediate } from './sqlite.ts';

export interface EventRecord {
  at: number;
  kind: string;
  source?: string | undefined;
  detail?: string | undefined;
}

export interface EventLogOptions {
  flushIntervalMs?: number;
  maxQueued?: number;
  maxRows?: number;
}

export class EventLog {
  private queue: EventRecord[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly maxQueued: number;
  private readonly maxRows: number;
  private readonly insert;
  private readonly trim;
  private readonly db: Db;
  dropped = 0;

  constructor(db: Db, options: EventLogOptions = {}) {
    this.db = db;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.maxRows = options.maxRows ?? 100_000;
    this.insert = db.prepare<[number, string, string | null, string | null]>(
      'INSERT INTO events (at, kind, source, detail) VALUES (?, ?, ?, ?)',
    );
    this.trim = db.prepare<[number]>('DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?');
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  record(kind: string, source?: string, detail?: string): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push({ at: Date.now(), kind, source, detail });
  }

  flush(): void {
    if (this.queue.length === 0 && this.dropped === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (this.dropped > 0) {
      batch.push({ at: Date.now(), kind: 'events-dropped', detail: `${this.dropped} events dropped: queue full` });
      this.dropped = 0;
    }
    immediate(this.db, () => {
      for (const e of batch) this.insert.run(e.at, e.kind, e.source ?? null, e.detail ?? null);
      this.trim.run(this.maxRows);
    });
  }

  /** Newest first. */
  recent(limit: number): EventRecord[] {
    this.flush();
    return this.db
      .prepare<[number], EventRecord>('SELECT at, kind, source, detail FROM events ORDER BY id DESC LIMIT ?')
      .all(limit);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
