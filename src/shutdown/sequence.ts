// The shutdown sequence walnut runs as the primary of its UPS, as upsmon(8) primary does, as a pure state
// machine (the orchestrator persists its state in SQLite so a restart resumes it):
//   idle ──trigger──▶ waiting: FSD set; secondaries see FSD in ups.status, run SHUTDOWNCMD and log out
//   waiting ──all logged out, or HOSTSYNC (15 s) elapsed──▶ final-delay (upsmon's FINALDELAY, 5 s)
//   final-delay ──elapsed──▶ commanded: the UPS gets shutdown.return (off after the off delay, back on when
//                            mains return after the on delay)
//   commanded ──the UPS switched off (OFF seen, or its off delay elapsed), then mains present──▶ idle, FSD cleared
// An administrator may clear the latch at any point. NUT keeps FSD until upsd restarts; walnut clears it
// once the UPS has cycled and mains are back, and says so in the event log.

export type Phase = 'idle' | 'waiting' | 'final-delay' | 'commanded';

export interface SequenceState {
  readonly phase: Phase;
  readonly reason?: string | undefined;
  /** when FSD was set, ms */
  readonly fsdAt?: number | undefined;
  readonly finalAt?: number | undefined;
  readonly commandedAt?: number | undefined;
  /** the UPS has switched its load off since the command */
  readonly cycled?: boolean | undefined;
  /** idle after an administrator cleared FSD: no new trigger until mains have been back, or the same low
   *  battery would set FSD again at once */
  readonly disarmed?: boolean | undefined;
  /** waiting, resumed after a restart: secondaries lost their connection with the old process and may not
   *  have come back yet, so "nobody logged in" proves nothing; HOSTSYNC runs out in full */
  readonly resumed?: boolean | undefined;
}

export const IDLE: SequenceState = { phase: 'idle' };

export interface SequenceTimings {
  hostSyncMs: number;
  finalDelayMs: number;
  /** the off delay given to the UPS: after it the load is off whatever the UPS reports */
  offDelayMs: number;
}

export interface Observation {
  readonly now: number;
  /** why the policy wants a shutdown now, if it does */
  readonly trigger: string | undefined;
  /** clients logged in to the UPS (upsmon secondaries) */
  readonly loggedIn: number;
  /** mains present: OL and not OB */
  readonly online: boolean;
  /** the UPS reports its output off (OFF) */
  readonly off: boolean;
  readonly adminClear: boolean;
}

export type Step =
  | { readonly kind: 'record'; readonly event: string; readonly detail: string }
  | { readonly kind: 'set-fsd' }
  | { readonly kind: 'clear-fsd' }
  | { readonly kind: 'command' };

const record = (event: string, detail: string): Step => ({ kind: 'record', event, detail });
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function advance(state: SequenceState, o: Observation, t: SequenceTimings): { state: SequenceState; steps: Step[] } {
  if (o.adminClear && state.phase !== 'idle') {
    const rearm = o.online ? '' : '; no new shutdown until mains are back';
    return {
      state: o.online ? IDLE : { phase: 'idle', disarmed: true },
      steps: [{ kind: 'clear-fsd' }, record('fsd-cleared', `by an administrator during ${state.phase}${rearm}`)],
    };
  }
  switch (state.phase) {
    case 'idle':
      if (state.disarmed) return o.online ? { state: IDLE, steps: [record('shutdown-rearmed', 'mains are back')] } : { state, steps: [] };
      if (o.trigger === undefined) return { state, steps: [] };
      return {
        state: { phase: 'waiting', reason: o.trigger, fsdAt: o.now },
        steps: [
          record('shutdown-triggered', o.trigger),
          { kind: 'set-fsd' },
          record('fsd-set', `waiting up to ${seconds(t.hostSyncMs)} for ${o.loggedIn} logged-in client(s) to log out`),
        ],
      };
    case 'waiting': {
      const waited = o.now - (state.fsdAt ?? o.now);
      if (o.loggedIn === 0 && !state.resumed) {
        return {
          state: { ...state, phase: 'final-delay', finalAt: o.now },
          steps: [record('shutdown-clients-gone', `every client logged out after ${seconds(waited)}; final delay ${seconds(t.finalDelayMs)}`)],
        };
      }
      if (waited >= t.hostSyncMs) {
        return {
          state: { ...state, phase: 'final-delay', finalAt: o.now },
          steps: [record('shutdown-hostsync-timeout', `${o.loggedIn} client(s) still logged in after ${seconds(waited)}; going on`)],
        };
      }
      return { state, steps: [] };
    }
    case 'final-delay':
      if (o.now - (state.finalAt ?? o.now) < t.finalDelayMs) return { state, steps: [] };
      return { state: { ...state, phase: 'commanded', commandedAt: o.now }, steps: [{ kind: 'command' }] };
    case 'commanded': {
      if (!state.cycled) {
        const elapsed = o.now - (state.commandedAt ?? o.now) >= t.offDelayMs;
        if (!o.off && !elapsed) return { state, steps: [] };
        return {
          state: { ...state, cycled: true },
          steps: [record('ups-cycled', o.off ? 'the UPS reports its output off' : `the UPS's off delay (${seconds(t.offDelayMs)}) has elapsed`)],
        };
      }
      if (!o.online) return { state, steps: [] };
      return { state: IDLE, steps: [{ kind: 'clear-fsd' }, record('fsd-cleared', 'mains returned after the UPS cycled')] };
    }
  }
}

/** Parses a persisted state; anything unreadable is idle (and the caller logs it). */
export function parseState(text: string | undefined): SequenceState | undefined {
  if (text === undefined) return IDLE;
  try {
    const v = JSON.parse(text) as Partial<SequenceState>;
    if (v === null || typeof v !== 'object' || !['idle', 'waiting', 'final-delay', 'commanded'].includes(v.phase as string)) return undefined;
    const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
    return {
      phase: v.phase as Phase,
      reason: typeof v.reason === 'string' ? v.reason.slice(0, 200) : undefined,
      fsdAt: num(v.fsdAt),
      finalAt: num(v.finalAt),
      commandedAt: num(v.commandedAt),
      cycled: v.cycled === true ? true : undefined,
      disarmed: v.disarmed === true ? true : undefined,
      resumed: v.resumed === true ? true : undefined,
    };
  } catch {
    return undefined;
  }
}
