// The setup page's side of the AS protocol (issue 15): the claim (label code → admin's password), a password
// change and a ticket login, run in the browser by the same client state machines the CLI uses
// (src/authsrv/mutual.ts), so no password or label code ever leaves the page, only PAK values and envelopes.
// Transport-agnostic: the caller passes functions that carry one message to the web server and bring its answer
// back (fetch, a WebSocket, or a test's direct call); the web server relays AS requests to the AS byte for byte,
// as the NUT server's `AUTH AS` does (docs/auth-protocol.md §7.5). src/page/README.md says what it must implement.
import { ClientAuth, PasswdClient, UserAdminClient, domainProblem } from '../authsrv/mutual.ts';
import type { UserOp } from '../authsrv/messages.ts';
import { AuthError, ERR } from '../authsrv/errors.ts';
import { nameProblem, passwordProblem } from '../auth/bytes.ts';
import { OWNER_NAME } from '../auth/owner-name.ts';
import { SetupCodeError, parseSetupCode, setupCodePassword, type SetupCode } from '../factory/setup-code.ts';

/** One AS request to the web server's relay; the AS's reply, whole (AuthOK ‖ body, or AuthErr ‖ text). */
export type Relay = (request: Uint8Array) => Promise<Uint8Array>;

/** A name or password as typed in the page (sent as UTF-8, as the CLI sends its arguments), or bytes. */
export type Secret = string | Uint8Array;

/**
 * Why an exchange stopped. `input`: refused in the page, nothing was sent; `refused`: the AS did not take the
 * password or label code (a wrong one, an unknown user, a lockout, for a claim also a closed setup window or a
 * claimed unit: the AS says the same `auth failed` for all, docs/auth-protocol.md §1 item 5); `rejected`: the AS
 * refused the new password by one of its rules (the message is its text), and `retry` sends another in the same
 * conversation; `protocol`: a malformed or unexpected answer.
 */
export class PageAuthError extends Error {
  override name = 'PageAuthError';
  readonly kind: 'input' | 'refused' | 'rejected' | 'protocol';
  /** only for `rejected`: try another new password without a new PAK (§7.3 allows three per conversation) */
  readonly retry: ((newPassword: Secret) => Promise<void>) | undefined;
  constructor(kind: PageAuthError['kind'], message: string, retry?: (newPassword: Secret) => Promise<void>) {
    super(message);
    this.kind = kind;
    this.retry = retry;
  }
}

const utf8 = new TextEncoder();
const asBytes = (s: Secret): Uint8Array => (typeof s === 'string' ? utf8.encode(s) : Uint8Array.from(s));

function checked(problem: string | undefined): void {
  if (problem !== undefined) throw new PageAuthError('input', `${problem}; nothing was sent`);
}

/** An AuthError from the client state machines, as the page reports it. */
function fromAuth(err: unknown, refused: string): never {
  if (err instanceof AuthError) {
    if (err.text === ERR.pak) throw new PageAuthError('refused', refused);
    throw new PageAuthError('protocol', err.text);
  }
  throw err;
}

export interface PasswordChangeOptions {
  user: Secret;
  oldPassword: Secret;
  newPassword: Secret;
  /** DN: the domain of the web server's p9any offer (`v.2 dp9r1@DN`) */
  domain: string;
  relay: Relay;
  random?: (n: number) => Uint8Array;
}

/** §7.3 through the relay: PAK under the old password's K_u, Tp, then the Passwordreq sealed under Kn. */
export function changePassword(o: PasswordChangeOptions): Promise<void> {
  return passwordChange(o, 'the user name or old password was refused');
}

/** changePassword with the words for a refusal of the old password (the claim's differ). */
async function passwordChange(o: PasswordChangeOptions, refused: string): Promise<void> {
  checked(domainProblem(o.domain));
  const user = asBytes(o.user);
  checked(nameProblem(user));
  const newPassword = asBytes(o.newPassword);
  checked(passwordProblem(newPassword));
  const p = new PasswdClient({ user, oldPassword: asBytes(o.oldPassword), newPassword, ...(o.random ? { random: o.random } : {}) });
  let request: Uint8Array;
  try {
    const r1 = await o.relay(await p.request(o.domain)); // scrypt runs here, in the page
    const r2 = await o.relay(p.confirm(r1)); // a wrong old password stops here: cBc does not match
    request = p.passwordRequest(r2);
  } catch (err) {
    fromAuth(err, refused);
  }
  return sendPasswordreq(p, o.relay, request);
}

/** The Passwordreq and the AS's verdict; a refusal by a password rule can be retried with another password. */
async function sendPasswordreq(p: PasswdClient, relay: Relay, request: Uint8Array): Promise<void> {
  const reply = await relay(request);
  try {
    p.done(reply);
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    throw new PageAuthError('rejected', err.text, async (next) => {
      const bytes = asBytes(next);
      checked(passwordProblem(bytes));
      return sendPasswordreq(p, relay, p.passwordRequest(undefined, bytes));
    });
  }
}

export interface ClaimOptions {
  /** the label code as typed (any spelling the label's parser reads: case, hyphens, spaces, O for 0) */
  code: string;
  /** admin's new password; or `keepCode` */
  newPassword?: Secret;
  /** keep the label code as admin's password (walnut claim --keep-code) */
  keepCode?: boolean;
  domain: string;
  relay: Relay;
  random?: (n: number) => Uint8Array;
}

