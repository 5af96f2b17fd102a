import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiCall } from './api.ts';
import { HttpError } from './errors.ts';
import { systemRoutes, type SystemControl, type SystemFacts } from './routes-system.ts';
import type { WebRole, WebSession } from './sessions.ts';

const RANK: Record<WebRole, number> = { viewer: 0, operator: 1, admin: 2 };
const FLOW = 'A'.repeat(24);
const TAG = Buffer.alloc(32).toString('base64url');

function call(body: unknown, role: WebRole, user = 'admin'): ApiCall {
  return {
    method: 'POST', path: '', query: new URLSearchParams(), host: 'h', origin: 'https://h', cookie: undefined, token: undefined, address: '10.0.0.9', contentType: 'application/json', body,
    session: (need) => {
      if (RANK[role] < RANK[need]) throw new HttpError(403, 'forbidden', `this needs the ${need} role`);
      return { user, role } as WebSession;
    },
  };
}

function unit(possible = true): { control: SystemControl; done: string[] } {
  const done: string[] = [];
  const facts = { resetHere: { possible, why: 'run walnut factory-reset as root' }, restartedBy: 'nobody' } as SystemFacts;
  return { done, control: { facts: () => facts, restart: (by) => done.push(`restart ${by}`), factoryReset: (by) => done.push(`reset ${by}`) } };
}

test('the factory reset needs the admin role and a password proven for this session\'s user', async () => {
  const u = unit();
  const proven = (user: string) => ({ confirm: () => ({ user: Buffer.from(user), secret: new Uint8Array(32) }) });
  await assert.rejects(async () => systemRoutes(u.control, proven('admin'))['POST /api/system/factory-reset']!(call({ flow: FLOW, data: TAG }, 'operator')), /admin role/);
  await assert.rejects(async () => systemRoutes(u.control, proven('mallory'))['POST /api/system/factory-reset']!(call({ flow: FLOW, data: TAG }, 'admin')), /not this session's user/);
  await assert.rejects(async () => systemRoutes(u.control, proven('admin'))['POST /api/system/factory-reset']!(call({ flow: FLOW }, 'admin')), /data: missing/);
  assert.deepEqual(u.done, []);
  const r = await systemRoutes(u.control, proven('admin'))['POST /api/system/factory-reset']!(call({ flow: FLOW, data: TAG }, 'admin'));
  assert.equal(r.status, 202);
  assert.deepEqual(u.done, ['reset admin']);
});

test('a failed proof resets nothing, and a unit whose AS is its own service refuses the reset with what to do instead', async () => {
  const u = unit();
  const refused = { confirm: () => { throw new HttpError(403, 'forbidden', 'the login did not complete'); } };
  await assert.rejects(async () => systemRoutes(u.control, refused)['POST /api/system/factory-reset']!(call({ flow: FLOW, data: TAG }, 'admin')), /did not complete/);
  const image = unit(false);
  await assert.rejects(async () => systemRoutes(image.control, refused)['POST /api/system/factory-reset']!(call({ flow: FLOW, data: TAG }, 'admin')), (e: HttpError) => e.status === 409 && /as root/.test(e.message));
  assert.deepEqual([...u.done, ...image.done], []);
});

test('only an admin restarts the unit', async () => {
  const u = unit();
  await assert.rejects(async () => systemRoutes(u.control, { confirm: () => assert.fail() })['POST /api/system/restart']!(call({}, 'operator')), /admin role/);
  assert.equal((await systemRoutes(u.control, { confirm: () => assert.fail() })['POST /api/system/restart']!(call({}, 'admin'))).status, 202);
  assert.deepEqual(u.done, ['restart admin']);
});
