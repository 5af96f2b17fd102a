// Shapes of a parsed HID report descriptor, as NUT's parser sees it (docs/hid-mapping.md §1).
// The parser (descriptor.ts) produces them; the report codec (report.ts) reads and writes field values with them;
// the power-device mapping names them by path and decides what they mean.

export type ReportType = 'input' | 'output' | 'feature';

/** One data field of a report: one of the Report Count fields of a main item (§1.2). */
export interface HidField {
  /** 32-bit usages (page << 16 | id) of every enclosing collection, then the field's own usage; a vendor
   *  collection type (≥ 0x80) adds an index node 0x00ff00nn after its usage (§1.3). Padding fields have no usage
   *  of their own: only the collection path. */
  readonly usages: readonly number[];
  readonly reportId: number;
  readonly type: ReportType;
  /** bit offset in the report, not counting the report ID byte */
  readonly bitOffset: number;
  readonly bitSize: number;
  /** after sign extension by item size and NUT's "LogMax < LogMin → unsigned LogMax" rule (§1.5) */
  readonly logicalMin: number;
  readonly logicalMax: number;
  /** set only when both were declared and not both zero (§1.6); undefined otherwise */
  readonly physicalMin: number | undefined;
  readonly physicalMax: number | undefined;
  /** HID unit code, and the unit exponent sign-extended from 4 bits (§1.6) */
  readonly unit: number;
  readonly unitExponent: number;
  /** the main item's attribute byte (Constant, Variable, ...); NUT keeps constant fields that have a usage */
  readonly attributes: number;
  /** LogMax was re-read as unsigned because it came out below LogMin (the CyberPower fix looks at this). As in
   *  NUT, the flag is parser state that is never cleared: once one LogMax was re-read, every later field has it. */
  readonly assumedLogMax: boolean;
  /** a padding field: no usage was left in the local queue for it */
  readonly padding: boolean;
}

export interface ParsedDescriptor {
  readonly fields: readonly HidField[];
  /** bytes of each report including its ID byte, per type: 1 + max over its fields of ceil((offset+size)/8);
   *  0 for a report ID the descriptor does not declare with that type */
  reportLength(type: ReportType, reportId: number): number;
  /** parse warnings NUT would log (LogMax < LogMin, limits hit, unbalanced collections) */
  readonly warnings: readonly string[];
}

/** Error for a descriptor walnut cannot use; the driver reports `message` and treats the device as absent. */
export class HidDescriptorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HidDescriptorError';
  }
}
