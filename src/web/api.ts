// The web API (issue 15): what the page asks for, as one function from a parsed request to a reply. No sockets
// here: src/web/server.ts reads the request (with its limits), calls `handle`, and writes the reply.
//
// Rules every route follows:
// - a state-changing request (POST) must come from this origin (Origin = https://<Host>), and once logged in it
//   must repeat the session token in X-Walnut-Token: the SameSite=Strict cookie alone is not trusted;
// - roles are enforced here, not only hidden in the page: admin (everything), operator (device commands and
//   settings), viewer (read only), as APC NMC3's tiers; and on top, the NUT rights of the user (an operator runs
//   only the instant commands their NUT roles allow);
// - errors are HttpErrors with a fixed sentence; nothing echoes the input.
import { showBytes } from '../auth/bytes.ts';
import type { Right } from '../auth/rights.ts';
import { X509Certificate } from 'node:crypto';
import { caBindingTag } from '../authsrv/keys.ts';
import type { RoleChange } from '../auth/principals.ts';
import { parseRoleChange } from '../auth/role-text.ts';
import { nameProblem } from '../auth/bytes.ts';
import type { EventLog } from '../storage/event-log.ts';
import { parseRange } from '../storage/history-buckets.ts';
import type { History } from '../storage/history.ts';
import { describeCommand, describeVariable } from '../ups/descriptions.ts';
import type { UpsModel } from '../ups/model.ts';
import { summarizeStatus } from '../ups/status-words.ts';
import type { AuthFlows } from './auth-flows.ts';
import { MAX_AS_REQUEST } from './auth-flows.ts';
import { badRequest, forbidden, HttpError, notFound, unauthorized } from './errors.ts';
import { b64, readInput } from './json-input.ts';
import { SessionTable, sessionCookie, sessionIdFrom, type WebRole, type WebSession } from './sessions.ts';

export interface ApiRequest {
  method: string;
  /** the path without the query */
  path: string;
  query: URLSearchParams;
  host: string | undefined;
  origin: string | undefined;
  cookie: string | undefined;
  token: string | undefined;
  /** the client's address, canonical (an IPv4-mapped IPv6 address is its IPv4 address) */
  address: string;
  contentType: string | undefined;
  /** the body of a POST as it came (bounded by the server); undefined for GET */
  body: Buffer | undefined;
}

/** A request after the origin check, its body parsed: an empty body is `{}`, anything else must be JSON. */
export type Parsed = Omit<ApiRequest, 'body'> & { body: unknown };

/** What a route of another module gets: the parsed request and the session check every route uses (the role at
 *  least `role`, and on a POST the session token). */
export type ApiCall = Parsed & { session(role: WebRole): WebSession };
export type Route = (call: ApiCall) => ApiReply | Promise<ApiReply>;
/** Routes by `METHOD /path` (exact paths; the same origin rule and body limits apply to all). */
export type RouteModule = Readonly<Record<string, Route>>;

export interface ApiReply {
  status: number;
  json?: unknown;
  /** a body that is not JSON (CSV, PEM), with its Content-Type */
  text?: { type: string; body: string };
  headers?: Record<string, string>;
}

/** Account changes the admin makes from the page (src/appliance/web.ts adapts the NUT AUTH USER directory). */
export interface WebUsers {
  /** 'exists' when the name is taken; roles in describeRoles' text (src/auth/role-text.ts) */
  add(name: Uint8Array, roles: RoleChange, by: string, source: string): 'added' | 'exists';
}

/** The history the sampler keeps (src/storage/history.ts). */
export type HistoryStore = Pick<History, 'series' | 'csv'>;

