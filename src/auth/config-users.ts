// Credentials from the config file's `users` section, with upsd.users semantics (nut-protocol.md §4.1):
// `upsmon primary` grants login+primary+fsd, `upsmon secondary` grants login, `actions` adds SET/FSD/LOGIN/
// PRIMARY, `instcmds` lists commands or ALL. A stop-gap until the principal database of the accounts work.
// Passwords are compared in constant time over SHA-256 digests (equal length whatever the input), and an
// unknown user costs the same as a wrong password.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authorizer, Right } from '../nut/commands.ts';
import type { UserConfig } from '../config/config.ts';

interface Grant {
  digest: Buffer;
  actions: Set<string>;
  instcmds: Set<string>;
  allCommands: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'latin1').digest();
/** compared against when the user does not exist, so both paths do the same work */
const NOBODY = digest('\u0000walnut-no-such-user');

export function grantsFor(user: UserConfig): Omit<Grant, 'digest'> {
  const actions = new Set((user.actions ?? []).map((a) => a.toLowerCase()));
  if (actions.has('master')) actions.add('primary');
  if (user.upsmon === 'primary' || user.upsmon === 'master') ['login', 'primary', 'fsd'].forEach((a) => actions.add(a));
  if (user.upsmon === 'secondary' || user.upsmon === 'slave') actions.add('login');
  const cmds = (user.instcmds ?? []).map((c) => c.toLowerCase());
  return { actions, instcmds: new Set(cmds), allCommands: cmds.includes('all') };
}

export class ConfigUsers implements Authorizer {
  private readonly users = new Map<string, Grant>();

  constructor(users: Record<string, UserConfig>) {
    for (const [name, u] of Object.entries(users)) this.users.set(name, { digest: digest(u.password), ...grantsFor(u) });
  }

  allowed(username: string, password: string, right: Right): boolean {
    const user = this.users.get(username); // user names are case-sensitive, as in upsd.users
    const match = timingSafeEqual(digest(password), user?.digest ?? NOBODY) && user !== undefined;
    if (!match) return false;
    if (right.kind === 'action') return user.actions.has(right.action);
    return user.allCommands || user.instcmds.has(right.command.toLowerCase());
  }
}
