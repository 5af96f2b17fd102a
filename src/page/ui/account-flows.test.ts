import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoleChange, rolesOfChange } from '../../auth/role-text.ts';
import { generatePassword } from './account-flows.ts';
import { ROLE_PRESETS } from './views/users.ts';

test('a generated password is 24 characters of the 32 unambiguous ones, each byte value mapping evenly', () => {
  const p = generatePassword();
  assert.match(p, /^[a-km-np-z2-9]{24}$/);
  assert.notEqual(generatePassword(), p);
  // 256 byte values over 32 characters: each character from exactly 8 of them, so no character is likelier
  const counts = new Map<string, number>();
  for (let start = 0; start < 256; start += 24) {
    const bytes = Uint8Array.from({ length: 24 }, (_, i) => (start + i) % 256);
    const text = generatePassword(() => bytes);
    for (const [i, c] of [...text].entries()) if (start + i < 256) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.equal(counts.size, 32);
  assert.ok([...counts.values()].every((n) => n === 8));
});

test('every role preset the page offers is roles text the server takes, and the operator one can run commands', () => {
  for (const p of ROLE_PRESETS.filter((x) => x.id !== 'custom')) {
    const parsed = parseRoleChange(p.roles);
    assert.ok('change' in parsed, p.id);
  }
  const op = parseRoleChange(ROLE_PRESETS.find((x) => x.id === 'operator')!.roles);
  assert.ok('change' in op);
  const roles = rolesOfChange(op.change);
  assert.ok(roles.actions.has('set') && roles.instcmds.has('all'));
});
