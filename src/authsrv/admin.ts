// The admin socket's requests (frames.ts framing, JSON payloads): what `walnut user`, `walnut speaksfor` and
// `walnut auth status` ask of the AS. The socket is 0600 in the AS's 0700 key folder, so only root and the AS's
// user reach it; the NUT server cannot (it has the local socket, which serves tickets, not administration).
// Names and passwords travel as base64 of their exact bytes (src/auth/bytes.ts: no normalisation).
import { nameProblem, passwordProblem, showBytes } from '../auth/bytes.ts';
import { logger } from '../util/log.ts';
import { formatSpeaksFor, type SpeaksForDb } from './speaksfor.ts';
import type { AsDeps } from './conversation.ts';
import type { KeyStore } from './keystore.ts';
import type { SetupState } from './setup-state.ts';

const log = logger('authsrv');

export type AdminRequest =
  | { op: 'set-password'; name: string; password: string }
  | { op: 'remove'; name: string }
  | { op: 'unlock'; name: string }
  | { op: 'status' }
  | { op: 'speaksfor-get' }
  | { op: 'speaksfor-set'; text: string }
  | { op: 'setup-open' };

export type AdminReply =
  | {
      ok: true;
      existed?: boolean;
      domain?: string;
      users?: string[];
      locked?: { name: string; source: string; until: string }[];
      moreLocked?: number;
      text?: string;
      /** the claim: claimed, or unclaimed with the window open until (ISO) and its failures */
      setup?: { claimed: boolean; open: boolean; until?: string; failures?: number };
    }
  | { ok: false; error: string };

/** Locked (name, address) pairs `status` lists at most. */
export const STATUS_MAX_LOCKED = 200;

const bytes = (b64: unknown, what: string): Buffer => {
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error(`${what}: expected base64`);
  return Buffer.from(b64, 'base64');
};

/** What the admin requests act on: the AS (service.ts AuthService is one). Declared here, and not imported from
 *  service.ts, because service.ts imports this file to answer the admin socket: no import cycle. */
export interface AdminTarget {
  readonly store: KeyStore;
  readonly domain: string;
  readonly deps: Pick<AsDeps, 'derive'>;
  speaksForDb(): SpeaksForDb;
  writeSpeaksFor(text: string): void;
  readonly setup?: SetupState | undefined;
}

function setupStatus(setup: SetupState | undefined): Extract<AdminReply, { ok: true }>['setup'] {
  if (!setup) return undefined;
  if (setup.isClaimed) return { claimed: true, open: false };
  const w = setup.window;
  return { claimed: false, open: setup.isOpen, until: new Date(w.openUntil).toISOString(), failures: w.failures };
}

export async function handleAdmin(service: AdminTarget, req: AdminRequest): Promise<AdminReply> {
  const store = service.store;
  switch (req.op) {
    case 'set-password': {
      const name = bytes(req.name, 'name');
      const password = bytes(req.password, 'password');
      const problem = nameProblem(name) ?? passwordProblem(password);
      if (problem) return { ok: false, error: problem };
      store.setUserKey(name, await service.deps.derive(password, name));
      store.unlock(name);
      log.info(`admin: password set for user ${showBytes(name)}`);
      return { ok: true };
    }
    case 'remove': {
      const name = bytes(req.name, 'name');
      const existed = store.removeUser(name);
      log.info(`admin: user ${showBytes(name)} ${existed ? 'removed' : 'had no key'}`);
      return { ok: true, existed };
    }
    case 'unlock': {
      const name = bytes(req.name, 'name');
      const existed = store.unlock(name);
      if (existed) log.info(`admin: lockout of ${showBytes(name)} ended`);
      return { ok: true, existed };
    }
    case 'status': {
      // bounded: a flood of locked made-up names must not make the reply (or the CLI) unbounded
      const locked = store.lockedNames();
      return {
        ok: true,
        domain: service.domain,
        users: store.userNames().map((n) => n.toString('base64')),
        locked: locked.slice(0, STATUS_MAX_LOCKED).map((l) => ({ name: l.name.toString('base64'), source: l.source, until: new Date(l.until).toISOString() })),
        moreLocked: Math.max(0, locked.length - STATUS_MAX_LOCKED),
        setup: setupStatus(service.setup),
      };
    }
    case 'speaksfor-get': {
      const db = service.speaksForDb();
      return { ok: true, text: db.entries.length === 0 ? '' : formatSpeaksFor(db) };
    }
    case 'speaksfor-set':
      if (typeof req.text !== 'string') return { ok: false, error: 'text: expected a string' };
      service.writeSpeaksFor(req.text);
      log.info('admin: speaks-for database replaced');
      return { ok: true };
    case 'setup-open': {
      const setup = service.setup;
      if (!setup || !setup.hasCode) return { ok: false, error: 'this unit has no setup code' };
      if (setup.isClaimed) return { ok: false, error: 'the unit is claimed: its label code works again only after walnut factory-reset' };
      setup.open(Date.now());
      log.info('admin: setup window opened');
      return { ok: true, setup: setupStatus(setup) };
    }
    default:
      return { ok: false, error: 'unknown request' };
  }
}
