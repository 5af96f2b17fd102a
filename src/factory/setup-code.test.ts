import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SETUP_CODE_BITS,
  SETUP_CODE_COUNT,
  SETUP_CODE_LENGTH,
  SetupCodeError,
  formatSetupCode,
  generateSetupCode,
  parseSetupCode,
  setupCodeFromValue,
  setupCodePassword,
} from './setup-code.ts';

// An independent reference, written from Crockford's page rather than from setup-code.ts: the 65 bits as a
// binary string cut into 5-bit digits, and the check as the remainder of the number by 37 (Horner's rule in
// plain numbers, never above 37·32).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U';
function reference(value: bigint): string {
  const bits = value.toString(2).padStart(65, '0');
  const digits: number[] = [];
  for (let i = 0; i < 65; i += 5) digits.push(parseInt(bits.slice(i, i + 5), 2));
  const check = digits.reduce((r, d) => (r * 32 + d) % 37, 0);
  return [...digits, check].map((d) => ALPHABET[d]).join('');
}

/** 65 random bits from Math.random, on purpose: independent of the generator under test. */
function randomValue(): bigint {
  let v = 0n;
  for (let i = 0; i < 5; i++) v = (v << 13n) | BigInt(Math.floor(Math.random() * 8192));
  return v;
}

test('fixed values give the codes worked out by hand', () => {
  assert.equal(setupCodeFromValue(0n), '00000000000000');
  assert.equal(setupCodeFromValue(1n), '00000000000011');
  assert.equal(setupCodeFromValue(31n), '000000000000ZZ');
  assert.equal(setupCodeFromValue(32n), '0000000000010*'); // 32 mod 37 = 32: the first extra symbol
  assert.equal(setupCodeFromValue(34n), '0000000000012$');
  assert.equal(setupCodeFromValue(36n), '0000000000014U');
  // 2^36 ≡ 1 (mod 37), so 2^65 ≡ 2^29 = 2^20·2^9 ≡ (−4)·(−6) = 24, and 2^65 − 1 ≡ 23: Q
  assert.equal(setupCodeFromValue(2n ** 65n - 1n), 'ZZZZZZZZZZZZZQ');
});

test('the fixed values agree with the independent reference, and so do 2,000 random ones', () => {
  for (const v of [0n, 1n, 31n, 32n, 34n, 36n, 2n ** 65n - 1n]) assert.equal(setupCodeFromValue(v), reference(v));
  let compared = 0;
  while (compared < 2000) {
    const v = randomValue();
    const expected = reference(v);
    if ('~='.includes(expected.at(-1)!)) continue;
    assert.equal(setupCodeFromValue(v), expected, v.toString());
    compared++;
  }
});

test('a value outside 65 bits, or whose check symbol would be ~ or =, makes no code', () => {
  for (const v of [-1n, 2n ** 65n, 33n, 35n, 33n + 37n * 1000n]) assert.throws(() => setupCodeFromValue(v), RangeError, v.toString());
});

test('a code has 14 symbols and prints as groups of 4 joined by hyphens', () => {
  assert.equal(SETUP_CODE_LENGTH, 14);
  assert.equal(formatSetupCode(setupCodeFromValue(2n ** 65n - 1n)), 'ZZZZ-ZZZZ-ZZZZ-ZQ');
  assert.equal(formatSetupCode(setupCodeFromValue(1n)), '0000-0000-0000-11');
});

test('what a person types parses to the canonical form: any case, hyphens and spaces anywhere, i l as 1, o as 0', () => {
  const code = setupCodeFromValue(0x1_0F1E_2D3C_4B5A_6978n);
  assert.equal(parseSetupCode(code), code);
  assert.equal(parseSetupCode(formatSetupCode(code)), code);
  assert.equal(parseSetupCode(code.toLowerCase()), code);
  assert.equal(parseSetupCode(` ${[...code].join(' - ')}\n`), code);
  assert.equal(parseSetupCode('0000-0000-0000-11'), '00000000000011');
  assert.equal(parseSetupCode('oOoO-0000-0000-il'), '00000000000011');
  assert.equal(parseSetupCode('0000000000014u'), '0000000000014U');
});

test('every spelling of a code is the same password: its canonical ASCII bytes', () => {
  const code = setupCodeFromValue(1n);
  assert.deepEqual(setupCodePassword(parseSetupCode('oooo-oooo-oooo-il')), new Uint8Array(Buffer.from('00000000000011', 'ascii')));
  assert.deepEqual(setupCodePassword(code), setupCodePassword(parseSetupCode('0000 0000 0000 11')));
});

test('an empty code, a stranger character or a wrong length is refused with a message that says so', () => {
  const refusals: [string, RegExp][] = [
    ['', /empty/],
    [' - - ', /empty/],
    ['0000-0000-0000-1#', /"#" is not in a setup code/],
    ['0000-0000-0000-1ü', /"ü" is not in a setup code/],
    ['0000-0000-0000-1', /has 14 symbols .* this one has 13/],
    ['0000-0000-0000-111', /has 14 symbols .* this one has 15/],
  ];
  for (const [text, message] of refusals) assert.throws(() => parseSetupCode(text), { name: 'SetupCodeError', message }, text);
});

