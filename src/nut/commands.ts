// NUT protocol 1.3 command handlers, as upsd 2.8 answers them (docs/nut-protocol.md §2). Given a session and the
// words of one request line, each handler returns the reply lines (without LF), or a promise of them when a
// credential check is asynchronous. Errors are thrown as NutError and become their `ERR ...` line.
// No sockets here: server.ts owns I/O, this file owns protocol meaning.
import { NutError } from './errors.ts';
import { quote } from './encode.ts';
import type { Session } from './session.ts';
import type { UpsModel, Variable } from '../ups/model.ts';
import { describeCommand, describeVariable } from '../ups/descriptions.ts';
import { authCommand } from './auth-command.ts';
import type { CommandContext, Handler, TransportPolicy } from './context.ts';
import type { Reply } from './reply.ts';
import type { Right } from '../auth/rights.ts';

const PERMISSIVE: TransportPolicy = { clearCredentials: true, anonymousReads: 'any' };
// AUTH sends no password, but the session it authenticates would run in clear (hijackable): same rule
const CREDENTIAL_COMMANDS = new Set(['USERNAME', 'PASSWORD', 'LOGIN', 'PRIMARY', 'MASTER', 'FSD', 'INSTCMD', 'AUTH']);

// ---- shared checks ----

function needUps(ctx: CommandContext, name: string): UpsModel {
  const ups = ctx.findUps(name);
  if (!ups) throw new NutError('UNKNOWN-UPS');
  return ups;
}

/** ups_available() (§3): DRIVER-NOT-CONNECTED or DATA-STALE before any data is served. */
function needAvailable(ups: UpsModel): void {
  const a = ups.availability();
  if (a === 'not-connected') throw new NutError('DRIVER-NOT-CONNECTED');
  if (a === 'stale') throw new NutError('DATA-STALE');
}

function needVariable(ups: UpsModel, name: string): Variable {
  const v = ups.getVariable(name);
  if (!v) throw new NutError('VAR-NOT-SUPPORTED');
  return v;
}

/** check_command() for FLAG_USER commands (§2.1): run before the argument count is looked at. */
function needCredentials(session: Session): { username: string; password: string } {
  if (session.ticketUser !== undefined) return { username: session.ticketUser, password: '' };
  if (session.username === undefined) throw new NutError('USERNAME-REQUIRED');
  if (session.password === undefined) throw new NutError('PASSWORD-REQUIRED');
  return { username: session.username, password: session.password };
}

function exactArgs(words: readonly string[], count: number): void {
  if (words.length !== count + 1) throw new NutError('INVALID-ARGUMENT');
}

/** Runs `then` once the session's credentials are shown to grant `right`, else ACCESS-DENIED. */
function whenAllowed(
  ctx: CommandContext,
  session: Session,
  right: Right,
  denied: () => void,
  then: () => Reply | Promise<Reply>,
): Reply | Promise<Reply> {
  const { username, password } = needCredentials(session);
  const verdict =
    session.ticketUser !== undefined
      ? (ctx.authorizer.allowedUser?.(session.ticketUser, right, session) ?? false)
      : ctx.authorizer.allowed(username, password, right, session);
  const decide = (ok: boolean): Reply | Promise<Reply> => {
    if (!ok) {
      denied();
      throw new NutError('ACCESS-DENIED');
    }
    return then();
  };
  return typeof verdict === 'boolean' ? decide(verdict) : verdict.then(decide);
}

/** `OK` or `OK TRACKING <id>`; the device operation's outcome lands in the tracking table. */
function dispatchToDevice(ctx: CommandContext, session: Session, op: () => Promise<void>, failure: NutError): Reply | Promise<Reply> {
  // Like upsd, OK means "handed to the driver"; the device may still refuse later. A device layer that
  // fails synchronously (no driver attached) is reported at once, with tracking on or off: upsd sends
  // SET-FAILED / INSTCMD-FAILED when the request cannot be sent (docs/nut-protocol.md §2.7 step 9, §2.8 step 6).
  let outcome: Promise<void>;
  try {
    outcome = op();
  } catch {
    throw failure;
  }
  if (session.tracking) {
    const id = ctx.tracking.start();
    outcome.then(
      () => ctx.tracking.finish(id, 'SUCCESS'),
      () => ctx.tracking.finish(id, 'ERR FAILED'),
    );
    return `OK TRACKING ${id}`;
  }
  outcome.catch(() => undefined);
  return 'OK';
}

