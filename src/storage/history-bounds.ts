// Bounds of the config's `history` section (src/config/config.ts explains each key and its default).
import { integer, type Schema } from '../util/schema.ts';
import { MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from './history-buckets.ts';

export const HISTORY_BOUNDS: Schema = {
  // 5 s: finer than a UPS's readings move (usbhid-ups polls every 2 s, batteries change over minutes), and the
  // raw tier's row cap (history.ts MAX_SAMPLE_ROWS) is computed from it; 1 h: the coarsest tier's width, past
  // which the 24 h chart would hold fewer than 24 points
  intervalSeconds: integer(MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
};
