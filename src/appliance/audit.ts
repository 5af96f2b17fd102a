// What the NUT server's audit events say in the log and the event log.
import type { AuditEvent } from '../nut/context.ts';
import { showBytes, wordBytes } from '../auth/bytes.ts';
import { clean } from '../util/log.ts';

/** An event's kind and detail; a user name as bytes, escaped, so two different names never look alike. */
export function describeAudit(e: AuditEvent): { kind: string; detail: string } {
  const who = e.session.username === undefined ? '' : `user ${showBytes(wordBytes(e.session.username))} `;
  switch (e.kind) {
    case 'login':
      return { kind: 'login', detail: `${who}logged into ${e.ups}${e.session.tls ? ' (TLS)' : ''}` };
    case 'denied':
      return { kind: 'access-denied', detail: `${who}${e.command} on ${e.ups}` };
    case 'fsd':
      return { kind: 'fsd', detail: `${who}set FSD on ${e.ups}` };
    case 'set':
      return { kind: 'set', detail: `${who}set ${e.variable} on ${e.ups} to ${JSON.stringify(e.value)}` };
    case 'instcmd':
      return { kind: 'instcmd', detail: `${who}ran ${e.command}${e.parameter === undefined ? '' : ` ${clean(e.parameter, 64)}`} on ${e.ups}` };
    case 'cleartext-refused':
      return { kind: 'cleartext-refused', detail: e.reason };
    case 'ticket-login':
      return { kind: 'ticket-login', detail: `user ${showBytes(wordBytes(e.user))} proved by a ticket${e.session.tls ? ' (TLS, channel-bound)' : ''}` };
    case 'ticket-refused':
      return { kind: 'ticket-refused', detail: e.reason };
  }
}

