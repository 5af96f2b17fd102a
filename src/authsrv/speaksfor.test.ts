import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SPEAKSFOR_MAX_BYTES, SPEAKSFOR_MAX_ENTRIES, SPEAKSFOR_MAX_NAME_BYTES, SpeaksForError,
  formatSpeaksFor, mayspeakfor, parseSpeaksFor,
} from './speaksfor.ts';
import type { SpeaksForDb } from './speaksfor.ts';

/** Assert that parsing `text` fails on `line` with a reason matching `re`. */
function rejects(text: string, line: number, re: RegExp): void {
  assert.throws(() => parseSpeaksFor(text), (e: unknown) => {
    assert.ok(e instanceof SpeaksForError, `not a SpeaksForError: ${String(e)}`);
    assert.equal(e.line, line, `wrong line for: ${e.message}`);
    assert.match(e.reason, re);
    assert.ok(e.message.startsWith(`speaksfor line ${line}: `), e.message);
    return true;
  });
}

test('the authsrv(6) example lets bootes speak for anyone except sys and adm', () => {
  const db = parseSpeaksFor('hostid=bootes\n\tuid=!sys uid=!adm uid=*\n');
  assert.deepEqual(db, { entries: [{ hostid: 'bootes', uids: ['!sys', '!adm', '*'], extra: [] }] });
  assert.equal(mayspeakfor(db, 'bootes', 'glenda'), true);
  assert.equal(mayspeakfor(db, 'bootes', 'sys'), false);
  assert.equal(mayspeakfor(db, 'bootes', 'adm'), false);
  assert.equal(mayspeakfor(db, 'bootes', 'bootes'), true);
});

test('an appliance example (the web backend for anyone but factory, a read-only monitor) is allowed as written', () => {
  const db = parseSpeaksFor('hostid=web\n\tuid=* uid=!factory          # the web UI backend\nhostid=homeassistant\n\tuid=upsmon-ro\n');
  assert.equal(mayspeakfor(db, 'web', 'admin'), true);
  assert.equal(mayspeakfor(db, 'web', 'factory'), false);
  assert.equal(mayspeakfor(db, 'homeassistant', 'upsmon-ro'), true);
  assert.equal(mayspeakfor(db, 'homeassistant', 'admin'), false);
});

test('a deny wins whether it comes before or after the allow, on the same line or another', () => {
  for (const text of [
    'hostid=h uid=!u uid=u', 'hostid=h uid=u uid=!u', 'hostid=h uid=* uid=!u', 'hostid=h uid=!u uid=*',
    'hostid=h\n\tuid=u\n\tuid=!u', 'hostid=h\n\tuid=!u\n\tuid=*',
  ]) {
    const db = parseSpeaksFor(text);
    assert.equal(mayspeakfor(db, 'h', 'u'), false, text);
  }
});

test('entries for the same hostid combine, and a deny in one entry beats an allow in another', () => {
  const db = parseSpeaksFor('hostid=h uid=alice\nhostid=other uid=*\nhostid=h uid=bob\nhostid=h uid=!alice\n');
  assert.equal(mayspeakfor(db, 'h', 'bob'), true);
  assert.equal(mayspeakfor(db, 'h', 'alice'), false);
  assert.equal(mayspeakfor(db, 'h', 'carol'), false);
  const later = parseSpeaksFor('hostid=h uid=!alice\nhostid=h uid=*\n');
  assert.equal(mayspeakfor(later, 'h', 'alice'), false);
  assert.equal(mayspeakfor(later, 'h', 'bob'), true);
});

test('a deny of one user under * does not affect other hostids', () => {
  const db = parseSpeaksFor('hostid=a uid=* uid=!root\nhostid=b uid=*\n');
  assert.equal(mayspeakfor(db, 'a', 'root'), false);
  assert.equal(mayspeakfor(db, 'b', 'root'), true);
});

test('an unknown hostid, an empty database and a host with no uids speak for nobody, not even themselves', () => {
  const db = parseSpeaksFor('hostid=web uid=*\nhostid=quiet\n');
  assert.equal(mayspeakfor(db, 'nut', 'alice'), false);
  assert.equal(mayspeakfor(db, 'quiet', 'alice'), false);
  assert.equal(mayspeakfor(db, 'quiet', 'quiet'), false);
  assert.equal(mayspeakfor(parseSpeaksFor(''), 'web', 'alice'), false);
});

