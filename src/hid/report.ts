// The report codec: field values in and out of report bytes, and logical <-> physical <-> NUT value, with the
// arithmetic of NUT's hidparser.c GetValue/SetValue and libhid.c logical_to_physical, physical_to_logical,
// get_unit_expo and exponent (docs/hid-mapping.md §1.5, §1.6, §2.5).
//
// Report buffers always carry the report ID in byte 0, the data from byte 1 (for an unnumbered report the caller
// prepends a 0, §3.6), so a field at bit offset b starts at bit b + 8 of the buffer.
//
// Numbers: logical values are integers held exactly in doubles. NUT's masks are at most 34 bits wide (a 4-byte
// LogMax re-read as unsigned, or the APC fix doubling it), so no JS bitwise operator (signed 32-bit) is used on
// a value; bits are gathered byte by byte with multiplication. (NUT's `1L << Weight` is undefined for fields of
// 64 bits or more; here such a field reads like any other: only the low bits its range needs count.)
import type { HidField, ParsedDescriptor, ReportType } from './types.ts';

const TWO_POW_32 = 2 ** 32;

/** NUT's hibit(): number of significant bits of a non-negative integer (0 for 0) */
function hibit(x: number): number {
  if (x < TWO_POW_32) return 32 - Math.clz32(x);
  return 32 + hibit(Math.floor(x / TWO_POW_32));
}

/**
 * The logical value of a field in a report, as NUT's GetValue computes it (§1.5): the field's bits little-endian
 * from bit offset + 8; bytes past the end of a short report read as 0 (NUT's buffer is zero-filled); only the
 * bits that LogMin/LogMax need are kept (a sign bit only when LogMin < 0, then sign-extended); the result is
 * clamped to [LogMin, LogMax]. Allocation-free: it runs for every field on every poll.
 */
export function readLogical(field: HidField, report: Buffer): number {
  const min = field.logicalMin;
  const max = field.logicalMax;
  const magMax = max >= 0 ? max : -1 - max;
  const magMin = min >= 0 ? min : -1 - min;
  const signBitIndex = hibit(magMax > magMin ? magMax : magMin);
  const signed = min < 0;
  // NUT masks with (signbit − 1) | (LogMin < 0 ? signbit : 0): reading more bits than that would only be masked off
  const wanted = signed ? signBitIndex + 1 : signBitIndex;
  const count = field.bitSize < wanted ? field.bitSize : wanted;

  let value = 0;
  let weight = 1;
  let bit = field.bitOffset + 8;
  let done = 0;
  while (done < count) {
    const shift = bit & 7;
    let take = 8 - shift;
    if (take > count - done) take = count - done;
    const byte = report[bit >>> 3] ?? 0;
    value += ((byte >>> shift) & ((1 << take) - 1)) * weight;
    weight *= 1 << take;
    done += take;
    bit += take;
  }

  if (signed) {
    const signBit = 2 ** signBitIndex;
    if (value >= signBit) value -= 2 * signBit;
  }
  // NUT tests LogMin first: with LogMin > LogMax (a LogMin declared after its LogMax) LogMin wins
  if (value < min) return min;
  if (value > max) return max;
  return value;
}

// NUT's unit table (libhid.c HIDUnits, HID PDC 3.2.3, §1.6): the exponent in which the unit is "native".
// Volt and VA/W are expressed in 10^7 of the SI base units; every other listed unit, and every unknown one, has 0.
const VOLT = 0x00f0d121;
const VOLT_AMPERE = 0x0000d121; // also Watt
function nativeExponent(unit: number): number {
  return unit === VOLT || unit === VOLT_AMPERE ? 7 : 0;
}

/** NUT's get_unit_expo: UnitExp − k in an int8_t (it wraps, as NUT's does, only for absurd exponents) */
export function valueExponent(field: HidField): number {
  return ((field.unitExponent - nativeExponent(field.unit)) << 24) >> 24;
}

const powersOfTen = new Float64Array(256);
for (let b = -128; b < 128; b++) {
  // NUT's exponent(10, b): a product of 10s, or of 0.1s (1/10) for b < 0, one factor at a time, so 10^-2 is
  // 0.1 · 0.1 = 0.010000000000000002, not 0.01. Keeping the same product keeps the same last bit.
  let r = 1;
  if (b > 0) for (let i = 0; i < b; i++) r = 10 * r;
  else for (let i = 0; i < -b; i++) r = (1 / 10) * r;
  powersOfTen[b + 128] = r;
}

/** 10^(UnitExp − k) exactly as NUT computes it (§1.6) */
export function unitFactor(field: HidField): number {
  return powersOfTen[valueExponent(field) + 128]!;
}

