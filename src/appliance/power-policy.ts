// The running shutdown policy and where its settings come from (issue 16). The config file's `shutdown` section
// is the default; the setup page's saved policy, kept in walnut.db's settings, replaces it whole. Why the
// database and not the file: the image's config file is root's (/etc/walnut/walnut.json) and walnut serve runs as
// the user walnut, which must not be able to rewrite its own config; a JSON file rewritten by a program also loses
// its owner's layout. The database is walnut's own, written in transactions, and a factory reset wipes it, which
// brings the file's policy back. Saved settings take effect at once (the orchestrator's next tick) and at every
// start, and are checked through the same bounds as the file, at saving and again at loading.
import { ShutdownOrchestrator, type ShutdownDeps } from '../shutdown/orchestrator.ts';
import { normalized, optionsOf, readPolicySettings, type PolicySettings } from '../shutdown/policy-settings.ts';
import { logger } from '../util/log.ts';

const log = logger('shutdown');

/** settings key: the page's whole policy as JSON; '' (or none): the config file's */
export const POLICY_KEY = 'shutdown.policy';

export type PolicySource = 'config file' | 'this unit';

export class PowerPolicy {
  readonly #file: PolicySettings;
  readonly #deps: ShutdownDeps;
  #saved: PolicySettings | undefined;
  #running: ShutdownOrchestrator | undefined;

  constructor(file: PolicySettings, deps: ShutdownDeps) {
    this.#file = normalized(file);
    this.#deps = deps;
  }

  start(): void {
    const text = this.#deps.settings.get(POLICY_KEY) ?? '';
    if (text !== '') {
      try {
        this.#saved = normalized(readPolicySettings(JSON.parse(text)));
      } catch (err) {
        // a policy this version's bounds refuse: the file's is the safe one, and the log says why
        log.error(`the saved power policy is not usable (${(err as Error).message}); using the config file's`);
      }
    }
    this.#apply();
  }

  async stop(): Promise<void> {
    await this.#running?.stop();
    this.#running = undefined;
  }

  get settings(): PolicySettings {
    return this.#saved ?? this.#file;
  }

  get fileSettings(): PolicySettings {
    return this.#file;
  }

  get source(): PolicySource {
    return this.#saved ? 'this unit' : 'config file';
  }

  /** the running sequence's phase; 'off' when walnut is not the primary */
  get phase(): string {
    return this.#running?.phase ?? 'off';
  }

  /** The orchestrator's own options, to show that what runs is what was saved. */
  get runningOptions(): ReturnType<typeof optionsOf> | undefined {
    return this.#running?.current;
  }

  /** Stores and applies a whole policy (SchemaError names a bad field); 'busy': a shutdown is under way and
   *  this would turn it off, which would strand the secondaries that already saw FSD. `null`: the file's. */
  save(value: unknown, by: string, address: string): 'saved' | 'busy' {
    const next = value === null ? undefined : normalized(readPolicySettings(value));
    if (!(next ?? this.#file).enabled && this.#running && this.#running.phase !== 'idle') return 'busy';
    const before = this.settings;
    this.#saved = next;
    this.#deps.settings.set(POLICY_KEY, next ? JSON.stringify(next) : '');
    this.#apply();
    const detail = next ? changes(before, next) || 'no change' : `back to the config file's (${changes(before, this.#file) || 'no change'})`;
    this.#deps.events.record('shutdown-policy', address, `by ${by}: ${detail}`);
    return 'saved';
  }

  #apply(): void {
    const s = this.settings;
    if (!s.enabled) {
      if (this.#running) {
        const old = this.#running;
        this.#running = undefined;
        void old.stop();
      }
      log.warn('shutdown is off: walnut will not set FSD or shut the UPS down (another primary must)');
      return;
    }
    if (this.#running) this.#running.reconfigure(optionsOf(s));
    else {
      this.#running = new ShutdownOrchestrator(optionsOf(s), this.#deps);
      this.#running.start();
    }
  }
}

/** `key from a to b` for each field that differs (an absent trigger is "off"); ASCII, as `walnut log` shows
 *  other bytes escaped. */
export function changes(a: PolicySettings, b: PolicySettings): string {
  const show = (v: unknown): string => (v === undefined ? 'off' : String(v));
  const out: string[] = [];
  // every key either sets, in the section's own order
  for (const k of Object.keys(normalized({ ...b, ...a }))) {
    const x = (a as unknown as Record<string, unknown>)[k];
    const y = (b as unknown as Record<string, unknown>)[k];
    if (x !== y) out.push(`${k} from ${show(x)} to ${show(y)}`);
  }
  return out.join(', ');
}
