// Power events as marks on the history chart, pure: which changes of ups.status are worth a mark. The sampler
// (src/appliance/history-sampler.ts) feeds it every status the UPS model publishes, and the FSD latch.

export const MARK_KINDS = ['on-battery', 'low-battery', 'fsd', 'on-line'] as const;

/** on-battery: OB appeared; low-battery: LB appeared; fsd: the FSD latch was set; on-line: OB went away */
export type MarkKind = (typeof MARK_KINDS)[number];

export const isMarkKind = (text: string): text is MarkKind => (MARK_KINDS as readonly string[]).includes(text);

/**
 * The marks a change of ups.status from `before` to `after` (upper-case tokens, UpsModel.statusTokens) makes.
 * No status before (walnut just started, the UPS was just plugged in) makes none: a UPS found on battery was
 * already on battery, and its mark, if walnut saw it happen, was made then. "Back on line" is OB going away,
 * not OL appearing: some UPSes drop OL only after a while on battery, or never set it.
 */
export function statusMarks(before: readonly string[], after: readonly string[]): MarkKind[] {
  if (before.length === 0 || after.length === 0) return [];
  const was = new Set(before);
  const now = new Set(after);
  const marks: MarkKind[] = [];
  if (now.has('OB') && !was.has('OB')) marks.push('on-battery');
  if (now.has('LB') && !was.has('LB')) marks.push('low-battery');
  if (!now.has('OB') && was.has('OB')) marks.push('on-line');
  return marks;
}
