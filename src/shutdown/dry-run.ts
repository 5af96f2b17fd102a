// What the shutdown sequence would do if the policy triggered now, for the setup page (issue 16): the real state
// machine (sequence.ts) driven by a simulated clock, with nothing set, commanded or recorded. The secondaries are
// assumed to stay logged in, the worst case: HOSTSYNC then runs out in full, so every time shown is the latest the
// step can come. Pure.
import type { PolicySettings } from './policy-settings.ts';
import { advance, IDLE, type SequenceState, type Step } from './sequence.ts';

export interface DryRunClient {
  /** the NUT user name the secondary logged in with */
  user: string;
  address: string;
  tls: boolean;
}

export interface DryRunStep {
  /** seconds after the trigger */
  at: number;
  what: string;
}

export interface DryRun {
  enabled: boolean;
  /** the policy's triggers, in words; any one starts the sequence */
  triggers: string[];
  clients: DryRunClient[];
  steps: DryRunStep[];
}

const TICK_MS = 250;
/** no sequence runs longer than its bounds allow (3600 + 3600 + 32 767 s); a guard against a loop, not a limit */
const MAX_TICKS = 200_000;

export function triggersOf(s: PolicySettings): string[] {
  const t: string[] = [];
  if (s.onBatteryLowBattery) t.push('on battery and the UPS reports low battery');
  if (s.runtimeBelowSeconds !== undefined) t.push(`on battery with less than ${s.runtimeBelowSeconds} s of runtime left`);
  if (s.chargeBelowPercent !== undefined) t.push(`on battery with less than ${s.chargeBelowPercent} % charge left`);
  if (s.onBatteryForSeconds !== undefined) t.push(`on battery for ${s.onBatteryForSeconds} s`);
  return t;
}

/** The sequence's records in the words of a person reading the plan (the event log keeps its own names). */
const RECORDS: Record<string, string> = {
  'shutdown-hostsync-timeout': 'Host sync runs out',
  'shutdown-clients-gone': 'Every secondary has logged out',
  'ups-cycled': 'The UPS\'s output is off',
};

function describe(step: Step, s: PolicySettings, command: string | undefined, loggedIn: number): string | undefined {
  switch (step.kind) {
    case 'record': {
      // the trigger and FSD have their own lines (the first, and set-fsd's)
      const title = RECORDS[step.event];
      return title === undefined ? undefined : `${title}: ${step.detail}`;
    }
    case 'set-fsd':
      return `FSD set: every secondary sees it in ups.status at its next poll, runs its SHUTDOWNCMD and logs out; walnut waits up to ${s.hostSyncSeconds} s for ${loggedIn === 1 ? 'the one secondary' : `the ${loggedIn} secondaries`} logged in to do so`;
    case 'command':
      return command === undefined
        ? 'The UPS would be commanded now, but it offers no shutdown command: its load stays on until the battery is empty'
        : `${command} sent to the UPS with ups.delay.shutdown ${s.offDelaySeconds} s and ups.delay.start ${s.onDelaySeconds} s`;
    case 'clear-fsd':
      return 'FSD cleared';
  }
}

/** `command`: what the orchestrator would send, shutdown.return or the UPS's fallback (orchestrator.ts), if any. */
export function dryRun(s: PolicySettings, clients: readonly DryRunClient[], command: string | undefined): DryRun {
  const triggers = triggersOf(s);
  const base = { enabled: s.enabled, triggers, clients: [...clients] };
  if (!s.enabled || triggers.length === 0) return { ...base, steps: [] };
  const timings = { hostSyncMs: s.hostSyncSeconds * 1000, finalDelayMs: s.finalDelaySeconds * 1000, offDelayMs: s.offDelaySeconds * 1000 };
  const steps: DryRunStep[] = [{ at: 0, what: `The policy triggers (${triggers.join('; or ')})` }];
  let state: SequenceState = IDLE;
  for (let i = 0; i < MAX_TICKS; i++) {
    const now = i * TICK_MS;
    // mains stay away and the UPS never reports OFF: only its off delay ends the sequence here
    const r = advance(state, { now, trigger: 'dry run', loggedIn: clients.length, online: false, off: false, adminClear: false }, timings);
    state = r.state;
    for (const step of r.steps) {
      const what = describe(step, s, command, clients.length);
      if (what) steps.push({ at: now / 1000, what });
    }
    if (state.phase === 'commanded' && state.cycled) break;
  }
  const last = steps.at(-1)?.at ?? 0;
  steps.push({ at: last, what: `When mains return, the UPS powers its load again after ${s.onDelaySeconds} s; walnut then clears FSD` });
  return { ...base, steps };
}
