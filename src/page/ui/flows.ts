// The claim and the login over the web server's relay (src/web/api.ts /api/flows/*): one flow per attempt, the
// AS protocol itself in auth-client.ts, run here in the page — the server only ever sees PAK values and sealed
// envelopes.
import { claim, login, type Relay } from '../auth-client.ts';
import { api, b64 } from './http.ts';
import type { Role } from './session.ts';

async function openFlow(): Promise<{ flow: string; relay: Relay }> {
  const { flow } = await api<{ flow: string }>('POST', '/api/flows');
  const relay: Relay = async (request) => b64.decode((await api<{ data: string }>('POST', '/api/flows/relay', { flow, data: b64.encode(request) })).data);
  return { flow, relay };
}

const domainOf = (offer: string): string => offer.slice(offer.indexOf('@') + 1);

/** The first-boot claim with the label code; admin's new password, or the code kept. */
export async function claimUnit(offer: string, code: string, newPassword: string | undefined): Promise<void> {
  const { flow, relay } = await openFlow();
  try {
    await claim({ code, domain: domainOf(offer), relay, ...(newPassword === undefined ? { keepCode: true } : { newPassword }) });
  } finally {
    await api('POST', '/api/flows/end', { flow }).catch(() => undefined);
  }
}

/** A ticket login; the session the server started (its cookie is set by the same reply). */
export async function logIn(offer: string, user: string, password: string): Promise<{ user: string; role: Role; token: string }> {
  const { flow, relay } = await openFlow();
  let choice = '';
  return login({
    user,
    password,
    transport: {
      offer: async () => offer,
      choose: async (c) => void (choice = c),
      start: async (chc) => b64.decode((await api<{ data: string }>('POST', '/api/flows/start', { flow, choice, chc: b64.encode(chc) })).data),
      relay,
      finish: async (m) => b64.decode((await api<{ data: string }>('POST', '/api/flows/finish', { flow, data: b64.encode(m) })).data),
      confirm: (tag) => api<{ user: string; role: Role; token: string }>('POST', '/api/flows/confirm', { flow, data: b64.encode(tag) }),
    },
  });
}
