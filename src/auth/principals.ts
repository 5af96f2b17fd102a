// The principal database (migration 2, keys removed by migration 4): names, status and roles in SQLite. Both
// `walnut serve` and the `walnut user` commands use it on the same file; every read is a fresh statement, so
// with WAL a running server sees what the CLI committed on its next check, without a reload.
//
// No secret lives here: passwords are keys in the authentication server's own database (src/authsrv/
// keystore.ts), which the NUT server cannot open. This file says who a user is allowed to be and do.
import type { Db } from '../storage/database.ts';
import { immediate } from '../storage/sqlite.ts';
import { noRoles, parseAction, parseUpsmon, type Action, type Roles, type UpsmonRole } from './roles.ts';

export type PrincipalStatus = 'active' | 'disabled';

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
  private readonly rolesOfId;

  constructor(db: Db, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    this.byName = db.prepare<[Buffer], PrincipalRow>('SELECT id, name, status, created_at, updated_at FROM principals WHERE name = ?');
    this.rolesOfId = db.prepare<[number], RoleRow>('SELECT principal_id, kind, value FROM principal_roles WHERE principal_id = ?');
  }

  /** A principal by its exact name bytes; one read transaction. */
  find(name: Uint8Array): PrincipalRecord | undefined {
    return immediate(this.db, (): PrincipalRecord | undefined => {
      const row = this.byName.get(Buffer.from(name));
      if (!row) return undefined;
      return { principal: this.toPrincipal(row, this.rolesOfId.all(row.id)) };
    });
  }

  /** Every principal, ordered by name bytes. */
  list(): Principal[] {
    return immediate(this.db, () => {
      const rows = this.db
        .prepare<[], PrincipalRow>('SELECT id, name, status, created_at, updated_at FROM principals ORDER BY name')
        .all();
      const roles = this.db.prepare<[], RoleRow>('SELECT principal_id, kind, value FROM principal_roles').all();
      return rows.map((r) => this.toPrincipal(r, roles.filter((x) => x.principal_id === r.id)));
    });
  }

  /** Creates a principal with roles (its password goes to the AS). Throws PrincipalExistsError. */
  add(name: Uint8Array, roles: Roles): Principal {
    const now = this.now();
    return immediate(this.db, () => {
      const nameBuf = Buffer.from(name);
      if (this.byName.get(nameBuf)) throw new PrincipalExistsError();
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO principals (name, status, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(nameBuf, 'active', now, now);
      const id = Number(lastInsertRowid);
      this.writeRoles(id, { upsmon: roles.upsmon ?? null, actions: roles.actions, instcmds: roles.instcmds });
      return this.toPrincipal(this.byName.get(nameBuf)!, this.rolesOfId.all(id));
    });
  }

  /** True when it existed. Its keys and roles go with it. */
  remove(name: Uint8Array): boolean {
    return this.db.prepare('DELETE FROM principals WHERE name = ?').run(Buffer.from(name)).changes > 0;
  }

  /** Records that the principal's password changed (at the AS): updated_at moves, so a NUT connection that
   *  checked the old password checks again. False when there is no such principal. */
  passwordChanged(name: Uint8Array): boolean {
    return this.db.prepare('UPDATE principals SET updated_at = ? WHERE name = ?').run(this.now(), Buffer.from(name)).changes > 0;
  }

  /** Applies a role change; the principal afterwards, or undefined when there is none. */
  setRoles(name: Uint8Array, change: RoleChange): Principal | undefined {
    const now = this.now();
    return immediate(this.db, () => {
      const row = this.byName.get(Buffer.from(name));
      if (!row) return undefined;
      this.writeRoles(row.id, change);
      this.touch(row.id, now);
      return this.toPrincipal(this.byName.get(Buffer.from(name))!, this.rolesOfId.all(row.id));
    });
  }

  /** False when there is no such principal. */
  setStatus(name: Uint8Array, status: PrincipalStatus): boolean {
    return (
      this.db
        .prepare('UPDATE principals SET status = ?, updated_at = ? WHERE name = ?')
        .run(status, this.now(), Buffer.from(name)).changes > 0
    );
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
