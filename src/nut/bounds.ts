// Bounds of the config's `nut` section (src/config/config.ts explains each key and its default).
import { integer, type Schema } from '../util/schema.ts';

export const NUT_BOUNDS: Schema = {
  idleTimeoutSeconds: integer(1, 86_400),
  maxConnections: integer(1, 1_000_000),
  outputHighWaterBytes: integer(1024, 64 * 1024 * 1024),
  writeStallSeconds: integer(1, 86_400),
  maxPendingInputBytes: integer(1024, 64 * 1024 * 1024),
  maxConsecutiveErrors: integer(1, 10_000),
  trackingRetentionSeconds: integer(1, 7 * 86_400),
  maxTrackingEntries: integer(1, 1_000_000),
  maxAgeSeconds: integer(1, 3600),
};
