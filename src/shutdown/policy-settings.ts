// The shutdown section as the setup page edits it (issue 16): the same fields as the config file's `shutdown`
// section (src/config/config.ts ShutdownConfig is this type), checked through the same bounds (bounds.ts), so a
// value the file would refuse the page cannot store, and every refusal names its field. Pure.
import { applySection, isObject, SchemaError } from '../util/schema.ts';
import { SHUTDOWN_BOUNDS } from './bounds.ts';
import type { ShutdownOptions } from './orchestrator.ts';

/** walnut as the primary of its UPS: the config file's `shutdown` section (src/config/config.ts ShutdownConfig is
 *  this type) and what the page saves over it. */
export interface PolicySettings {
  /** false: never set FSD or command the UPS (another primary does it) */
  enabled: boolean;
  /** upsmon's rule: on battery and the UPS says low battery */
  onBatteryLowBattery: boolean;
  /** also shut down on battery when battery.runtime drops below this (seconds) */
  runtimeBelowSeconds?: number;
  /** ... or battery.charge below this (percent) */
  chargeBelowPercent?: number;
  /** ... or after this long on battery (seconds) */
  onBatteryForSeconds?: number;
  /** upsmon HOSTSYNC: how long to wait for secondaries to log out after FSD (15) */
  hostSyncSeconds: number;
  /** upsmon FINALDELAY: pause before commanding the UPS (5) */
  finalDelaySeconds: number;
  /** ups.delay.shutdown for shutdown.return: the UPS cuts its output this long after the command (20, NUT's) */
  offDelaySeconds: number;
  /** ups.delay.start: and powers up this long after mains return (30, NUT's) */
  onDelaySeconds: number;
}

/** The fields a whole policy must have; the three extra triggers may be left out (they are then off). */
const REQUIRED = ['enabled', 'onBatteryLowBattery', 'hostSyncSeconds', 'finalDelaySeconds', 'offDelaySeconds', 'onDelaySeconds'] as const;
const OPTIONAL = ['runtimeBelowSeconds', 'chargeBelowPercent', 'onBatteryForSeconds'] as const;

/**
 * A whole policy from untrusted JSON: every key through SHUTDOWN_BOUNDS (messages as `shutdown.<key>: ...`),
 * the required keys present. A whole section, not a patch: what the page saves is exactly what it reads back.
 * An optional trigger given as null is off (JSON has no undefined).
 */
export function readPolicySettings(value: unknown): PolicySettings {
  if (!isObject(value)) throw new SchemaError('shutdown: expected an object');
  const given: Record<string, unknown> = { ...value };
  for (const k of OPTIONAL) if (given[k] === null) delete given[k];
  const out = applySection<Partial<PolicySettings>>('shutdown', given, {}, SHUTDOWN_BOUNDS);
  for (const k of REQUIRED) if (out[k] === undefined) throw new SchemaError(`shutdown.${k}: missing`);
  return out as PolicySettings;
}

/** The same settings with only the keys they set, in a fixed order (what is stored and what the page reads). */
export function normalized(s: PolicySettings): PolicySettings {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(SHUTDOWN_BOUNDS)) if ((s as unknown as Record<string, unknown>)[k] !== undefined) out[k] = (s as unknown as Record<string, unknown>)[k];
  return out as unknown as PolicySettings;
}

/** The bounds of each number field, for the page's inputs and hints (the server checks them again). */
export function numberBounds(): Record<string, { min: number; max: number }> {
  const out: Record<string, { min: number; max: number }> = {};
  for (const [k, f] of Object.entries(SHUTDOWN_BOUNDS)) if (f.kind === 'number') out[k] = { min: f.min, max: f.max };
  return out;
}

/** What the orchestrator runs with. */
export function optionsOf(s: PolicySettings): ShutdownOptions {
  return {
    policy: {
      onBatteryLowBattery: s.onBatteryLowBattery,
      runtimeBelowSeconds: s.runtimeBelowSeconds,
      chargeBelowPercent: s.chargeBelowPercent,
      onBatteryForSeconds: s.onBatteryForSeconds,
    },
    hostSyncSeconds: s.hostSyncSeconds,
    finalDelaySeconds: s.finalDelaySeconds,
    offDelaySeconds: s.offDelaySeconds,
    onDelaySeconds: s.onDelaySeconds,
  };
}
