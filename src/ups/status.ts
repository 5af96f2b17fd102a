// ups.status tokens (docs/nut-protocol.md §7.1, NUT docs/nut-names.txt). Order is not significant to clients but
// drivers put OL/OB first; clients must ignore unknown tokens, so unknown tokens are allowed, only shaped.

export const STATUS_TOKENS = [
  'OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'ALARM',
  'WAIT',
] as const;
export type StatusToken = (typeof STATUS_TOKENS)[number];

const TOKEN_SHAPE = /^[A-Z][A-Z0-9_-]{0,15}$/;

/** Parses a ups.status value into tokens (whitespace separated, upper-cased as upsmon compares them). */
export function parseStatus(value: string): string[] {
  return value.split(/\s+/).filter((t) => t.length > 0).map((t) => t.toUpperCase());
}

/**
 * Formats tokens as a ups.status value: duplicates removed, OL/OB first (as drivers do), shape checked.
 * ALARM is added when `alarm` is non-empty, as NUT's status_commit() does for ups.alarm.
 */
export function formatStatus(tokens: readonly string[], alarm = ''): string {
  const seen = new Set<string>();
  for (const raw of tokens) {
    const t = raw.toUpperCase();
    if (!TOKEN_SHAPE.test(t)) throw new RangeError(`not a ups.status token: ${JSON.stringify(raw)}`);
    seen.add(t);
  }
  if (alarm.trim() !== '') seen.add('ALARM');
  const line = ['OL', 'OB'].filter((t) => seen.has(t));
  for (const t of seen) if (t !== 'OL' && t !== 'OB') line.push(t);
  return line.join(' ');
}
