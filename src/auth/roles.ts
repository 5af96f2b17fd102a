// What a principal may do, with upsd.users semantics (docs/nut-protocol.md §4.1):
// - `upsmon primary` (or master) grants LOGIN, PRIMARY/MASTER and FSD; `upsmon secondary` (or slave) grants LOGIN;
// - `actions` add SET and FSD (and, by hand, LOGIN and PRIMARY/MASTER, as upsd accepts them);
// - `instcmds` lists commands (case-insensitive) or ALL.
// A principal with no upsmon role cannot LOGIN, however many actions it has (Appendix A: `admin`). Pure.
import type { Right } from './rights.ts';

export type UpsmonRole = 'primary' | 'secondary';
export type Action = 'set' | 'fsd' | 'login' | 'primary';

export interface Roles {
  upsmon: UpsmonRole | undefined;
  actions: Set<Action>;
  /** lower-case command names; 'all' stands for every command */
  instcmds: Set<string>;
}

export const noRoles = (): Roles => ({ upsmon: undefined, actions: new Set(), instcmds: new Set() });

/** upsmon words as upsd.users takes them; undefined when not one. */
export function parseUpsmon(word: string): UpsmonRole | undefined {
  const w = word.toLowerCase();
  if (w === 'primary' || w === 'master') return 'primary';
  if (w === 'secondary' || w === 'slave') return 'secondary';
  return undefined;
}

/** An action word (case-insensitive; MASTER means PRIMARY); undefined when upsd would not check it. */
export function parseAction(word: string): Action | undefined {
  const w = word.toLowerCase();
  if (w === 'master') return 'primary';
  return w === 'set' || w === 'fsd' || w === 'login' || w === 'primary' ? w : undefined;
}

/** NUT command names: what the config accepts too. */
export const INSTCMD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A command name for the role table (lower case; ALL becomes 'all'); undefined when not a command name. */
export function parseInstcmd(word: string): string | undefined {
  return INSTCMD_NAME.test(word) ? word.toLowerCase() : undefined;
}

/** The roles of a config `users` entry (its words were validated by the config parser). */
export function rolesFromUserConfig(user: {
  upsmon?: string | undefined;
  actions?: readonly string[] | undefined;
  instcmds?: readonly string[] | undefined;
}): Roles {
  const roles = noRoles();
  if (user.upsmon !== undefined) roles.upsmon = parseUpsmon(user.upsmon);
  for (const a of user.actions ?? []) {
    const action = parseAction(a);
    if (action) roles.actions.add(action);
  }
  for (const c of user.instcmds ?? []) {
    const cmd = parseInstcmd(c);
    if (cmd) roles.instcmds.add(cmd);
  }
  return roles;
}

/** Does a principal with `roles` (and the right password) get `right`? */
export function allows(roles: Roles, right: Right): boolean {
  if (right.kind === 'instcmd') return roles.instcmds.has('all') || roles.instcmds.has(right.command.toLowerCase());
  switch (right.action) {
    case 'login':
      return roles.upsmon !== undefined || roles.actions.has('login');
    case 'primary':
    case 'fsd':
      return roles.upsmon === 'primary' || roles.actions.has(right.action);
    case 'set':
      return roles.actions.has('set');
  }
}

/** `upsmon=secondary actions=SET,FSD instcmds=ALL`, or `none`. */
export function describeRoles(roles: Roles): string {
  const parts: string[] = [];
  if (roles.upsmon) parts.push(`upsmon=${roles.upsmon}`);
  if (roles.actions.size > 0) parts.push(`actions=${[...roles.actions].sort().map((a) => a.toUpperCase()).join(',')}`);
  if (roles.instcmds.size > 0) {
    parts.push(`instcmds=${roles.instcmds.has('all') ? 'ALL' : [...roles.instcmds].sort().join(',')}`);
  }
  return parts.length > 0 ? parts.join(' ') : 'none';
}

/** A right in words, for logs: `LOGIN`, `FSD`, `INSTCMD load.off`. */
export function describeRight(right: Right): string {
  return right.kind === 'action' ? right.action.toUpperCase() : `INSTCMD ${right.command}`;
}
