// A LIFO stack of closers: whatever a start step opened registers how to close it, and closing runs them newest
// first. So a start that fails at any step closes exactly what was opened before it, in reverse, and a normal
// stop is the same walk. One closer that fails is logged and the walk goes on: a stuck socket must not keep the
// database open.
import type { Logger } from './log.ts';

type Closer = () => void | Promise<void>;

export class Teardown {
  readonly #stack: { what: string; close: Closer }[] = [];
  readonly #log: Logger;
  #closed = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers `close` for what was just opened; `what` names it in a failure's log line. */
  defer(what: string, close: Closer): void {
    if (this.#closed) throw new Error(`teardown: ${what} opened after close`);
    this.#stack.push({ what, close });
  }

  /** What is open now, oldest first (for tests and a debug log). */
  get open(): string[] {
    return this.#stack.map((s) => s.what);
  }

  /** Closes everything, newest first; a second call does nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    for (let s = this.#stack.pop(); s; s = this.#stack.pop()) {
      try {
        await s.close();
      } catch (err) {
        this.#log.error(`closing ${s.what}: ${(err as Error).message}`);
      }
    }
  }
}