/** NUT's logical_to_physical: the physical range when the field has one (§1.6), else the logical value */
function logicalToPhysical(field: HidField, logical: number): number {
  const phyMin = field.physicalMin;
  const phyMax = field.physicalMax;
  if (phyMin === undefined || phyMax === undefined) return logical;
  const logMin = field.logicalMin;
  const logMax = field.logicalMax;
  if (phyMax <= phyMin || logMax <= logMin) return logical;
  const factor = (phyMax - phyMin) / (logMax - logMin);
  const physical = (logical - logMin) * factor + phyMin;
  if (physical > phyMax) return phyMax;
  if (physical < phyMin) return phyMin;
  return physical;
}

/**
 * The value NUT hands to the mapping for a logical value (HIDGetDataValue): physical mapping, then times
 * 10^(UnitExp − k). E.g. APC battery `26 46 05` = 1350 with Volt exponent 5 → 13.5; CyberPower delay −1 with
 * physical −60..1966020 → −60.
 */
export function toPhysical(field: HidField, logical: number): number {
  return logicalToPhysical(field, logical) * unitFactor(field);
}

/** C's (long) cast of a double: truncation toward zero */
function toLong(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`value ${x} has no logical equivalent`);
  return Math.trunc(x) + 0; // + 0 turns −0 into 0
}

/**
 * The logical value NUT writes for a value (HIDSetDataValue): divide by 10^(UnitExp − k), then
 * physical_to_logical, which truncates toward zero (no rounding) and clamps to [LogMin, LogMax] only when a
 * physical range applies. Without one the value is only truncated: writeLogical then keeps its low bits, as NUT's
 * SetValue does. E.g. CyberPower 20 s → (20 + 60)/60 → 1 → 1 − 1 = 0 minutes (§2.5).
 */
export function fromPhysical(field: HidField, value: number): number {
  const physical = value / unitFactor(field);
  const phyMin = field.physicalMin;
  const phyMax = field.physicalMax;
  if (phyMin === undefined || phyMax === undefined) return toLong(physical);
  const logMin = field.logicalMin;
  const logMax = field.logicalMax;
  if (phyMax <= phyMin || logMax <= logMin) return toLong(physical);
  const factor = (logMax - logMin) / (phyMax - phyMin);
  const logical = toLong((physical - phyMin) * factor) + logMin;
  if (logical > logMax) return logMax;
  if (logical < logMin) return logMin;
  return logical;
}

/**
 * Whether NUT's HIDSetDataValue would write this field at all: it refuses fields whose main-item attribute byte is
 * exactly 0x01 (Constant, Array, Absolute: padding-like), and nothing else (§2.5). CyberPower's Constant-flagged
 * values (0x23, 0xa3) stay writable.
 */
export function isSettable(field: HidField): boolean {
  return field.attributes !== 0x01;
}

/**
 * Put a logical value into a report buffer (NUT's SetValue), for the read-modify-write of SET_REPORT: the low
 * bitSize bits of the two's complement of `logical` replace the field's bits; every other bit is left alone.
 */
export function writeLogical(field: HidField, report: Buffer, logical: number): void {
  if (!Number.isSafeInteger(logical)) throw new RangeError(`logical value ${logical} is not an integer`);
  const first = field.bitOffset + 8;
  const end = first + field.bitSize;
  if (Math.ceil(end / 8) > report.length) {
    throw new RangeError(
      `report 0x${field.reportId.toString(16).padStart(2, '0')} buffer of ${report.length} bytes is too short ` +
        `for a field ending at bit ${end}`,
    );
  }
  let bits = BigInt.asUintN(field.bitSize, BigInt(logical));
  for (let bit = first; bit < end; bit++) {
    const mask = 1 << (bit & 7);
    const i = bit >>> 3;
    if (bits & 1n) report[i] = report[i]! | mask;
    else report[i] = report[i]! & ~mask;
    bits >>= 1n;
  }
}

/**
 * A report buffer of the declared length (ID byte included) with the ID in byte 0 and `bytes` (as received,
 * ID first) copied in: a short report is zero-filled, a long one cut (§1.7: BK650 returns 2–3 of 23–46 bytes).
 * `type` 'any' takes the longest layout the ID has in any of the three types: NUT's libhid keeps one buffer per
 * report ID whatever its type (drivers/libhid.c new_report_buffer, replen[id] + 1), and a write sends that buffer.
 * Throws RangeError for a report the descriptor does not declare with this type (with any type, for 'any').
 */
export function reportBuffer(parsed: ParsedDescriptor, type: ReportType | 'any', id: number, bytes?: Buffer): Buffer {
  const length =
    type === 'any'
      ? Math.max(parsed.reportLength('feature', id), parsed.reportLength('input', id), parsed.reportLength('output', id))
      : parsed.reportLength(type, id);
  if (length === 0) {
    throw new RangeError(`report 0x${id.toString(16).padStart(2, '0')} is not a declared ${type === 'any' ? '' : type + ' '}report`);
  }
  const buffer = Buffer.alloc(length);
  if (bytes) bytes.copy(buffer, 0, 0, Math.min(bytes.length, length));
  buffer[0] = id;
  return buffer;
}
