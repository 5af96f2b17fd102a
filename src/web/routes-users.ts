// The Users & security page's API (issue 16): accounts and their state, the server's half of a password change,
// and client certificates from the unit's CA. Passwords of accounts never come here: the page sets them at the AS
// (administerUsers, changePassword: docs/auth-protocol.md §7.3, §7.6) and then tells this module it did, so NUT
// connections that checked the old password check again and the web sessions of that user end.
//
// Every route but the caller's own password change needs the admin role; every change is an event naming its
// author (the web user) and the address it came from.
import { nameProblem, showBytes } from '../auth/bytes.ts';
import { OWNER } from '../auth/owner.ts';
import type { Principal, PrincipalStatus } from '../auth/principals.ts';
import { describeRoles } from '../auth/roles.ts';
import type { EventLog } from '../storage/event-log.ts';
import { MAX_REASON, clientNameProblem, type ClientCertificateRecord } from '../tls/client-certs.ts';
import type { ApiCall, ApiReply, RouteModule } from './api.ts';
import { badRequest, forbidden, HttpError } from './errors.ts';
import { readInput } from './json-input.ts';
import type { SessionTable, WebRole } from './sessions.ts';

/** The account changes this page makes, on the principal database (src/appliance/web.ts adapts it). */
export interface AccountStore {
  list(): readonly Principal[];
  setStatus(name: Uint8Array, status: PrincipalStatus): boolean;
  /** false: no such principal; records its own event (src/appliance/user-directory.ts) */
  remove(name: Uint8Array, by: string, source: string): boolean;
  /** false: no such principal; records its own event */
  passwordChanged(name: Uint8Array, by: string, source: string): boolean;
}

/** A certificate issued here and handed out: the PEM (certificate, CA, key) and the PKCS#12 file. */
export interface IssuedForPage {
  serialHex: string;
  notAfter: Date;
  pem: string;
  p12: Buffer;
}

export interface CertificateIssuer {
  list(): readonly ClientCertificateRecord[];
  /** undefined: the unit's CA key is not here (a factory identity), so it cannot issue */
  issue(name: string, p12Password: string): IssuedForPage | undefined;
  /** by serial number only; the certificates revoked now (none: it was revoked before), undefined: no such serial */
  revoke(serial: string, reason: string | undefined): readonly ClientCertificateRecord[] | undefined;
}

export interface UsersRouteDeps {
  accounts: AccountStore;
  /** the web role a principal gets (src/appliance/web.ts webRoleOf) */
  roleOf(user: string): WebRole | undefined;
  sessions: Pick<SessionTable, 'destroyUser'>;
  events: Pick<EventLog, 'record'>;
  certs?: CertificateIssuer;
}

/** Names as the API takes them: UTF-8 text, the bytes the AS and NUT see (as POST /api/users). */
const NAME = { kind: 'string', max: 64 } as const;
/** The .p12 password: the CLI's rule (src/cli/client-cert.ts), typed or generated in the page. */
const P12_PASSWORD = { kind: 'string', max: 128, pattern: /^[^\x00-\x1f\x7f]+$/ } as const;
const SERIAL = { kind: 'string', max: 64, pattern: /^[0-9A-Fa-f:]{1,64}$/ } as const;

/** A name from the request as bytes, refused with the one name rule (src/auth/bytes.ts). */
export function accountName(text: string): Buffer {
  const name = Buffer.from(text, 'utf8');
  const problem = nameProblem(name);
  if (problem) throw badRequest(`name: ${problem}`);
  return name;
}

/** The user list the page shows: name, status, roles in describeRoles' words, the web role they log in with. */
export function userRows(principals: readonly Principal[], roleOf: (user: string) => WebRole | undefined): unknown[] {
  return principals.map((p) => ({
    name: p.name.toString('utf8'),
    status: p.status,
    roles: describeRoles(p.roles),
    webRole: roleOf(p.name.toString('latin1')) ?? null,
    owner: p.name.equals(OWNER),
    updatedAt: p.updatedAt,
  }));
}

/** A certificate as the page lists it; the status from the clock (as `walnut client-cert list`). */
export function certRow(c: ClientCertificateRecord, now: Date): unknown {
  const status = c.revokedAt !== undefined ? 'revoked' : c.notAfter.getTime() < now.getTime() ? 'expired' : 'active';
  return {
    serial: c.serialHex,
    name: c.commonName,
    issuedAt: c.issuedAt.getTime(),
    notAfter: c.notAfter.getTime(),
    status,
    revokedAt: c.revokedAt?.getTime() ?? null,
    reason: c.revokedReason ?? null,
  };
}

