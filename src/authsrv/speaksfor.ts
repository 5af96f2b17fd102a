// The speaks-for database (docs/auth-protocol.md §8; authsrv(6) "speaks for"): which principal (the NUT server, the
// web front end, …) may obtain a ticket naming which user. Plan 9 ndb syntax, as authsrv's /lib/ndb/auth:
//
//   hostid=web
//   	uid=* uid=!factory     # the web UI may act for any user except factory
//
// Syntax (libndb, 9front flavour):
//  * an entry starts at a line that does not begin with a space or tab; continuation lines begin with one;
//  * a line is whitespace-separated attr=value tuples; a value may be quoted with " or ' and a doubled quote
//    inside stands for one (9front libndb `unquote`); an unquoted value runs to the next space or tab;
//  * '#' at the start of a tuple starts a comment to the end of the line (so `a=b#c` has value "b#c", as ndb);
//  * blank lines and comment-only lines are ignored everywhere: they neither start nor end an entry.
// Stricter than ndb, because this file grants authority and a silently misread line would be a hole: a bare word
// or `attr = value` is an error (ndb reads a value-less attribute), an entry has exactly one hostid, and names
// are checked (below). Only hostid and uid mean anything; other attributes are kept and ignored.
//
// Semantics (9front authsrv.c speaksfor): a uid tuple is `*` (any user), `name` (that user) or `!name` (deny);
// a deny wins wherever it appears, and all entries for one hostid combine. Unlike 9front's speaksfor(),
// mayspeakfor() has no "speaker == user" shortcut: that is the caller's rule (auth-protocol §7.1), this is
// only the database query.
//
// Pure: no I/O. The CLI reads the file, calls parseSpeaksFor, edits, and writes formatSpeaksFor's output.

export const SPEAKSFOR_MAX_BYTES = 64 * 1024;
export const SPEAKSFOR_MAX_ENTRIES = 4096;
/** Longest attribute name, hostid, user name (without a leading '!') or other value, in UTF-8 bytes. */
export const SPEAKSFOR_MAX_NAME_BYTES = 64;

export interface SpeaksForAttr {
  readonly attr: string;
  readonly value: string;
}

export interface SpeaksForEntry {
  /** The principal that speaks: never '*', never empty, never starting with '!'. */
  readonly hostid: string;
  /** In file order: '*', 'name' or '!name'. */
  readonly uids: readonly string[];
  /** Attributes other than hostid and uid, in file order; kept for round trip, otherwise ignored. */
  readonly extra: readonly SpeaksForAttr[];
}

export interface SpeaksForDb {
  readonly entries: readonly SpeaksForEntry[];
}

/** A malformed database. `line` is 1-based; 0 means "not from a line of text" (formatSpeaksFor's checks). */
export class SpeaksForError extends Error {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(line > 0 ? `speaksfor line ${line}: ${reason}` : `speaksfor: ${reason}`);
    this.name = 'SpeaksForError';
    this.line = line;
    this.reason = reason;
  }
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** The first character ndb syntax or our policy forbids anywhere in the file: C0 controls other than tab and
 *  newline (so CR, i.e. CRLF files, too), DEL and C1 controls. */
function badControl(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) return c;
  }
  return -1;
}

/** Inside a name or value a tab is a control character too. */
const hasControl = (s: string): boolean => badControl(s) >= 0 || s.includes('\t');

function describeControl(c: number): string {
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return c === 0x0d ? `carriage return (${hex}) — CRLF line endings are not accepted` : `control character ${hex}`;
}

/** Why `name` cannot be a hostid or user name, or null. */
function nameProblem(name: string, what: string): string | null {
  if (name === '') return `empty ${what}`;
  if (Buffer.byteLength(name, 'utf8') > SPEAKSFOR_MAX_NAME_BYTES) return `${what} longer than ${SPEAKSFOR_MAX_NAME_BYTES} bytes`;
  if (name === '*') return `${what} may not be '*'`;
  if (name.startsWith('!')) return `${what} may not start with '!'`;
  if (hasControl(name)) return `${what} contains a control character`;
  if (!name.isWellFormed()) return `${what} is not valid Unicode`;
  return null;
}

function uidProblem(v: string): string | null {
  if (v === '*') return null;
  if (v.startsWith('!')) return v === '!' ? "empty user name after '!'" : nameProblem(v.slice(1), 'denied user name');
  return nameProblem(v, 'user name');
}

