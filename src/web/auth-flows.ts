// The page's conversations with the AS (issue 15; docs/auth-protocol.md §7.1-§7.3, §13), as NUT `AUTH` runs them
// (§7.5) but over JSON: the browser runs the client halves itself, so neither the label code nor a password ever
// reaches this server, not even inside TLS. A flow is one login or one claim:
//   relay  — one whole request of the browser's conversation with the AS, passed through byte for byte
//   start / finish / confirm — the web server's own end of mutual authentication (ServerAuth, IDs `upsd`)
// Flows are bounded in number, in relays and in time; an unknown, spent or expired flow is a 400. The channel
// binding is the p9any strings only: a page cannot read the TLS exporter, so the Finished tags bind the offer and
// the choice, and TLS (with the pinned CA) carries the rest.
import { randomBytes } from 'node:crypto';
import { AuthError } from '../authsrv/errors.ts';
import type { ServerAuth } from '../authsrv/mutual.ts';
import { badRequest, HttpError } from './errors.ts';

/** What the flows need from the AS: the NUT server's local client satisfies it (src/authsrv/local-client.ts). */
export interface AsRelay {
  newConversation(): number;
  relay(conversation: number, source: string, request: Uint8Array): Promise<Uint8Array>;
  end(conversation: number): void;
  serverAuth(): ServerAuth | undefined;
}

interface Flow {
  readonly id: string;
  readonly address: string;
  readonly conversation: number;
  readonly expires: number;
  relays: number;
  server: ServerAuth | undefined;
}

export interface FlowOptions {
  /** a login takes seconds; a claim waits for a person to type a new password twice */
  ttlMs?: number;
  maxFlows?: number;
  maxFlowsPerAddress?: number;
  /** requests relayed per flow: a login takes 2, a claim 3 plus retries (NUT AUTH's MAX_RELAYS) */
  maxRelays?: number;
  now?: () => number;
}

const DEFAULTS: Required<Omit<FlowOptions, 'now'>> = { ttlMs: 10 * 60_000, maxFlows: 256, maxFlowsPerAddress: 8, maxRelays: 8 };
/** the largest AS request is a Passwordreq (1085 bytes) */
export const MAX_AS_REQUEST = 2048;

export class AuthFlows {
  readonly #as: AsRelay;
  readonly #o: Required<FlowOptions>;
  readonly #flows = new Map<string, Flow>();

  constructor(as: AsRelay, o: FlowOptions = {}) {
    this.#as = as;
    this.#o = { ...DEFAULTS, now: Date.now, ...o };
  }

  /** A new flow for `address`; the oldest of that address goes when it has too many. */
  open(address: string): string {
    this.sweep();
    const mine = [...this.#flows.values()].filter((f) => f.address === address);
    if (mine.length >= this.#o.maxFlowsPerAddress) this.#drop(mine[0]!);
    if (this.#flows.size >= this.#o.maxFlows) throw new HttpError(503, 'busy', 'too many logins in progress; try again in a minute');
    const id = randomBytes(18).toString('base64url');
    this.#flows.set(id, { id, address, conversation: this.#as.newConversation(), expires: this.#o.now() + this.#o.ttlMs, relays: 0, server: undefined });
    return id;
  }

  /** One AS request of the flow's conversation; the AS's reply bytes. */
  async relay(id: unknown, address: string, request: Uint8Array): Promise<Uint8Array> {
    const f = this.#get(id, address);
    if (request.length === 0 || request.length > MAX_AS_REQUEST) throw badRequest('an AS request is 1 to 2048 bytes');
    if (++f.relays > this.#o.maxRelays) {
      this.#drop(f);
      throw badRequest('too many AS requests in one login');
    }
    try {
      return await this.#as.relay(f.conversation, address, request);
    } catch {
      // the AS refused a request that was not one whole message, or is not running: the flow is over
      this.#drop(f);
      throw new HttpError(502, 'auth-server', 'the authentication server refused the request');
    }
  }

  /** p9any's choice and CHc in; TR ‖ YAs out (§7.5 `AUTH CHOOSE`, `AUTH START`). */
  start(id: unknown, address: string, choice: string, chc: Uint8Array): Uint8Array {
    const f = this.#get(id, address);
    if (f.server) throw this.#spent(f);
    const server = this.#as.serverAuth();
    if (!server) throw new HttpError(503, 'auth-server', 'the authentication server is starting; try again');
    f.server = server;
    return this.#guard(f, () => {
      server.choose(choice);
      return server.start(chc);
    });
  }

  /** YBs ‖ Ts ‖ Ac in; As ‖ Finished_s out (`AUTH FINISH`). */
  finish(id: unknown, address: string, msg: Uint8Array): Uint8Array {
    const f = this.#get(id, address);
    if (!f.server) throw this.#spent(f);
    return this.#guard(f, () => f.server!.finish(msg));
  }

  /** Finished_c in; the user the ticket proved (`AUTH CONFIRM`) and the login's session secret. The flow ends
   *  either way. */
  confirm(id: unknown, address: string, tag: Uint8Array): { user: Uint8Array; secret: Uint8Array } {
    const f = this.#get(id, address);
    if (!f.server) throw this.#spent(f);
    try {
      const user = this.#guard(f, () => f.server!.confirm(tag));
      return { user, secret: f.server.secret! };
    } finally {
      this.#drop(f);
    }
  }

  /** The flow's AS conversation is over (a claim done, a page gone). */
  end(id: unknown, address: string): void {
    const f = typeof id === 'string' ? this.#flows.get(id) : undefined;
    if (f && f.address === address) this.#drop(f);
  }

  get size(): number {
    return this.#flows.size;
  }

  sweep(): void {
    const now = this.#o.now();
    for (const f of this.#flows.values()) if (f.expires <= now) this.#drop(f);
  }

  close(): void {
    for (const f of [...this.#flows.values()]) this.#drop(f);
  }

  #get(id: unknown, address: string): Flow {
    const f = typeof id === 'string' ? this.#flows.get(id) : undefined;
    // another address's flow is as unknown as a made-up one: a flow id seen on the LAN is no use elsewhere
    if (!f || f.address !== address || f.expires <= this.#o.now()) {
      if (f && f.expires <= this.#o.now()) this.#drop(f);
      throw badRequest('no such login in progress (it may have expired); start again');
    }
    return f;
  }

  #guard<T>(f: Flow, step: () => T): T {
    try {
      return step();
    } catch (err) {
      this.#drop(f);
      // every failure of the server's end looks the same, as NUT AUTH's ACCESS-DENIED (§7.5)
      if (err instanceof AuthError) throw new HttpError(403, 'auth-failed', 'authentication failed');
      throw err;
    }
  }

  #spent(f: Flow): HttpError {
    this.#drop(f);
    return badRequest('that step of the login is out of order');
  }

  #drop(f: Flow): void {
    if (this.#flows.delete(f.id)) this.#as.end(f.conversation);
  }
}