// ---- misc (§2.2) ----

const ver: Handler = (ctx, _s, words) => {
  exactArgs(words, 0);
  return ctx.serverInfo;
};

const netver: Handler = (_ctx, _s, words) => {
  exactArgs(words, 0);
  return '1.3';
};

const help: Handler = (_ctx, _s, words) => {
  exactArgs(words, 0);
  return 'Commands: HELP VER PROTVER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS';
};

const starttls: Handler = (ctx, session) => {
  if (session.tls) throw new NutError('ALREADY-SSL-MODE');
  ctx.startTls(session); // throws FEATURE-NOT-CONFIGURED while TLS is not set up
  return 'OK STARTTLS';
};

const logout: Handler = (_ctx, session, words) => {
  exactArgs(words, 0);
  session.closeAfterReply = true;
  return 'OK Goodbye';
};

// ---- credentials (§2.3) ----

const username: Handler = (_ctx, session, words) => {
  exactArgs(words, 1);
  if (session.username !== undefined) throw new NutError('ALREADY-SET-USERNAME');
  session.username = words[1]!;
  return 'OK';
};

const password: Handler = (_ctx, session, words) => {
  exactArgs(words, 1);
  if (session.password !== undefined) throw new NutError('ALREADY-SET-PASSWORD');
  session.password = words[1]!;
  return 'OK';
};

const login: Handler = (ctx, session, words) => {
  needCredentials(session);
  exactArgs(words, 1);
  if (session.loginUps !== undefined) throw new NutError('ALREADY-LOGGED-IN');
  const ups = needUps(ctx, words[1]!);
  return whenAllowed(
    ctx,
    session,
    { kind: 'action', action: 'login' },
    () => ctx.audit({ kind: 'denied', session, command: 'LOGIN', ups: ups.name }),
    () => {
      // re-check: another pipelined LOGIN cannot interleave (lines run in order), but be exact anyway
      if (session.loginUps !== undefined) throw new NutError('ALREADY-LOGGED-IN');
      session.loginUps = ups.name;
      ctx.audit({ kind: 'login', session, ups: ups.name });
      return 'OK';
    },
  );
};

/** PRIMARY and MASTER only check the right (§2.3); walnut remembers the grant to show the client as primary. */
function primaryAs(grantWord: string): Handler {
  return (ctx, session, words) => {
    needCredentials(session);
    exactArgs(words, 1);
    const ups = needUps(ctx, words[1]!);
    return whenAllowed(
      ctx,
      session,
      { kind: 'action', action: 'primary' },
      () => ctx.audit({ kind: 'denied', session, command: words[0]!.toUpperCase(), ups: ups.name }),
      () => {
        // no change to what the session may do (the right is checked again on FSD); only what it says it is
        session.primary = true;
        return `OK ${grantWord}-GRANTED`;
      },
    );
  };
}

const fsd: Handler = (ctx, session, words) => {
  needCredentials(session);
  exactArgs(words, 1);
  const ups = needUps(ctx, words[1]!);
  return whenAllowed(
    ctx,
    session,
    { kind: 'action', action: 'fsd' },
    () => ctx.audit({ kind: 'denied', session, command: 'FSD', ups: ups.name }),
    () => {
      ups.setFsd();
      ctx.audit({ kind: 'fsd', session, ups: ups.name });
      return 'OK FSD-SET';
    },
  );
};

// ---- GET (§2.5) ----

const LIST_UNAVAILABLE = 'Description unavailable';

