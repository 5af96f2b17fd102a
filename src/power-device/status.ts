// ups.status and ups.alarm, the way usbhid-ups builds them (docs/hid-mapping.md §2.3):
//   A. BOOL rows feed sticky internal flags ("online", "!dischrg", ...): a flag only changes when a row that
//      feeds it is read, so Input reports and partial (quick) walks accumulate;
//   B. ups_status_set() turns the flags into NUT tokens (OL/OB/CAL/DISCHRG/CHRG/LB/OVER/RB/TRIM/BOOST/BYPASS/
//      OFF), input.transfer.reason and the ECO/ESS buzzwords;
//   C. on full updates the flags also give the ups.alarm sentences;
//   D. status_commit() (drivers/dstate.c) adds LB for ignorelb, the battery-charge trend (CHRG/DISCHRG when the
//      device says neither) and the ALARM prefix.
// Everything here is pure: state (flags, the LB/RB delay timers) goes in and comes out, time is a parameter.

/** NUT's internal status words (usbhid-ups.c status_info[]); the lower-case spelling is NUT's. */
export const STATUS_FLAGS = [
  'online', 'offline', 'dischrg', 'chrg', 'lowbatt', 'overload', 'replacebatt', 'shutdownimm', 'trim', 'boost',
  'bypassauto', 'bypassman', 'ecomode', 'essmode', 'off', 'cal', 'overheat', 'commfault', 'depleted',
  'timelimitexp', 'fullycharged', 'notfullycharged', 'awaitingpower', 'fanfail', 'nobattery', 'battvoltlo',
  'battvolthi', 'chargerfail', 'vrange', 'frange',
] as const;

export type StatusFlag = (typeof STATUS_FLAGS)[number];
export type StatusFlags = ReadonlySet<StatusFlag>;

function findFlag(word: string): StatusFlag | undefined {
  const lower = word.toLowerCase(); // NUT compares with strcasecmp
  return STATUS_FLAGS.find((f) => f === lower);
}

function applyOne(flags: Set<StatusFlag>, token: string): void {
  const clear = token.startsWith('!');
  const flag = findFlag(clear ? token.slice(1) : token);
  // A word NUT does not know (e.g. eco_mode_info's "normal") changes nothing, as in process_boolean_info().
  if (!flag) return;
  if (clear) flags.delete(flag);
  else flags.add(flag);
}

/** Step A: process_boolean_info(). "online"/"offline" and "fullycharged"/"notfullycharged" clear their
 *  opposite, because a device reporting one of them knows the other is false. */
export function applyBoolean(flags: StatusFlags, token: string): Set<StatusFlag> {
  const next = new Set(flags);
  if (token === 'online') applyOne(next, '!offline');
  else if (token === 'offline') applyOne(next, '!online');
  if (token === 'fullycharged') applyOne(next, '!notfullycharged');
  else if (token === 'notfullycharged') applyOne(next, '!fullycharged');
  applyOne(next, token);
  return next;
}

export interface StatusOptions {
  /** onlinedischarge_onbattery (legacy alias onlinedischarge): OL+DISCHRG is reported as OB */
  readonly onlineDischargeOnBattery: boolean;
  /** onlinedischarge_calibration: OL+DISCHRG is reported as CAL */
  readonly onlineDischargeCalibration: boolean;
  /** lbrb_log_delay_sec: LB/RB must persist this long while calibrating before they are reported (0 = off) */
  readonly lbrbLogDelaySec: number;
  /** lbrb_log_delay_without_calibrating: apply the delay even when not calibrating */
  readonly lbrbLogDelayWithoutCalibrating: boolean;
}

export const DEFAULT_STATUS_OPTIONS: StatusOptions = {
  onlineDischargeOnBattery: false,
  onlineDischargeCalibration: false,
  lbrbLogDelaySec: 0,
  lbrbLogDelayWithoutCalibrating: false,
};

/** When LB / RB were first seen while being delayed (ms since epoch; 0 = not pending), NUT's last_lb_start. */
export interface LbRbTimers {
  readonly lbStartMs: number;
  readonly rbStartMs: number;
}

