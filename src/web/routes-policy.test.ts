import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaError } from '../util/schema.ts';
import type { ApiCall } from './api.ts';
import { HttpError } from './errors.ts';
import { policyRoutes, type PolicyControl } from './routes-policy.ts';
import type { WebRole, WebSession } from './sessions.ts';

const RANK: Record<WebRole, number> = { viewer: 0, operator: 1, admin: 2 };

function call(method: string, body: unknown, role: WebRole): ApiCall {
  return {
    method, path: '', query: new URLSearchParams(), host: 'h', origin: 'https://h', cookie: undefined, token: undefined, address: '10.0.0.9', contentType: 'application/json', body,
    session: (need) => {
      if (RANK[role] < RANK[need]) throw new HttpError(403, 'forbidden', `this needs the ${need} role`);
      return { user: 'ann', role } as WebSession;
    },
  };
}

const control = (save: PolicyControl['save']): PolicyControl => ({
  view: () => ({ settings: {}, file: {}, source: 'config file', bounds: {}, running: null, phase: 'idle' }),
  save,
  dryRun: () => ({ steps: [] }),
});

test('a refused value comes back as a 400 naming the field, without the value sent', async () => {
  const routes = policyRoutes(control(() => {
    throw new SchemaError('shutdown.hostSyncSeconds: expected a number from 0 to 3600, got "<script>"');
  }));
  await assert.rejects(async () => routes['POST /api/policy']!(call('POST', { settings: {} }, 'operator')), (e: HttpError) => e.status === 400 && e.message === 'shutdown.hostSyncSeconds: expected a number from 0 to 3600');
});

test('a viewer may read the policy and its dry run but not save it, and the author of a save is the session\'s user', async () => {
  const seen: string[] = [];
  const routes = policyRoutes(control((_s, by, address) => {
    seen.push(`${by}@${address}`);
    return 'saved';
  }));
  assert.equal((await routes['GET /api/policy']!(call('GET', undefined, 'viewer'))).status, 200);
  assert.equal((await routes['GET /api/policy/dry-run']!(call('GET', undefined, 'viewer'))).status, 200);
  await assert.rejects(async () => routes['POST /api/policy']!(call('POST', { settings: null }, 'viewer')), /operator role/);
  assert.equal((await routes['POST /api/policy']!(call('POST', { settings: null }, 'operator'))).status, 200);
  assert.deepEqual(seen, ['ann@10.0.0.9']);
});

test('a body other than {settings} is refused, and turning shutdown off during a shutdown is a 409', async () => {
  const routes = policyRoutes(control(() => 'busy'));
  await assert.rejects(async () => routes['POST /api/policy']!(call('POST', { hostSyncSeconds: 5 }, 'admin')), (e: HttpError) => e.status === 400);
  await assert.rejects(async () => routes['POST /api/policy']!(call('POST', { settings: {} }, 'admin')), (e: HttpError) => e.status === 409);
});
