// The config file's `users` section (upsd.users semantics) moves into the principal database, once per user:
// - a config user the database does not have yet is created with its roles, and the move is remembered
//   (settings); its password becomes a key at the authentication server, which takes it over once on its own
//   (src/cli/authsrv.ts), so the config password is not needed afterwards;
// - a config user the database already has is left alone and logged: the database is authoritative, so a
//   password changed later in the config file changes nothing (use `walnut user passwd`);
// - a config user that was moved before and has since been removed (`walnut user remove`) is not re-created.
import type { Settings } from '../storage/settings.ts';
import type { Logger } from '../util/log.ts';
import { rolesFromUserConfig, describeRoles } from './roles.ts';
import { PrincipalExistsError, type PrincipalStore } from './principals.ts';
import type { EventSink } from './authorizer.ts';

/** A `users` entry of the config file. At start each one is moved into the principal database once (below);
 *  from then on the database is authoritative (`walnut user ...`) and the config password is not needed.
 *  Defined here, beside its one consumer, so that src/config imports accounts and never the reverse. */
export interface UserConfig {
  /** upsd.users `password`; turned into a verifier when moved into the database, never logged. The one
   *  password rule applies (bytes.ts passwordProblem). */
  password: string;
  /** upsd.users `actions`: SET, FSD (LOGIN and PRIMARY come from `upsmon`) */
  actions?: string[];
  /** upsd.users `instcmds`: command names, or ALL */
  instcmds?: string[];
  /** upsd.users `upsmon primary|secondary` (master/slave accepted) */
  upsmon?: 'primary' | 'secondary' | 'master' | 'slave';
}

const migratedKey = (name: string): string => `accounts.config-user-migrated.${Buffer.from(name, 'utf8').toString('hex')}`;

export interface MigrationResult {
  created: string[];
  alreadyThere: string[];
  removedSince: string[];
}

export async function migrateConfigUsers(
  users: Readonly<Record<string, UserConfig>>,
  deps: { store: PrincipalStore; settings: Settings; log: Logger; events?: EventSink },
): Promise<MigrationResult> {
  const result: MigrationResult = { created: [], alreadyThere: [], removedSince: [] };
  for (const [name, user] of Object.entries(users)) {
    const bytes = Buffer.from(name, 'utf8');
    const key = migratedKey(name);
    if (deps.store.find(bytes)) {
      result.alreadyThere.push(name);
      deps.log.info(`config user ${name} is already in the user database; its config entry is ignored (remove it from the config file)`);
      if (deps.settings.get(key) === undefined) deps.settings.set(key, new Date().toISOString());
      continue;
    }
    if (deps.settings.get(key) !== undefined) {
      result.removedSince.push(name);
      deps.log.warn(
        `config user ${name} was moved into the user database before and removed from it since; ` +
          'not re-creating it (remove it from the config file)',
      );
      continue;
    }
    const roles = rolesFromUserConfig(user);
    try {
      deps.store.add(bytes, roles);
    } catch (err) {
      if (!(err instanceof PrincipalExistsError)) throw err;
      result.alreadyThere.push(name); // created by a concurrent `walnut user add` while the verifier was derived
      continue;
    }
    deps.settings.set(key, new Date().toISOString());
    result.created.push(name);
    deps.log.info(`config user ${name} moved into the user database (${describeRoles(roles)}); its config password is no longer needed`);
    const detail = `user ${name} (${describeRoles(roles)}) moved from the config file into the user database`;
    deps.events?.record('user-migrated', 'config', detail);
  }
  return result;
}