function attrNameProblem(a: string): string | null {
  if (a === '') return 'empty attribute name';
  if (Buffer.byteLength(a, 'utf8') > SPEAKSFOR_MAX_NAME_BYTES) return `attribute name longer than ${SPEAKSFOR_MAX_NAME_BYTES} bytes`;
  if (/[\s="'\x00-\x1f\x7f-\x9f]/.test(a) || a.startsWith('#')) return `bad attribute name ${JSON.stringify(a)}`;
  if (!a.isWellFormed()) return 'attribute name is not valid Unicode';
  return null;
}

function otherValueProblem(attr: string, v: string): string | null {
  if (Buffer.byteLength(v, 'utf8') > SPEAKSFOR_MAX_NAME_BYTES) return `value of ${attr} longer than ${SPEAKSFOR_MAX_NAME_BYTES} bytes`;
  if (hasControl(v)) return `value of ${attr} contains a control character`;
  if (!v.isWellFormed()) return `value of ${attr} is not valid Unicode`;
  return null;
}

/** Split one line (already checked for control characters) into tuples. */
function tuples(line: string, lineNo: number): SpeaksForAttr[] {
  const out: SpeaksForAttr[] = [];
  const fail = (reason: string): never => { throw new SpeaksForError(lineNo, reason); };
  let i = 0;
  const n = line.length;
  for (;;) {
    while (isBlank(line[i])) i++;
    if (i >= n || line[i] === '#') return out;
    const start = i;
    while (i < n && line[i] !== '=' && !isBlank(line[i])) i++;
    const attr = line.slice(start, i);
    if (attr === '') fail("attribute name missing before '='");
    if (line[i] !== '=') fail(`expected attr=value, found ${JSON.stringify(attr)}${isBlank(line[i]) && /^[ \t]*=/.test(line.slice(i)) ? " (no spaces around '=')" : ''}`);
    const ap = attrNameProblem(attr);
    if (ap !== null) fail(ap);
    i++; // '='
    let value = '';
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      for (;;) {
        if (i >= n) fail(`unterminated quoted value for ${attr}`);
        if (line[i] === q) {
          if (line[i + 1] === q) { value += q; i += 2; continue; }
          i++;
          break;
        }
        value += line[i];
        i++;
      }
      if (i < n && !isBlank(line[i])) fail(`expected a space or tab after the quoted value of ${attr}`);
    } else if (q !== '#') { // ndb: `attr=#…` is an empty value followed by a comment
      const vs = i;
      while (i < n && !isBlank(line[i])) i++;
      value = line.slice(vs, i);
    }
    out.push({ attr, value });
  }
}

interface Building {
  line: number;
  hostid: string | null;
  uids: string[];
  extra: SpeaksForAttr[];
}

/** Parse the database text. Throws SpeaksForError naming the first bad line. */
export function parseSpeaksFor(text: string): SpeaksForDb {
  // A UTF-16 code unit is at least one UTF-8 byte, so a long string is over the limit without encoding it all.
  if (text.length > SPEAKSFOR_MAX_BYTES || Buffer.byteLength(text, 'utf8') > SPEAKSFOR_MAX_BYTES) {
    const within = Buffer.from(text.slice(0, SPEAKSFOR_MAX_BYTES + 1), 'utf8').subarray(0, SPEAKSFOR_MAX_BYTES + 1);
    let line = 1;
    for (let k = 0; k < SPEAKSFOR_MAX_BYTES; k++) if (within[k] === 0x0a) line++;
    throw new SpeaksForError(line, `database larger than ${SPEAKSFOR_MAX_BYTES} bytes`);
  }
  const entries: SpeaksForEntry[] = [];
  let cur: Building | null = null;
  const finish = (): void => {
    if (cur === null) return;
    if (cur.hostid === null) throw new SpeaksForError(cur.line, 'entry has no hostid');
    entries.push({ hostid: cur.hostid, uids: cur.uids, extra: cur.extra });
    cur = null;
  };
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li] ?? '';
    const lineNo = li + 1;
    const c = badControl(line);
    if (c >= 0) throw new SpeaksForError(lineNo, describeControl(c));
    if (!line.isWellFormed()) throw new SpeaksForError(lineNo, 'not valid Unicode (lone surrogate)');
    const ts = tuples(line, lineNo);
    if (ts.length === 0) continue; // blank or comment-only: belongs to no entry
    if (!isBlank(line[0])) {
      finish();
      if (entries.length >= SPEAKSFOR_MAX_ENTRIES) throw new SpeaksForError(lineNo, `more than ${SPEAKSFOR_MAX_ENTRIES} entries`);
      cur = { line: lineNo, hostid: null, uids: [], extra: [] };
    } else if (cur === null) {
      throw new SpeaksForError(lineNo, 'continuation line (starting with a space or tab) before any entry');
    }
    const e: Building = cur as Building;
    for (const t of ts) {
      if (t.attr === 'hostid') {
        if (e.hostid !== null) throw new SpeaksForError(lineNo, 'second hostid in one entry (start a new entry instead)');
        const p = nameProblem(t.value, 'hostid');
        if (p !== null) throw new SpeaksForError(lineNo, p);
        e.hostid = t.value;
      } else if (t.attr === 'uid') {
        const p = uidProblem(t.value);
        if (p !== null) throw new SpeaksForError(lineNo, p);
        e.uids.push(t.value);
      } else {
        const p = otherValueProblem(t.attr, t.value);
        if (p !== null) throw new SpeaksForError(lineNo, p);
        e.extra.push(t);
      }
    }
  }
  finish();
  return { entries };
}

