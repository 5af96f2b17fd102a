// The web setup page inside `walnut serve` (issue 15): the pieces of src/web put together over the appliance's
// UPS model, accounts, AS client, event log and TLS identity. Only appliance.ts calls it.
import type { WalnutConfig } from '../config/config.ts';
import { parseListen } from '../config/config.ts';
import type { DbAuthorizer } from '../auth/authorizer.ts';
import { OWNER } from '../auth/owner.ts';
import type { PrincipalStore } from '../auth/principals.ts';
import type { LocalAuthClient } from '../authsrv/local-client.ts';
import type { NutServer } from '../nut/server.ts';
import type { EventLog } from '../storage/event-log.ts';
import type { UpsModel } from '../ups/model.ts';
import { BUILD } from '../util/build-info.ts';
import { logger } from '../util/log.ts';
import type { Teardown } from '../util/teardown.ts';
import { Api } from '../web/api.ts';
import { AuthFlows } from '../web/auth-flows.ts';
import { LiveChannel } from '../web/live.ts';
import { metricsHandler } from '../web/metrics.ts';
import { pageAssets } from '../web/page-assets.ts';
import { SessionTable, type WebRole } from '../web/sessions.ts';
import { WebServer } from '../web/server.ts';
import type { ServerTlsOptions } from './tls-context.ts';
import { userDirectory } from './user-directory.ts';
import type { History } from '../storage/history.ts';
import type { ClientCertStore } from '../tls/client-certs.ts';
import { usersRoutes } from '../web/routes-users.ts';
import { certificateIssuer } from './web-certs.ts';
import { clientRoutes, type ClientDirectory } from '../web/routes-clients.ts';
import { dryRun } from '../shutdown/dry-run.ts';
import { numberBounds } from '../shutdown/policy-settings.ts';
import { policyRoutes, type PolicyControl } from '../web/routes-policy.ts';
import { systemRoutes } from '../web/routes-system.ts';
import type { PowerPolicy } from './power-policy.ts';
import { systemControl } from './system-control.ts';
import { loadIdentity } from '../tls/identity.ts';
import { wizardRoutes } from '../web/routes-wizard.ts';

const log = logger('web');

export interface WebDeps {
  ups: UpsModel;
  asClient: LocalAuthClient;
  principals: PrincipalStore;
  authorizer: DbAuthorizer;
  events: EventLog;
  nut: NutServer;
  tls: { server: ServerTlsOptions; caPem: string; notAfter: Date; certs: ClientCertStore };
  history: History;
  /** the Clients page's connections and roster */
  clients: ClientDirectory;
  power: PowerPolicy;
  /** ends walnut to be started again (src/cli/serve.ts) */
  exit: (why: string) => void;
  /** the NUT port the first listener bound (what a client's MONITOR line names) */
  nutPort: number;
  /** counters the appliance keeps for /metrics */
  health: { usbReconnects(): number; authFailures: { password: number; ticket: number; certificate: number; bearer: number } };
}

/** NMC3's tiers from walnut's accounts: the owner administers; NUT rights to change the UPS make an operator;
 *  anyone else with a password may look. A disabled account, or a name with no account, may not log in. */
export function webRoleOf(principals: PrincipalStore, user: string): WebRole | undefined {
  const name = Buffer.from(user, 'latin1');
  if (name.equals(OWNER)) return 'admin';
  const p = principals.find(name)?.principal;
  if (!p || p.status !== 'active') return undefined;
  return p.roles.actions.has('set') || p.roles.instcmds.size > 0 ? 'operator' : 'viewer';
}

/** The power policy page over the running policy; the dry run's secondaries are the NUT server's logins now. */
function policyControl(d: WebDeps): PolicyControl {
  const asRecord = (s: object): Record<string, unknown> => ({ ...s });
  return {
    view: () => {
      const r = d.power.runningOptions;
      const running = r ? { ...r.policy, hostSyncSeconds: r.hostSyncSeconds, finalDelaySeconds: r.finalDelaySeconds, offDelaySeconds: r.offDelaySeconds, onDelaySeconds: r.onDelaySeconds } : null;
      return { settings: asRecord(d.power.settings), file: asRecord(d.power.fileSettings), source: d.power.source, bounds: numberBounds(), running, phase: d.power.phase };
    },
    save: (settings, by, address) => d.power.save(settings, by, address),
    dryRun: () =>
      dryRun(
        d.power.settings,
        d.nut.context.logins(d.ups.name).map((s) => ({ user: s.ticketUser ?? s.username ?? '', address: s.address, tls: s.tls })),
        // the orchestrator's own choice (orchestrator.ts command)
        d.ups.findCommand('shutdown.return') ?? d.ups.findCommand('shutdown.default'),
      ),
  };
}

