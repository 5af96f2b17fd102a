// The system page's side in the appliance (issue 16): the unit's facts, and the restart and factory reset the
// page asks for. Both end walnut with EXIT.restart (75), so systemd (Restart=on-failure, image/systemd/) starts it
// again; under `make run` or a shell nothing does, and the page says so. The reset wipes what `walnut
// factory-reset` wipes (docs/provisioning.md), the same list from the same function, through the same marker, so
// a power cut in the middle leaves the unit as it was or reset, never a mix.
import { hostname } from 'node:os';
import type { WalnutConfig } from '../config/config.ts';
import { unitResetFiles } from '../authsrv/reset-files.ts';
import { instanceName } from '../mdns/announce.ts';
import type { EventLog } from '../storage/event-log.ts';
import { markReset } from '../storage/reset.ts';
import { BUILD } from '../util/build-info.ts';
import { logger } from '../util/log.ts';
import type { SystemControl, SystemFacts } from '../web/routes-system.ts';

const log = logger('walnut');

/** The reply goes out before walnut ends: a short pause, then the same orderly stop as SIGTERM. */
const EXIT_AFTER_MS = 300;

export function systemControl(config: WalnutConfig, events: Pick<EventLog, 'record' | 'flush'>, exit: (why: string) => void): SystemControl {
  const facts = (): SystemFacts => {
    const now = Date.now();
    return {
      hostname: hostname(),
      mdnsName: config.mdns.enabled ? instanceName(config.mdns) : null,
      version: BUILD.version,
      board: BUILD.board,
      builtAt: BUILD.builtAt === undefined ? null : new Date(BUILD.builtAt).toISOString(),
      now: new Date(now).toISOString(),
      clockPlausible: BUILD.builtAt === undefined || now >= BUILD.builtAt,
      // a system service of systemd has INVOCATION_ID and systemd (pid 1) as parent; a child of a shell started
      // in such a service inherits the variable but not the parent
      restartedBy: process.env.INVOCATION_ID !== undefined && process.ppid === 1 ? 'systemd' : 'nobody',
      resetHere:
        config.auth.server === 'spawn'
          ? { possible: true, why: '' }
          : // the AS runs as its own user with keys.db open: only root, with both services stopped, may wipe it
            { possible: false, why: 'the authentication server is its own service here: run walnut factory-reset as root on the unit' },
    };
  };
  const later = (why: string): void => void setTimeout(() => exit(why), EXIT_AFTER_MS).unref();
  return {
    facts,
    restart: (by, address) => {
      log.warn(`restart asked for by ${by} from ${address}`);
      events.record('restart', address, `asked for by ${by} on the setup page`);
      events.flush();
      later('restart from the setup page');
    },
    factoryReset: (by, address) => {
      // the event log goes with the reset: the system log keeps who did it
      log.warn(`factory reset asked for by ${by} from ${address}: walnut ends now and its next start wipes the unit`);
      events.record('factory-reset', address, `asked for by ${by} on the setup page`);
      events.flush();
      markReset(config.dataDir, unitResetFiles(config));
      later('factory reset from the setup page');
    },
  };
}
