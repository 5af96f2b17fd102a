// Lookups the Input-report path needs over a parsed descriptor (docs/hid-mapping.md §3.2): the Input fields of
// each report ID, and the first field at a usage path, as NUT's FindObject_with_Path finds it.
import type { HidField, ParsedDescriptor, ReportType } from '../hid/types.ts';

/** NUT's MAX_EVENT_NUM: Input fields taken from one report */
const MAX_EVENTS = 32;

export class FieldIndex {
  /** "type|u1,u2,…" for every usage-path prefix → first field */
  private readonly prefixIndex = new Map<string, HidField>();
  private readonly inputFields = new Map<number, HidField[]>();

  constructor(parsed: ParsedDescriptor) {
    for (const field of parsed.fields) {
      if (field.padding) continue;
      let key = `${field.type}|`;
      for (let i = 0; i < field.usages.length; i++) {
        key += (i > 0 ? ',' : '') + field.usages[i]!.toString(16);
        if (!this.prefixIndex.has(key)) this.prefixIndex.set(key, field);
      }
      if (field.type === 'input') {
        const list = this.inputFields.get(field.reportId) ?? [];
        if (list.length < MAX_EVENTS) list.push(field);
        this.inputFields.set(field.reportId, list);
      }
    }
  }

  /** The Input fields of a report (at most MAX_EVENTS), undefined for an ID that has none. */
  inputsOf(reportId: number): readonly HidField[] | undefined {
    return this.inputFields.get(reportId);
  }

  /** The first field of this type whose usage path starts with `usages`. */
  byUsages(type: ReportType, usages: readonly number[]): HidField | undefined {
    return this.prefixIndex.get(`${type}|${usages.map((u) => u.toString(16)).join(',')}`);
  }
}
