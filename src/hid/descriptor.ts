// The HID report-descriptor parser, with the semantics of NUT's hidparser.c (docs/hid-mapping.md §1.1–§1.3,
// §1.5, §1.6, check-list §1.8). It walks the short items once and emits one HidField per Report Count field.
//
// What NUT does, and so what this does:
// - Global items (page, report ID, size, count, logical/physical range, unit, exponent) persist until redefined:
//   no Push/Pop, so units and ranges leak into later items (§1.2, §1.8.5).
// - The local usage queue is cleared after every main item; field i of a main item takes the i-th queued usage,
//   and once the queue is empty the remaining fields are unnamed padding (no "last usage repeats", no Usage
//   Minimum/Maximum: §1.8.2). A 4-byte Usage is a full 32-bit usage (§1.8.1).
// - A Collection pushes its first pending usage (0 when there is none) and, for a vendor type ≥ 0x80, an index
//   node 0x00ff00nn; End Collection pops the usage and the index (§1.3).
// - LogMin/LogMax/PhyMin/PhyMax are sign-extended by item size; a LogMax below LogMin is re-read as unsigned
//   and logged (§1.5). The unit exponent is sign-extended from its low nibble (§1.6).
// - Bit offsets run per (report ID, report type) (§1.2).
//
// Where NUT has a fixed-width overflow, walnut does the arithmetic NUT intends (deliberate differences):
// - NUT keeps bit offsets in 8 bits, so offsets wrap past bit 255; here they do not (§1.2: no mapped field in the
//   corpus lives past bit 255, so the values agree, and the declared lengths are the true ones).
// - NUT's offset table mistakes report ID 0 for a free slot, so every field of an unnumbered report lands at
//   offset 0; here unnumbered reports get ordinary offsets.
// - NUT's field counter is 8 bits and a Report Count of 0 underflows into 256 fields; here it gives no field
//   (and a warning).
// - Where NUT would write past a fixed array (path depth, usage queue) it has undefined behaviour; here the
//   limit is logged and parsing stops, keeping the fields found so far (§1.8.10). NUT does not read a
//   descriptor longer than its 6144-byte buffer at all; here the first 6144 bytes are parsed, with a warning.
// - Where NUT reads past the end of the descriptor (an item whose data is cut off), this throws
//   HidDescriptorError.
import { HidDescriptorError } from './types.ts';
import type { HidField, ParsedDescriptor, ReportType } from './types.ts';

/** NUT's limits (hidtypes.h, §1.8.10) */
export const MAX_FIELDS = 500;
export const PATH_SIZE = 10;
export const USAGE_TAB_SIZE = 50;
export const REPORT_DSC_SIZE = 6144;
/** Not a NUT limit: NUT reuses the slot of a padding field, walnut keeps padding fields (the contract lists
 *  them). A device could make ~780k of them with count-leaking padding items; stop well above real ones. */
export const MAX_PADDING_FIELDS = 16384;

// item prefixes as NUT switches on them: prefix & 0xFC (§1.1)
const ITEM_MASK = 0xfc;
const INPUT = 0x80;
const OUTPUT = 0x90;
const FEATURE = 0xb0;
const COLLECTION = 0xa0;
const END_COLLECTION = 0xc0;
const USAGE_PAGE = 0x04;
const LOGICAL_MIN = 0x14;
const LOGICAL_MAX = 0x24;
const PHYSICAL_MIN = 0x34;
const PHYSICAL_MAX = 0x44;
const UNIT_EXPONENT = 0x54;
const UNIT = 0x64;
const REPORT_SIZE = 0x74;
const REPORT_ID = 0x84;
const REPORT_COUNT = 0x94;
const USAGE = 0x08;
/** NUT takes every prefix whose high six bits are all set as a long item (0xFE is the HID spec's one) */
const LONG_ITEM = 0xfc;

const DATA_BYTES = [0, 1, 2, 4] as const;
const INDEX_NODE = 0x00ff0000;

function isIndexNode(usage: number): boolean {
  return (usage & 0xffff0000) === INDEX_NODE;
}

/** NUT's FormatValue: the item data read as a signed number of its own width
 *  (§1.5: `15 ff` = −1, `26 ff 00` = 255) */
function signExtend(value: number, bytes: number): number {
  if (bytes === 1) return (value << 24) >> 24;
  if (bytes === 2) return (value << 16) >> 16;
  if (bytes === 4) return value | 0;
  return value;
}

/** NUT: `UnitExp = (int8_t)Value; if (UnitExp > 7) UnitExp |= 0xF0` — a 4-bit two's complement for the values
 *  0..15 that real descriptors use (`55 0f` = −1), reproduced bit for bit for the others (§1.6) */
