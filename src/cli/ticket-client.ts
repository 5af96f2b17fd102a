// A NUT client for walnut's own ticket clients (auth ping, passwd, upsc): one line out, its reply lines in,
// STARTTLS with the TLS exporter for channel binding, and the NUT `AUTH` exchanges of docs/auth-protocol.md §7.5.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { CliError } from './command.ts';
import { AuthError } from '../authsrv/errors.ts';
import { ClientAuth, PasswdClient, UserAdminClient, choiceFor, chooseFromOffer } from '../authsrv/mutual.ts';
import type { Userreq } from '../authsrv/messages.ts';
import { CHUNK } from '../nut/auth-command.ts';
import { quote } from '../nut/encode.ts';
import { tokenizeLine } from '../nut/tokenizer.ts';

const TIMEOUT_MS = 30_000;

/** A NUT connection that sends one line and reads its reply lines. */
export class NutLineClient {
  #socket: net.Socket;
  #buffer = '';
  #waiting: (() => void) | undefined;
  #closed = false;
  #peerCertificate: Buffer | undefined;

  /** the server's TLS certificate (DER) once STARTTLS is done: what a claim pins */
  get peerCertificate(): Buffer | undefined {
    return this.#peerCertificate;
  }

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static connect(host: string, port: number): Promise<NutLineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new CliError(`cannot connect to ${host}:${port}: timed out`));
      }, TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(new NutLineClient(s));
      });
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(new CliError(`cannot connect to ${host}:${port}: ${err.code ?? err.message}`));
      };
      s.once('error', onError);
    });
  }

  #listen(s: net.Socket): void {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.#buffer += d;
      if (this.#buffer.length > 1 << 20) s.destroy(); // no honest reply is this long
      this.#waiting?.();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.#closed = true;
      this.#waiting?.();
    });
  }

  async readLine(): Promise<string> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const lf = this.#buffer.indexOf('\n');
      if (lf >= 0) {
        const line = this.#buffer.slice(0, lf);
        this.#buffer = this.#buffer.slice(lf + 1);
        return line;
      }
      if (this.#closed) throw new CliError('the server closed the connection');
      const left = deadline - Date.now();
      if (left <= 0) throw new CliError('the server did not answer in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(timer);
          this.#waiting = undefined;
          resolve();
        };
      });
    }
  }

  send(line: string): void {
    this.#socket.write(line + '\n', 'latin1');
  }

  async request(line: string): Promise<string> {
    this.send(line);
    return this.readLine();
  }

  /** STARTTLS when the server offers it; the TLS exporter for channel binding, or undefined in clear. */
  async startTls(host: string): Promise<Uint8Array | undefined> {
    const reply = await this.request('STARTTLS');
    if (reply !== 'OK STARTTLS') return undefined; // ERR FEATURE-NOT-CONFIGURED: the server has no TLS
    const raw = this.#socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        socket: raw,
        // trust comes from the ticket exchange bound to this channel, not from the certificate (see above)
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        ...(net.isIP(host) ? {} : { servername: host }),
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', (err) => reject(new CliError(`TLS: ${err.message}`)));
    });
    this.#socket = secure;
    this.#peerCertificate = secure.getPeerCertificate(false)?.raw;
    this.#listen(secure);
    return new Uint8Array(secure.exportKeyingMaterial(32, 'EXPORTER-dp9r1', Buffer.alloc(0)));
  }

  close(): void {
    if (!this.#closed) this.send('LOGOUT');
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Words of a reply line; an `ERR` line becomes a failure naming it. */
export function words(line: string): string[] {
  const ev = tokenizeLine(line);
  if (ev.kind !== 'line') throw new CliError(`unreadable reply: ${JSON.stringify(line.slice(0, 80))}`);
  if (ev.words[0] === 'ERR') throw new RefusedError(ev.words[1] ?? 'UNKNOWN');
  return ev.words;
}

export class RefusedError extends CliError {
  readonly code: string;
  constructor(code: string) {
    super(`the server answered ERR ${code}`);
    this.code = code;
  }
}

/** Sends a message as `AUTH MORE` chunks and a last `AUTH <command>` line; reads the reply message. */
export async function exchange(c: NutLineClient, command: string, message: Uint8Array, replyWord: string): Promise<Uint8Array> {
  for (let off = 0; ; off += CHUNK) {
    const piece = Buffer.from(message.subarray(off, off + CHUNK)).toString('base64url');
    if (off + CHUNK < message.length) {
      const ok = words(await c.request(`AUTH MORE ${piece}`));
      if (ok.join(' ') !== 'OK MORE') throw new CliError(`unexpected reply to AUTH MORE: ${ok.join(' ')}`);
      continue;
    }
    c.send(`AUTH ${command} ${piece}`);
    break;
  }
  const parts: Buffer[] = [];
  for (;;) {
    const w = words(await c.readLine());
    if (w[0] !== 'AUTH' || w.length !== 3) throw new CliError(`unexpected reply: ${w.join(' ').slice(0, 80)}`);
    parts.push(Buffer.from(w[2]!, 'base64url'));
    if (w[1] === 'MORE') continue;
    if (w[1] !== replyWord) throw new CliError(`unexpected reply: AUTH ${w[1]}`);
    return new Uint8Array(Buffer.concat(parts));
  }
}

/** p9any over NUT: the offer, and our choice sent back. */
export async function p9any(c: NutLineClient): Promise<string> {
  const w = words(await c.request('AUTH P9ANY'));
  if (w[0] !== 'AUTH' || w[1] !== 'OFFER' || w.length !== 3) throw new CliError('the server does not offer ticket authentication (AUTH P9ANY)');
  return w[2]!;
}

export async function choose(c: NutLineClient, choice: string): Promise<void> {
  const ok = words(await c.request(`AUTH CHOOSE ${quote(choice)}`));
  if (ok[0] !== 'OK') throw new CliError('p9any: the server refused our choice');
}

/** Mutual authentication on `c` (§7.5); the user the server now knows us as. */
export async function ticketLogin(
  c: NutLineClient,
  user: Uint8Array,
  password: Uint8Array,
  exporter: Uint8Array | undefined,
  speakFor?: Uint8Array,
): Promise<string> {
  const client = new ClientAuth({ user, password, ...(speakFor === undefined ? {} : { speakFor }) });
  const offer = await p9any(c);
  await choose(c, await client.choose(offer));
  const start = await exchange(c, 'START', client.start(), 'DATA');
  const r1 = await exchange(c, 'AS', client.asRequest(start), 'AS');
  const r2 = await exchange(c, 'AS', client.asConfirm(r1), 'AS');
  const finish = await exchange(c, 'FINISH', client.asTickets(r2), 'DATA');
  const tag = client.finish(finish, exporter);
  const done = words(await c.request(`AUTH CONFIRM ${Buffer.from(tag).toString('base64url')}`));
  if (done[0] !== 'OK' || done[1] !== 'AUTH' || done.length !== 3) throw new CliError('the server did not confirm the login');
  return done[2]!;
}


/** authsrv(6)'s password change through the server's AS relay (docs/auth-protocol.md §7.3): only keys travel. */
export async function changePassword(c: NutLineClient, user: Uint8Array, oldPassword: Uint8Array, newPassword: Uint8Array): Promise<void> {
  const dom = chooseFromOffer(await p9any(c));
  await choose(c, choiceFor(dom));
  const p = new PasswdClient({ user, oldPassword, newPassword });
  const r1 = await exchange(c, 'AS', await p.request(dom), 'AS');
  const r2 = await exchange(c, 'AS', p.confirm(r1), 'AS');
  const r3 = await exchange(c, 'AS', p.passwordRequest(r2), 'AS');
  p.done(r3);
}

/** An administrator's open AuthUser conversation (docs/auth-protocol.md §7.6) through the server's `AUTH AS`
 *  relay: each change's password travels sealed under Kn to the AS, which alone opens it. */
export class RelayedUserAdmin {
  readonly #c: NutLineClient;
  readonly #client: UserAdminClient;

  private constructor(c: NutLineClient, client: UserAdminClient) {
    this.#c = c;
    this.#client = client;
  }

  /** p9any for the domain, then the administrator's PAK and the Tp; a wrong password or a non-administrator
   *  fails here (AuthError), before any change is sent. */
  static async open(c: NutLineClient, admin: Uint8Array, password: Uint8Array): Promise<RelayedUserAdmin> {
    const dom = chooseFromOffer(await p9any(c));
    await choose(c, choiceFor(dom));
    const client = new UserAdminClient({ admin, password });
    const r1 = await exchange(c, 'AS', await client.request(dom), 'AS');
    client.open(await exchange(c, 'AS', client.confirm(r1), 'AS'));
    return new RelayedUserAdmin(c, client);
  }

  /** One change; the AS's refusal (a password rule, say) is thrown as AuthError with its text. */
  async request(ur: Userreq): Promise<void> {
    this.#client.done(await exchange(this.#c, 'AS', this.#client.userRequest(ur), 'AS'));
  }
}