/**
 * The first-boot claim (§13), as `walnut claim` runs it (src/cli/claim.ts): the code read as the label prints it
 * (a typo is caught here and costs none of the setup window's attempts), then the password change of the owner
 * with the code's canonical form as the old password and the new one (or the code again) as the new.
 */
export async function claim(o: ClaimOptions): Promise<void> {
  let code: SetupCode;
  try {
    code = parseSetupCode(o.code);
  } catch (err) {
    if (err instanceof SetupCodeError) throw new PageAuthError('input', `the setup code: ${err.message}; nothing was sent`);
    throw err;
  }
  if (o.keepCode === (o.newPassword !== undefined)) throw new PageAuthError('input', 'give either a new password or keepCode; nothing was sent');
  const old = setupCodePassword(code);
  await passwordChange(
    { user: OWNER_NAME, oldPassword: old, newPassword: o.keepCode ? old : o.newPassword!, domain: o.domain, relay: o.relay, ...(o.random ? { random: o.random } : {}) },
    'the setup code was refused (a wrong code, the setup window is closed, or the unit is claimed already)',
  );
}

/** The web server's end of a ticket login (§7.2 with §7.5's Finished tags), one call per message. */
export interface LoginTransport<R> {
  /** p9any (§6): the server's offer, `v.2 dp9r1@DN` */
  offer(): Promise<string>;
  /** our choice, `dp9r1 DN`; resolves once the server took it */
  choose(choice: string): Promise<void>;
  /** CHc in; the server's TR{AuthPAK, IDs, DN, CHs, -, -} ‖ YAs out (305 bytes) */
  start(chc: Uint8Array): Promise<Uint8Array>;
  /** our §7.1 requests to the AS, relayed */
  relay: Relay;
  /** YBs ‖ Ts ‖ Ac in (312 bytes); As ‖ Finished_s out (108) */
  finish(message: Uint8Array): Promise<Uint8Array>;
  /** Finished_c in (32 bytes); whatever the server answers a confirmed login with (its session, say). `secret`
   *  is the login's session secret, to check what the server vouches for with it (keys.ts caBindingTag). */
  confirm(tag: Uint8Array, secret: Uint8Array): Promise<R>;
}

export interface LoginOptions<R> {
  user: Secret;
  password: Secret;
  transport: LoginTransport<R>;
  random?: (n: number) => Uint8Array;
}

/**
 * A ticket login to the web server (§7.2): the page gets the AS's tickets for the server named in the server's
 * ticket request (§7.1, relayed), proves it holds Kn, and checks the server's As and Finished tag before
 * confirming. There is no TLS exporter in a browser, so the session secret binds the p9any strings but not the
 * HTTPS channel (the server must call ServerAuth.finish without one; README.md).
 */
export async function login<R>(o: LoginOptions<R>): Promise<R> {
  const user = asBytes(o.user);
  checked(nameProblem(user));
  const password = asBytes(o.password);
  checked(passwordProblem(password));
  const t = o.transport;
  const c = new ClientAuth({ user, password, ...(o.random ? { random: o.random } : {}) });
  let tag: Uint8Array;
  try {
    await t.choose(await c.choose(await t.offer())); // scrypt runs here
    const start = await t.start(c.start());
    const r1 = await t.relay(c.asRequest(start));
    const r2 = await t.relay(c.asConfirm(r1)); // a wrong password stops here
    const finish = await t.finish(c.asTickets(r2));
    tag = c.finish(finish);
  } catch (err) {
    fromAuth(err, 'the user name or password was refused');
  }
  return t.confirm(tag, c.secret!);
}

export interface UserChange {
  op: UserOp;
  name: Secret;
  /** the new password for `set`; none for `remove` */
  password?: Secret;
}

export interface UserAdminOptions {
  /** the administrator (walnut: the owner) and their own password, which proves them to the AS */
  admin: Secret;
  adminPassword: Secret;
  domain: string;
  relay: Relay;
  changes: readonly UserChange[];
  random?: (n: number) => Uint8Array;
}

/**
 * User administration (docs/auth-protocol.md §7.6) from the page: the administrator's PAK, then each change sealed
 * under Kn for the AS alone — a new user's password is made or typed in the page and never reaches the web server.
 * A change the AS refuses by a rule stops there with its text (`rejected`); the ones before it stand.
 */
export async function administerUsers(o: UserAdminOptions): Promise<void> {
  checked(domainProblem(o.domain));
  const admin = asBytes(o.admin);
  checked(nameProblem(admin));
  const changes = o.changes.map((c) => ({ op: c.op, name: asBytes(c.name), password: c.password === undefined ? new Uint8Array(0) : asBytes(c.password) }));
  for (const c of changes) {
    checked(nameProblem(c.name));
    if (c.op === 'set') checked(passwordProblem(c.password));
  }
  const client = new UserAdminClient({ admin, password: asBytes(o.adminPassword), ...(o.random ? { random: o.random } : {}) });
  try {
    const r1 = await o.relay(await client.request(o.domain)); // scrypt runs here
    client.open(await o.relay(client.confirm(r1))); // a wrong password, or not an administrator, stops here
  } catch (err) {
    if (err instanceof AuthError && err.text === ERR.notAdmin) throw new PageAuthError('refused', 'this account may not change other accounts');
    fromAuth(err, "the administrator's password was refused");
  }
  for (const c of changes) {
    try {
      client.done(await o.relay(client.userRequest(c)));
    } catch (err) {
      if (err instanceof AuthError) throw new PageAuthError('rejected', err.text);
      throw err;
    }
  }
}