test('names compare as exact bytes with no case folding or Unicode normalisation', () => {
  const db = parseSpeaksFor('hostid=Web uid=Alice uid=caf\u00e9\n');
  assert.equal(mayspeakfor(db, 'Web', 'Alice'), true);
  assert.equal(mayspeakfor(db, 'web', 'Alice'), false);
  assert.equal(mayspeakfor(db, 'Web', 'alice'), false);
  assert.equal(mayspeakfor(db, 'Web', 'caf\u00e9'), true);
  assert.equal(mayspeakfor(db, 'Web', 'cafe\u0301'), false);
});

test('a hostid or uid query that is not a valid name is never allowed, even under *', () => {
  const db = parseSpeaksFor('hostid=h uid=*\n');
  assert.equal(mayspeakfor(db, '*', 'alice'), false);
  assert.equal(mayspeakfor(db, 'h', '*'), false);
  assert.equal(mayspeakfor(db, 'h', '!alice'), false);
  assert.equal(mayspeakfor(db, 'h', ''), false);
  assert.equal(mayspeakfor(db, 'h', 'a\nb'), false);
  assert.equal(mayspeakfor(db, 'h', 'x'.repeat(SPEAKSFOR_MAX_NAME_BYTES + 1)), false);
});

test('double- and single-quoted values may hold spaces, # and a doubled quote as one quote', () => {
  const db = parseSpeaksFor('hostid="web front" uid="a ""b""" uid=\'it\'\'s\' uid="#x" note="x=y # z"\n');
  assert.deepEqual(db.entries[0], { hostid: 'web front', uids: ['a "b"', "it's", '#x'], extra: [{ attr: 'note', value: 'x=y # z' }] });
  assert.equal(mayspeakfor(db, 'web front', 'a "b"'), true);
  assert.equal(mayspeakfor(db, 'web front', "it's"), true);
});

test('comments run from a # at the start of a tuple to the end of the line, and # inside a value is literal', () => {
  const db = parseSpeaksFor([
    '# speaks-for database',
    'hostid=h # the NUT server',
    '   # an indented comment does not end or start anything',
    '\tuid=a#b #uid=c',
    '#hostid=x uid=*',
    '\tuid=d',
    'other=1 hostid=k note=#gone',
  ].join('\n'));
  assert.deepEqual(db.entries, [
    { hostid: 'h', uids: ['a#b', 'd'], extra: [] },
    { hostid: 'k', uids: [], extra: [{ attr: 'other', value: '1' }, { attr: 'note', value: '' }] },
  ]);
  assert.equal(mayspeakfor(db, 'x', 'y'), false);
});

test('continuation lines begin with a space or tab, and blank lines neither end nor start an entry', () => {
  const db = parseSpeaksFor('hostid=h\n  uid=a\n\n\t uid=b   \n\nhostid=k\tuid=c\n\t\n');
  assert.deepEqual(db.entries, [
    { hostid: 'h', uids: ['a', 'b'], extra: [] },
    { hostid: 'k', uids: ['c'], extra: [] },
  ]);
});

test('hostid need not be the first attribute and unknown attributes are kept but ignored', () => {
  const db = parseSpeaksFor('uid=a\thostid=h sys=x\n\tip=10.0.0.1 uid=b\n');
  assert.deepEqual(db.entries[0], { hostid: 'h', uids: ['a', 'b'], extra: [{ attr: 'sys', value: 'x' }, { attr: 'ip', value: '10.0.0.1' }] });
  assert.equal(mayspeakfor(db, 'x', 'a'), false);
});

test('every syntax error is reported with the line it is on', () => {
  const pre = 'hostid=ok uid=*\n# comment\n';
  rejects(pre + 'uid=a\n', 3, /entry has no hostid/);
  rejects(pre + '\tuid=a\nfoo=bar\n\tuid=b\n', 4, /entry has no hostid/);
  rejects('\tuid=a\n', 1, /continuation line .* before any entry/);
  rejects(pre + 'hostid=h uid=a bob\n', 3, /expected attr=value, found "bob"/);
  rejects(pre + 'hostid=h uid = a\n', 3, /no spaces around '='/);
  rejects(pre + 'hostid=h =a\n', 3, /attribute name missing/);
  rejects(pre + 'hostid=h "u"=a\n', 3, /bad attribute name/);
  rejects(pre + 'hostid=h uid="a\n', 3, /unterminated quoted value for uid/);
  rejects(pre + 'hostid=h uid="a"b\n', 3, /expected a space or tab after the quoted value of uid/);
  rejects(pre + 'hostid=*\n', 3, /hostid may not be '\*'/);
  rejects(pre + 'hostid=!h\n', 3, /hostid may not start with '!'/);
  rejects(pre + 'hostid=\n', 3, /empty hostid/);
  rejects(pre + 'hostid=h uid=\n', 3, /empty user name/);
  rejects(pre + 'hostid=h uid=#x\n', 3, /empty user name/);
  rejects(pre + 'hostid=h uid=!\n', 3, /empty user name after '!'/);
  rejects(pre + 'hostid=h uid=!*\n', 3, /denied user name may not be '\*'/);
  rejects(pre + 'hostid=h uid=!!a\n', 3, /denied user name may not start with '!'/);
  rejects(pre + 'hostid=h\n\thostid=k\n', 4, /second hostid/);
  rejects(pre + 'hostid=h uid="a\tb"\n', 3, /user name contains a control character/);
});

