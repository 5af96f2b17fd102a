// The AS's dependencies in memory (AsDeps, src/authsrv/conversation.ts): users' keys, a server key for `upsd`,
// optionally an unclaimed unit's label code (SetupDeps, docs/auth-protocol.md §13), and a record of what the AS
// counted, so a test can drive the real Conversation without keys.db.
import { randomBytes } from 'node:crypto';
import type { AsDeps } from '../../src/authsrv/conversation.ts';
import { passwordKey } from '../../src/authsrv/keys.ts';

export interface MemoryAs {
  deps: AsDeps;
  dom: string;
  /** K_u by name (latin1) */
  users: Map<string, Uint8Array>;
  serverKey: Uint8Array;
  /** names whose PAK was counted as failed, and names whose confirmation took the count back */
  failures: string[];
  successes: string[];
  /** the setup window (when made with a label code): open, attempts counted against it, claims made */
  setup: { open: boolean; attempts: number; claimed: string[] };
}

const name = (n: Uint8Array): string => Buffer.from(n).toString('latin1');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** `users`: name → password; `setupCode`: the canonical label code, offered for `admin` until claimed. */
export async function memoryAs(dom: string, users: Record<string, string>, setupCode?: string): Promise<MemoryAs> {
  const domBytes = bytes(dom);
  const m: MemoryAs = {
    dom,
    users: new Map(),
    serverKey: new Uint8Array(randomBytes(32)),
    failures: [],
    successes: [],
    setup: { open: setupCode !== undefined, attempts: 0, claimed: [] },
    deps: undefined as unknown as AsDeps,
  };
  for (const [user, pw] of Object.entries(users)) m.users.set(user, await passwordKey(bytes(pw), domBytes, bytes(user)));
  const setupKey = setupCode === undefined ? undefined : await passwordKey(bytes(setupCode), domBytes, bytes('admin'));
  m.deps = {
    dom: domBytes,
    keyseed: new Uint8Array(randomBytes(32)),
    userKey: (n) => m.users.get(name(n)),
    serverKey: (n) => (name(n) === 'upsd' ? m.serverKey : undefined),
    legacyKey: () => undefined,
    setUserKey: (n, k) => void m.users.set(name(n), k),
    speaksFor: () => false,
    locked: () => false,
    failed: (n) => void m.failures.push(name(n)),
    succeeded: (n) => void m.successes.push(name(n)),
    // two rules of the AS's kind (§7.3), enough for a test to meet one
    newPasswordProblem: (n, p) => (p.length < 8 ? 'password too short (8 bytes at least)' : name(p) === name(n) ? 'password equals the user name' : undefined),
    derive: (p, n) => passwordKey(p, domBytes, n),
    log: () => undefined,
    ...(setupKey === undefined
      ? {}
      : {
          setup: {
            key: (n) => (m.setup.open && m.setup.claimed.length === 0 && name(n) === 'admin' ? setupKey : undefined),
            attempt: () => void m.setup.attempts++,
            confirmed: () => void m.setup.attempts--,
            claimed: (n) => void m.setup.claimed.push(name(n)),
          },
        }),
  };
  return m;
}