function unitExponent(value: number): number {
  let e = (value << 24) >> 24;
  if (e > 7) e = ((e | 0xf0) << 24) >> 24;
  return e;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

const TYPE_INDEX = { input: 0, output: 1, feature: 2 } as const satisfies Record<ReportType, number>;

class Parsed implements ParsedDescriptor {
  readonly fields: readonly HidField[];
  readonly warnings: readonly string[];
  /** per type index, report ID → length in bytes including the ID byte; 0 for a report with no field */
  private readonly lengths: readonly Uint32Array[];

  constructor(fields: readonly HidField[], warnings: readonly string[], lengths: readonly Uint32Array[]) {
    this.fields = fields;
    this.warnings = warnings;
    this.lengths = lengths;
  }

  reportLength(type: ReportType, reportId: number): number {
    return this.lengths[TYPE_INDEX[type]]?.[reportId] ?? 0;
  }

  /** The same descriptor with other field objects (vendor fixes change logical ranges, never the layout). */
  withFields(fields: readonly HidField[]): Parsed {
    return new Parsed(fields, this.warnings, this.lengths);
  }
}

/**
 * A ParsedDescriptor with the fields replaced and everything else (lengths, warnings) kept. For the vendor fixes
 * (fixes.ts), which only ever change logical ranges of existing fields.
 */
export function withFields(parsed: ParsedDescriptor, fields: readonly HidField[]): ParsedDescriptor {
  if (parsed instanceof Parsed) return parsed.withFields(fields);
  const lengths = (['input', 'output', 'feature'] as const).map((type) => {
    const perId = new Uint32Array(256);
    for (let id = 0; id < 256; id++) perId[id] = parsed.reportLength(type, id);
    return perId;
  });
  return new Parsed(fields, parsed.warnings, lengths);
}

/**
 * Parse a report descriptor the way NUT's usbhid-ups does. Limits and descriptor oddities become `warnings`;
 * a descriptor that cannot be walked (an item running past the end) or that has no data field at all throws
 * HidDescriptorError, as NUT then has no descriptor either.
 */
export function parseDescriptor(bytes: Buffer): ParsedDescriptor {
  const warnings: string[] = [];
  const fields: HidField[] = [];
  const lengths = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)] as const;

  // NUT reads the descriptor into a 6144-byte buffer and will not take a longer one (§1.8.10)
  let end = bytes.length;
  if (end > REPORT_DSC_SIZE) {
    warnings.push(`Report descriptor too big: ${end} bytes, only the first ${REPORT_DSC_SIZE} are parsed`);
    end = REPORT_DSC_SIZE;
  }

  // global state (§1.2): persists across main items and collections
  let usagePage = 0;
  let reportId = 0;
  let reportSize = 0;
  let reportCount = 0;
  let logicalMin = 0;
  let logicalMax = 0;
  let physicalMin = 0;
  let physicalMax = 0;
  let havePhysicalMin = false;
  let havePhysicalMax = false;
  let unit = 0;
  let unitExp = 0;
  // NUT sets this flag in its global state and never clears it: once a LogMax was re-read, every later field
  // carries it. The CyberPower fix reads it (§2.6), so it is kept the same way.
  let assumedLogMax = false;

  // local state: the usage queue, cleared after every main item
  const usageQueue: number[] = [];
  // the collection path, index nodes included
  const path: number[] = [];
  // next free bit per (type, report ID), not counting the ID byte
  const offsets = [new Float64Array(256), new Float64Array(256), new Float64Array(256)] as const;

  let named = 0;
  let padding = 0;
  let pos = 0;

  parse: while (pos < end) {
    const itemStart = pos;
    const prefix = bytes[pos++]!;
    const size = DATA_BYTES[prefix & 0x03]!;
    if (pos + size > end) {
      if (end < bytes.length) break parse; // the item straddles the 6144-byte cut: already warned above
      throw new HidDescriptorError(
        `report descriptor truncated: item 0x${hex2(prefix)} at byte ${itemStart} needs ${size} data bytes, ` +
          `${end - pos} left`,
      );
    }
    let value = 0;
    for (let i = 0; i < size; i++) value += bytes[pos + i]! * 2 ** (8 * i);
    pos += size;
    const tag = prefix & ITEM_MASK;

    switch (tag) {
      case USAGE_PAGE:
        usagePage = value & 0xffff;
        break;

      case USAGE:
        if (usageQueue.length >= USAGE_TAB_SIZE) {
          warnings.push(
            `HID Usage too high: more than ${USAGE_TAB_SIZE} usages before one main item ` +
              `(byte ${itemStart}); parsing stopped`,
          );
          break parse;
        }
        // a 4-byte usage is page and ID together (§1.8.1); a shorter one is an ID on the current page
        usageQueue.push(size === 4 ? value : usagePage * 0x10000 + (value & 0xffff));
        break;

      case COLLECTION: {
        const nodes = value >= 0x80 ? 2 : 1;
        // a field adds its own usage: the collection path must leave room for it in NUT's 10 nodes
        if (path.length + nodes > PATH_SIZE - 1) {
          warnings.push(
            `HID path too long: the collection at byte ${itemStart} leaves no room for a field ` +
              `in ${PATH_SIZE} path nodes; parsing stopped`,
          );
          break parse;
        }
        // the first pending usage, or 0 for a collection without one (§1.3)
        path.push(usageQueue[0] ?? 0);
        if (value >= 0x80) path.push(INDEX_NODE + (value & 0x7f));
        usageQueue.length = 0;
        break;
      }

      case END_COLLECTION: {
        const popped = path.pop();
        if (popped === undefined) {
          warnings.push(`End Collection without a matching Collection at byte ${itemStart}`);
        } else if (isIndexNode(popped)) {
          // NUT pops a second node when the first one looks like an index node (§1.3)
          path.pop();
        }
        usageQueue.length = 0;
        break;
      }

      case INPUT:
      case OUTPUT:
      case FEATURE: {
        const type: ReportType = tag === INPUT ? 'input' : tag === OUTPUT ? 'output' : 'feature';
        const t = TYPE_INDEX[type];
        if (reportCount === 0) {
          warnings.push(`Report Count 0 for the ${type} item at byte ${itemStart} (report 0x${hex2(reportId)}): no field`);
        }
        for (let i = 0; i < reportCount; i++) {
          const usage = usageQueue[i] ?? 0;
          const isPadding = usage === 0;
          if (isPadding && padding >= MAX_PADDING_FIELDS) {
            warnings.push(`Too many padding fields (more than ${MAX_PADDING_FIELDS}); parsing stopped at byte ${itemStart}`);
            break parse;
          }
          const offsetTable = offsets[t];
          const bitOffset = offsetTable[reportId]!;
          offsetTable[reportId] = bitOffset + reportSize;
          const bytesNeeded = 1 + Math.ceil((bitOffset + reportSize) / 8);
          if (bytesNeeded > lengths[t][reportId]!) lengths[t][reportId] = bytesNeeded;
          const physical = havePhysicalMin && havePhysicalMax && !(physicalMin === 0 && physicalMax === 0);
          fields.push({
            usages: isPadding ? path.slice() : [...path, usage],
            reportId,
            type,
            bitOffset,
            bitSize: reportSize,
            logicalMin,
            logicalMax,
            physicalMin: physical ? physicalMin : undefined,
            physicalMax: physical ? physicalMax : undefined,
            unit,
            unitExponent: unitExp,
            attributes: value & 0xff,
            assumedLogMax,
            padding: isPadding,
          });
          if (isPadding) {
            padding++;
          } else if (++named === MAX_FIELDS) {
            // NUT stops asking for objects once its table is full, even in the middle of a main item
            if (pos < end || i + 1 < reportCount) {
              warnings.push(`Too many HID objects (${MAX_FIELDS}); parsing stopped after the field at byte ${itemStart}`);
            }
            break parse;
          }
        }
        usageQueue.length = 0;
        break;
      }

      case REPORT_ID:
        reportId = value & 0xff;
        break;
      case REPORT_SIZE:
        reportSize = value & 0xff;
        break;
      case REPORT_COUNT:
        reportCount = value & 0xff;
        break;
      case UNIT_EXPONENT:
        unitExp = unitExponent(value);
        break;
      case UNIT:
        unit = value;
        break;
      case LOGICAL_MIN:
        logicalMin = signExtend(value, size);
        break;
      case LOGICAL_MAX:
        logicalMax = signExtend(value, size);
        // the firmware wrote an unsigned maximum in too few bytes (`25 ff` for 255): NUT re-reads it as unsigned
        // and says so (§1.5)
        if (logicalMax < logicalMin) {
          warnings.push(
            'LogMax is less than LogMin. Vendor HID report descriptor may be incorrect; ' +
              `interpreting LogMax ${logicalMax} as ${value} in ReportID: 0x${hex2(reportId)}`,
          );
          logicalMax = value;
          assumedLogMax = true;
        }
        break;
      case PHYSICAL_MIN:
        physicalMin = signExtend(value, size);
        havePhysicalMin = true;
        break;
      case PHYSICAL_MAX:
        physicalMax = signExtend(value, size);
        havePhysicalMax = true;
        break;

      case LONG_ITEM: {
        // bDataSize is the first data byte; NUT skips the long item's data (§1.1)
        const skip = value & 0xff;
        if (pos + skip > end) {
          if (end < bytes.length) break parse;
          throw new HidDescriptorError(
            `report descriptor truncated: long item at byte ${itemStart} announces ${skip} data bytes, ${end - pos} left`,
          );
        }
        pos += skip;
        break;
      }

      default:
        // Usage Minimum/Maximum, Push/Pop, designators, strings, delimiters, reserved tags: ignored by NUT (§1.1)
        break;
    }
  }

  if (path.length > 0) {
    warnings.push(`Collection not closed at the end of the report descriptor (${path.length} path node(s) open)`);
  }
  if (named === 0) {
    throw new HidDescriptorError(
      fields.length === 0 ? 'report descriptor declares no data field' : 'report descriptor declares only padding fields',
    );
  }
  return new Parsed(fields, warnings, lengths);
}
