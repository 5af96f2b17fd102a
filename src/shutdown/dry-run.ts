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

function describe(step: Step, s: PolicySettings): string | undefined {
  switch (step.kind) {
    case 'record':
      // the record of setting FSD says it better than the step itself
      return step.event === 'shutdown-triggered' ? undefined : `${step.event}: ${step.detail}`;
    case 'set-fsd':
      return 'FSD set: every secondary sees it in ups.status at its next poll, runs its SHUTDOWNCMD and logs out';
    case 'command':
      return `shutdown.return sent to the UPS with ups.delay.shutdown ${s.offDelaySeconds} s and ups.delay.start ${s.onDelaySeconds} s`;
    case 'clear-fsd':
      return 'FSD cleared';
  }
}

export function dryRun(s: PolicySettings, clients: readonly DryRunClient[]): DryRun {
  const triggers = triggersOf(s);
  const base = { enabled: s.enabled, triggers, clients: [...clients] };
  if (!s.enabled || triggers.length === 0) return { ...base, steps: [] };
  const timings = { hostSyncMs: s.hostSyncSeconds * 1000, finalDelayMs: s.finalDelaySeconds * 1000, offDelayMs: s.offDelaySeconds * 1000 };
  const steps: DryRunStep[] = [{ at: 0, what: `the policy triggers (${triggers.join('; or ')})` }];
  let state: SequenceState = IDLE;
  for (let i = 0; i < MAX_TICKS; i++) {
    const now = i * TICK_MS;
    // mains stay away and the UPS never reports OFF: only its off delay ends the sequence here
    const r = advance(state, { now, trigger: 'dry run', loggedIn: clients.length, online: false, off: false, adminClear: false }, timings);
    state = r.state;
    for (const step of r.steps) {
      const what = describe(step, s);
      if (what) steps.push({ at: now / 1000, what });
    }
    if (state.phase === 'commanded' && state.cycled) break;
  }
  const last = steps.at(-1)?.at ?? 0;
  steps.push({ at: last, what: `when mains return, the UPS powers its load again after ${s.onDelaySeconds} s; walnut then clears FSD` });
  return { ...base, steps };
}