export interface ApiDeps {
  ups: UpsModel;
  flows: AuthFlows;
  sessions: SessionTable;
  /** the claim state from the AS: 'open' while the label code works (src/authsrv/local-client.ts setupState) */
  setupState(): Promise<string>;
  /** the p9any offer (`v.2 dp9r1@DN`), or undefined while the AS is starting */
  offer(): string | undefined;
  /** the web role of a user a ticket proved; undefined: the user may not log in (disabled, or no account) */
  roleOf(user: string): WebRole | undefined;
  /** the user's NUT rights, as NUT AUTH sessions have them (src/auth/authorizer.ts allowedUser) */
  allowed(user: string, right: Right, address: string): Promise<boolean>;
  events: Pick<EventLog, 'recent' | 'record'>;
  /** the unit's CA certificate (PEM), offered after a login with its tag over the login's secret */
  caPem?: () => string | undefined;
  history?: HistoryStore;
  users?: WebUsers;
  /** the pages beyond the dashboard (clients, users and security, power policy, system: issue 16) */
  modules?: readonly RouteModule[];
}

const FLOW = { kind: 'string', max: 32, pattern: /^[A-Za-z0-9_-]{24}$/ } as const;
const COMMAND_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ROLE_RANK: Record<WebRole, number> = { viewer: 0, operator: 1, admin: 2 };

export class Api {
  readonly #d: ApiDeps;

  readonly #extra = new Map<string, Route>();

  constructor(deps: ApiDeps) {
    this.#d = deps;
    for (const m of deps.modules ?? []) {
      for (const [key, route] of Object.entries(m)) {
        if (this.#extra.has(key)) throw new Error(`two API modules answer ${key}`);
        this.#extra.set(key, route);
      }
    }
  }

  async handle(raw: ApiRequest): Promise<ApiReply> {
    try {
      // the origin first: a cross-site form's body is never even parsed
      if (raw.method === 'POST') this.#sameOrigin(raw);
      return await this.#route({ ...raw, body: parseBody(raw) });
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, json: { error: err.code, message: err.message } };
      throw err;
    }
  }