export const NO_TIMERS: LbRbTimers = { lbStartMs: 0, rbStartMs: 0 };

export interface StatusInput {
  readonly flags: StatusFlags;
  /** the published battery.charge, as text (the CHRG rule reads it with atoi) */
  readonly charge: string | undefined;
  readonly nowMs: number;
  readonly timers: LbRbTimers;
  readonly options: StatusOptions;
}

export interface StatusResult {
  /** tokens in NUT's order, each at most once */
  readonly tokens: readonly string[];
  /** input.transfer.reason, or undefined to delete it */
  readonly transferReason: string | undefined;
  /** experimental.ups.mode.buzzwords contributions */
  readonly buzzwords: readonly string[];
  readonly timers: LbRbTimers;
}

/** C's atoi(): leading blanks, optional sign, digits; anything else ends the number (0 when there is none). */
export function atoi(text: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(text);
  if (!m?.[1]) return 0;
  const n = Number.parseInt(m[1], 10);
  // int overflow is undefined in C; clamp to the 32-bit range instead of producing garbage
  return Math.max(-2147483648, Math.min(2147483647, n));
}

/** Step B: ups_status_set() (usbhid-ups.c). */
export function buildStatus(input: StatusInput): StatusResult {
  const { flags, options, nowMs } = input;
  const has = (f: StatusFlag): boolean => flags.has(f);
  const tokens: string[] = [];
  const set = (t: string): void => {
    if (!tokens.includes(t)) tokens.push(t); // str_add_unique_token()
  };

  let transferReason: string | undefined;
  if (has('vrange')) transferReason = 'input voltage out of range';
  else if (has('frange')) transferReason = 'input frequency out of range';

  // Calibration first, so that upsmon knows a following OB/OFF is a drill.
  if (has('cal')) set('CAL');

  if (has('offline')) set('OB'); // also when "online" is set too: NUT logs the conflict and says OB

  if (!has('online')) {
    if (has('offline')) set('OB');
    else if (has('dischrg')) set('OB'); // no power state reported, but discharging: assume on battery
  } else if (has('dischrg')) {
    // online AND discharging (§2.3): the options say what it means, NUT's default is OL
    if (options.onlineDischargeCalibration) set('CAL');
    if (options.onlineDischargeOnBattery) set('OB');
    if (!options.onlineDischargeOnBattery && !options.onlineDischargeCalibration) set('OL');
  } else {
    set('OL');
  }

  const calibrating = tokens.includes('CAL');

  if (has('dischrg') && !has('depleted')) set('DISCHRG');

  if (has('chrg')) {
    if (has('notfullycharged')) {
      set('CHRG');
    } else if (!has('fullycharged')) {
      // the device does not say whether it is full: only a charge strictly between 0 and 100 means charging
      if (input.charge !== undefined) {
        const c = atoi(input.charge);
        if (c > 0 && c < 100) set('CHRG');
      }
    }
  }

  let { lbStartMs, rbStartMs } = input.timers;
  const delayMs = options.lbrbLogDelaySec * 1000;
  const delaying = options.lbrbLogDelaySec >= 1 && (calibrating || options.lbrbLogDelayWithoutCalibrating) && has('online');

  if (has('lowbatt') || has('timelimitexp') || has('shutdownimm')) {
    if (!delaying) {
      set('LB');
    } else if (!lbStartMs) {
      lbStartMs = nowMs;
    } else if (nowMs - lbStartMs > delayMs) {
      set('LB');
    }
  } else {
    lbStartMs = 0;
  }

  if (has('overload')) set('OVER');

  if (has('replacebatt') || has('nobattery')) {
    // RB is not delayed once the LB episode has ended
    if (!delaying || !lbStartMs) {
      set('RB');
    } else if (!rbStartMs) {
      rbStartMs = nowMs;
    } else if (nowMs - rbStartMs > delayMs) {
      set('RB');
    }
  } else {
    rbStartMs = 0;
  }

  if (has('trim')) set('TRIM');
  if (has('boost')) set('BOOST');
  if (has('bypassauto') || has('bypassman')) set('BYPASS');

  const buzzwords: string[] = [];
  if (has('ecomode')) buzzwords.push('vendor:default:ECO');
  if (has('essmode')) buzzwords.push('vendor:default:ESS');

  if (has('off')) set('OFF');

  return { tokens, transferReason, buzzwords, timers: { lbStartMs, rbStartMs } };
}