export function usersRoutes(d: UsersRouteDeps): RouteModule {
  /** the event detail's author: the web user, shown as bytes are everywhere in the log */
  const by = (user: string): string => showBytes(Buffer.from(user, 'latin1'));
  const record = (call: ApiCall, kind: string, detail: string, user: string): void => d.events.record(kind, call.address, `${detail} (by ${by(user)})`);
  const certs = (): CertificateIssuer => {
    if (!d.certs) throw new HttpError(503, 'no-certificates', 'TLS is off: this unit issues no client certificates');
    return d.certs;
  };
  /** the owner's account is changed by the owner's own password change only, as in NUT AUTH USER */
  const notOwner = (name: Buffer, what: string): void => {
    if (name.equals(OWNER)) throw forbidden(`the administrator's own account cannot be ${what}`);
  };

  return {
    'GET /api/users': (call) => {
      call.session('admin');
      return { status: 200, json: userRows(d.accounts.list(), d.roleOf) };
    },

    'POST /api/users/status': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { name: NAME, status: { kind: 'string', max: 16, pattern: /^(active|disabled)$/ } });
      const name = accountName(i.name);
      notOwner(name, 'disabled');
      if (!d.accounts.setStatus(name, i.status as PrincipalStatus)) throw new HttpError(404, 'no-such-user', 'no such user');
      // a disabled user may not log in, and the sessions they have end now, not when they expire
      if (i.status === 'disabled') d.sessions.destroyUser(name.toString('latin1'));
      record(call, i.status === 'disabled' ? 'user-disabled' : 'user-enabled', `user ${showBytes(name)} ${i.status === 'disabled' ? 'disabled' : 'enabled'}`, s.user);
      return { status: 204 };
    },

    // the page has removed the key at the AS first (administerUsers 'remove', which proves the admin's password)
    'POST /api/users/remove': (call) => {
      const s = call.session('admin');
      const name = accountName(readInput(call.body, { name: NAME }).name);
      notOwner(name, 'removed');
      if (!d.accounts.remove(name, s.user, call.address)) throw new HttpError(404, 'no-such-user', 'no such user');
      d.sessions.destroyUser(name.toString('latin1'));
      return { status: 204 };
    },

    // after the page set another user's password at the AS (administerUsers 'set')
    'POST /api/users/password': (call) => {
      const s = call.session('admin');
      const name = accountName(readInput(call.body, { name: NAME }).name);
      notOwner(name, 'changed this way (change your own password instead)');
      if (!d.accounts.passwordChanged(name, s.user, call.address)) throw new HttpError(404, 'no-such-user', 'no such user');
      d.sessions.destroyUser(name.toString('latin1'));
      return { status: 204 };
    },

    // after the page changed the caller's own password at the AS (§7.3): any role; their other sessions end
    'POST /api/account/password': (call): ApiReply => {
      const s = call.session('viewer');
      readInput(call.body, {});
      const name = Buffer.from(s.user, 'latin1');
      // the owner may have no principal row (src/auth/owner.ts): the change is still an event
      if (!d.accounts.passwordChanged(name, s.user, call.address)) record(call, 'user-password', `user ${showBytes(name)}: password changed`, s.user);
      d.sessions.destroyUser(s.user, s.id);
      return { status: 204 };
    },

    'GET /api/certs': (call) => {
      call.session('admin');
      const now = new Date();
      return { status: 200, json: certs().list().map((c) => certRow(c, now)) };
    },

    'POST /api/certs/issue': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { name: { kind: 'string', max: 64 }, p12Password: P12_PASSWORD });
      const problem = clientNameProblem(i.name);
      if (problem) throw badRequest(`name: ${problem}`);
      const issued = certs().issue(i.name, i.p12Password);
      if (!issued) throw new HttpError(409, 'factory-ca', "this unit's CA key is not on the unit (a factory identity): the factory CA issues client certificates");
      record(call, 'client-cert-issued', `client certificate ${showBytes(Buffer.from(i.name, 'utf8'))} serial ${issued.serialHex} expires ${issued.notAfter.toISOString()}`, s.user);
      // the key leaves once, in this reply (never stored, never logged), as the CLI writes it once to its files
      return {
        status: 201,
        json: { serial: issued.serialHex, name: i.name, notAfter: issued.notAfter.getTime(), pem: issued.pem, p12: issued.p12.toString('base64url') },
      }; // no-store, as every API reply (server.ts)
    },

    'POST /api/certs/revoke': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { serial: SERIAL, reason: { kind: 'string', max: MAX_REASON, pattern: /^[^\x00-\x1f\x7f]*$/, optional: true } });
      const revoked = certs().revoke(i.serial, i.reason);
      if (!revoked) throw new HttpError(404, 'no-such-certificate', 'no certificate with that serial number');
      for (const c of revoked) {
        record(call, 'client-cert-revoked', `client certificate ${showBytes(Buffer.from(c.commonName, 'utf8'))} serial ${c.serialHex} revoked${i.reason ? `: ${i.reason}` : ''}`, s.user);
      }
      return { status: 204 };
    },
  };
}
