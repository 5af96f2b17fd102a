import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyBoolean,
  atoi,
  buildStatus,
  commitStatus,
  DEFAULT_STATUS_OPTIONS,
  flagAlarms,
  NO_TIMERS,
  parseWholeNumber,
  STATUS_FLAGS,
} from './status.ts';
import type { CommitInput, StatusFlag, StatusInput, StatusOptions } from './status.ts';

function flags(...words: string[]): Set<StatusFlag> {
  let f = new Set<StatusFlag>();
  for (const w of words) f = applyBoolean(f, w);
  return f;
}

function status(words: string[], extra: Partial<StatusInput> = {}, options: Partial<StatusOptions> = {}): string[] {
  return [
    ...buildStatus({
      flags: flags(...words),
      charge: undefined,
      nowMs: 0,
      timers: NO_TIMERS,
      options: { ...DEFAULT_STATUS_OPTIONS, ...options },
      ...extra,
    }).tokens,
  ];
}

const COMMIT: CommitInput = {
  tokens: [],
  alarmActive: false,
  ignoreLb: false,
  charge: undefined,
  chargeLow: undefined,
  runtime: undefined,
  runtimeLow: undefined,
  previousCharge: undefined,
};

describe('sticky status flags (process_boolean_info)', () => {
  it('sets a flag and clears it with "!"', () => {
    assert.deepEqual([...flags('dischrg')], ['dischrg']);
    assert.deepEqual([...flags('dischrg', '!dischrg')], []);
  });

  it('keeps flags that no later word touches', () => {
    assert.deepEqual([...flags('lowbatt', 'chrg', '!dischrg')].sort(), ['chrg', 'lowbatt']);
  });

  it('clears offline when online arrives and the other way round', () => {
    assert.deepEqual([...flags('offline', 'online')], ['online']);
    assert.deepEqual([...flags('online', 'offline')], ['offline']);
  });

  it('clears notfullycharged when fullycharged arrives and the other way round', () => {
    assert.deepEqual([...flags('notfullycharged', 'fullycharged')], ['fullycharged']);
    assert.deepEqual([...flags('fullycharged', 'notfullycharged')], ['notfullycharged']);
  });

  it('matches words case-insensitively and ignores unknown ones such as "normal"', () => {
    assert.deepEqual([...flags('LOWBATT')], ['lowbatt']);
    assert.deepEqual([...flags('ecomode', 'normal')], ['ecomode']);
  });

  it('does not change the set it was given', () => {
    const before = flags('online');
    applyBoolean(before, 'offline');
    assert.deepEqual([...before], ['online']);
  });

  it('knows NUT\'s thirty internal words', () => {
    assert.equal(STATUS_FLAGS.length, 30);
  });
});