test('a hostid on a continuation line after a blank line still completes its entry', () => {
  assert.deepEqual(parseSpeaksFor('uid=a\n\n\thostid=h\n').entries, [{ hostid: 'h', uids: ['a'], extra: [] }]);
});

test('control characters anywhere are rejected with their line, CR with a hint about CRLF', () => {
  rejects('hostid=h\r\nuid=a\r\n', 1, /carriage return .*CRLF/);
  rejects('hostid=h\n\tuid=a\u0000\n', 2, /control character U\+0000/);
  rejects('hostid=h\n# ok\n\tuid="a\u001bb"\n', 3, /control character U\+001B/);
  rejects('hostid=h\n\n\n\tnote=\u007f\n', 4, /control character U\+007F/);
  rejects('hostid=h uid=a\u0085\n', 1, /control character U\+0085/);
  rejects('# comment \u0007 too\n', 1, /control character U\+0007/);
  rejects('hostid=h\n\tuid=a\ud800\n', 2, /not valid Unicode/);
});

test('the text may be 64 KiB but not one byte more, counted in UTF-8 bytes', () => {
  const head = 'hostid=h uid=*\n';
  const fill = (bytes: number): string => {
    const lines: string[] = [];
    let left = bytes;
    while (left > 0) { const n = Math.min(left, 100); lines.push('#'.padEnd(n - 1, 'x')); left -= n; }
    return lines.join('\n') + '\n';
  };
  const exact = head + fill(SPEAKSFOR_MAX_BYTES - head.length);
  assert.equal(Buffer.byteLength(exact), SPEAKSFOR_MAX_BYTES);
  assert.equal(mayspeakfor(parseSpeaksFor(exact), 'h', 'u'), true);
  const over = exact + 'x';
  const lastLine = over.split('\n').length;
  rejects(over, lastLine, /larger than 65536 bytes/);
  // 'é' is two bytes: fewer than 64 Ki characters, more than 64 KiB.
  const wide = head + '#' + '\u00e9'.repeat(SPEAKSFOR_MAX_BYTES / 2) + '\n';
  assert.ok(wide.length < SPEAKSFOR_MAX_BYTES);
  rejects(wide, 2, /larger than/);
  rejects('hostid=h\n'.repeat(10) + 'x'.repeat(1 << 20), 11, /larger than/);
});

test('at most 4096 entries, the error on the line of the first extra one', () => {
  const ok = 'hostid=h uid=*\n'.repeat(SPEAKSFOR_MAX_ENTRIES);
  assert.equal(parseSpeaksFor(ok).entries.length, SPEAKSFOR_MAX_ENTRIES);
  rejects(ok + '# still fine\nhostid=x\n', SPEAKSFOR_MAX_ENTRIES + 2, /more than 4096 entries/);
});

test('names may be 64 UTF-8 bytes but not 65, and a deny adds its ! on top', () => {
  const n64 = 'n'.repeat(SPEAKSFOR_MAX_NAME_BYTES);
  const db = parseSpeaksFor(`hostid=${n64} uid=${n64} uid=!${'d'.repeat(64)} ${'a'.repeat(64)}=${'v'.repeat(64)}\n`);
  assert.equal(mayspeakfor(db, n64, n64), true);
  rejects(`hostid=${n64}n\n`, 1, /hostid longer than 64 bytes/);
  rejects(`hostid=h\n\tuid=${n64}n\n`, 2, /user name longer than 64 bytes/);
  rejects(`hostid=h\n\tuid=!${n64}n\n`, 2, /denied user name longer than 64 bytes/);
  rejects(`hostid=h\n\t${'a'.repeat(65)}=v\n`, 2, /attribute name longer than 64 bytes/);
  rejects(`hostid=h\n\tnote=${'v'.repeat(65)}\n`, 2, /value of note longer than 64 bytes/);
  // 32 × 'é' is 64 bytes; 33 × 'é' is 33 characters but 66 bytes.
  assert.equal(parseSpeaksFor(`hostid=${'\u00e9'.repeat(32)}\n`).entries[0]?.hostid, '\u00e9'.repeat(32));
  rejects(`hostid=${'\u00e9'.repeat(33)}\n`, 1, /hostid longer than 64 bytes/);
});

