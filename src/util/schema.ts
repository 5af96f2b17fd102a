// A config section described by its bounds: each owner of a section (the NUT server, the login throttle, the
// AS lockout, the shutdown policy, ...) keeps its bounds beside its code as a Schema, and src/config applies
// the file's values through applySection. Pure: every message names the key and what it accepts.

export type Field =
  | { kind: 'number'; min: number; max: number; integer?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string'; pattern?: RegExp; describe?: string; check?: (v: string) => string | undefined; map?: (v: string) => string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; pattern?: RegExp; describe?: string; check?: (v: string) => string | undefined }
  | { kind: 'section'; schema: Schema; required?: boolean };

/** The keys a section takes and each one's bounds; a key not listed is an error. */
export type Schema = Readonly<Record<string, Field>>;

/** Shorthands that read like the bounds they state. */
export const number = (min: number, max: number): Field => ({ kind: 'number', min, max });
export const integer = (min: number, max: number): Field => ({ kind: 'number', min, max, integer: true });
export const boolean: Field = { kind: 'boolean' };
export const oneOf = (...values: string[]): Field => ({ kind: 'enum', values });

/** A value outside its section's bounds: the message names the key path. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses keys outside `allowed`, naming the ones it knows. */
export function expectKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new SchemaError(`${where}: unknown key "${k}" (known: ${allowed.join(', ')})`);
  }
}

function fieldValue(where: string, f: Field, v: unknown, base: unknown): unknown {
  switch (f.kind) {
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || v < f.min || v > f.max) {
        throw new SchemaError(`${where}: expected a number from ${f.min} to ${f.max}, got ${JSON.stringify(v)}`);
      }
      return f.integer ? Math.floor(v) : v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new SchemaError(`${where}: expected true or false`);
      return v;
    case 'enum':
      if (typeof v !== 'string' || !f.values.includes(v)) {
        throw new SchemaError(`${where}: expected one of ${f.values.join(', ')}, got ${JSON.stringify(v)}`);
      }
      return v;
    case 'string': {
      const s = stringValue(where, v, f.pattern, f.describe);
      const why = f.check?.(s);
      if (why) throw new SchemaError(`${where}: ${why}`);
      return f.map ? f.map(s) : s;
    }
    case 'list':
      if (!Array.isArray(v)) throw new SchemaError(`${where}: expected a list of strings`);
      return v.map((x, i) => {
        const s = stringValue(`${where}[${i}]`, x, f.pattern, f.describe);
        const why = f.check?.(s);
        if (why) throw new SchemaError(`${where}[${i}]: ${why}`);
        return s;
      });
    case 'section':
      return applySection(where, v, (base ?? {}) as Record<string, unknown>, f.schema, f.required);
  }
}

function stringValue(where: string, v: unknown, pattern: RegExp | undefined, describe: string | undefined): string {
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
    const wanted = describe ?? (pattern ? `a string matching ${pattern}` : 'a string');
    throw new SchemaError(`${where}: expected ${wanted}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * `base` with the keys of `value` that `schema` allows, each checked against its bounds. A new object: `base`
 * is not changed. `required`: every key of the schema must be given (a section that is all or nothing).
 */
export function applySection<T extends object>(where: string, value: unknown, base: T, schema: Schema, required = false): T {
  // the file's top level is '' here: its keys are named bare (dataDir), its unknown keys as the config's
  if (!isObject(value)) throw new SchemaError(`${where === '' ? 'config file' : where}: expected ${where === '' ? 'a JSON object' : 'an object'}`);
  expectKeys(where === '' ? 'config' : where, value, Object.keys(schema));
  const out = { ...base } as Record<string, unknown>;
  for (const [key, field] of Object.entries(schema)) {
    const path = where === '' ? key : `${where}.${key}`;
    const v = value[key];
    if (v === undefined) {
      if (required) throw new SchemaError(`${path}: missing`);
      continue;
    }
    out[key] = fieldValue(path, field, v, out[key]);
  }
  return out as T;
}
