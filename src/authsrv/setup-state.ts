// The claim state of the unit (issue 14) in the key database: the label code's key (a verifier: the code
// itself is never stored), whether the unit is claimed, and the setup window. The AS's SetupDeps over it.
import type { SetupDeps } from './conversation.ts';
import type { KeyStore } from './keystore.ts';
import { afterFailure, afterSuccess, isOpen, openWindow, parseWindow, type SetupRules, type SetupWindow } from './setup-window.ts';
import { showBytes } from '../auth/bytes.ts';
import { OWNER } from '../auth/owner.ts';
import type { Logger } from '../util/log.ts';


const KEY = 'setup-key';
const CLAIMED = 'claimed';
const WINDOW = 'setup-window';

export class SetupState implements SetupDeps {
  readonly #store: KeyStore;
  readonly #rules: SetupRules;
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(store: KeyStore, rules: SetupRules, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#rules = rules;
    this.#log = log;
    this.#now = now;
  }

  /** Claimed: the label code was exchanged, or `admin` got a password another way (config, root on the box). */
  get isClaimed(): boolean {
    return this.#store.meta(CLAIMED) !== undefined || this.#store.userKey(OWNER) !== undefined;
  }

  /** A label code's key is stored (from the factory, or made at first start). */
  get hasCode(): boolean {
    return this.#store.meta(KEY) !== undefined;
  }

  get window(): SetupWindow {
    return parseWindow(this.#store.meta(WINDOW)?.toString('utf8'));
  }

  get isOpen(): boolean {
    return !this.isClaimed && isOpen(this.window, this.#now(), this.#rules);
  }

  /** Stores the label code's key (replacing one) and opens a window from now. */
  setCodeKey(key: Uint8Array): void {
    this.#store.setMeta(KEY, Buffer.from(key));
    this.open(this.#now());
  }

  /** Opens a window from `from` (now, or the boot time), with a fresh failure count. */
  open(from: number): void {
    this.#setWindow(openWindow(from, this.#rules));
  }

  key(name: Uint8Array): Uint8Array | undefined {
    if (!OWNER.equals(Buffer.from(name)) || !this.isOpen) return undefined;
    const key = this.#store.meta(KEY);
    return key === undefined ? undefined : new Uint8Array(key);
  }

  attempt(): void {
    const w = afterFailure(this.window);
    this.#setWindow(w);
    if (w.failures === this.#rules.maxFailures) {
      this.#log.warn(`setup window closed after ${w.failures} failed attempts with the label code (walnut setup open reopens it)`);
    }
  }

  confirmed(): void {
    this.#setWindow(afterSuccess(this.window));
  }

  /** For good: the label code works no more (until a factory reset), and the window stays shut. */
  claimed(name: Uint8Array, source: string): void {
    this.#store.setMeta(CLAIMED, Buffer.from(new Date(this.#now()).toISOString()));
    this.#setWindow({ openUntil: 0, failures: 0 });
    this.#log.info(`${source}: the unit is claimed: ${showBytes(name)} set its password with the label code`);
  }

  #setWindow(w: SetupWindow): void {
    this.#store.setMeta(WINDOW, Buffer.from(JSON.stringify(w)));
  }
}
