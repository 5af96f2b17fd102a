// `node:crypto` for the browser: exactly the calls the AS protocol's client halves make (src/authsrv/keys.ts,
// pak.ts, envelope.ts, mutual.ts; src/factory/setup-code.ts), on @noble/hashes and @noble/ciphers, which are pure
// JS. build/page-bundle.ts aliases `node:crypto` to this file, so those modules run unchanged in the setup page
// (issue 15) and give the same bytes as in Node: src/page/crypto-shim.test.ts checks that against node:crypto.
//
// Anything outside the subset throws a CryptoShimError naming it (a missing export fails the bundle instead), so
// a new use of node:crypto in a client module shows up at once rather than as a wrong key. Outputs are plain
// Uint8Array (the browser has no Buffer; the callers wrap or concatenate them, never call Buffer methods).
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** A call outside the subset this shim implements. */
export class CryptoShimError extends Error {
  override name = 'CryptoShimError';
  constructor(what: string) {
    super(`crypto-shim: ${what} is outside the node:crypto subset the page carries (src/page/crypto-shim.ts)`);
  }
}

type Bytes = Uint8Array;

function bytes(data: unknown, what: string): Bytes {
  // strings and encodings are part of node:crypto, not of the subset: the protocol passes bytes only
  if (!(data instanceof Uint8Array)) throw new CryptoShimError(`${what} with a ${typeof data} (only Uint8Array)`);
  return data;
}

function onlySha256(algorithm: string, what: string): void {
  if (algorithm !== 'sha256') throw new CryptoShimError(`${what}('${algorithm}') (only 'sha256')`);
}

function noEncoding(encoding: unknown, what: string): void {
  if (encoding !== undefined) throw new CryptoShimError(`${what} with an encoding`);
}

// ---- hashes: SHA-256 and HMAC-SHA256 (keys.ts, pak.ts) ---------------------------------------------------

interface Digest {
  update(data: Bytes, encoding?: never): Digest;
  digest(encoding?: never): Bytes;
}

/** Node's Hash/Hmac over a noble hash: update chains, digest once. */
function digester(h: { update(b: Bytes): unknown; digest(): Bytes }, what: string): Digest {
  const d: Digest = {
    update(data, encoding) {
      noEncoding(encoding, `${what}.update`);
      h.update(bytes(data, `${what}.update`));
      return d;
    },
    digest(encoding) {
      noEncoding(encoding, `${what}.digest`);
      return h.digest();
    },
  };
  return d;
}

export function createHash(algorithm: string, options?: unknown): Digest {
  onlySha256(algorithm, 'createHash');
  if (options !== undefined) throw new CryptoShimError('createHash with options');
  return digester(sha256.create(), 'hash');
}

export function createHmac(algorithm: string, key: Bytes, options?: unknown): Digest {
  onlySha256(algorithm, 'createHmac');
  if (options !== undefined) throw new CryptoShimError('createHmac with options');
  return digester(hmac.create(sha256, bytes(key, 'createHmac key')), 'hmac');
}

/** RFC 5869. Node returns an ArrayBuffer, so this does too (keys.ts wraps it in a Uint8Array). */
export function hkdfSync(digest: string, ikm: Bytes, salt: Bytes, info: Bytes, keylen: number): ArrayBuffer {
  onlySha256(digest, 'hkdfSync');
  const okm = hkdf(sha256, bytes(ikm, 'hkdfSync ikm'), bytes(salt, 'hkdfSync salt'), bytes(info, 'hkdfSync info'), keylen);
  const out = new ArrayBuffer(okm.length);
  new Uint8Array(out).set(okm);
  return out;
}

// ---- scrypt (keys.ts passwordKey, docs/auth-protocol.md §4.1) ---------------------------------------------

export interface ScryptOptions {
  N: number;
  r: number;
  p: number;
  maxmem?: number;
}

const SCRYPT_OPTIONS = new Set(['N', 'r', 'p', 'maxmem']);

/**
 * scrypt(password, salt, keylen, {N, r, p, maxmem}, callback), the form keys.ts calls. The work starts on a
 * later task, never inside the call (Node runs it on libuv's pool and calls back later): the page gets to paint
 * its "working" state first. It then holds the page's thread for the whole derivation (about 130 ms at walnut's
 * N=2^15, r=8 in headless Chromium on the build host; test/page-crypto.test.ts times it). noble's scryptAsync
 * would not help: it yields to microtasks only, never to rendering.
 */
export function scrypt(password: Bytes, salt: Bytes, keylen: number, options: ScryptOptions, callback: (err: Error | null, key: Bytes) => void): void {
  if (typeof callback !== 'function') throw new CryptoShimError('scrypt without the options and a callback');
  const stranger = Object.keys(options).find((k) => !SCRYPT_OPTIONS.has(k));
  if (stranger !== undefined) throw new CryptoShimError(`scrypt option ${stranger} (only N, r, p, maxmem)`);
  const pw = bytes(password, 'scrypt password');
  const s = bytes(salt, 'scrypt salt');
  setTimeout(() => {
    let key: Bytes;
    try {
      // noble's maxmem check, 128·r·(N + p) bytes, is the one Node applies (OpenSSL's EVP_PBE_scrypt)
      key = nobleScrypt(pw, s, { N: options.N, r: options.r, p: options.p, dkLen: keylen, ...(options.maxmem === undefined ? {} : { maxmem: options.maxmem }) });
    } catch (err) {
      callback(err as Error, new Uint8Array(0));
      return;
    }
    callback(null, key);
  }, 0);
}

// ---- randomness and comparison (mutual.ts, pak.ts, setup-code.ts) ----------------------------------------

