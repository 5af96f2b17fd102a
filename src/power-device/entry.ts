// What the walk, the Input reports and the write path share about one device's subdriver table.
import type { HidField } from '../hid/types.ts';
import type { Conversion } from './conversions.ts';
import type { MappingRow } from './tables/types.ts';

/** NUT formats values into a buffer of ST_MAX_VALUE_LEN (256) bytes: at most 255 characters */
export const MAX_VALUE = 255;

/** One row of the subdriver table and the field it resolved to (NUT's hiddata; undefined = not used). */
export interface Entry {
  readonly row: MappingRow;
  readonly conv: Conversion | undefined;
  field: HidField | undefined;
}

/** What a walk or a write collects besides variables. */
export interface OpSinks {
  readonly alarms: string[];
  readonly buzzwords: string[];
}

export function noSinks(): OpSinks {
  return { alarms: [], buzzwords: [] };
}
