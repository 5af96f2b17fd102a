import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoleChange, rolesOfChange } from './role-text.ts';
import { describeRoles } from './roles.ts';

const change = (text: string) => {
  const r = parseRoleChange(text);
  if ('problem' in r) throw new Error(r.problem);
  return r.change;
};

test('the text describeRoles writes parses back to the same roles', () => {
  for (const text of ['upsmon=secondary', 'upsmon=primary actions=FSD,SET instcmds=ALL', 'actions=SET instcmds=beeper.toggle,load.off']) {
    assert.equal(describeRoles(rolesOfChange(change(text))), text);
  }
});

test('kinds not named are left alone, none clears one kind, and a lone none clears all three', () => {
  assert.deepEqual(change('upsmon=none'), { upsmon: null });
  assert.deepEqual(change('instcmds=all,beeper.off'), { instcmds: new Set(['all']) });
  assert.deepEqual(change(' NONE '), { upsmon: null, actions: null, instcmds: null });
  assert.equal(describeRoles(rolesOfChange(change('none'))), 'none');
});

test('unreadable roles text is refused with the reason, never half applied', () => {
  for (const [text, why] of [
    ['', /no roles given/],
    ['upsmon=boss', /upsmon takes primary, secondary or none/],
    ['actions=SET,DROP', /actions takes/],
    ['instcmds=load off', /not KIND=VALUE/],
    ['upsmon=primary upsmon=secondary', /named twice/],
    ['admin=yes', /unknown role kind "admin"/],
    ['=x', /not KIND=VALUE/],
    ['x'.repeat(600), /longer than 512/],
  ] as const) {
    const r = parseRoleChange(text);
    assert.ok('problem' in r && why.test(r.problem), `${text.slice(0, 20)}: ${JSON.stringify(r)}`);
  }
});
