// The request tokenizer against docs/nut-protocol.md §1.2 and the tokenizer transcripts of Appendix A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WORDS, MAX_WORD_BYTES, Tokenizer, tokenizeLine, type TokenizerEvent } from './tokenizer.ts';

/** Feeds each chunk in its own push to one tokenizer and returns every event, in order. */
function feed(...chunks: (string | Buffer)[]): TokenizerEvent[] {
  const t = new Tokenizer();
  const events: TokenizerEvent[] = [];
  for (const c of chunks) t.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, (ev) => void events.push(ev));
  return events;
}

/** The words of the only event `input` gives; fails when that is not exactly one line. */
function words(input: string | Buffer): string[] {
  const events = feed(input);
  assert.equal(events.length, 1, `expected one event, got ${JSON.stringify(events)}`);
  const ev = events[0]!;
  assert.equal(ev.kind, 'line');
  return ev.kind === 'line' ? ev.words : [];
}

const lineOf = (...w: string[]): TokenizerEvent => ({ kind: 'line', words: w });

// Appendix A "tokenizer edge cases" plus the §1.2 examples: request bytes → words.
const CASES: [name: string, input: string, expected: string[]][] = [
  ['double quotes delimit a word', 'GET VAR "myups" "ups.status"\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['tabs separate words', 'GET\tVAR\tmyups\tups.status\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['a # outside quotes starts a comment', 'GET VAR myups ups.status # comment\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['a # right after a word ends the word and starts a comment', 'GET VAR myups ups.status#x y\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['= outside quotes is a word of its own', 'GET VAR myups=ups.status\n', ['GET', 'VAR', 'myups', '=', 'ups.status']],
  ['= at the start of a word is a word of its own', 'a =b\n', ['a', '=', 'b']],
  ['= at the end of a line is a word of its own', 'a=\n', ['a', '=']],
  ['= inside quotes stays in the word', '"a=b"\n', ['a=b']],
  ['an escaped = stays in the word', 'a\\=b\n', ['a=b']],
  ['CRLF line endings work', 'ver\r\n', ['ver']],
  ['VT and FF separate words', 'a\vb\fc\n', ['a', 'b', 'c']],
  ['runs of blanks separate words once', '  GET   VAR \t myups  \n', ['GET', 'VAR', 'myups']],
  ['bytes 0x01 and 0xe9 inside words are dropped', 'GET VAR my\xe9ups ups.st\x01atus\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['bytes 0x80 and 0xff are dropped', 'a\x80b\xffc\n', ['abc']],
  ['a NUL byte is dropped', 'GET VAR my\x00ups ups.status\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['a dropped byte between words still starts an (empty) word, as in upsd', 'GET \x01 VAR\n', ['GET', '', 'VAR']],
  ['DEL (0x7f) is kept: only bytes from 0x80 are dropped', 'a\x7fb\n', ['a\x7fb']],
  ['without a caller rule every word drops bytes from 0x80, the argument of USERNAME too', 'USERNAME j\xc3\xbcrgen\n', ['USERNAME', 'jrgen']],
  ['a backslash outside quotes takes the next byte literally', 'my\\ups\n', ['myups']],
  ['an escaped space outside quotes joins words', 'a\\ b\n', ['a b']],
  ['"" is an empty word', 'SET VAR myups ups.id ""\n', ['SET', 'VAR', 'myups', 'ups.id', '']],
  ['escaped quote, backslash and hash inside quotes are literal', '"a \\"b\\" \\\\ \\#c"\n', ['a "b" \\ #c']],
  ['a quoted word keeps its spaces', 'SET VAR myups ups.id "Hello World"\n', ['SET', 'VAR', 'myups', 'ups.id', 'Hello World']],
  ['a backslash before LF continues the line', 'GET VAR myups ups.\\\nstatus\n', ['GET', 'VAR', 'myups', 'ups.status']],
  ['a backslash before LF at a word start continues the line', 'GET \\\nVAR\n', ['GET', 'VAR']],
  ['a backslash before LF inside quotes continues the line', '"a\\\nb"\n', ['ab']],
  ['an escaped # outside quotes is literal', 'a\\#b\n', ['a#b']],
  ['a quoted word directly followed by a word makes two words', '"a"b\n', ['a', 'b']],
  ['case is kept as sent', 'get var MYUPS UPS.STATUS\n', ['get', 'var', 'MYUPS', 'UPS.STATUS']],
  ['an empty line has no words', '\n', []],
  ['a blank line has no words', '   \n', []],
  ['a line that is only a comment has no words', '# just a comment\n', []],
];

for (const [name, input, expected] of CASES) {
  test(`${name}: ${JSON.stringify(input)}`, () => {
    assert.deepEqual(words(input), expected);
  });
}

test('a word the caller picks keeps its bytes from 0x80, and only that word', () => {
  const asked: string[][] = [];
  const second = (before: readonly string[]): boolean => {
    asked.push([...before]);
    return before.length === 1;
  };
  const line = (input: string): TokenizerEvent => tokenizeLine(input, { keepsHighBytes: second });
  assert.deepEqual(line('a b\xe9c d\xe9e\n'), lineOf('a', 'b\xe9c', 'de'));
  assert.deepEqual(asked, [['a'], ['a', 'b\xe9c']], 'asked with the words before, once per byte from 0x80');
  assert.deepEqual(line('a "b\xe9 \\"c\\""\n'), lineOf('a', 'b\xe9 "c"'), 'inside quotes and after escapes');
  assert.deepEqual(line('a b\x01\xffc\n'), lineOf('a', 'b\xffc'), 'control bytes are still dropped');
  asked.length = 0;
  assert.deepEqual(line('plain words only\n'), lineOf('plain', 'words', 'only'));
  assert.deepEqual(asked, [], 'a line without such bytes never asks');
});

test('the same cases give the same words when fed one byte at a time', () => {
  for (const [name, input, expected] of CASES) {
    const chunks = [...Buffer.from(input, 'latin1')].map((b) => Buffer.from([b]));
    assert.deepEqual(feed(...chunks), [lineOf(...expected)], name);
  }
});

test('a line split across two pushes is one request', () => {
  const t = new Tokenizer();
  const events: TokenizerEvent[] = [];
  t.push(Buffer.from('GET VAR myups battery.ch'), (ev) => void events.push(ev));
  assert.equal(events.length, 0);
  assert.equal(t.atLineStart, false);
  t.push(Buffer.from('arge\n'), (ev) => void events.push(ev));
  assert.deepEqual(events, [lineOf('GET', 'VAR', 'myups', 'battery.charge')]);
  assert.equal(t.atLineStart, true);
});

test('a split inside a quoted escape is carried to the next push', () => {
  assert.deepEqual(feed('SET VAR u v "a\\', '"b"\n'), [lineOf('SET', 'VAR', 'u', 'v', 'a"b')]);
});

test('a CR and LF in different pushes still end the line once', () => {
  assert.deepEqual(feed('VER\r', '\nNETVER\r\n'), [lineOf('VER'), lineOf('NETVER')]);
});

test('pipelined lines in one push are reported in order', () => {
  assert.deepEqual(feed('VER\nNETVER\nGET VAR "u" v\n\n'), [
    lineOf('VER'),
    lineOf('NETVER'),
    lineOf('GET', 'VAR', 'u', 'v'),
    lineOf(),
  ]);
});

test('words past the 32nd are dropped', () => {
  const sent = Array.from({ length: 40 }, (_, i) => `w${i}`);
  assert.equal(MAX_WORDS, 32);
  assert.deepEqual(words(sent.join(' ') + '\n'), sent.slice(0, 32));
  // the same through the quoted (state machine) path
  assert.deepEqual(words(sent.map((w) => `"${w}"`).join(' ') + '\n'), sent.slice(0, 32));
});

test('exactly 32 words are all kept and a 33rd is dropped', () => {
  const sent = Array.from({ length: 33 }, (_, i) => `w${i}`);
  assert.deepEqual(words(sent.slice(0, 32).join(' ') + '\n'), sent.slice(0, 32));
  assert.deepEqual(words(sent.join(' ') + '\n'), sent.slice(0, 32));
});

test('a word longer than 512 bytes is truncated to 512 and the next word is intact', () => {
  assert.equal(MAX_WORD_BYTES, 512);
  const long = 'y'.repeat(600);
  assert.deepEqual(words(`GET DESC myups ${long} next\n`), ['GET', 'DESC', 'myups', 'y'.repeat(512), 'next']);
  assert.deepEqual(words(`"${long}" next\n`), ['y'.repeat(512), 'next']);
});

test('a word of exactly 512 bytes is kept whole', () => {
  const w = 'z'.repeat(512);
  assert.deepEqual(words(`${w}\n`), [w]);
  assert.deepEqual(words(`${'z'.repeat(513)}\n`), [w]);
});

test('an unescaped # inside quotes is a parse error and the pipelined lines after it are kept', () => {
  // Deliberate difference from upsd, which drops the rest of its read buffer: walnut loses nothing.
  const events = feed('GET VAR myups "ups.sta#tus"\nVER\nNETVER\n');
  assert.equal(events.length, 3);
  assert.equal(events[0]!.kind, 'parse-error');
  assert.deepEqual(events.slice(1), [lineOf('VER'), lineOf('NETVER')]);
});

test('after a parse error the rest of the bad line is skipped even when it spans pushes', () => {
  const events = feed('GET VAR "a#', 'b" "more # stuff" \\\n', 'VER\n');
  assert.deepEqual(
    events.map((e) => e.kind),
    ['parse-error', 'line'],
  );
  assert.deepEqual(events[1], lineOf('VER'));
});

test('a parse error counts, and its line does not count as parsed', () => {
  const t = new Tokenizer();
  const events: TokenizerEvent[] = [];
  t.push(Buffer.from('"#"\nA\nB\n'), (ev) => void events.push(ev));
  assert.equal(t.parseErrors, 1);
  assert.equal(t.linesParsed, 2);
  const first = events[0]!;
  assert.ok(first.kind === 'parse-error' && first.reason.includes('#'));
});

test('an escaped # inside quotes is not a parse error', () => {
  assert.deepEqual(words('GET VAR myups "ups.sta\\#tus"\n'), ['GET', 'VAR', 'myups', 'ups.sta#tus']);
});

test('push stops after the event whose callback returns false and can resume from the returned offset', () => {
  const t = new Tokenizer();
  const bytes = Buffer.from('STARTTLS\nVER\n"x" y\n');
  const seen: TokenizerEvent[] = [];
  const stop = t.push(bytes, (ev) => {
    seen.push(ev);
    return false;
  });
  assert.equal(stop, 'STARTTLS\n'.length);
  assert.deepEqual(seen, [lineOf('STARTTLS')]);
  const end = t.push(bytes, (ev) => void seen.push(ev), stop);
  assert.equal(end, bytes.length);
  assert.deepEqual(seen, [lineOf('STARTTLS'), lineOf('VER'), lineOf('x', 'y')]);
});

test('push stopping inside the state machine returns the offset just past that line', () => {
  const t = new Tokenizer();
  const bytes = Buffer.from('"a" b\nVER\n');
  const stop = t.push(bytes, () => false);
  assert.equal(stop, '"a" b\n'.length);
});

test('push returns the buffer length when every event was accepted', () => {
  const t = new Tokenizer();
  assert.equal(t.push(Buffer.from('VER\npartial'), () => true), 'VER\npartial'.length);
  assert.equal(t.atLineStart, false);
});

test('linesParsed counts every complete line, empty ones included', () => {
  const t = new Tokenizer();
  t.push(Buffer.from('VER\n\n"a"\n# c\n'), () => undefined);
  assert.equal(t.linesParsed, 4);
  assert.equal(t.parseErrors, 0);
});

test('tokenizeLine works with or without the trailing LF', () => {
  assert.deepEqual(tokenizeLine('GET VAR "my ups" x'), lineOf('GET', 'VAR', 'my ups', 'x'));
  assert.deepEqual(tokenizeLine('GET VAR u x\n'), lineOf('GET', 'VAR', 'u', 'x'));
  assert.equal(tokenizeLine('"a#b"').kind, 'parse-error');
  assert.deepEqual(tokenizeLine(''), lineOf());
});

/** Deterministic PRNG (mulberry32) so any failure is reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('whole-buffer and byte-at-a-time feeding agree on random input', () => {
  // Whole buffers take the plain-line shortcut where they can; single bytes always go through the state
  // machine. Both must give the same events.
  const alphabet = ['a', 'B', '.', ' ', ' ', '\t', '\r', '\n', '\n', '"', '\\', '#', '=', '\x01', '\xe9', '\x7f', 'x'.repeat(300)];
  const rnd = prng(2024);
  for (let round = 0; round < 400; round++) {
    let s = '';
    const n = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    // many words on one line to reach the 32-word limit sometimes
    if (round % 10 === 0) s = Array.from({ length: 31 + (round % 4) }, (_, i) => `w${i}`).join(' ') + '\n' + s;
    s += '\n';
    const bytes = Buffer.from(s, 'latin1');
    const whole = feed(bytes);
    const byByte = feed(...[...bytes].map((b) => Buffer.from([b])));
    assert.deepEqual(whole, byByte, `input ${JSON.stringify(s)}`);
  }
});
