// The dashboard's live channel (issue 15: "updates pushed over ws within 100 ms of the UPS model changing"). One
// listener on the model for all clients: changes are gathered until the end of the current turn (setImmediate)
// and sent as one delta, so a poll that moves ten variables is one message, sent at once. A client whose unsent
// bytes pass the bound is too slow and is dropped — nobody waits for it; clients have nothing to say, so anything
// they send beyond a few messages a minute closes their socket.
import type { WebSocket } from 'ws';
import type { UpsModel } from '../ups/model.ts';
import { summarizeStatus } from '../ups/status-words.ts';
import { upsSnapshot } from './api.ts';

export interface LiveOptions {
  maxBufferedBytes: number;
  /** messages a client may send per minute before it is closed (the page sends none) */
  maxClientMessagesPerMinute?: number;
  /** a client that does not answer a ping within this long is gone (a phone that left the Wi-Fi) */
  pingIntervalMs?: number;
}

interface Client {
  ws: WebSocket;
  /** false once the session behind the socket ended (logout, timeout): checked at every ping */
  live: () => boolean;
  received: number;
  windowStart: number;
  alive: boolean;
}

export class LiveChannel {
  readonly #ups: UpsModel;
  readonly #o: Required<LiveOptions>;
  readonly #clients = new Set<Client>();
  #pending = new Map<string, string | null>();
  #scheduled: NodeJS.Immediate | undefined;
  readonly #timer: NodeJS.Timeout;
  /** clients dropped for being slow or noisy (a counter for /metrics) */
  dropped = 0;
  /** when the UPS went on battery (this server's clock), so every page shows the same "on battery for" even
   *  if it opened later; undefined while on line */
  #onBatterySince: number | undefined;

  readonly #onVariable = (name: string, value: string | undefined): void => {
    this.#pending.set(name, value ?? null);
    this.#schedule();
  };
  readonly #onOther = (): void => this.#schedule();

  constructor(ups: UpsModel, o: LiveOptions) {
    this.#ups = ups;
    this.#o = { maxClientMessagesPerMinute: 30, pingIntervalMs: 30_000, ...o };
    ups.on('variable', this.#onVariable);
    ups.on('availability', this.#onOther);
    ups.on('fsd', this.#onOther);
    ups.on('commands', this.#onOther);
    this.#trackBattery();
    this.#timer = setInterval(() => this.#ping(), this.#o.pingIntervalMs);
    this.#timer.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** A logged-in page's socket: it gets the whole picture now and every change after. */
  attach(ws: WebSocket, live: () => boolean): void {
    const c: Client = { ws, live, received: 0, windowStart: Date.now(), alive: true };
    this.#clients.add(c);
    ws.on('close', () => this.#clients.delete(c));
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => (c.alive = true));
    ws.on('message', () => {
      const now = Date.now();
      if (now - c.windowStart >= 60_000) {
        c.windowStart = now;
        c.received = 0;
      }
      if (++c.received > this.#o.maxClientMessagesPerMinute) {
        this.dropped++;
        ws.close(1008, 'too many messages');
      }
    });
    this.#send(c, JSON.stringify({ type: 'snapshot', ups: upsSnapshot(this.#ups), onBatterySince: this.#onBatterySince ?? null }));
  }

  /** Stops listening to the model and closes every socket (the server is stopping). */
  close(): void {
    clearInterval(this.#timer);
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#ups.off('variable', this.#onVariable);
    this.#ups.off('availability', this.#onOther);
    this.#ups.off('fsd', this.#onOther);
    this.#ups.off('commands', this.#onOther);
    for (const c of this.#clients) c.ws.close(1001, 'server stopping');
    this.#clients.clear();
  }

  #trackBattery(): void {
    const ob = this.#ups.statusTokens().includes('OB');
    if (ob && this.#onBatterySince === undefined) this.#onBatterySince = Date.now();
    if (!ob) this.#onBatterySince = undefined;
  }

  #schedule(): void {
    this.#scheduled ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = undefined;
    const vars = Object.fromEntries(this.#pending);
    this.#pending = new Map();
    this.#trackBattery();
    if (this.#clients.size === 0) return;
    const ups = this.#ups;
    // the status as clients see it, FSD latch included (UpsModel.visibleValue); `vars` names only what changed,
    // so a page can tell a new status from a new charge
    const status = ups.getVariable('ups.status');
    const visible = status ? ups.visibleValue(status) : undefined;
    if (Object.hasOwn(vars, 'ups.status') && visible !== undefined) vars['ups.status'] = visible;
    const message = JSON.stringify({
      type: 'update',
      at: Date.now(),
      vars,
      status: summarizeStatus(visible),
      availability: ups.availability(),
      onBatterySince: this.#onBatterySince ?? null,
    });
    for (const c of this.#clients) this.#send(c, message);
  }

  #send(c: Client, message: string): void {
    if (c.ws.bufferedAmount > this.#o.maxBufferedBytes) {
      this.dropped++;
      this.#clients.delete(c);
      c.ws.terminate();
      return;
    }
    c.ws.send(message);
  }

  #ping(): void {
    for (const c of this.#clients) {
      if (!c.alive || !c.live()) {
        this.#clients.delete(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
