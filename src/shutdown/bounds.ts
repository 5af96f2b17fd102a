// Bounds of the config's `shutdown` section (src/config/config.ts explains each key and its default).
import { boolean, number, type Schema } from '../util/schema.ts';

export const SHUTDOWN_BOUNDS: Schema = {
  enabled: boolean,
  onBatteryLowBattery: boolean,
  runtimeBelowSeconds: number(0, 86_400),
  chargeBelowPercent: number(0, 100),
  onBatteryForSeconds: number(0, 86_400),
  hostSyncSeconds: number(0, 3600),
  finalDelaySeconds: number(0, 3600),
  // ups.delay.shutdown / ups.delay.start travel in a 16-bit signed HID field on most UPSes
  offDelaySeconds: number(0, 32_767),
  onDelaySeconds: number(0, 32_767),
};
