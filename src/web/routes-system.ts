// The system page's API (issue 16): what the unit is (host name, mDNS name, clock, version), a restart, and a
// factory reset from the page. The reset needs the owner's password again, proven to the AS in the page exactly as
// a login is (the flow's last step comes here instead of /api/flows/confirm), so a session left open on a table is
// not enough to wipe the unit, and the password still never reaches this server.
import type { RouteModule } from './api.ts';
import type { AuthFlows } from './auth-flows.ts';
import { forbidden, HttpError } from './errors.ts';
import { readInput } from './json-input.ts';

export interface SystemFacts {
  hostname: string;
  /** the DNS-SD instance name LAN browsers show, or null when mDNS is off */
  mdnsName: string | null;
  version: string;
  board: string;
  /** ISO 8601 */
  builtAt: string | null;
  now: string;
  /** false: the clock reads earlier than the build, so it is certainly wrong (no NTP yet, a flat clock battery) */
  clockPlausible: boolean;
  /** who brings walnut back after it exits: systemd, or nobody (make run, a shell) */
  restartedBy: 'systemd' | 'nobody';
  /** false: the page cannot reset this unit (the AS is its own service); the sentence says what to do */
  resetHere: { possible: boolean; why: string };
}

export interface SystemControl {
  facts(): SystemFacts;
  /** ends walnut after the reply is sent; the service manager starts it again */
  restart(by: string, address: string): void;
  /** marks the reset (src/storage/reset.ts), then ends walnut after the reply; the next start wipes */
  factoryReset(by: string, address: string): void;
}

const FLOW = { kind: 'string', max: 32, pattern: /^[A-Za-z0-9_-]{24}$/ } as const;

export function systemRoutes(control: SystemControl, flows: Pick<AuthFlows, 'confirm'>): RouteModule {
  return {
    'GET /api/system': (call) => {
      call.session('viewer');
      return { status: 200, json: control.facts() };
    },
    'POST /api/system/restart': (call) => {
      const s = call.session('admin');
      readInput(call.body, {});
      control.restart(s.user, call.address);
      return { status: 202, json: { restarting: true, restartedBy: control.facts().restartedBy } };
    },
    'POST /api/system/factory-reset': (call) => {
      const s = call.session('admin');
      const i = readInput(call.body, { flow: FLOW, data: { kind: 'bytes', max: 32, exact: 32 } });
      if (!control.facts().resetHere.possible) throw new HttpError(409, 'reset-not-here', control.facts().resetHere.why);
      // the flow's proof: the AS saw this user's password just now (a wrong one fails in the flow itself)
      const proven = Buffer.from(flows.confirm(i.flow, call.address, i.data).user).toString('latin1');
      if (proven !== s.user) throw forbidden('the password proven is not this session\'s user');
      control.factoryReset(s.user, call.address);
      return { status: 202, json: { reset: true, restartedBy: control.facts().restartedBy } };
    },
  };
}
