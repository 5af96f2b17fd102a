// NUT `AUTH USER` (src/nut/auth-user-command.ts) on the principal database: what `walnut user add|grant|remove`
// does as root on the box, for the owner over the network. Each change is an event naming who made it.
import { OWNER } from '../auth/owner.ts';
import { PrincipalExistsError, type PrincipalStore } from '../auth/principals.ts';
import { rolesOfChange } from '../auth/role-text.ts';
import { describeRoles } from '../auth/roles.ts';
import { showBytes } from '../auth/bytes.ts';
import type { UserDirectory } from '../nut/auth-user-command.ts';
import type { EventLog } from '../storage/event-log.ts';

export function userDirectory(store: PrincipalStore, events: EventLog): UserDirectory {
  const record = (kind: string, source: string, name: Buffer, detail: string, by: string): void =>
    events.record(kind, source, `user ${showBytes(name)}${detail} (by ${showBytes(Buffer.from(by, 'latin1'))})`);
  return {
    // the owner alone, as at the AS (src/authsrv/service.ts); issue 16's web roles may add more
    mayAdminister: (user) => OWNER.equals(Buffer.from(user, 'latin1')),
    add: (name, change, by, source) => {
      const roles = rolesOfChange(change);
      try {
        store.add(name, roles);
      } catch (err) {
        if (err instanceof PrincipalExistsError) return false;
        throw err;
      }
      record('user-added', source, name, ` (${describeRoles(roles)})`, by);
      return true;
    },
    grant: (name, change, by, source) => {
      const p = store.setRoles(name, change);
      if (!p) return false;
      record('user-granted', source, name, `: roles now ${describeRoles(p.roles)}`, by);
      return true;
    },
    remove: (name, by, source) => {
      if (!store.remove(name)) return false;
      record('user-removed', source, name, ' removed', by);
      return true;
    },
    passwordChanged: (name, by, source) => {
      if (!store.passwordChanged(name)) return false;
      record('user-password', source, name, ': password changed', by);
      return true;
    },
  };
}
