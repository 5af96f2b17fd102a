// Every API input is a JSON object of known keys, each checked for type and size before anything uses it
// (issue 15: "JSON schemas on every API input"). A failure is a 400 that names the key, never the value.
import { badRequest } from './errors.ts';

export type FieldSpec =
  | { kind: 'string'; max: number; pattern?: RegExp; optional?: boolean }
  | { kind: 'bytes'; max: number; exact?: number; optional?: boolean }
  | { kind: 'integer'; min: number; max: number; optional?: boolean };

export type Spec = Record<string, FieldSpec>;

type Out<S extends Spec> = {
  [K in keyof S]: S[K] extends { kind: 'bytes' } ? Uint8Array : S[K] extends { kind: 'integer' } ? number : string;
};

/** Canonical unpadded base64url (RFC 4648 §5), as NUT AUTH carries blobs (docs/auth-protocol.md §7.5). */
const B64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;

export function readInput<S extends Spec>(body: unknown, spec: S): Out<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('expected a JSON object');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!Object.hasOwn(spec, key)) throw badRequest(`unknown key ${JSON.stringify(key.slice(0, 32))}`);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const v = input[key];
    if (v === undefined) {
      if (f.optional) continue;
      throw badRequest(`${key}: missing`);
    }
    if (f.kind === 'integer') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < f.min || v > f.max) throw badRequest(`${key}: expected an integer from ${f.min} to ${f.max}`);
      out[key] = v;
      continue;
    }
    if (typeof v !== 'string') throw badRequest(`${key}: expected a string`);
    if (f.kind === 'string') {
      if (v.length > f.max || (f.pattern && !f.pattern.test(v))) throw badRequest(`${key}: not a valid value`);
      out[key] = v;
    } else {
      if (v.length > Math.ceil((f.max * 4) / 3) || !B64URL.test(v)) throw badRequest(`${key}: expected unpadded base64url`);
      const bytes = new Uint8Array(Buffer.from(v, 'base64url'));
      if (bytes.length > f.max || (f.exact !== undefined && bytes.length !== f.exact)) throw badRequest(`${key}: wrong length`);
      out[key] = bytes;
    }
  }
  return out as Out<S>;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
