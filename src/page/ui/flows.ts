// The claim and the login over the web server's relay (src/web/api.ts /api/flows/*): one flow per attempt, the
// AS protocol itself in auth-client.ts, run here in the page — the server only ever sees PAK values and sealed
// envelopes.
import { caBindingTag } from '../../authsrv/keys.ts';
import { claim, login, type LoginTransport, type Relay } from '../auth-client.ts';
import { api, b64 } from './http.ts';
import type { Role } from './session.ts';

export async function openFlow(): Promise<{ flow: string; relay: Relay }> {
  const { flow } = await api<{ flow: string }>('POST', '/api/flows');
  const relay: Relay = async (request) => b64.decode((await api<{ data: string }>('POST', '/api/flows/relay', { flow, data: b64.encode(request) })).data);
  return { flow, relay };
}

export const domainOf = (offer: string): string => offer.slice(offer.indexOf('@') + 1);

/** The first-boot claim with the label code; admin's new password, or the code kept. */
export async function claimUnit(offer: string, code: string, newPassword: string | undefined): Promise<void> {
  const { flow, relay } = await openFlow();
  try {
    await claim({ code, domain: domainOf(offer), relay, ...(newPassword === undefined ? { keepCode: true } : { newPassword }) });
  } finally {
    await api('POST', '/api/flows/end', { flow }).catch(() => undefined);
  }
}

export interface LoggedIn {
  user: string;
  role: Role;
  token: string;
  /** the unit's CA, when its tag over this login's secret checked out (keys.ts caBindingTag) */
  ca: { pem: string; fingerprint: string } | null;
}

/** The CA's DER from its PEM, and its SHA-256 fingerprint as browsers show it (colon-separated hex). */
export async function caFacts(pem: string): Promise<{ der: Uint8Array; fingerprint: string }> {
  const der = b64.decode(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from(der)));
  return { der, fingerprint: [...digest].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':') };
}

/** The password proven to the AS again, as a login proves it, for one action that needs it (the factory reset):
 *  the flow's last step goes to `path` with the flow and its Finished tag instead of starting a session. */
export async function proveTo<R>(path: string, offer: string, user: string, password: string): Promise<R> {
  const { flow, relay } = await openFlow();
  return login({ user, password, transport: ticketTransport(offer, flow, relay, (tag) => api<R>('POST', path, { flow, data: b64.encode(tag) })) });
}

/** The server's half of a ticket login over /api/flows/*; `confirm` takes the last step. */
function ticketTransport<R>(offer: string, flow: string, relay: Relay, confirm: (tag: Uint8Array, secret: Uint8Array) => Promise<R>): LoginTransport<R> {
  let choice = '';
  return {
    offer: async () => offer,
    choose: async (c) => void (choice = c),
    start: async (chc) => b64.decode((await api<{ data: string }>('POST', '/api/flows/start', { flow, choice, chc: b64.encode(chc) })).data),
    relay,
    finish: async (m) => b64.decode((await api<{ data: string }>('POST', '/api/flows/finish', { flow, data: b64.encode(m) })).data),
    confirm,
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A ticket login; the session the server started (its cookie is set by the same reply). */
export async function logIn(offer: string, user: string, password: string): Promise<LoggedIn> {
  const { flow, relay } = await openFlow();
  return login({
    user,
    password,
    transport: ticketTransport(offer, flow, relay, async (tag, secret) => {
      const r = await api<{ user: string; role: Role; token: string; ca: { pem: string; tag: string } | null }>('POST', '/api/flows/confirm', { flow, data: b64.encode(tag) });
      let ca: LoggedIn['ca'] = null;
      if (r.ca) {
        const facts = await caFacts(r.ca.pem);
        // a CA whose tag does not check out is not offered for pinning: someone between us changed it
        if (sameBytes(caBindingTag(secret, facts.der), b64.decode(r.ca.tag))) ca = { pem: r.ca.pem, fingerprint: facts.fingerprint };
      }
      return { user: r.user, role: r.role, token: r.token, ca };
    }),
  });
}

