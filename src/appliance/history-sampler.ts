// Feeds the history (src/storage/history.ts) from the UPS model: every interval, the sampled variables' values
// while the data is fresh; a roll-up at start (catching up on a stop) and every few minutes after; a mark for
// each power event as it happens. The clock and the timer are injected, so a test steps time by hand.
import { sampleOf } from '../storage/history-buckets.ts';
import { statusMarks, type MarkKind } from '../storage/history-marks.ts';
import type { History } from '../storage/history.ts';
import type { UpsModel } from '../ups/model.ts';
import type { Logger } from '../util/log.ts';

export interface SamplerTimer {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const SYSTEM_TIMER: SamplerTimer = {
  now: Date.now,
  setInterval: (fn, ms) => setInterval(fn, ms).unref(), // history never keeps the process alive
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface HistorySamplerOptions {
  intervalMs: number;
  /** how often samples are rolled up into buckets: the 5-minute tier's width (default) keeps it current */
  rollUpEveryMs?: number;
  timer?: SamplerTimer;
  log: Logger;
}

export class HistorySampler {
  private readonly ups: UpsModel;
  private readonly history: History;
  private readonly intervalMs: number;
  private readonly rollUpEveryMs: number;
  private readonly timer: SamplerTimer;
  private readonly log: Logger;
  private handle: unknown;
  private lastRollUp = -Infinity;
  private lastStatus: string[] = [];
  /** what went wrong last (a full disk, a clock not yet set): said once when it starts, once when it ends */
  private trouble: string | undefined;

  constructor(ups: UpsModel, history: History, options: HistorySamplerOptions) {
    this.ups = ups;
    this.history = history;
    this.intervalMs = options.intervalMs;
    this.rollUpEveryMs = options.rollUpEveryMs ?? 5 * 60_000;
    this.timer = options.timer ?? SYSTEM_TIMER;
    this.log = options.log;
  }

  start(): void {
    this.lastStatus = this.ups.statusTokens();
    this.ups.on('variable', this.onVariable);
    this.ups.on('fsd', this.onFsd);
    this.guard(() => this.rollUpIfDue(this.timer.now()));
    this.handle = this.timer.setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.handle !== undefined) this.timer.clearInterval(this.handle);
    this.handle = undefined;
    this.ups.off('variable', this.onVariable);
    this.ups.off('fsd', this.onFsd);
  }

  /** One interval: a sample when the UPS's data is fresh (stale or absent data would draw a flat line that was
   *  never measured), and the roll-up when it is due. Returns how many values were stored. */
  tick(): number {
    return this.guard(() => {
      const now = this.timer.now();
      if (!this.history.believable(now)) {
        this.troubled('the clock reads before this walnut was built; no samples until it is set (NTP)');
        return 0;
      }
      let stored = 0;
      if (this.ups.availability() === 'ok') stored = this.history.record(now, sampleOf(this.ups.variables()));
      this.rollUpIfDue(now);
      this.fine();
      return stored;
    }) ?? 0;
  }

  private rollUpIfDue(now: number): void {
    if (!this.history.believable(now) || now - this.lastRollUp < this.rollUpEveryMs) return;
    this.history.rollUp(now);
    this.lastRollUp = now;
  }

  private readonly onVariable = (name: string, value: string | undefined): void => {
    if (name.toLowerCase() !== 'ups.status') return;
    const tokens = (value ?? '').split(/\s+/).filter(Boolean).map((t) => t.toUpperCase());
    const marks = statusMarks(this.lastStatus, tokens);
    this.lastStatus = tokens;
    for (const kind of marks) this.mark(kind);
  };

  private readonly onFsd = (set: boolean): void => {
    if (set) this.mark('fsd');
  };

  private mark(kind: MarkKind): void {
    this.guard(() => {
      if (!this.history.mark(this.timer.now(), kind)) this.log.warn(`history: ${kind} not marked: the clock is not set yet`);
    });
  }

  /** Runs `work`; a storage failure is logged, never thrown into the UPS model's event or a timer. */
  private guard<T>(work: () => T): T | undefined {
    try {
      return work();
    } catch (err) {
      this.troubled(`cannot write to walnut.db: ${(err as Error).message}`);
      return undefined;
    }
  }

  private troubled(why: string): void {
    if (this.trouble !== why) this.log.warn(`history: ${why}`);
    this.trouble = why;
  }

  private fine(): void {
    if (this.trouble !== undefined) this.log.info('history: sampling again');
    this.trouble = undefined;
  }
}
