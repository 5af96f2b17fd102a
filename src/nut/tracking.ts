// SET TRACKING / GET TRACKING <id> (docs/nut-protocol.md §2.5, §2.7): each SET VAR or INSTCMD sent while tracking
// is on gets an upper-case UUIDv4, whose result clients poll. Entries live `retentionMs` (upsd's TRACKINGDELAY,
// 3600 s) and the table is bounded: past `maxEntries` the oldest entry is dropped (upsd has no bound).
import { randomUUID } from 'node:crypto';

export type TrackingResult = 'PENDING' | 'SUCCESS' | 'ERR UNKNOWN' | 'ERR INVALID-ARGUMENT' | 'ERR FAILED';

interface Entry {
  result: TrackingResult;
  created: number;
}

export class TrackingTable {
  private readonly entries = new Map<string, Entry>();
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { retentionMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.retentionMs = options.retentionMs ?? 3_600_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts tracking an operation; returns the id to send as `OK TRACKING <id>`. */
  start(): string {
    this.purge();
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const id = randomUUID().toUpperCase();
    this.entries.set(id, { result: 'PENDING', created: this.now() });
    return id;
  }

  finish(id: string, result: Exclude<TrackingResult, 'PENDING'>): void {
    const e = this.entries.get(id);
    if (e) e.result = result;
  }

  /** Ids are matched case-insensitively, as upsd's strcasecmp does. */
  lookup(id: string): TrackingResult {
    this.purge();
    return this.entries.get(id.toUpperCase())?.result ?? 'ERR UNKNOWN';
  }

  get size(): number {
    return this.entries.size;
  }

  private purge(): void {
    const limit = this.now() - this.retentionMs;
    for (const [id, e] of this.entries) {
      if (e.created >= limit) break; // insertion order is creation order
      this.entries.delete(id);
    }
  }
}
