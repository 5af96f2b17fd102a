// The power policy page's API (issue 16): the shutdown settings as they run, saving them, and a dry run of the
// sequence for the secondaries logged in now. The appliance owns the policy (src/appliance/power-policy.ts) and
// the bounds (src/shutdown/bounds.ts, the config file's); this module only checks who asks and shapes the reply.
import { SchemaError } from '../util/schema.ts';
import type { RouteModule } from './api.ts';
import { badRequest, HttpError } from './errors.ts';

export interface PolicyView {
  /** the policy that runs, field by field (an absent trigger is off) */
  settings: Record<string, unknown>;
  /** what the config file says, for "use the config file's" */
  file: Record<string, unknown>;
  source: 'config file' | 'this unit';
  /** min and max of each number field: the config file's bounds */
  bounds: Record<string, { min: number; max: number }>;
  /** what the running sequence uses now (its triggers and delays), null when shutdown is off: the proof that what
   *  was saved is what runs */
  running: Record<string, unknown> | null;
  /** the sequence's phase now (idle, waiting, final-delay, commanded), or off */
  phase: string;
}

/** What the routes need from the appliance. */
export interface PolicyControl {
  view(): PolicyView;
  /** a whole policy, or null for the config file's; throws SchemaError naming the field; 'busy' while a
   *  shutdown is under way and the change would turn it off */
  save(settings: unknown, by: string, address: string): 'saved' | 'busy';
  /** the dry run for the secondaries logged in now (src/shutdown/dry-run.ts) */
  dryRun(): unknown;
}

export function policyRoutes(control: PolicyControl): RouteModule {
  return {
    'GET /api/policy': (call) => {
      call.session('viewer');
      return { status: 200, json: control.view() };
    },
    'POST /api/policy': (call) => {
      const s = call.session('operator');
      const body = call.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((k) => k !== 'settings') || !('settings' in body)) {
        throw badRequest('send {"settings": {...}} or {"settings": null}');
      }
      let result: 'saved' | 'busy';
      try {
        result = control.save((body as { settings: unknown }).settings, s.user, call.address);
      } catch (err) {
        // the bounds' own sentence names the field; the value it quotes is cut, as nothing here echoes input
        if (err instanceof SchemaError) throw badRequest(err.message.replace(/, got [\s\S]*$/, ''));
        throw err;
      }
      if (result === 'busy') throw new HttpError(409, 'shutdown-under-way', 'a shutdown is under way: it cannot be turned off now');
      return { status: 200, json: control.view() };
    },
    'GET /api/policy/dry-run': (call) => {
      call.session('viewer');
      return { status: 200, json: control.dryRun() };
    },
  };
}