/** The browser's CSPRNG (Web Crypto), 64 KiB per call at most, as getRandomValues allows. */
export function randomBytes(size: number, callback?: unknown): Bytes {
  if (callback !== undefined) throw new CryptoShimError('randomBytes with a callback');
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`randomBytes: bad size ${size}`);
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)));
  return out;
}

/** Constant time in the contents; a RangeError on unequal lengths, as Node's. */
export function timingSafeEqual(a: Bytes, b: Bytes): boolean {
  bytes(a, 'timingSafeEqual');
  bytes(b, 'timingSafeEqual');
  if (a.length !== b.length) throw new RangeError('Input buffers must have the same byte length');
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

// ---- ChaCha20-Poly1305 (envelope.ts, docs/auth-protocol.md §3.2) ------------------------------------------

export interface AeadOptions {
  authTagLength?: number;
}

/** The shared part of Node's Cipher and Decipher for one AEAD message. It keeps the input and works at final():
 *  noble's AEAD is one-shot, and a decipher that hands out plaintext before the tag is checked (as Node's update
 *  does) is what a careful caller must not rely on anyway. So update() returns nothing and final() everything;
 *  envelope.ts concatenates the two, which gives the same bytes as Node. */
abstract class Aead {
  protected readonly key: Bytes;
  protected readonly nonce: Bytes;
  protected aad: Bytes = new Uint8Array(0);
  protected readonly input: Bytes[] = [];
  protected finished = false;
  readonly #what: string;

  /** `what`: 'cipher' or 'decipher', for the messages; `maker`: the node:crypto function that made it */
  constructor(what: string, maker: string, algorithm: string, key: Bytes, iv: Bytes, options: AeadOptions | undefined) {
    this.#what = what;
    if (algorithm !== 'chacha20-poly1305') throw new CryptoShimError(`${maker}('${algorithm}') (only 'chacha20-poly1305')`);
    if (options?.authTagLength !== undefined && options.authTagLength !== 16) throw new CryptoShimError(`${maker} with authTagLength ${options.authTagLength} (only 16)`);
    this.key = Uint8Array.from(bytes(key, `${maker} key`));
    this.nonce = Uint8Array.from(bytes(iv, `${maker} iv`));
    if (this.key.length !== 32) throw new RangeError('Invalid key length');
    if (this.nonce.length !== 12) throw new RangeError('Invalid initialization vector');
  }

  protected live(call: string): void {
    if (this.finished) throw new Error(`${this.#what}.${call} after final()`);
  }

  setAAD(aad: Bytes, _options?: { plaintextLength?: number }): this {
    this.live('setAAD');
    if (this.input.length > 0) throw new Error(`${this.#what}.setAAD after update()`);
    this.aad = Uint8Array.from(bytes(aad, `${this.#what}.setAAD`));
    return this;
  }

  update(data: Bytes, inputEncoding?: never, outputEncoding?: never): Bytes {
    this.live('update');
    noEncoding(inputEncoding ?? outputEncoding, `${this.#what}.update`);
    this.input.push(Uint8Array.from(bytes(data, `${this.#what}.update`)));
    return new Uint8Array(0);
  }

  protected joined(): Bytes {
    const out = new Uint8Array(this.input.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.input) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  setAutoPadding(): never {
    throw new CryptoShimError(`${this.#what}.setAutoPadding`);
  }
}

class ChachaCipher extends Aead {
  #tag: Bytes | undefined;

  constructor(algorithm: string, key: Bytes, iv: Bytes, options?: AeadOptions) {
    super('cipher', 'createCipheriv', algorithm, key, iv, options);
  }

  final(outputEncoding?: never): Bytes {
    this.live('final');
    noEncoding(outputEncoding, 'cipher.final');
    this.finished = true;
    const sealed = chacha20poly1305(this.key, this.nonce, this.aad).encrypt(this.joined());
    this.#tag = sealed.slice(sealed.length - 16);
    return sealed.slice(0, sealed.length - 16);
  }

  getAuthTag(): Bytes {
    if (this.#tag === undefined) throw new Error('cipher.getAuthTag before final()');
    return Uint8Array.from(this.#tag);
  }
}

class ChachaDecipher extends Aead {
  #tag: Bytes | undefined;

  constructor(algorithm: string, key: Bytes, iv: Bytes, options?: AeadOptions) {
    super('decipher', 'createDecipheriv', algorithm, key, iv, options);
  }

  setAuthTag(tag: Bytes): this {
    this.live('setAuthTag');
    if (bytes(tag, 'decipher.setAuthTag').length !== 16) throw new TypeError('Invalid authentication tag length');
    this.#tag = Uint8Array.from(tag);
    return this;
  }

  /** The plaintext, or Node's error when the tag does not verify (envelope.ts maps any throw to one error). */
  final(outputEncoding?: never): Bytes {
    this.live('final');
    noEncoding(outputEncoding, 'decipher.final');
    this.finished = true;
    if (this.#tag === undefined) throw new Error('Unsupported state or unable to authenticate data');
    const body = this.joined();
    const sealed = new Uint8Array(body.length + 16);
    sealed.set(body);
    sealed.set(this.#tag, body.length);
    try {
      return chacha20poly1305(this.key, this.nonce, this.aad).decrypt(sealed);
    } catch {
      throw new Error('Unsupported state or unable to authenticate data');
    }
  }
}

export function createCipheriv(algorithm: string, key: Bytes, iv: Bytes, options?: AeadOptions): ChachaCipher {
  return new ChachaCipher(algorithm, key, iv, options);
}

export function createDecipheriv(algorithm: string, key: Bytes, iv: Bytes, options?: AeadOptions): ChachaDecipher {
  return new ChachaDecipher(algorithm, key, iv, options);
}