describe('ups.status tokens (ups_status_set)', () => {
  it('says OL when online, OB when offline, nothing when the power state is unknown', () => {
    assert.deepEqual(status(['online']), ['OL']);
    assert.deepEqual(status(['offline']), ['OB']);
    assert.deepEqual(status([]), []);
  });

  it('assumes OB for a discharging device that reports no power state', () => {
    assert.deepEqual(status(['dischrg']), ['OB', 'DISCHRG']);
  });

  it('says OL DISCHRG for online and discharging by default', () => {
    assert.deepEqual(status(['online', 'dischrg']), ['OL', 'DISCHRG']);
  });

  it('says OB DISCHRG for online and discharging with onlinedischarge_onbattery', () => {
    assert.deepEqual(status(['online', 'dischrg'], {}, { onlineDischargeOnBattery: true }), ['OB', 'DISCHRG']);
  });

  it('says CAL DISCHRG with onlinedischarge_calibration, and CAL OB DISCHRG with both options', () => {
    assert.deepEqual(status(['online', 'dischrg'], {}, { onlineDischargeCalibration: true }), ['CAL', 'DISCHRG']);
    assert.deepEqual(status(['online', 'dischrg'], {}, { onlineDischargeCalibration: true, onlineDischargeOnBattery: true }), [
      'CAL',
      'OB',
      'DISCHRG',
    ]);
  });

  it('puts a reported calibration first', () => {
    assert.deepEqual(status(['cal', 'online']), ['CAL', 'OL']);
  });

  it('leaves out DISCHRG when the battery is depleted', () => {
    assert.deepEqual(status(['offline', 'dischrg', 'depleted']), ['OB']);
  });

  it('says CHRG when charging and the device reports it is not full', () => {
    assert.deepEqual(status(['online', 'chrg', 'notfullycharged']), ['OL', 'CHRG']);
  });

  it('drops CHRG when charging but fully charged', () => {
    assert.deepEqual(status(['online', 'chrg', 'fullycharged']), ['OL']);
  });

  it('without full/not-full information, says CHRG only for a charge strictly between 0 and 100', () => {
    assert.deepEqual(status(['online', 'chrg'], { charge: '55' }), ['OL', 'CHRG']);
    assert.deepEqual(status(['online', 'chrg'], { charge: '100' }), ['OL']);
    assert.deepEqual(status(['online', 'chrg'], { charge: '0' }), ['OL']);
    assert.deepEqual(status(['online', 'chrg'], { charge: undefined }), ['OL']);
  });

  it('says LB for low battery, an expired time limit or an imminent shutdown', () => {
    for (const w of ['lowbatt', 'timelimitexp', 'shutdownimm']) assert.deepEqual(status(['offline', w]), ['OB', 'LB']);
  });

  it('says OVER, RB (for replace battery or no battery), TRIM, BOOST, BYPASS and OFF', () => {
    assert.deepEqual(status(['online', 'overload']), ['OL', 'OVER']);
    assert.deepEqual(status(['online', 'replacebatt']), ['OL', 'RB']);
    assert.deepEqual(status(['online', 'nobattery']), ['OL', 'RB']);
    assert.deepEqual(status(['online', 'trim']), ['OL', 'TRIM']);
    assert.deepEqual(status(['online', 'boost']), ['OL', 'BOOST']);
    assert.deepEqual(status(['online', 'bypassauto']), ['OL', 'BYPASS']);
    assert.deepEqual(status(['online', 'bypassman']), ['OL', 'BYPASS']);
    assert.deepEqual(status(['off']), ['OFF']);
  });

  it('orders every token as NUT does', () => {
    const all = ['cal', 'online', 'dischrg', 'chrg', 'notfullycharged', 'lowbatt', 'overload', 'replacebatt', 'trim', 'boost', 'bypassauto', 'off'];
    assert.deepEqual(status(all), ['CAL', 'OL', 'DISCHRG', 'CHRG', 'LB', 'OVER', 'RB', 'TRIM', 'BOOST', 'BYPASS', 'OFF']);
  });

  it('says OB OL for a set holding both online and offline, as NUT does (applyBoolean never builds one)', () => {
    const conflicting = new Set<StatusFlag>(['online', 'offline']);
    const r = buildStatus({ flags: conflicting, charge: undefined, nowMs: 0, timers: NO_TIMERS, options: DEFAULT_STATUS_OPTIONS });
    assert.deepEqual(r.tokens, ['OB', 'OL']);
  });

  it('sets input.transfer.reason from vrange, else frange, else deletes it', () => {
    const reason = (...w: string[]): string | undefined =>
      buildStatus({ flags: flags(...w), charge: undefined, nowMs: 0, timers: NO_TIMERS, options: DEFAULT_STATUS_OPTIONS }).transferReason;
    assert.equal(reason('vrange', 'frange'), 'input voltage out of range');
    assert.equal(reason('frange'), 'input frequency out of range');
    assert.equal(reason('online'), undefined);
  });

  it('turns ECO and ESS flags into buzzwords, not status tokens', () => {
    const r = buildStatus({ flags: flags('online', 'ecomode', 'essmode'), charge: undefined, nowMs: 0, timers: NO_TIMERS, options: DEFAULT_STATUS_OPTIONS });
    assert.deepEqual(r.tokens, ['OL']);
    assert.deepEqual(r.buzzwords, ['vendor:default:ECO', 'vendor:default:ESS']);
  });
});

describe('the LB/RB delay (lbrb_log_delay_sec)', () => {
  const options: StatusOptions = { ...DEFAULT_STATUS_OPTIONS, lbrbLogDelaySec: 3, onlineDischargeCalibration: true };

  it('holds LB back while calibrating online until it has lasted longer than the delay', () => {
    const words = flags('online', 'dischrg', 'lowbatt');
    const first = buildStatus({ flags: words, charge: undefined, nowMs: 10_000, timers: NO_TIMERS, options });
    assert.deepEqual(first.tokens, ['CAL', 'DISCHRG']);
    assert.equal(first.timers.lbStartMs, 10_000);
    const second = buildStatus({ flags: words, charge: undefined, nowMs: 13_000, timers: first.timers, options });
    assert.deepEqual(second.tokens, ['CAL', 'DISCHRG']);
    const third = buildStatus({ flags: words, charge: undefined, nowMs: 13_001, timers: second.timers, options });
    assert.deepEqual(third.tokens, ['CAL', 'DISCHRG', 'LB']);
  });

  it('does not delay LB on battery or when not calibrating', () => {
    assert.deepEqual(status(['offline', 'dischrg', 'lowbatt'], {}, options), ['OB', 'DISCHRG', 'LB']);
    assert.deepEqual(status(['online', 'lowbatt'], {}, { lbrbLogDelaySec: 3 }), ['OL', 'LB']);
  });

  it('delays without calibration when lbrb_log_delay_without_calibrating is set', () => {
    const r = buildStatus({ flags: flags('online', 'lowbatt'), charge: undefined, nowMs: 1, timers: NO_TIMERS, options: { ...DEFAULT_STATUS_OPTIONS, lbrbLogDelaySec: 3, lbrbLogDelayWithoutCalibrating: true } });
    assert.deepEqual(r.tokens, ['OL']);
  });

  it('delays RB only during an LB episode, and forgets the timers when the condition goes', () => {
    const words = flags('online', 'dischrg', 'lowbatt', 'replacebatt');
    const first = buildStatus({ flags: words, charge: undefined, nowMs: 1000, timers: NO_TIMERS, options });
    assert.deepEqual(first.tokens, ['CAL', 'DISCHRG']);
    assert.deepEqual(first.timers, { lbStartMs: 1000, rbStartMs: 1000 });
    const rbOnly = buildStatus({ flags: flags('online', 'dischrg', 'replacebatt'), charge: undefined, nowMs: 2000, timers: first.timers, options });
    assert.deepEqual(rbOnly.tokens, ['CAL', 'DISCHRG', 'RB']);
    assert.equal(rbOnly.timers.lbStartMs, 0);
    const clear = buildStatus({ flags: flags('online'), charge: undefined, nowMs: 3000, timers: first.timers, options });
    assert.deepEqual(clear.timers, NO_TIMERS);
  });
});

