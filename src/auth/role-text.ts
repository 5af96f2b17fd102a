// Roles as one line of text, the form describeRoles (roles.ts) writes: `upsmon=secondary actions=SET,FSD
// instcmds=ALL`, or `none`. What a remote administrator sends in NUT `AUTH USER` (docs/auth-protocol.md §7.6)
// and the web API takes, with the CLI's words (walnut user --upsmon/--actions/--instcmds). Pure.
import type { RoleChange } from './principals.ts';
import { noRoles, parseAction, parseInstcmd, parseUpsmon, type Action, type Roles } from './roles.ts';

/** Longest roles text accepted: 40 commands of 64 bytes would not fit a NUT word (512) anyway. */
export const MAX_ROLES_TEXT = 512;

type Parsed = { change: RoleChange } | { problem: string };

/** A change naming each kind at most once; a kind set to `none` is cleared, a kind not named is left as it is. */
export function parseRoleChange(text: string): Parsed {
  if (text.length > MAX_ROLES_TEXT) return { problem: `roles text longer than ${MAX_ROLES_TEXT} characters` };
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 1 && words[0]!.toLowerCase() === 'none') return { change: { upsmon: null, actions: null, instcmds: null } };
  const change: RoleChange = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    const kind = word.slice(0, eq).toLowerCase();
    const value = word.slice(eq + 1);
    if (eq < 1 || value === '') return { problem: `"${word.slice(0, 40)}" is not KIND=VALUE` };
    if (kind in change) return { problem: `${kind} is named twice` };
    const none = value.toLowerCase() === 'none';
    if (kind === 'upsmon') {
      const role = parseUpsmon(value);
      if (!none && !role) return { problem: `upsmon takes primary, secondary or none, not "${value.slice(0, 40)}"` };
      change.upsmon = none ? null : role!;
    } else if (kind === 'actions') {
      const actions = new Set<Action>();
      for (const a of none ? [] : value.split(',')) {
        const action = parseAction(a);
        if (!action) return { problem: `actions takes SET, FSD, LOGIN, PRIMARY or none, not "${a.slice(0, 40)}"` };
        actions.add(action);
      }
      change.actions = none ? null : actions;
    } else if (kind === 'instcmds') {
      const cmds = new Set<string>();
      for (const c of none ? [] : value.split(',')) {
        const cmd = parseInstcmd(c);
        if (!cmd) return { problem: `instcmds takes ALL, command names or none, not "${c.slice(0, 40)}"` };
        cmds.add(cmd);
      }
      change.instcmds = none ? null : cmds.has('all') ? new Set(['all']) : cmds;
    } else return { problem: `unknown role kind "${kind.slice(0, 40)}" (upsmon, actions, instcmds)` };
  }
  if (words.length === 0) return { problem: 'no roles given (none clears them all)' };
  return { change };
}

/** The roles a new principal gets from a change: the kinds it names, nothing else. */
export function rolesOfChange(change: RoleChange): Roles {
  const roles = noRoles();
  if (change.upsmon) roles.upsmon = change.upsmon;
  for (const a of change.actions ?? []) roles.actions.add(a);
  for (const c of change.instcmds ?? []) roles.instcmds.add(c);
  return roles;
}