  async #route(req: Parsed): Promise<ApiReply> {
    const key = `${req.method} ${req.path}`;
    switch (key) {
      case 'GET /api/hello':
        return this.#hello(req);
      case 'POST /api/flows':
        readInput(req.body, {});
        return { status: 200, json: { flow: this.#d.flows.open(req.address) } };
      case 'POST /api/flows/relay': {
        const i = readInput(req.body, { flow: FLOW, data: { kind: 'bytes', max: MAX_AS_REQUEST } });
        return { status: 200, json: { data: b64(await this.#d.flows.relay(i.flow, req.address, i.data)) } };
      }
      case 'POST /api/flows/start': {
        const i = readInput(req.body, { flow: FLOW, choice: { kind: 'string', max: 80 }, chc: { kind: 'bytes', max: 16, exact: 16 } });
        return { status: 200, json: { data: b64(this.#d.flows.start(i.flow, req.address, i.choice, i.chc)) } };
      }
      case 'POST /api/flows/finish': {
        const i = readInput(req.body, { flow: FLOW, data: { kind: 'bytes', max: 512 } });
        return { status: 200, json: { data: b64(this.#d.flows.finish(i.flow, req.address, i.data)) } };
      }
      case 'POST /api/flows/confirm':
        return this.#login(req);
      case 'POST /api/flows/end': {
        const i = readInput(req.body, { flow: FLOW });
        this.#d.flows.end(i.flow, req.address);
        return { status: 204 };
      }
      case 'POST /api/logout': {
        const s = this.#session(req, 'viewer');
        this.#d.sessions.destroy(s.id);
        this.#d.events.record('web-logout', req.address, `user ${s.user}`);
        return { status: 204, headers: { 'Set-Cookie': sessionCookie('', 0) } };
      }
      case 'GET /api/ups':
        this.#session(req, 'viewer');
        return { status: 200, json: upsSnapshot(this.#d.ups) };
      case 'POST /api/ups/command':
        return this.#command(req);
      case 'GET /api/events':
        return this.#events(req);
      case 'GET /api/history':
      case 'GET /api/history.csv':
        return this.#history(req, req.path.endsWith('.csv'));
      case 'GET /api/ca':
        return this.#ca(req);
      case 'POST /api/users':
        return this.#addUser(req);
      default: {
        const extra = this.#extra.get(key);
        if (extra) return extra({ ...req, session: (role) => this.#session(req, role) });
        if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'GET or POST only');
        throw notFound();
      }
    }
  }

  /** What the page opens with: the unit, whether it can be claimed, and the session if there is one. */
  async #hello(req: Parsed): Promise<ApiReply> {
    const s = this.#d.sessions.get(sessionIdFrom(req.cookie));
    let setup = 'unknown';
    try {
      setup = await this.#d.setupState();
    } catch {
      // the AS is starting: the page says so and asks again
    }
    return {
      status: 200,
      json: {
        ups: this.#d.ups.name,
        offer: this.#d.offer() ?? null,
        setup,
        session: s ? { user: s.user, role: s.role, token: s.token } : null,
      },
    };
  }

  /** The last step of a login: the ticket proved `user`; the session starts if the user may log in here. */
  #login(req: Parsed): ApiReply {
    const i = readInput(req.body, { flow: FLOW, data: { kind: 'bytes', max: 32, exact: 32 } });
    let userBytes: Uint8Array;
    let secret: Uint8Array;
    try {
      ({ user: userBytes, secret } = this.#d.flows.confirm(i.flow, req.address, i.data));
    } catch (err) {
      // only a login that reached its proof is an event: a made-up flow id is a 400 and writes nothing
      if (err instanceof HttpError && err.status === 403) this.#d.events.record('web-login-failed', req.address, 'the login did not complete');
      throw err;
    }
    const user = Buffer.from(userBytes).toString('latin1');
    const role = this.#d.roleOf(user);
    if (!role) {
      this.#d.events.record('web-login-failed', req.address, `user ${showBytes(userBytes)} may not log in here`);
      throw forbidden('this account may not log in');
    }
    const s = this.#d.sessions.create(user, role);
    this.#d.events.record('web-login', req.address, `user ${showBytes(userBytes)} (${role}) proved by a ticket`);
    // the unit's CA with a tag only this login's two ends can make: the page checks it and can offer the owner
    // a CA they may pin with the certainty their password gave (keys.ts caBindingTag)
    const pem = this.#d.caPem?.();
    const ca = pem ? { pem, tag: b64(caBindingTag(secret, new Uint8Array(new X509Certificate(pem).raw))) } : null;
    return {
      status: 200,
      json: { user, role, token: s.token, ca },
      headers: { 'Set-Cookie': sessionCookie(s.id, this.#d.sessions.cookieMaxAge(s)) },
    };
  }

  #history(req: Parsed, csv: boolean): ApiReply {
    this.#session(req, 'viewer');
    const range = parseRange(req.query.get('range') ?? '24h');
    if (!range) throw badRequest('range: 24h, 7d or 30d');
    if (!this.#d.history) throw new HttpError(503, 'no-history', 'this unit keeps no history');
    const now = Date.now();
    if (!csv) return { status: 200, json: this.#d.history.series(range, now) };
    return {
      status: 200,
      text: { type: 'text/csv; charset=utf-8', body: this.#d.history.csv(range, now) },
      headers: { 'Content-Disposition': `attachment; filename="walnut-history-${range}.csv"` },
    };
  }

  #ca(req: Parsed): ApiReply {
    this.#session(req, 'viewer');
    const pem = this.#d.caPem?.();
    if (!pem) throw notFound();
    return { status: 200, text: { type: 'application/x-pem-file', body: pem }, headers: { 'Content-Disposition': 'attachment; filename="walnut-ca.pem"' } };
  }

  /** The admin adds an account and its roles; its password is set by the admin's page through the AS (AuthUser,
   *  docs/auth-protocol.md §7.6), never here. */
  #addUser(req: Parsed): ApiReply {
    const s = this.#session(req, 'admin');
    const i = readInput(req.body, { name: { kind: 'string', max: 64 }, roles: { kind: 'string', max: 512 } });
    const name = new TextEncoder().encode(i.name);
    const problem = nameProblem(name);
    if (problem) throw badRequest(`name: ${problem}`);
    const parsed = parseRoleChange(i.roles);
    if ('problem' in parsed) throw badRequest(`roles: ${parsed.problem}`);
    if (!this.#d.users) throw new HttpError(503, 'no-users', 'accounts cannot be changed here');
    if (this.#d.users.add(name, parsed.change, s.user, req.address) === 'exists') throw new HttpError(409, 'exists', 'that user exists already');
    return { status: 201, json: { name: i.name } };
  }

  async #command(req: Parsed): Promise<ApiReply> {
    const s = this.#session(req, 'operator');
    const i = readInput(req.body, { command: { kind: 'string', max: 64, pattern: COMMAND_NAME } });
    const ups = this.#d.ups;
    const name = ups.findCommand(i.command);
    if (!name) throw badRequest('this UPS has no such command');
    if (!(await this.#d.allowed(s.user, { kind: 'instcmd', command: name }, req.address))) throw forbidden('your account may not run this command');
    if (!ups.control) throw new HttpError(503, 'driver-not-connected', 'the UPS is not connected');
    try {
      await ups.control.runCommand(name, undefined);
    } catch (err) {
      this.#d.events.record('web-instcmd-failed', req.address, `user ${s.user}: ${name}: ${(err as Error).message}`);
      throw new HttpError(502, 'command-failed', 'the UPS did not accept the command');
    }
    this.#d.events.record('web-instcmd', req.address, `user ${s.user}: ${name}`);
    return { status: 200, json: { command: name, result: 'SUCCESS' } };
  }

  #events(req: Parsed): ApiReply {
    this.#session(req, 'viewer');
    const limit = Number(req.query.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit: 1 to 1000');
    return { status: 200, json: this.#d.events.recent(limit) };
  }

  /** The request's session with at least `role`; a POST must also carry its token. */
  #session(req: Parsed, role: WebRole): WebSession {
    const s = this.#d.sessions.get(sessionIdFrom(req.cookie));
    if (!s) throw unauthorized();
    if (req.method === 'POST' && !this.#d.sessions.tokenMatches(s, req.token)) throw forbidden('missing or wrong X-Walnut-Token');
    if (ROLE_RANK[s.role] < ROLE_RANK[role]) throw forbidden(`this needs the ${role} role`);
    return s;
  }

  /** A POST comes from a page of this unit: Origin is https://<the Host it was sent to> (fetch always sends it). */
  #sameOrigin(req: Pick<ApiRequest, 'host' | 'origin'>): void {
    if (req.host === undefined || req.origin !== `https://${req.host}`) throw forbidden('cross-origin request refused');
  }
}

function parseBody(req: ApiRequest): unknown {
  if (req.body === undefined) return undefined;
  if (req.body.length === 0) return {};
  const type = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported-media-type', 'send application/json');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw badRequest('the body is not JSON');
  }
}

/** The dashboard's and the device page's view of the UPS: every variable with its words, and the commands. */
export function upsSnapshot(ups: UpsModel): unknown {
  const vars = ups.variables().map((v) => ({
    name: v.name,
    value: ups.visibleValue(v),
    description: describeVariable(v.name) ?? null,
    writable: v.writable,
    ...(v.writable ? { type: { maxLength: v.maxLength ?? null, enum: v.enumValues ?? null, ranges: v.ranges ?? null } } : {}),
  }));
  const status = vars.find((v) => v.name === 'ups.status')?.value;
  return {
    name: ups.name,
    description: ups.description ?? null,
    availability: ups.availability(),
    status: summarizeStatus(status),
    vars,
    commands: ups.commands().map((c) => ({ name: c, description: describeCommand(c) ?? null })),
  };
}