/** Starts the web server on config.web.listen; the port of the first listener (for mDNS), or undefined when off. */
export async function startWeb(config: WalnutConfig, t: Teardown, d: WebDeps): Promise<number | undefined> {
  const w = config.web;
  if (!w.enabled || w.listen.length === 0) return undefined;
  const sessions = new SessionTable({ idleMs: w.sessionIdleSeconds * 1000, maxMs: w.sessionMaxSeconds * 1000, maxSessions: w.maxSessions });
  const flows = new AuthFlows(d.asClient);
  t.defer('web login flows', () => flows.close());
  const live = new LiveChannel(d.ups, { maxBufferedBytes: w.wsMaxBufferedBytes });
  t.defer('web live channel', () => live.close());
  const directory = userDirectory(d.principals, d.events);
  const ports: number[] = [];
  const api = new Api({
    ups: d.ups,
    flows,
    sessions,
    setupState: () => d.asClient.setupState(),
    offer: () => d.asClient.serverAuth()?.offer,
    roleOf: (user) => webRoleOf(d.principals, user),
    allowed: async (user, right, address) => (await d.authorizer.allowedUser?.(user, right, { address })) ?? false,
    events: d.events,
    caPem: () => d.tls.caPem,
    history: d.history,
    users: {
      add: (name, change, by, source) => (directory.add(Buffer.from(name), change, by, source) ? 'added' : 'exists'),
    },
    modules: [
      usersRoutes({
        accounts: {
          list: () => d.principals.list(),
          setStatus: (name, status) => d.principals.setStatus(name, status),
          remove: (name, by, source) => directory.remove(Buffer.from(name), by, source),
          passwordChanged: (name, by, source) => directory.passwordChanged(Buffer.from(name), by, source),
        },
        roleOf: (user) => webRoleOf(d.principals, user),
        sessions,
        events: d.events,
        certs: certificateIssuer(config, d.tls.certs),
      }),
      clientRoutes({ clients: d.clients, events: d.events }),
      policyRoutes(policyControl(d)),
      systemRoutes(systemControl(config, d.events, d.exit), flows),
      wizardRoutes({
        facts: () => ({
          ups: d.ups.name,
          nutPort: d.nutPort,
          webPort: ports[0] ?? 0,
          metrics: { anonymous: config.tls.anonymousReads === 'any', token: w.metricsToken !== undefined },
          clientCertificates: config.tls.clientCertificates,
        }),
        identity: () => loadIdentity(config.dataDir, config.tls.factory),
        certs: d.tls.certs,
        events: d.events,
      }),
    ],
  });
  const server = new WebServer({
    tls: d.tls.server,
    api,
    live,
    sessions,
    assets: pageAssets(),
    metrics: metricsHandler({
      ups: d.ups,
      health: () => ({
        build: { version: BUILD.version, board: BUILD.board },
        usbReconnects: d.health.usbReconnects(),
        nutClients: d.nut.clientsByTransport(),
        nut: d.nut.counters,
        authFailures: d.health.authFailures,
        certificateNotAfter: d.tls.notAfter,
        now: Date.now(),
      }),
      access: () => ({ anonymousReads: config.tls.anonymousReads, token: w.metricsToken }),
      onRefused: (r) => {
        if (r.status === 401 && r.badCredentials) d.health.authFailures.bearer++;
      },
    }),
    maxBodyBytes: w.maxBodyBytes,
    maxHeaderBytes: w.maxHeaderBytes,
    requestsPerMinute: w.requestsPerMinute,
    maxSockets: w.maxSockets,
    wsMaxBufferedBytes: w.wsMaxBufferedBytes,
  });
  t.defer('web server', () => server.close());
  const sweep = setInterval(() => {
    sessions.sweep();
    flows.sweep();
  }, 60_000);
  sweep.unref();
  t.defer('web session sweep', () => clearInterval(sweep));
  const shown = (host: string, port: number): string => `${host === '::' ? '*' : host.includes(':') ? `[${host}]` : host}:${port}`;
  for (const spec of w.listen) {
    const { host, port } = parseListen(spec);
    const bound = await server.listen(host, port);
    ports.push(bound);
    log.info(`setup page listening on https://${shown(host, bound)}/`);
  }
  for (const spec of w.redirectListen) {
    const { host, port } = parseListen(spec);
    log.info(`redirecting http://${shown(host, await server.listenRedirect(host, port))}/ to the setup page`);
  }
  return ports[0];
}