/** Step C: ups_alarm_set(), the sentences the flags add to ups.alarm on a full update, in NUT's order. */
export function flagAlarms(flags: StatusFlags): string[] {
  const out: string[] = [];
  const pairs: readonly (readonly [StatusFlag, string])[] = [
    ['replacebatt', 'Replace battery!'],
    ['shutdownimm', 'Shutdown imminent!'],
    ['fanfail', 'Fan failure!'],
    ['nobattery', 'No battery installed!'],
    ['battvoltlo', 'Battery voltage too low!'],
    ['battvolthi', 'Battery voltage too high!'],
    ['chargerfail', 'Battery charger fail!'],
    ['overheat', 'Temperature too high!'],
    ['commfault', 'Internal UPS fault!'],
    ['awaitingpower', 'Awaiting power!'],
    ['bypassauto', 'Automatic bypass mode!'],
    ['bypassman', 'Manual bypass mode!'],
  ];
  for (const [flag, text] of pairs) if (flags.has(flag)) out.push(text);
  return out;
}

export interface CommitInput {
  readonly tokens: readonly string[];
  /** an ups.alarm is published (set by the last full update) */
  readonly alarmActive: boolean;
  /** driver.flag.ignorelb: the device's LB is dropped and LB comes from charge/runtime vs their limits */
  readonly ignoreLb: boolean;
  readonly charge: string | undefined;
  readonly chargeLow: string | undefined;
  readonly runtime: string | undefined;
  readonly runtimeLow: string | undefined;
  /** battery.charge as it was before this update cycle (main.c), undefined when it was not known */
  readonly previousCharge: number | undefined;
}

/** C's strtol(s, NULL, 10) for the comparisons status_commit() makes (no overflow in our value ranges). */
function strtol(text: string): number {
  return atoi(text);
}

/** str_to_double(): the whole string must be a number. */
export function parseWholeNumber(text: string): number | undefined {
  if (!/^[\t\n\v\f\r ]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** Step D: status_commit() (drivers/dstate.c); returns the ups.status value. */
export function commitStatus(input: CommitInput): string {
  const tokens = input.ignoreLb ? input.tokens.filter((t) => t.toUpperCase() !== 'LB') : [...input.tokens];
  const add = (t: string): void => {
    if (!tokens.includes(t)) tokens.push(t);
  };

  if (input.ignoreLb) {
    const below = (v: string | undefined, low: string | undefined): boolean =>
      v !== undefined && low !== undefined && strtol(v) < strtol(low);
    if (below(input.charge, input.chargeLow) || below(input.runtime, input.runtimeLow)) tokens.push('LB');
  }

  // The charge trend: below 100 % and changed since the last cycle. Silent devices get CHRG or DISCHRG from it;
  // a device that says the opposite of the trend gets the trend's token added too (NUT logs a warning).
  const current = input.charge === undefined ? undefined : parseWholeNumber(input.charge);
  const previous = input.previousCharge;
  if (previous !== undefined && previous >= 0 && current !== undefined && current >= 0 && current < 100 && current !== previous) {
    const saysDischarging = tokens.includes('DISCHRG');
    const saysCharging = tokens.includes('CHRG');
    if (!saysDischarging && !saysCharging) {
      add(current > previous ? 'CHRG' : 'DISCHRG');
    } else if (current > previous && saysDischarging) {
      add('CHRG');
    } else if (current < previous && saysCharging) {
      add('DISCHRG');
    }
  }

  const text = tokens.join(' ');
  if (input.alarmActive) return text ? `ALARM ${text}` : 'ALARM';
  return text;
}