test('formatting gives the canonical form, which parses back to the same database', () => {
  const text = [
    '# hand-written, with comments',
    'uid=!sys  hostid=bootes sys=x uid=*',
    '\tuid=!adm',
    '',
    'hostid="web front" uid="a ""b""" uid=\'it\'\'s\' note="#1" empty=',
    'hostid=quiet',
  ].join('\n');
  const db = parseSpeaksFor(text);
  const canon = formatSpeaksFor(db);
  assert.equal(canon, [
    'hostid=bootes uid=!sys uid=* uid=!adm sys=x',
    'hostid="web front" uid="a ""b""" uid="it\'s" note="#1" empty=""',
    'hostid=quiet',
    '',
  ].join('\n'));
  assert.deepEqual(parseSpeaksFor(canon), db);
  assert.equal(formatSpeaksFor(parseSpeaksFor(canon)), canon);
  assert.equal(formatSpeaksFor({ entries: [] }), '');
});

test('long entries wrap onto several continuation lines and still round-trip', () => {
  const uids = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? '!' : '') + `user${i}`);
  const db: SpeaksForDb = { entries: [{ hostid: 'h', uids, extra: [] }] };
  const text = formatSpeaksFor(db);
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length > 3);
  assert.ok(lines[0]?.startsWith('hostid=h uid=!user0 uid=user1 '));
  assert.ok((lines[0]?.length ?? 99) <= 72);
  for (const l of lines.slice(1)) assert.ok(l.startsWith('\t') && 8 + l.length - 1 <= 72, JSON.stringify(l));
  assert.deepEqual(parseSpeaksFor(text), db);
});

test('databases at the limits round-trip: 4096 entries, and 64-byte names that need quoting', () => {
  const db: SpeaksForDb = { entries: Array.from({ length: SPEAKSFOR_MAX_ENTRIES }, (_, i) => ({ hostid: `h${i}`, uids: [], extra: [] })) };
  assert.deepEqual(parseSpeaksFor(formatSpeaksFor(db)), db);
  const big: SpeaksForDb = { entries: [{ hostid: 'h'.repeat(64), uids: ['\u00e9'.repeat(32), '!' + 'x'.repeat(64)], extra: [{ attr: 'a'.repeat(64), value: 'v w'.repeat(21) }] }] };
  assert.deepEqual(parseSpeaksFor(formatSpeaksFor(big)), big);
});

test('formatting refuses a database that could not be parsed back', () => {
  const bad = (db: SpeaksForDb, re: RegExp): void => {
    assert.throws(() => formatSpeaksFor(db), (e: unknown) => e instanceof SpeaksForError && e.line === 0 && re.test(e.message));
  };
  bad({ entries: [{ hostid: '*', uids: [], extra: [] }] }, /entry 1: hostid may not be '\*'/);
  bad({ entries: [{ hostid: 'h', uids: [], extra: [] }, { hostid: 'k', uids: ['a\nb'], extra: [] }] }, /entry 2: user name contains a control character/);
  bad({ entries: [{ hostid: 'h', uids: [''], extra: [] }] }, /empty user name/);
  bad({ entries: [{ hostid: 'h', uids: [], extra: [{ attr: 'uid', value: 'x' }] }] }, /uid among the other attributes/);
  bad({ entries: [{ hostid: 'h', uids: [], extra: [{ attr: 'a b', value: 'x' }] }] }, /bad attribute name/);
  bad({ entries: Array.from({ length: SPEAKSFOR_MAX_ENTRIES + 1 }, () => ({ hostid: 'h', uids: [], extra: [] })) }, /more than 4096 entries/);
  const fat = Array.from({ length: 1200 }, (_, i) => `u${i}`.padEnd(60, 'x'));
  bad({ entries: [{ hostid: 'h', uids: fat, extra: [] }] }, /formatted database larger than 65536 bytes/);
});
