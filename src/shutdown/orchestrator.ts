// Runs the shutdown sequence (sequence.ts) against the live UPS model: watches the status and the logged-in
// clients, sets and clears the FSD latch, commands the UPS, records every step in the event log, and keeps the
// sequence state in SQLite so that a restart in the middle resumes where it was. The state is written *before*
// the UPS is commanded, so a crash can leave the UPS uncommanded but never commands it twice.
import type { EventLog } from '../storage/event-log.ts';
import type { Settings } from '../storage/settings.ts';
import type { UpsModel } from '../ups/model.ts';
import { logger } from '../util/log.ts';
import { shutdownReason, type ShutdownPolicy } from './policy.ts';
import { advance, IDLE, parseState, type SequenceState, type SequenceTimings, type Step } from './sequence.ts';

const log = logger('shutdown');

/** settings keys: the sequence state (JSON), and an administrator's request to clear FSD (`walnut fsd clear`) */
export const STATE_KEY = 'shutdown.sequence';
export const CLEAR_REQUEST_KEY = 'shutdown.clear-requested';

export interface ShutdownOptions {
  policy: ShutdownPolicy;
  hostSyncSeconds: number;
  finalDelaySeconds: number;
  /** written to ups.delay.shutdown / ups.delay.start before the command, where the UPS has them */
  offDelaySeconds: number;
  onDelaySeconds: number;
  /** how often the sequence looks at the UPS; 250 ms keeps every step within a quarter second */
  tickMs?: number;
}

export interface ShutdownDeps {
  ups: UpsModel;
  settings: Settings;
  events: EventLog;
  /** clients logged in to this UPS (NUMLOGINS) */
  loggedIn: () => number;
  now?: () => number;
}

function timingsOf(o: ShutdownOptions): SequenceTimings {
  return { hostSyncMs: o.hostSyncSeconds * 1000, finalDelayMs: o.finalDelaySeconds * 1000, offDelayMs: o.offDelaySeconds * 1000 };
}

export class ShutdownOrchestrator {
  private options: ShutdownOptions;
  private readonly deps: ShutdownDeps;
  private readonly now: () => number;
  private timings: SequenceTimings;
  private state: SequenceState = IDLE;
  private timer: NodeJS.Timeout | undefined;
  private onBatterySince: number | undefined;
  private lastTokens = new Set<string>();
  private commanding: Promise<void> | undefined;

  constructor(options: ShutdownOptions, deps: ShutdownDeps) {
    this.options = options;
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.timings = timingsOf(options);
  }

  /** New triggers and delays from the next tick on (the setup page's power policy). A sequence under way keeps
   *  its phase and measures its wait against the new delays, as if they had been set when it began. */
  reconfigure(options: ShutdownOptions): void {
    this.options = { ...options, tickMs: this.options.tickMs };
    this.timings = timingsOf(options);
  }

  /** What the sequence runs with now. */
  get current(): ShutdownOptions {
    return this.options;
  }

  get phase(): SequenceState['phase'] {
    return this.state.phase;
  }

  start(): void {
    const saved = this.deps.settings.get(STATE_KEY);
    const state = parseState(saved);
    if (state === undefined) {
      log.error(`unreadable shutdown state in the database (${JSON.stringify(saved?.slice(0, 80))}); starting idle`);
      this.state = IDLE;
    } else {
      this.state = state;
    }
    if (this.state.phase !== 'idle') {
      // FSD is a promise to the secondaries: it holds across a restart until the sequence ends
      this.deps.ups.setFsd();
      if (this.state.phase === 'waiting') this.state = { ...this.state, resumed: true };
      this.note('shutdown-resumed', `resumed in phase ${this.state.phase} (${this.state.reason ?? 'no reason recorded'})`);
    }
    this.deps.settings.set(CLEAR_REQUEST_KEY, '');
    this.lastTokens = new Set(this.deps.ups.statusTokens().map((t) => t.toUpperCase()));
    this.deps.ups.on('variable', this.onVariable);
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.deps.ups.off('variable', this.onVariable);
    await this.commanding;
  }

