import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, IDLE, parseState, type Observation, type SequenceState, type Step } from './sequence.ts';

const T = { hostSyncMs: 15_000, finalDelayMs: 5_000, offDelayMs: 20_000 };
const calm: Observation = { now: 0, trigger: undefined, loggedIn: 2, online: true, off: false, adminClear: false };
const kinds = (steps: Step[]): string[] => steps.map((s) => (s.kind === 'record' ? `record:${s.event}` : s.kind));

/** Runs observations in order, collecting every step. */
function play(observations: Partial<Observation>[], start: SequenceState = IDLE): { state: SequenceState; steps: string[] } {
  let state = start;
  const steps: string[] = [];
  for (const o of observations) {
    const r = advance(state, { ...calm, ...o }, T);
    state = r.state;
    steps.push(...kinds(r.steps));
  }
  return { state, steps };
}

test('a trigger sets FSD, clients logging out end the wait, the final delay passes, the UPS is commanded once', () => {
  const r = play([
    { now: 1000, trigger: 'on battery and low battery', online: false },
    { now: 2000, online: false, loggedIn: 1 },
    { now: 3000, online: false, loggedIn: 0 },
    { now: 7999, online: false, loggedIn: 0 },
    { now: 8000, online: false, loggedIn: 0 },
    { now: 9000, online: false, loggedIn: 0 },
  ]);
  assert.deepEqual(r.steps, ['record:shutdown-triggered', 'set-fsd', 'record:fsd-set', 'record:shutdown-clients-gone', 'command']);
  assert.equal(r.state.phase, 'commanded');
  assert.equal(r.state.commandedAt, 8000);
});

test('clients that never log out are given HOSTSYNC, then the sequence goes on', () => {
  const r = play([{ now: 0, trigger: 'x', online: false }, { now: 14_999, online: false }, { now: 15_000, online: false }]);
  assert.deepEqual(r.steps.slice(-1), ['record:shutdown-hostsync-timeout']);
  assert.equal(r.state.phase, 'final-delay');
});

test('FSD clears only after the UPS cycled and mains are back; mains back early change nothing', () => {
  const commanded: SequenceState = { phase: 'commanded', reason: 'x', fsdAt: 0, finalAt: 0, commandedAt: 10_000 };
  const early = play([{ now: 11_000, online: true }], commanded);
  assert.deepEqual(early.steps, []);
  assert.equal(early.state.phase, 'commanded');
  const viaTimer = play([{ now: 30_000, online: false }, { now: 31_000, online: false }, { now: 40_000, online: true }], commanded);
  assert.deepEqual(viaTimer.steps, ['record:ups-cycled', 'clear-fsd', 'record:fsd-cleared']);
  assert.equal(viaTimer.state, IDLE);
  const viaOff = play([{ now: 12_000, online: false, off: true }, { now: 13_000, online: true }], commanded);
  assert.deepEqual(viaOff.steps, ['record:ups-cycled', 'clear-fsd', 'record:fsd-cleared']);
});

test('an administrator clears the latch in any phase but idle', () => {
  assert.deepEqual(play([{ adminClear: true }]).steps, []);
  const r = play([{ now: 0, trigger: 'x' }, { now: 1, adminClear: true }]);
  assert.deepEqual(r.steps.slice(-2), ['clear-fsd', 'record:fsd-cleared']);
  assert.equal(r.state, IDLE);
});

test('after an administrator cleared FSD on battery, the same low battery does not set it again until mains return', () => {
  const r = play([
    { now: 0, trigger: 'low', online: false },
    { now: 1, adminClear: true, online: false },
    { now: 2, trigger: 'low', online: false },
    { now: 3, trigger: 'low', online: false },
  ]);
  assert.equal(r.steps.filter((s) => s === 'set-fsd').length, 1);
  assert.equal(r.state.disarmed, true);
  const back = play([{ now: 4, online: true }, { now: 5, trigger: 'low again', online: false }], r.state);
  assert.deepEqual(back.steps.slice(0, 3), ['record:shutdown-rearmed', 'record:shutdown-triggered', 'set-fsd']);
});

test('a trigger during a running sequence starts nothing new', () => {
  const r = play([{ now: 0, trigger: 'x', loggedIn: 3 }, { now: 100, trigger: 'y', loggedIn: 3 }]);
  assert.equal(r.steps.filter((s) => s === 'set-fsd').length, 1);
});

test('persisted states parse back; anything else is refused, not guessed', () => {
  const s: SequenceState = { phase: 'final-delay', reason: 'r', fsdAt: 1, finalAt: 2 };
  assert.deepEqual(parseState(JSON.stringify(s)), { ...s, commandedAt: undefined, cycled: undefined, disarmed: undefined, resumed: undefined });
  assert.deepEqual(parseState(undefined), IDLE);
  for (const bad of ['', '{', 'null', '{"phase":"launch"}', '[]']) assert.equal(parseState(bad), undefined, bad);
  assert.equal(parseState(JSON.stringify({ phase: 'waiting', fsdAt: 'soon' }))!.fsdAt, undefined);
});

test('resumed after a restart, nobody logged in proves nothing: the sequence waits out HOSTSYNC before going on', () => {
  const resumed: SequenceState = { phase: 'waiting', reason: 'on battery and low battery', fsdAt: 0, resumed: true };
  const r = play([{ now: 1000, online: false, loggedIn: 0 }, { now: 14_999, online: false, loggedIn: 0 }], resumed);
  assert.deepEqual(r.steps, []);
  assert.equal(r.state.phase, 'waiting');
  const end = play([{ now: 15_000, online: false, loggedIn: 0 }], resumed);
  assert.deepEqual(end.steps, ['record:shutdown-hostsync-timeout']);
  assert.equal(end.state.phase, 'final-delay');
});