function typeWords(v: Variable): string {
  let t = '';
  if (v.writable) t += ' RW';
  if (v.enumValues && v.enumValues.length > 0) t += ' ENUM';
  if (v.ranges && v.ranges.length > 0) t += ' RANGE';
  t += v.maxLength !== undefined ? ` STRING:${v.maxLength}` : ' NUMBER';
  return t;
}

const get: Handler = (ctx, session, words) => {
  if (words.length < 2) throw new NutError('INVALID-ARGUMENT');
  const sub = words[1]!.toUpperCase();
  switch (sub) {
    case 'TRACKING': {
      if (words.length === 2) return session.tracking ? 'ON' : 'OFF';
      if (!session.tracking) throw new NutError('FEATURE-NOT-CONFIGURED');
      return ctx.tracking.lookup(words[2]!);
    }
    case 'NUMLOGINS': {
      if (words.length < 3) throw new NutError('INVALID-ARGUMENT');
      const ups = needUps(ctx, words[2]!);
      needAvailable(ups);
      return `NUMLOGINS ${words[2]} ${ctx.logins(ups.name).length}`;
    }
    case 'UPSDESC': {
      if (words.length < 3) throw new NutError('INVALID-ARGUMENT');
      const ups = needUps(ctx, words[2]!);
      return `UPSDESC ${words[2]} ${quote(ups.description ?? 'Unavailable')}`;
    }
    case 'VAR': {
      if (words.length < 4) throw new NutError('INVALID-ARGUMENT');
      const [, , upsName, varName] = words as [string, string, string, string];
      // server.* is answered by the server itself, for any UPS name, known or not (§2.5)
      if (varName.length >= 7 && varName.slice(0, 7).toLowerCase() === 'server.') {
        const which = varName.slice(7).toLowerCase();
        if (which === 'info') return `VAR ${upsName} ${varName} ${quote(ctx.serverInfo)}`;
        if (which === 'version') return `VAR ${upsName} ${varName} ${quote(ctx.serverVersion)}`;
        throw new NutError('VAR-NOT-SUPPORTED');
      }
      const ups = needUps(ctx, upsName);
      needAvailable(ups);
      const v = needVariable(ups, varName);
      return `VAR ${upsName} ${varName} ${quote(ups.visibleValue(v))}`;
    }
    case 'TYPE': {
      if (words.length < 4) throw new NutError('INVALID-ARGUMENT');
      const ups = needUps(ctx, words[2]!);
      needAvailable(ups);
      const v = needVariable(ups, words[3]!);
      return `TYPE ${words[2]} ${words[3]}${typeWords(v)}`;
    }
    case 'DESC': {
      if (words.length < 4) throw new NutError('INVALID-ARGUMENT');
      const ups = needUps(ctx, words[2]!);
      needAvailable(ups);
      return `DESC ${words[2]} ${words[3]} ${quote(describeVariable(words[3]!) ?? LIST_UNAVAILABLE)}`;
    }
    case 'CMDDESC': {
      if (words.length < 4) throw new NutError('INVALID-ARGUMENT');
      const ups = needUps(ctx, words[2]!);
      needAvailable(ups);
      return `CMDDESC ${words[2]} ${words[3]} ${quote(describeCommand(words[3]!) ?? LIST_UNAVAILABLE)}`;
    }
    default:
      throw new NutError('INVALID-ARGUMENT');
  }
};

// ---- LIST (§2.6) ----

function framed(query: string, items: string[]): string[] {
  items.unshift(`BEGIN LIST ${query}`);
  items.push(`END LIST ${query}`);
  return items;
}

