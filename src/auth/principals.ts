// The principal database (migration 2): names, status, key material and roles in SQLite. Both `walnut serve`
// and the `walnut user` commands use it on the same file; every read is a fresh statement, so with WAL a
// running server sees what the CLI committed on its next check, without a reload.
//
// Designed for the authentication server to take over (auth-plan9-and-modern.md §6.3): a principal has any
// number of keys, one per purpose ('nut-password' today; derived user keys and random machine keys later),
// each with its algorithm and parameters, and a status that disables it without deleting it.
import type { Db } from '../storage/database.ts';
import { decodeParams, encodeParams, type Verifier } from './verifier.ts';
import { noRoles, parseAction, parseUpsmon, type Action, type Roles, type UpsmonRole } from './roles.ts';

export type PrincipalStatus = 'active' | 'disabled';

/** The key purpose for the NUT PASSWORD word. */
export const NUT_PASSWORD = 'nut-password';

export interface Principal {
  id: number;
  name: Buffer;
  status: PrincipalStatus;
  roles: Roles;
  createdAt: number;
  updatedAt: number;
}

export interface PrincipalRecord {
  principal: Principal;
  /** the NUT password verifier; undefined when the principal has none (or it cannot be read) */
  verifier: Verifier | undefined;
  /** why a stored verifier could not be used */
  verifierProblem?: string;
}

/** Changes to roles: each given kind replaces what the principal had of it (null or empty clears it). */
export interface RoleChange {
  upsmon?: UpsmonRole | null;
  actions?: ReadonlySet<Action> | null;
  instcmds?: ReadonlySet<string> | null;
}

export class PrincipalExistsError extends Error {
  constructor() {
    super('a principal with that name already exists');
    this.name = 'PrincipalExistsError';
  }
}

interface PrincipalRow {
  id: number;
  name: Buffer;
  status: PrincipalStatus;
  created_at: number;
  updated_at: number;
}

interface KeyRow {
  algorithm: string;
  params: string;
  salt: Buffer;
  material: Buffer;
}

interface RoleRow {
  principal_id: number;
  kind: 'upsmon' | 'action' | 'instcmd';
  value: string;
}

function rolesOf(rows: readonly RoleRow[]): Roles {
  const roles = noRoles();
  for (const r of rows) {
    if (r.kind === 'upsmon') roles.upsmon = parseUpsmon(r.value);
    else if (r.kind === 'action') {
      const a = parseAction(r.value);
      if (a) roles.actions.add(a);
    } else roles.instcmds.add(r.value);
  }
  return roles;
}

export class PrincipalStore {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly byName;
  private readonly keyOf;
  private readonly rolesOfId;

  constructor(db: Db, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    this.byName = db.prepare<[Buffer], PrincipalRow>('SELECT id, name, status, created_at, updated_at FROM principals WHERE name = ?');
    this.keyOf = db.prepare<[number, string], KeyRow>(
      'SELECT algorithm, params, salt, material FROM principal_keys WHERE principal_id = ? AND purpose = ?',
    );
    this.rolesOfId = db.prepare<[number], RoleRow>('SELECT principal_id, kind, value FROM principal_roles WHERE principal_id = ?');
  }

  /** A principal by its exact name bytes, with its NUT password verifier; one read transaction. */
  find(name: Uint8Array): PrincipalRecord | undefined {
    return this.db.transaction((): PrincipalRecord | undefined => {
      const row = this.byName.get(Buffer.from(name));
      if (!row) return undefined;
      const principal = this.toPrincipal(row, this.rolesOfId.all(row.id));
      const key = this.keyOf.get(row.id, NUT_PASSWORD);
      if (!key) return { principal, verifier: undefined };
      if (key.algorithm !== 'scrypt') return { principal, verifier: undefined, verifierProblem: `unknown algorithm ${key.algorithm}` };
      try {
        return { principal, verifier: { algorithm: 'scrypt', params: decodeParams(key.params), salt: key.salt, material: key.material } };
      } catch (err) {
        return { principal, verifier: undefined, verifierProblem: (err as Error).message };
      }
    }).immediate();
  }

