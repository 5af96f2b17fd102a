// The setup window (issue 14): while a unit is unclaimed, its label code works for the principal `admin` only in
// a window, the first minutes after boot or after the owner reopened it, and only for a bounded number of failed
// attempts in that window (Matter's commissioning rule: 20 failed attempts end a commissioning window). Pure: the state is plain data the key store keeps, times are milliseconds since the epoch.

export interface SetupRules {
  /** how long a window stays open once opened */
  windowMs: number;
  /** failed attempts that close a window early */
  maxFailures: number;
}

export const DEFAULT_SETUP_RULES: SetupRules = { windowMs: 15 * 60_000, maxFailures: 20 };

export interface SetupWindow {
  /** the window is open before this time (0: never opened) */
  openUntil: number;
  /** failed attempts in this window, provisional ones included */
  failures: number;
}

export const CLOSED: SetupWindow = { openUntil: 0, failures: 0 };

/** A window opened at `from` (now, or the boot time): a fresh failure count. */
export function openWindow(from: number, rules: SetupRules): SetupWindow {
  return { openUntil: from + rules.windowMs, failures: 0 };
}

export function isOpen(w: SetupWindow, now: number, rules: SetupRules): boolean {
  return now < w.openUntil && w.failures < rules.maxFailures;
}

/** One more attempt counted as failed (provisionally: a PAK counts before its confirmation can arrive). */
export function afterFailure(w: SetupWindow): SetupWindow {
  return { ...w, failures: w.failures + 1 };
}

/** The attempt confirmed: its provisional failure is taken back. */
export function afterSuccess(w: SetupWindow): SetupWindow {
  return { ...w, failures: Math.max(0, w.failures - 1) };
}

/** The stored form, tolerant of a damaged value: what cannot be read is a closed window. */
export function parseWindow(text: string | undefined): SetupWindow {
  if (text === undefined) return CLOSED;
  try {
    const v = JSON.parse(text) as Partial<SetupWindow>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
    return ok(v.openUntil) && ok(v.failures) ? { openUntil: v.openUntil, failures: v.failures } : CLOSED;
  } catch {
    return CLOSED;
  }
}
