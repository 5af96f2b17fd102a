// NUT AUTH (docs/auth-protocol.md §7.5) relayed to the authentication server through its local client.
import type { LocalAuthClient } from '../authsrv/local-client.ts';
import { canonicalAddress } from '../auth/address.ts';
import type { TicketService } from '../nut/auth-command.ts';
import { NutError } from '../nut/errors.ts';
import type { Session } from '../nut/session.ts';

/** NUT AUTH through the local AS client: one relayed conversation per NUT session. */
export function ticketService(client: LocalAuthClient): TicketService {
  const ids = new WeakMap<Session, number>();
  return {
    serverAuth: () => {
      const server = client.serverAuth();
      if (!server) throw new NutError('FEATURE-NOT-CONFIGURED', 'the authentication server has not written its key yet');
      return server;
    },
    relay: (session, request) => {
      let id = ids.get(session);
      if (id === undefined) {
        id = client.newConversation();
        ids.set(session, id);
      }
      // the address as the lockout keys it everywhere else (an IPv4-mapped IPv6 address is its IPv4 address)
      return client.relay(id, canonicalAddress(session.address), request);
    },
    forget: (session) => {
      const id = ids.get(session);
      if (id === undefined) return;
      ids.delete(session);
      client.end(id);
    },
  };
}