/** May `hostid` obtain tickets naming `uid`? True only if some entry for hostid allows uid (exactly or by '*')
 *  and no entry for hostid denies it ('!uid'). Exact comparison, no case folding; a malformed hostid or uid
 *  (empty, '*', '!…', too long, control characters) is never allowed. */
export function mayspeakfor(db: SpeaksForDb, hostid: string, uid: string): boolean {
  if (nameProblem(hostid, 'hostid') !== null || nameProblem(uid, 'user name') !== null) return false;
  const deny = '!' + uid;
  let ok = false;
  for (const e of db.entries) {
    if (e.hostid !== hostid) continue;
    for (const u of e.uids) {
      if (u === deny) return false;
      if (u === '*' || u === uid) ok = true;
    }
  }
  return ok;
}

function quote(v: string): string {
  if (v !== '' && !/[ \t"']/.test(v) && !v.startsWith('#')) return v;
  return '"' + v.replaceAll('"', '""') + '"';
}

const WRAP = 72;

/** Canonical text: per entry, `hostid=…` first, then the uids (file order), then the other attributes, single
 *  spaces between, wrapped onto tab-indented continuation lines at 72 columns (tab = 8); no blank lines; values
 *  in double quotes only when needed. Compact, so a database near the size limit still fits. Comments are not
 *  kept. Validates `db` the way parseSpeaksFor would (errors
 *  have line 0), so the output always parses back to an equal database. */
export function formatSpeaksFor(db: SpeaksForDb): string {
  const fail = (i: number, reason: string): never => { throw new SpeaksForError(0, `entry ${i + 1}: ${reason}`); };
  if (db.entries.length > SPEAKSFOR_MAX_ENTRIES) throw new SpeaksForError(0, `more than ${SPEAKSFOR_MAX_ENTRIES} entries`);
  const paras: string[] = [];
  db.entries.forEach((e, i) => {
    const hp = nameProblem(e.hostid, 'hostid');
    if (hp !== null) fail(i, hp);
    const parts: string[] = [];
    for (const u of e.uids) {
      const p = uidProblem(u);
      if (p !== null) fail(i, p);
      parts.push('uid=' + quote(u));
    }
    for (const a of e.extra) {
      const p = attrNameProblem(a.attr) ?? (a.attr === 'hostid' || a.attr === 'uid' ? `${a.attr} among the other attributes` : otherValueProblem(a.attr, a.value));
      if (p !== null) fail(i, p);
      parts.push(a.attr + '=' + quote(a.value));
    }
    const lines: string[] = [];
    let cur = 'hostid=' + quote(e.hostid);
    let width = cur.length;
    for (const p of parts) {
      if (width + 1 + p.length > WRAP) { lines.push(cur); cur = '\t' + p; width = 8 + p.length; continue; }
      cur += ' ' + p;
      width += 1 + p.length;
    }
    lines.push(cur);
    paras.push(lines.join('\n') + '\n');
  });
  const out = paras.join('');
  if (Buffer.byteLength(out, 'utf8') > SPEAKSFOR_MAX_BYTES) throw new SpeaksForError(0, `formatted database larger than ${SPEAKSFOR_MAX_BYTES} bytes`);
  return out;
}