test('a check-only symbol before the last place is refused', () => {
  for (const sym of ['U', '*', '~', '$', '=']) {
    assert.throws(() => parseSetupCode(`000000000000${sym}1`), { name: 'SetupCodeError', message: /can only be a setup code's last/ }, sym);
  }
});

test('a code ending in ~ or = is refused, though Crockford would allow it', () => {
  assert.equal(reference(33n), '0000000000011~'); // value 33 really has check ~
  assert.throws(() => parseSetupCode('0000000000011~'), { name: 'SetupCodeError', message: /never ends in ~ or =/ });
  assert.throws(() => parseSetupCode(reference(35n)), { name: 'SetupCodeError', message: /never ends in ~ or =/ });
});

test('every one-symbol typo and every swap of two neighbours is caught by the check symbol', () => {
  const code = setupCodeFromValue(0x1_0F1E_2D3C_4B5A_6978n);
  assert.equal(code, 'GY7HD7H5NMTBRJ');
  let refused = 0;
  for (let i = 0; i < code.length; i++) {
    for (const sym of ALPHABET.slice(0, i < 13 ? 32 : 37)) {
      if (sym === code[i]) continue;
      const typo = code.slice(0, i) + sym + code.slice(i + 1);
      assert.throws(() => parseSetupCode(typo), SetupCodeError, typo);
      refused++;
    }
    if (i + 1 < code.length && code[i] !== code[i + 1]) {
      const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
      assert.throws(() => parseSetupCode(swapped), SetupCodeError, swapped);
      refused++;
    }
  }
  assert.equal(refused, 13 * 31 + 36 + 13); // every typo and every swap (this code has no equal neighbours)
});

test('there are 2^65 less 2 in 37 values: over 64.9 bits, more than the 60 issue 14 asks for', () => {
  // counted apart from the module: 2^65 = 37q + s with s = 24 (see the fixed values); residues 33 and 35 are
  // both ≥ s, so each is hit exactly q times below 2^65
  const q = 2n ** 65n / 37n;
  assert.equal(2n ** 65n - 37n * q, 24n);
  assert.equal(SETUP_CODE_COUNT, 2n ** 65n - 2n * q);
  assert.equal(SETUP_CODE_BITS, 65);
  const bits = Math.log2(Number(SETUP_CODE_COUNT));
  assert.ok(bits > 64.9 && bits < 65, `${bits} bits`);
});

test('the generator reads 9 bytes from its source, keeps the low 65 bits and draws again on a ~ or = check', () => {
  const draws = [Buffer.from('000000000000000021', 'hex'), Buffer.from('000000000000000023', 'hex'), Buffer.from('fe0000000000000001', 'hex')];
  const sizes: number[] = [];
  const code = generateSetupCode((size) => {
    sizes.push(size);
    return draws.shift()!;
  });
  assert.deepEqual(sizes, [9, 9, 9]); // 33 (~) and 35 (=) were drawn again
  assert.equal(code, setupCodeFromValue(1n)); // 0xfe… lost its top 7 bits
});

test('a source that only gives excluded values is reported as broken, not looped on', () => {
  assert.throws(() => generateSetupCode(() => Buffer.from('000000000000000021', 'hex')), /not random/);
});

test('10,000 generated codes are all distinct, all parse, and use every bit, digit and allowed check symbol', () => {
  const codes = Array.from({ length: 10_000 }, () => generateSetupCode());
  assert.equal(new Set(codes).size, codes.length);
  const ones = new Array<number>(65).fill(0);
  const perPlace = Array.from({ length: 13 }, () => new Set<string>());
  const checks = new Set<string>();
  for (const code of codes) {
    assert.equal(parseSetupCode(code), code);
    assert.equal(parseSetupCode(formatSetupCode(code).toLowerCase()), code);
    const bits = [...code.slice(0, 13)].map((s) => ALPHABET.indexOf(s).toString(2).padStart(5, '0')).join('');
    [...bits].forEach((b, i) => (ones[i]! += Number(b)));
    [...code.slice(0, 13)].forEach((s, i) => perPlace[i]!.add(s));
    checks.add(code[13]!);
  }
  // each bit is 1 about 5,000 times; a bit stuck at 0 or 1 (a wrong mask, too few bytes) is far outside 4,500-5,500
  ones.forEach((n, i) => assert.ok(n > 4500 && n < 5500, `bit ${i} was 1 in ${n} codes`));
  perPlace.forEach((seen, i) => assert.equal(seen.size, 32, `place ${i}`));
  assert.deepEqual([...checks].sort(), [...ALPHABET.replace(/[~=]/g, '')].sort());
});