  /** Every principal, ordered by name bytes. */
  list(): Principal[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare<[], PrincipalRow>('SELECT id, name, status, created_at, updated_at FROM principals ORDER BY name')
        .all();
      const roles = this.db.prepare<[], RoleRow>('SELECT principal_id, kind, value FROM principal_roles').all();
      return rows.map((r) => this.toPrincipal(r, roles.filter((x) => x.principal_id === r.id)));
    }).immediate();
  }

  /** Creates a principal with a NUT password verifier and roles. Throws PrincipalExistsError. */
  add(name: Uint8Array, verifier: Verifier, roles: Roles): Principal {
    const now = this.now();
    return this.db.transaction(() => {
      const nameBuf = Buffer.from(name);
      if (this.byName.get(nameBuf)) throw new PrincipalExistsError();
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO principals (name, status, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(nameBuf, 'active', now, now);
      const id = Number(lastInsertRowid);
      this.putKey(id, verifier, now);
      this.writeRoles(id, { upsmon: roles.upsmon ?? null, actions: roles.actions, instcmds: roles.instcmds });
      return this.toPrincipal(this.byName.get(nameBuf)!, this.rolesOfId.all(id));
    }).immediate();
  }

  /** True when it existed. Its keys and roles go with it. */
  remove(name: Uint8Array): boolean {
    return this.db.prepare('DELETE FROM principals WHERE name = ?').run(Buffer.from(name)).changes > 0;
  }

  /** Replaces the NUT password verifier. False when there is no such principal. */
  setPassword(name: Uint8Array, verifier: Verifier): boolean {
    const now = this.now();
    return this.db.transaction(() => {
      const row = this.byName.get(Buffer.from(name));
      if (!row) return false;
      this.putKey(row.id, verifier, now);
      this.touch(row.id, now);
      return true;
    }).immediate();
  }

  /**
   * Replaces the verifier only if it is still `old` (compare and set): the server upgrades a verifier's cost
   * after a successful login, and must not undo a `walnut user passwd` that landed meanwhile.
   */
  upgradeVerifier(principalId: number, old: Verifier, replacement: Verifier): boolean {
    const now = this.now();
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(
          `UPDATE principal_keys SET algorithm = ?, params = ?, salt = ?, material = ?, updated_at = ?
           WHERE principal_id = ? AND purpose = ? AND material = ?`,
        )
        .run(
          replacement.algorithm,
          encodeParams(replacement.params),
          replacement.salt,
          replacement.material,
          now,
          principalId,
          NUT_PASSWORD,
          old.material,
        );
      if (changed.changes > 0) this.touch(principalId, now);
      return changed.changes > 0;
    }).immediate();
  }

  /** Applies a role change; the principal afterwards, or undefined when there is none. */
  setRoles(name: Uint8Array, change: RoleChange): Principal | undefined {
    const now = this.now();
    return this.db.transaction(() => {
      const row = this.byName.get(Buffer.from(name));
      if (!row) return undefined;
      this.writeRoles(row.id, change);
      this.touch(row.id, now);
      return this.toPrincipal(this.byName.get(Buffer.from(name))!, this.rolesOfId.all(row.id));
    }).immediate();
  }

  /** False when there is no such principal. */
  setStatus(name: Uint8Array, status: PrincipalStatus): boolean {
    return (
      this.db
        .prepare('UPDATE principals SET status = ?, updated_at = ? WHERE name = ?')
        .run(status, this.now(), Buffer.from(name)).changes > 0
    );
  }

  private putKey(id: number, v: Verifier, now: number): void {
    this.db
      .prepare(
        `INSERT INTO principal_keys (principal_id, purpose, algorithm, params, salt, material, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (principal_id, purpose) DO UPDATE SET algorithm = excluded.algorithm, params = excluded.params,
           salt = excluded.salt, material = excluded.material, updated_at = excluded.updated_at`,
      )
      .run(id, NUT_PASSWORD, v.algorithm, encodeParams(v.params), v.salt, v.material, now, now);
  }

  private writeRoles(id: number, change: RoleChange): void {
    const clear = this.db.prepare('DELETE FROM principal_roles WHERE principal_id = ? AND kind = ?');
    const insert = this.db.prepare('INSERT OR IGNORE INTO principal_roles (principal_id, kind, value) VALUES (?, ?, ?)');
    if (change.upsmon !== undefined) {
      clear.run(id, 'upsmon');
      if (change.upsmon !== null) insert.run(id, 'upsmon', change.upsmon);
    }
    if (change.actions !== undefined) {
      clear.run(id, 'action');
      for (const a of change.actions ?? []) insert.run(id, 'action', a);
    }
    if (change.instcmds !== undefined) {
      clear.run(id, 'instcmd');
      for (const c of change.instcmds ?? []) insert.run(id, 'instcmd', c.toLowerCase());
    }
  }

  private touch(id: number, now: number): void {
    this.db.prepare('UPDATE principals SET updated_at = ? WHERE id = ?').run(now, id);
  }

  private toPrincipal(row: PrincipalRow, roles: readonly RoleRow[]): Principal {
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      roles: rolesOf(roles),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
