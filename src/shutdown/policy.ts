// When the UPS must take the network down. NUT's upsmon shuts down on "OB LB" only (a critical UPS, upsmon(8));
// walnut adds the triggers people configure by hand with upssched: runtime left, charge left, and time on
// battery. Every trigger needs the UPS on battery: a UPS recharging at 5 % on mains is no emergency. Pure.

export interface ShutdownPolicy {
  /** NUT's rule: on battery and low battery (the UPS's own LB). */
  onBatteryLowBattery: boolean;
  /** on battery and battery.runtime below this many seconds */
  runtimeBelowSeconds?: number | undefined;
  /** on battery and battery.charge below this percentage */
  chargeBelowPercent?: number | undefined;
  /** on battery for longer than this many seconds */
  onBatteryForSeconds?: number | undefined;
}

export interface PowerSnapshot {
  /** ups.status tokens, upper case, FSD/ALARM included or not: they do not matter here */
  readonly tokens: readonly string[];
  readonly charge?: number | undefined;
  readonly runtime?: number | undefined;
  /** when OB was first seen in the current on-battery spell, ms */
  readonly onBatterySince?: number | undefined;
}

/** The reason to shut down now, in words for the event log, or undefined. */
export function shutdownReason(policy: ShutdownPolicy, s: PowerSnapshot, now: number): string | undefined {
  const ob = s.tokens.includes('OB');
  if (!ob) return undefined;
  if (policy.onBatteryLowBattery && s.tokens.includes('LB')) return 'on battery and low battery';
  if (policy.runtimeBelowSeconds !== undefined && s.runtime !== undefined && s.runtime < policy.runtimeBelowSeconds) {
    return `on battery with ${s.runtime} s of runtime left (below ${policy.runtimeBelowSeconds} s)`;
  }
  if (policy.chargeBelowPercent !== undefined && s.charge !== undefined && s.charge < policy.chargeBelowPercent) {
    return `on battery with ${s.charge} % charge left (below ${policy.chargeBelowPercent} %)`;
  }
  if (policy.onBatteryForSeconds !== undefined && s.onBatterySince !== undefined) {
    const seconds = Math.floor((now - s.onBatterySince) / 1000);
    if (seconds >= policy.onBatteryForSeconds) return `on battery for ${seconds} s (limit ${policy.onBatteryForSeconds} s)`;
  }
  return undefined;
}