  /** One look at the UPS; public for tests that drive the clock themselves. */
  tick(): void {
    const ups = this.deps.ups;
    const now = this.now();
    const available = ups.availability() === 'ok';
    const tokens = available ? ups.statusTokens().map((t) => t.toUpperCase()) : [];
    if (tokens.includes('OB')) this.onBatterySince ??= now;
    else if (available) this.onBatterySince = undefined;
    const num = (name: string): number | undefined => {
      const v = Number(ups.getVariable(name)?.value);
      return Number.isFinite(v) && ups.getVariable(name)?.value !== '' ? v : undefined;
    };
    const adminClear = (this.deps.settings.get(CLEAR_REQUEST_KEY) ?? '') !== '';
    if (adminClear) this.deps.settings.set(CLEAR_REQUEST_KEY, '');
    const { state, steps } = advance(
      this.state,
      {
        now,
        // stale data triggers nothing: a UPS we cannot hear is not known to be on battery (upsmon alike)
        trigger: available
          ? shutdownReason(this.options.policy, { tokens, charge: num('battery.charge'), runtime: num('battery.runtime'), onBatterySince: this.onBatterySince }, now)
          : undefined,
        loggedIn: this.deps.loggedIn(),
        online: tokens.includes('OL') && !tokens.includes('OB'),
        off: tokens.includes('OFF'),
        adminClear,
      },
      this.timings,
    );
    if (state !== this.state) {
      this.state = state;
      // persisted before any step runs: a crash after this line never commands the UPS a second time
      this.deps.settings.set(STATE_KEY, JSON.stringify(state));
    }
    for (const step of steps) this.run(step);
  }

  private run(step: Step): void {
    switch (step.kind) {
      case 'record':
        this.note(step.event, step.detail);
        break;
      case 'set-fsd':
        this.deps.ups.setFsd();
        break;
      case 'clear-fsd':
        this.deps.ups.clearFsd();
        break;
      case 'command':
        this.commanding = this.command().finally(() => (this.commanding = undefined));
        break;
    }
  }

  /** shutdown.return with the configured delays; the driver's own fallback order where the UPS lacks it. */
  private async command(): Promise<void> {
    const ups = this.deps.ups;
    const control = ups.control;
    const name = ups.findCommand('shutdown.return') ?? ups.findCommand('shutdown.default');
    if (!control || !name) {
      this.note('shutdown-command-failed', `UPS [${ups.name}] offers no shutdown command${control ? '' : ' (no driver attached)'}`);
      return;
    }
    try {
      // the delays are driver-side variables (usbhid-ups: ups.delay.*) that shutdown.return passes to the UPS
      if (ups.getVariable('ups.delay.shutdown')) await control.setVariable('ups.delay.shutdown', String(this.options.offDelaySeconds));
      if (ups.getVariable('ups.delay.start')) await control.setVariable('ups.delay.start', String(this.options.onDelaySeconds));
      await control.runCommand(name, undefined);
      this.note('shutdown-command', `${name} sent: output off in ${this.options.offDelaySeconds} s, back ${this.options.onDelaySeconds} s after mains return`);
    } catch (err) {
      this.note('shutdown-command-failed', `${name}: ${(err as Error).message}`);
    }
  }

  /** OB, OL, LB transitions as power events in the log, from every change of ups.status (not sampled). */
  private readonly onVariable = (name: string, value: string | undefined): void => {
    if (name.toLowerCase() !== 'ups.status' || value === undefined) return;
    this.notePowerEvents(value.toUpperCase().split(' ').filter(Boolean));
  };

  private notePowerEvents(tokens: readonly string[]): void {
    const now = new Set(tokens);
    const changes: string[] = [];
    const flip = (token: string, on: string, off: string | undefined): void => {
      if (now.has(token) && !this.lastTokens.has(token)) changes.push(on);
      else if (!now.has(token) && this.lastTokens.has(token) && off) changes.push(off);
    };
    flip('OB', 'on battery', undefined);
    flip('OL', 'on line power', undefined);
    flip('LB', 'battery low', 'battery no longer low');
    if (changes.length > 0 && this.lastTokens.size > 0) this.deps.events.record('power', undefined, `${changes.join(', ')} (${tokens.join(' ')})`);
    this.lastTokens = now;
  }

  private note(event: string, detail: string): void {
    log.info(`${event}: ${detail}`);
    this.deps.events.record(event, undefined, detail);
    // shutdown steps are what an administrator reads after the worst day: on disk at once, not in a second
    this.deps.events.flush();
  }
}
