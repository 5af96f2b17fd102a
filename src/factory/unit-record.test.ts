import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainProblem } from '../authsrv/mutual.ts';
import { normalizeDnsName } from '../tls/x509.ts';
import { UnitRecordError, formatUnitRecord, parseUnitRecord, unitDomain, unitHostNames } from './unit-record.ts';

const unit = {
  serial: 'WN-000001',
  hostId: '0123456789abcdef',
  domain: 'walnut-wn-000001',
  setupKey: Buffer.alloc(32, 1),
  deviceSecret: Buffer.alloc(32, 2),
};

test('unit.json is one JSON object with version, serial, hostId, domain and the two keys in base64', () => {
  assert.equal(
    formatUnitRecord(unit),
    `{"version":1,"serial":"WN-000001","hostId":"0123456789abcdef","domain":"walnut-wn-000001","setupKey":"${Buffer.alloc(32, 1).toString('base64')}","deviceSecret":"${Buffer.alloc(32, 2).toString('base64')}"}\n`,
  );
});

test('a unit.json text reads back to the record it was made from', () => {
  const back = parseUnitRecord(formatUnitRecord(unit));
  assert.equal(back.serial, unit.serial);
  assert.equal(back.hostId, unit.hostId);
  assert.equal(back.domain, unit.domain);
  assert.deepEqual(Buffer.from(back.setupKey), unit.setupKey);
  assert.deepEqual(Buffer.from(back.deviceSecret), unit.deviceSecret);
});

test('the domain is walnut- and the serial in lower case, a valid auth domain and host name for the longest serial', () => {
  assert.equal(unitDomain('WN-000001'), 'walnut-wn-000001');
  const longest = 'A1'.repeat(16);
  assert.equal(domainProblem(unitDomain(longest)), undefined);
  for (const name of unitHostNames(longest)) assert.equal(normalizeDnsName(name), name);
  assert.deepEqual(unitHostNames('AB12'), ['walnut-ab12', 'walnut-ab12.local']);
});

test('a record with a wrong key length, host id, domain or version is refused by name', () => {
  assert.throws(() => formatUnitRecord({ ...unit, setupKey: Buffer.alloc(31) }), /setupKey is 32 bytes, not 31/);
  assert.throws(() => formatUnitRecord({ ...unit, hostId: 'XYZ' }), UnitRecordError);
  const json = JSON.parse(formatUnitRecord(unit));
  assert.throws(() => parseUnitRecord(JSON.stringify({ ...json, version: 2 })), /version 2 is not 1/);
  assert.throws(() => parseUnitRecord(JSON.stringify({ ...json, domain: 'walnut-other' })), /is not walnut-wn-000001/);
  assert.throws(() => parseUnitRecord(JSON.stringify({ ...json, deviceSecret: 'AAAA' })), /deviceSecret is not 32 bytes/);
  assert.throws(() => parseUnitRecord('{'), /not JSON/);
});
