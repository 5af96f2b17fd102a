// The Users & security page's AS exchanges (docs/auth-protocol.md §7.3, §7.6) over the web server's relay, each
// followed by the server's half: the AS holds passwords, the web server the accounts, and neither step is skipped.
// Passwords (the admin's, a user's new one) go into the PAK and the sealed requests here in the page, never to the
// web server.
import { administerUsers, changePassword, type UserChange } from '../auth-client.ts';
import { domainOf, openFlow } from './flows.ts';
import { api } from './http.ts';

/** One AuthUser conversation (§7.6) as the admin, proved by their own password typed again in the page. */
async function asAdmin(offer: string, admin: string, adminPassword: string, changes: readonly UserChange[]): Promise<void> {
  const { flow, relay } = await openFlow();
  try {
    await administerUsers({ admin, adminPassword, domain: domainOf(offer), relay, changes });
  } finally {
    await api('POST', '/api/flows/end', { flow }).catch(() => undefined);
  }
}

export interface AdminProof {
  offer: string;
  admin: string;
  adminPassword: string;
}

/** A new account with its roles, then its password at the AS; when the AS step fails the account goes again, so
 *  the unit never keeps a user without a password (as `walnut user add --server` undoes its first step). */
export async function createUser(p: AdminProof, name: string, roles: string, password: string): Promise<void> {
  await api('POST', '/api/users', { name, roles });
  try {
    await asAdmin(p.offer, p.admin, p.adminPassword, [{ op: 'set', name, password }]);
  } catch (err) {
    await api('POST', '/api/users/remove', { name }).catch(() => undefined);
    throw err;
  }
  await api('POST', '/api/users/password', { name });
}

/** Another user's new password at the AS; then the server ends their web sessions and NUT checks again. */
export async function setUserPassword(p: AdminProof, name: string, password: string): Promise<void> {
  await asAdmin(p.offer, p.admin, p.adminPassword, [{ op: 'set', name, password }]);
  await api('POST', '/api/users/password', { name });
}

/** The key at the AS first (the admin's password proves the request), then the account. */
export async function removeUser(p: AdminProof, name: string): Promise<void> {
  await asAdmin(p.offer, p.admin, p.adminPassword, [{ op: 'remove', name }]);
  await api('POST', '/api/users/remove', { name });
}

/** The caller's own password (§7.3): proved by the old one; the server then ends the caller's other sessions. */
export async function changeOwnPassword(offer: string, user: string, oldPassword: string, newPassword: string): Promise<void> {
  const { flow, relay } = await openFlow();
  try {
    await changePassword({ user, oldPassword, newPassword, domain: domainOf(offer), relay });
  } finally {
    await api('POST', '/api/flows/end', { flow }).catch(() => undefined);
  }
  await api('POST', '/api/account/password');
}

/** 24 characters from 32 unambiguous ones (120 bits), as `walnut client-cert issue` generates them. */
export function generatePassword(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  // 32 divides 256: a byte's low five bits are uniform
  return [...random(24)].map((b) => alphabet[b & 31]).join('');
}