const list: Handler = (ctx, _session, words) => {
  if (words.length < 2) throw new NutError('INVALID-ARGUMENT');
  const sub = words[1]!.toUpperCase();
  const verb = words[1]!;
  switch (sub) {
    case 'UPS':
      return framed(
        verb,
        ctx.upsList().map((u) => `UPS ${u.name} ${quote(u.description ?? LIST_UNAVAILABLE)}`),
      );
    case 'VAR':
    case 'RW':
    case 'CMD':
    case 'CLIENT': {
      if (words.length < 3) throw new NutError('INVALID-ARGUMENT');
      const name = words[2]!;
      const ups = needUps(ctx, name);
      const query = `${verb} ${name}`;
      if (sub === 'CLIENT') {
        return framed(query, ctx.logins(ups.name).map((s) => `CLIENT ${ups.name} ${s.address}`));
      }
      needAvailable(ups);
      if (sub === 'CMD') return framed(query, ups.commands().map((c) => `CMD ${name} ${c}`));
      const items: string[] = [];
      for (const v of ups.variables()) {
        if (sub === 'VAR') items.push(`VAR ${name} ${v.name} ${quote(ups.visibleValue(v))}`);
        else if (v.writable) items.push(`RW ${name} ${v.name} ${quote(v.value)}`); // no FSD prefix in LIST RW
      }
      return framed(query, items);
    }
    case 'ENUM':
    case 'RANGE': {
      if (words.length < 4) throw new NutError('INVALID-ARGUMENT');
      const [, , upsName, varName] = words as [string, string, string, string];
      const ups = needUps(ctx, upsName);
      needAvailable(ups);
      const v = needVariable(ups, varName);
      const query = `${verb} ${upsName} ${varName}`;
      if (sub === 'ENUM') return framed(query, (v.enumValues ?? []).map((e) => `ENUM ${upsName} ${varName} ${quote(e)}`));
      return framed(query, (v.ranges ?? []).map((r) => `RANGE ${upsName} ${varName} "${r.min}" "${r.max}"`));
    }
    default:
      throw new NutError('INVALID-ARGUMENT');
  }
};

// ---- SET (§2.7) ----

/** atoi(): leading whitespace, optional sign, digits; anything else stops it (0 when no digits). */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

const NUMBER_SHAPE = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;

function checkValueFits(v: Variable, value: string): void {
  if (v.maxLength !== undefined) {
    if (v.maxLength < 1) throw new NutError('SET-FAILED');
    if (value.length > v.maxLength) throw new NutError('TOO-LONG');
  } else if (!NUMBER_SHAPE.test(value)) {
    // upsd hands anything to the driver; walnut refuses a non-number for a NUMBER variable up front
    throw new NutError('INVALID-VALUE');
  }
  if (v.enumValues && v.enumValues.length > 0 && !v.enumValues.includes(value)) throw new NutError('INVALID-VALUE');
  if (v.ranges && v.ranges.length > 0) {
    const n = atoi(value);
    if (!v.ranges.some((r) => n >= r.min && n <= r.max)) throw new NutError('INVALID-VALUE');
  }
}

const set: Handler = (ctx, session, words) => {
  needCredentials(session);
  if (words.length < 3) throw new NutError('INVALID-ARGUMENT');
  const sub = words[1]!.toUpperCase();
  if (sub === 'TRACKING') {
    const mode = words[2]!.toUpperCase();
    if (mode === 'ON') session.tracking = true;
    else if (mode === 'OFF') session.tracking = false;
    else throw new NutError('INVALID-ARGUMENT');
    return 'OK';
  }
  if (sub !== 'VAR') throw new NutError('INVALID-ARGUMENT');
  if (words.length < 5) throw new NutError('INVALID-ARGUMENT');
  const [, , upsName, varName, value] = words as [string, string, string, string, string];
  const ups = needUps(ctx, upsName);
  needAvailable(ups);
  return whenAllowed(
    ctx,
    session,
    { kind: 'action', action: 'set' },
    () => ctx.audit({ kind: 'denied', session, command: 'SET VAR', ups: ups.name }),
    () => {
      const v = needVariable(ups, varName);
      if (!v.writable) throw new NutError('READONLY');
      checkValueFits(v, value);
      const control = ups.control;
      if (!control) throw new NutError('SET-FAILED', 'no device control attached');
      ctx.audit({ kind: 'set', session, ups: ups.name, variable: v.name, value });
      return dispatchToDevice(ctx, session, () => control.setVariable(v.name, value), new NutError('SET-FAILED'));
    },
  );
};

