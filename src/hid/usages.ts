// HID paths as NUT writes them: numeric usage paths to strings (`UPS.PowerSummary.RemainingCapacity`) and back,
// and the lookup of a field by path string (docs/hid-mapping.md §1.3, §1.4; NUT libhid.c path_to_string,
// string_to_path, FindObject_with_Path).
//
// The name table depends on the subdriver, not on the usage page: Eaton/MGE and Tripp Lite both use page 0xFFFF
// with different meanings, and Tripp Lite renames some 0x84-page IDs. NUT searches the subdriver's table first,
// then the generic one, so a subdriver name overrides the generic name of the same usage.
import type { HidField, ParsedDescriptor, ReportType } from './types.ts';
import {
  APC_USAGES,
  BELKIN_USAGES,
  CPS_USAGES,
  GENERIC_USAGES,
  MGE_USAGES,
  TRIPPLITE_USAGES,
  type UsageTable,
} from './usage-tables.ts';

export type Subdriver = 'generic' | 'apc' | 'cps' | 'mge' | 'tripplite' | 'belkin';

/** The usage names one subdriver sees: its own table, then the generic one (NUT's `utab`). */
export interface UsageNames {
  readonly subdriver: Subdriver;
  /** the name NUT prints for a usage, undefined when no table has it */
  name(usage: number): string | undefined;
  /** the usage a path token names; ASCII case-insensitive like NUT's strcasecmp, first table entry wins */
  usage(name: string): number | undefined;
}

const VENDOR_TABLES: Readonly<Record<Subdriver, UsageTable>> = {
  generic: [],
  apc: APC_USAGES,
  cps: CPS_USAGES,
  mge: MGE_USAGES,
  tripplite: TRIPPLITE_USAGES,
  belkin: BELKIN_USAGES,
};

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function buildNames(subdriver: Subdriver): UsageNames {
  const byUsage = new Map<number, string>();
  const byName = new Map<string, number>();
  for (const table of [VENDOR_TABLES[subdriver], GENERIC_USAGES]) {
    for (const [usage, name] of table) {
      if (!byUsage.has(usage)) byUsage.set(usage, name);
      const key = asciiLower(name);
      if (!byName.has(key)) byName.set(key, usage);
    }
  }
  return {
    subdriver,
    name: (usage) => byUsage.get(usage),
    usage: (name) => byName.get(asciiLower(name)),
  };
}

const namesCache = new Map<Subdriver, UsageNames>();

/** The name tables of a subdriver (built once). */
export function usageNames(subdriver: Subdriver): UsageNames {
  let names = namesCache.get(subdriver);
  if (!names) namesCache.set(subdriver, (names = buildNames(subdriver)));
  return names;
}

const INDEX_NODE = 0x00ff0000;

/**
 * A numeric path as NUT prints it: a table name where there is one, `[n]` for a vendor collection index node,
 * otherwise the usage as 8 lower-case hex digits (`ff860024`; usage 0 of a collection without usage is
 * `00000000`). Names win over the index form, as in NUT.
 */
export function pathName(usages: readonly number[], names: UsageNames): string {
  let out = '';
  for (let i = 0; i < usages.length; i++) {
    const usage = usages[i]! >>> 0;
    if (i > 0) out += '.';
    const name = names.name(usage);
    if (name !== undefined) out += name;
    else if ((usage & 0xffff0000) === INDEX_NODE) out += `[${usage & 0xffff}]`;
    else out += usage.toString(16).padStart(8, '0');
  }
  return out;
}

const HEX_TOKEN = /^[0-9a-fA-F]+$/;
const INDEX_TOKEN = /^[[\]0-9]+$/;

/**
 * A path string turned into usages the way NUT's string_to_path does it: each dot-separated token is a name
 * (case-insensitive), else a raw hex usage (`ff860024`), else an index `[n]`. A token that is none of these is
 * dropped, as NUT drops it (so a mistyped name shortens the path instead of failing it).
 */
export function parsePath(path: string, names: UsageNames): number[] {
  const usages: number[] = [];
  for (const token of path.split('.')) {
    if (token === '') continue; // strtok skips empty tokens
    const named = names.usage(token);
    if (named !== undefined) {
      usages.push(named);
    } else if (HEX_TOKEN.test(token)) {
      const n = parseInt(token, 16);
      if (n <= 0xffffffff) usages.push(n);
    } else if (INDEX_TOKEN.test(token)) {
      // NUT: atoi(token + 1), the number after the first character
      const digits = /^[0-9]*/.exec(token.slice(1))![0];
      const n = digits === '' ? 0 : parseInt(digits, 10);
      if (n <= 0x7fffffff) usages.push((INDEX_NODE + n) >>> 0);
    }
  }
  return usages;
}

/** field lookup index per parsed descriptor: "type:usage,usage,…" of every path prefix → first field */
const fieldIndex = new WeakMap<ParsedDescriptor, Map<string, HidField>>();
/** path string → usage key, per name table */
const pathKeys = new WeakMap<UsageNames, Map<string, string>>();

function indexOf(parsed: ParsedDescriptor): Map<string, HidField> {
  let index = fieldIndex.get(parsed);
  if (index) return index;
  index = new Map();
  for (const field of parsed.fields) {
    if (field.padding) continue; // NUT does not keep padding objects
    let key = field.type + ':';
    for (let i = 0; i < field.usages.length; i++) {
      key += (i > 0 ? ',' : '') + field.usages[i]!.toString(16);
      if (!index.has(key)) index.set(key, field);
    }
  }
  fieldIndex.set(parsed, index);
  return index;
}

function keyOf(path: string, names: UsageNames): string {
  let keys = pathKeys.get(names);
  if (!keys) pathKeys.set(names, (keys = new Map()));
  let key = keys.get(path);
  if (key === undefined) {
    key = parsePath(path, names)
      .map((u) => u.toString(16))
      .join(',');
    if (keys.size < 4096) keys.set(path, key);
  }
  return key;
}

/**
 * The field NUT's HIDGetItemData finds for a path string and report type: the first non-padding field, in
 * descriptor order, whose usages *begin with* the usages of the path (NUT compares only as many nodes as the
 * path has). Undefined when no field matches or no token of the path could be read.
 */
export function findField(
  parsed: ParsedDescriptor,
  path: string,
  type: ReportType,
  names: UsageNames,
): HidField | undefined {
  const key = keyOf(path, names);
  if (key === '') return undefined;
  return indexOf(parsed).get(type + ':' + key);
}

/** The path string of a field, as NUT prints it in its logs and the mapping tables name it. */
export function fieldPath(field: HidField, names: UsageNames): string {
  return pathName(field.usages, names);
}
