// NUT `AUTH USER`: an administrator's account changes over the NUT connection (docs/auth-protocol.md §7.6), a walnut
// extension that plain NUT clients never send. The session must have logged in with tickets (`AUTH`, §7.5) inside
// TLS as a principal that may administer; passwords never come this way: they go to the AS sealed under Kn
// (AuthUser, relayed by `AUTH AS` on another exchange), so this line only names users and their roles.
//
//   AUTH USER ADD <name> <roles>      create a principal with these roles; refused when it exists
//   AUTH USER GRANT <name> <roles>    change the kinds of role named (none clears one); refused when missing
//   AUTH USER REMOVE <name>           delete the principal (its key at the AS goes by AuthUser remove)
//   AUTH USER PASSWD <name>           its password changed at the AS: connections that checked the old one check
//                                     again (refused when missing, so no key is set for nobody)
//
// <roles> is one word in describeRoles' form (`"upsmon=secondary actions=SET"`, or `none`; src/auth/role-text.ts).
// Every refusal is a NUT error code: ACCESS-DENIED (not a ticket login in TLS, or not an administrator),
// INVALID-VALUE (the user exists for ADD, is missing for GRANT and REMOVE), INVALID-ARGUMENT (unreadable words);
// the reason goes to the log.
import { nameProblem } from '../auth/bytes.ts';
import type { RoleChange } from '../auth/principals.ts';
import { parseRoleChange } from '../auth/role-text.ts';
import { NutError } from './errors.ts';
import type { Reply } from './reply.ts';
import type { Session } from './session.ts';

/** What the server changes accounts through (the appliance's principal database and event log). */
export interface UserDirectory {
  /** may this ticket-authenticated principal change other accounts */
  mayAdminister(user: string): boolean;
  /** false: a principal with that name exists */
  add(name: Buffer, change: RoleChange, by: string, source: string): boolean;
  /** false: no such principal */
  grant(name: Buffer, change: RoleChange, by: string, source: string): boolean;
  /** false: no such principal */
  remove(name: Buffer, by: string, source: string): boolean;
  /** false: no such principal */
  passwordChanged(name: Buffer, by: string, source: string): boolean;
}

export function authUserCommand(users: UserDirectory | undefined, session: Session, words: readonly string[]): Reply {
  if (!users) throw new NutError('FEATURE-NOT-CONFIGURED');
  const sub = words[2]?.toUpperCase();
  const arity = sub === 'REMOVE' || sub === 'PASSWD' ? 4 : 5;
  if (!(sub === 'ADD' || sub === 'GRANT' || sub === 'REMOVE' || sub === 'PASSWD') || words.length !== arity) throw new NutError('INVALID-ARGUMENT');
  const by = session.ticketUser;
  if (by === undefined || !session.tls) throw new NutError('ACCESS-DENIED', `AUTH USER ${sub} needs a ticket login (AUTH) inside TLS`);
  if (!users.mayAdminister(by)) throw new NutError('ACCESS-DENIED', `AUTH USER ${sub}: ${by} may not administer users`);
  const name = Buffer.from(words[3]!, 'latin1'); // a NUT word: one char per byte
  const problem = nameProblem(name);
  if (problem) throw new NutError('INVALID-ARGUMENT', `AUTH USER ${sub}: ${problem}`);
  if (users.mayAdminister(name.toString('latin1'))) throw new NutError('ACCESS-DENIED', `AUTH USER ${sub}: an administrator's own account is not changed this way`);
  const source = `${session.address}:${session.port}`;
  if (sub === 'REMOVE' || sub === 'PASSWD') {
    const done = sub === 'REMOVE' ? users.remove(name, by, source) : users.passwordChanged(name, by, source);
    if (!done) throw new NutError('INVALID-VALUE', `AUTH USER ${sub}: no such user`);
    return 'OK';
  }
  const parsed = parseRoleChange(Buffer.from(words[4]!, 'latin1').toString('utf8'));
  if ('problem' in parsed) throw new NutError('INVALID-ARGUMENT', `AUTH USER ${sub}: ${parsed.problem}`);
  const done = sub === 'ADD' ? users.add(name, parsed.change, by, source) : users.grant(name, parsed.change, by, source);
  if (!done) throw new NutError('INVALID-VALUE', `AUTH USER ${sub}: ${sub === 'ADD' ? 'the user exists' : 'no such user'}`);
  return 'OK';
}
