// Bounds of the config's `loginThrottle` section (each knob is explained in throttle.ts).
import { integer, type Schema } from '../util/schema.ts';

export const THROTTLE_BOUNDS: Schema = {
  freeFailures: integer(0, 1000),
  baseDelayMs: integer(1, 3_600_000),
  maxDelayMs: integer(1, 3_600_000),
  halfLifeSeconds: integer(1, 7 * 86_400),
  userDistinctSources: integer(1, 32),
  maxTrackedSources: integer(16, 1_000_000),
  maxTrackedUsers: integer(16, 1_000_000),
};
