// Password verifiers: scrypt (node:crypto) over the password's bytes with a random per-principal salt. Only
// the verifier is ever stored; the parameters travel with it, so the cost can be raised later and old
// verifiers are upgraded on the next successful login (auth-plan9-and-modern.md §6.2, §6.4).
//
// scrypt runs on libuv's thread pool (4 threads), never on the event loop. A small limiter keeps at most
// `SCRYPT_CONCURRENCY` derivations in flight: each holds 32 MiB at the default cost, and a flood of attempts
// must leave thread-pool room for file I/O and memory for the rest of the appliance.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two */
  N: number;
  /** block size */
  r: number;
  /** parallelism */
  p: number;
}

export interface Verifier {
  algorithm: 'scrypt';
  params: ScryptParams;
  salt: Buffer;
  /** scrypt(password, salt, params), KEY_BYTES long */
  material: Buffer;
}

/** N=2^15, r=8, p=1: ~120 ms and 32 MiB on a 2020s x86 core; keep a check between 100 and 500 ms on the
 *  slowest board (§6.2). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
export const SALT_BYTES = 16;
export const KEY_BYTES = 32;
export const SCRYPT_CONCURRENCY = 2;

/** Bounds for stored parameters: a corrupt or hostile row must not make walnut allocate gigabytes. */
const LIMITS = { N: [2, 2 ** 20], r: [1, 32], p: [1, 16] } as const;

export class VerifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifierError';
  }
}

export function checkParams(params: ScryptParams): ScryptParams {
  for (const k of ['N', 'r', 'p'] as const) {
    const v = params[k];
    const [lo, hi] = LIMITS[k];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new VerifierError(`scrypt ${k}=${v} is outside ${lo}..${hi}`);
  }
  if ((params.N & (params.N - 1)) !== 0) throw new VerifierError(`scrypt N=${params.N} is not a power of two`);
  return params;
}

/** Parameters as stored in the database: `{"N":32768,"r":8,"p":1}`. */
export function encodeParams(params: ScryptParams): string {
  return JSON.stringify({ N: params.N, r: params.r, p: params.p });
}

export function decodeParams(text: string): ScryptParams {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new VerifierError('scrypt parameters are not JSON');
  }
  const o = v as Partial<ScryptParams> | null;
  if (typeof o !== 'object' || o === null) throw new VerifierError('scrypt parameters are not an object');
  return checkParams({ N: Number(o.N), r: Number(o.r), p: Number(o.p) });
}

/** True when `params` cost less than `target` in any dimension: the verifier should be re-derived. */
export function weakerThan(params: ScryptParams, target: ScryptParams): boolean {
  return params.N < target.N || params.r < target.r || params.p < target.p;
}

class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.running--;
    }
  }
}

const limiter = new Limiter(SCRYPT_CONCURRENCY);

function derive(password: Uint8Array, salt: Uint8Array, params: ScryptParams, length: number): Promise<Buffer> {
  const { N, r, p } = params;
  // OpenSSL counts 128·r·(N+2) for V plus 128·r·p for B; Node's default maxmem (32 MiB) is just below N=2^15, r=8
  const maxmem = 128 * r * (N + 2 + p) + 1024 * 1024;
  return limiter.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, salt, length, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

/** A fresh verifier for `password` (its bytes, exactly). */
export async function createVerifier(password: Uint8Array, params: ScryptParams = DEFAULT_SCRYPT): Promise<Verifier> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  return { algorithm: 'scrypt', params: { ...params }, salt, material: await derive(password, salt, params, KEY_BYTES) };
}

/** Does `password` match? Always does the full derivation, compares in constant time. */
export async function verifyPassword(password: Uint8Array, verifier: Verifier): Promise<boolean> {
  const key = await derive(password, verifier.salt, verifier.params, verifier.material.length);
  return timingSafeEqual(key, verifier.material);
}

/**
 * A verifier no password matches (random salt and material), with the given cost: checked in place of a
 * missing or disabled principal's, so that an unknown name costs exactly what a wrong password costs
 * (auth-plan9-and-modern.md §3.1: "take the same time").
 */
export function dummyVerifier(params: ScryptParams = DEFAULT_SCRYPT): Verifier {
  return { algorithm: 'scrypt', params: { ...params }, salt: randomBytes(SALT_BYTES), material: randomBytes(KEY_BYTES) };
}
