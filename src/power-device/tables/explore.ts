// The generic fallback ("EXPLORE HID 0.2", NUT drivers/explore-hid.c): no mapping rows at all. A device served
// with it publishes its USB identity only, which is what NUT's `explore` subdriver does (docs/hid-mapping.md
// §2.6, last item).
import type { MappingRow } from './types.ts';

export const EXPLORE_ROWS: readonly MappingRow[] = [];
