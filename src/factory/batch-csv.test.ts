import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsCsv, manifestCsv } from './batch-csv.ts';

test('labels.csv has the header serial,setup_code,qr_payload and one line per unit', () => {
  assert.equal(
    labelsCsv([{ serial: 'A1', formattedCode: 'ABCD-EFGH-JKMN-PQ', qrPayload: 'WN1:A1:ABCDEFGHJKMNPQ:0' }]),
    'serial,setup_code,qr_payload\nA1,ABCD-EFGH-JKMN-PQ,WN1:A1:ABCDEFGHJKMNPQ:0\n',
  );
});

test('check symbols * and $ go into labels.csv as they are, unquoted', () => {
  assert.equal(labelsCsv([{ serial: 'A1', formattedCode: 'ABCD-EFGH-JKMN-P*', qrPayload: 'WN1:A1:ABCDEFGHJKMNP$:0' }]).split('\n')[1], 'A1,ABCD-EFGH-JKMN-P*,WN1:A1:ABCDEFGHJKMNP$:0');
});

test('manifest.csv has the header serial,cert_sha256_hex,host_id and the fingerprint in lower-case hex', () => {
  assert.equal(
    manifestCsv([{ serial: 'A1', certSha256: Buffer.from([0xab, 0x01]), hostId: '00ff00ff00ff00ff' }]),
    'serial,cert_sha256_hex,host_id\nA1,ab01,00ff00ff00ff00ff\n',
  );
});

test('a field that would need CSV quoting is refused rather than written', () => {
  assert.throws(() => labelsCsv([{ serial: 'A,1', formattedCode: 'X', qrPayload: 'Y' }]), /would need CSV quoting/);
  assert.throws(() => manifestCsv([{ serial: 'A"1', certSha256: Buffer.alloc(1), hostId: '0' }]), /would need CSV quoting/);
});