// ---- INSTCMD (§2.8) ----

const instcmd: Handler = (ctx, session, words) => {
  needCredentials(session);
  if (words.length < 3) throw new NutError('INVALID-ARGUMENT');
  const ups = needUps(ctx, words[1]!);
  needAvailable(ups);
  const command = ups.findCommand(words[2]!);
  if (!command) throw new NutError('CMD-NOT-SUPPORTED'); // before ACCESS-DENIED, as upsd
  // the parameter counts only with exactly three arguments
  const parameter = words.length === 4 ? words[3] : undefined;
  return whenAllowed(
    ctx,
    session,
    { kind: 'instcmd', command },
    () => ctx.audit({ kind: 'denied', session, command: `INSTCMD ${command}`, ups: ups.name }),
    () => {
      const control = ups.control;
      if (!control) throw new NutError('INSTCMD-FAILED', 'no device control attached');
      ctx.audit({ kind: 'instcmd', session, ups: ups.name, command, parameter });
      return dispatchToDevice(ctx, session, () => control.runCommand(command, parameter), new NutError('INSTCMD-FAILED'));
    },
  );
};

const HANDLERS = new Map<string, Handler>([
  ['VER', ver],
  ['NETVER', netver],
  ['PROTVER', netver],
  ['HELP', help],
  ['STARTTLS', starttls],
  ['LOGOUT', logout],
  ['USERNAME', username],
  ['PASSWORD', password],
  ['LOGIN', login],
  ['PRIMARY', primaryAs('PRIMARY')],
  ['MASTER', primaryAs('MASTER')],
  ['FSD', fsd],
  ['GET', get],
  ['LIST', list],
  ['SET', set],
  ['INSTCMD', instcmd],
  ['AUTH', (ctx, session, words) => authCommand(ctx.tickets, session, words, (o) => ctx.audit({ ...o, session }), ctx.users)],
]);

/** Answers one request line. Throws NutError for protocol errors (the caller sends `err.wire`). */
export function execute(ctx: CommandContext, session: Session, words: readonly string[]): Reply | Promise<Reply> {
  if (words.length === 0) throw new NutError('UNKNOWN-COMMAND');
  const command = words[0]!.toUpperCase();
  const handler = HANDLERS.get(command);
  if (!handler) throw new NutError('UNKNOWN-COMMAND');
  if (!session.tls) refuseInClear(ctx, session, command, words);
  else if (ctx.transport?.anonymousReads === 'none' && (command === 'GET' || command === 'LIST') && session.loginUps === undefined) {
    refuse(ctx, session, command, 'reads need a LOGIN (tls.anonymousReads is none)');
  }
  return handler(ctx, session, words);
}

function refuse(ctx: CommandContext, session: Session, command: string, reason: string): never {
  ctx.audit({ kind: 'cleartext-refused', session, command, reason });
  // clients know ACCESS-DENIED (docs/nut-protocol.md §2.10); the reason goes to the log only
  throw new NutError('ACCESS-DENIED', reason);
}

/** Issue 5: no credential in clear text; reads as tls.anonymousReads says. */
function refuseInClear(ctx: CommandContext, session: Session, command: string, words: readonly string[]): void {
  const policy = ctx.transport ?? PERMISSIVE;
  const credential = CREDENTIAL_COMMANDS.has(command) || (command === 'SET' && words[1]?.toUpperCase() === 'VAR');
  if (credential && !policy.clearCredentials) refuse(ctx, session, command, `${command} outside TLS: credentials are never taken in clear (send STARTTLS first)`);
  if ((command === 'GET' || command === 'LIST') && policy.anonymousReads !== 'any') {
    refuse(ctx, session, command, `${command} outside TLS (tls.anonymousReads is ${policy.anonymousReads})`);
  }
}