describe('ups.alarm from the flags (ups_alarm_set)', () => {
  it('lists the sentences in NUT\'s order', () => {
    const all = flags('bypassman', 'bypassauto', 'awaitingpower', 'commfault', 'overheat', 'chargerfail', 'battvolthi', 'battvoltlo', 'nobattery', 'fanfail', 'shutdownimm', 'replacebatt');
    assert.deepEqual(flagAlarms(all), [
      'Replace battery!',
      'Shutdown imminent!',
      'Fan failure!',
      'No battery installed!',
      'Battery voltage too low!',
      'Battery voltage too high!',
      'Battery charger fail!',
      'Temperature too high!',
      'Internal UPS fault!',
      'Awaiting power!',
      'Automatic bypass mode!',
      'Manual bypass mode!',
    ]);
  });

  it('has none for an ordinary state', () => {
    assert.deepEqual(flagAlarms(flags('online', 'chrg', 'lowbatt')), []);
  });
});

describe('status_commit', () => {
  it('joins the tokens', () => {
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL', 'CHRG'] }), 'OL CHRG');
    assert.equal(commitStatus(COMMIT), '');
  });

  it('prefixes ALARM while an alarm is published', () => {
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], alarmActive: true }), 'ALARM OL');
    assert.equal(commitStatus({ ...COMMIT, alarmActive: true }), 'ALARM');
  });

  it('with ignorelb drops the device LB and decides LB from charge or runtime against their limits', () => {
    assert.equal(commitStatus({ ...COMMIT, ignoreLb: true, tokens: ['OB', 'LB'], charge: '50', chargeLow: '20' }), 'OB');
    assert.equal(commitStatus({ ...COMMIT, ignoreLb: true, tokens: ['OB'], charge: '10', chargeLow: '20' }), 'OB LB');
    assert.equal(commitStatus({ ...COMMIT, ignoreLb: true, tokens: ['OB'], runtime: '100', runtimeLow: '300' }), 'OB LB');
  });

  it('adds DISCHRG or CHRG from the charge trend when the device says neither', () => {
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: '80', previousCharge: 81 }), 'OL DISCHRG');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: '82', previousCharge: 81 }), 'OL CHRG');
  });

  it('adds nothing when the charge did not change, is 100, or was not known before', () => {
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: '80', previousCharge: 80 }), 'OL');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: '100', previousCharge: 99 }), 'OL');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: '80', previousCharge: undefined }), 'OL');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL'], charge: 'n/a', previousCharge: 50 }), 'OL');
  });

  it('adds the trend token when the device claims the opposite of the trend', () => {
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL', 'DISCHRG'], charge: '82', previousCharge: 81 }), 'OL DISCHRG CHRG');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL', 'CHRG'], charge: '80', previousCharge: 81 }), 'OL CHRG DISCHRG');
    assert.equal(commitStatus({ ...COMMIT, tokens: ['OL', 'CHRG'], charge: '82', previousCharge: 81 }), 'OL CHRG');
  });
});

describe('number parsing as C does it', () => {
  it('atoi reads a leading integer and stops at anything else', () => {
    assert.equal(atoi('42'), 42);
    assert.equal(atoi(' -7x'), -7);
    assert.equal(atoi('13.9'), 13);
    assert.equal(atoi('abc'), 0);
  });

  it('parseWholeNumber wants the whole text to be a number', () => {
    assert.equal(parseWholeNumber('99.5'), 99.5);
    assert.equal(parseWholeNumber('99%'), undefined);
    assert.equal(parseWholeNumber(''), undefined);
  });
});
