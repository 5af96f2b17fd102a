// The shape of one mapping row: NUT's hid_info_t as data (docs/hid-mapping.md §2.1). Each subdriver table is an
// ordered list of these; order matters, because for an ordinary variable the first row whose path exists in the
// descriptor and yields a value wins, and later rows of the same name are dropped (§2.1 step 3).

/** NUT's hidflags (usbhid-ups.h), kept as bit values so rows read like NUT's *_hid2nut[] tables. */
export const HU = {
  /** read once, at the INIT walk */
  STATIC: 2,
  /** re-read only after a write (setvar/instcmd) */
  SEMI_STATIC: 4,
  /** driver-side variable: not read, created from `dfl` when the path exists */
  ABSENT: 8,
  /** read on every quick update (status bits, timers) */
  QUICK_POLL: 16,
  STALE: 32,
  /** an instant command; `dfl` is the value written */
  CMD: 64,
  /** publish the lookup's values as the ENUM list of an RW variable */
  ENUM: 128,
  PARAM_REQUIRED: 256,
} as const;

/** NUT's DEFAULT_ONDELAY / DEFAULT_OFFDELAY and the CyberPower ones (usbhid-ups.h), as the strings NUT uses. */
export const ON_DELAY = '30';
export const OFF_DELAY = '20';
export const CPS_ON_DELAY = '120';
export const CPS_OFF_DELAY = '60';

export interface MappingRow {
  /** NUT variable, instant command, `BOOL` (a status-bit feeder) or `ups.alarm` */
  readonly name: string;
  /** HID path with the subdriver's usage names, e.g. `UPS.PowerSummary.RemainingCapacity` */
  readonly path: string;
  /** ST_FLAG_RW: listed by LIST RW and writable through SET VAR */
  readonly rw?: true;
  /** ST_FLAG_STRING with its info_len: published as STRING:n */
  readonly str?: number;
  /** printf format for numeric values, the default of an ABSENT row, or the value a command writes */
  readonly dfl?: string;
  /** HU flags */
  readonly hu?: number;
  /** name of the lookup table or conversion function (conversions.ts) */
  readonly conv?: string;
}

export function hasFlag(row: MappingRow, flag: number): boolean {
  return ((row.hu ?? 0) & flag) !== 0;
}
