/**
 * Seeded random numbers for everything in the lab.
 *
 * Every random draw in `lib/` comes from a {@link Rng} built from an explicit
 * integer seed; `Math.random` is never used. Independent streams (one per
 * instance, one for initialisation and one for data, ...) are derived from a
 * seed and a list of labels with {@link deriveSeed}, so adding a new stream
 * never shifts the numbers of an existing one.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128 bits of state, 32-bit output), seeded through splitmix32.
 * Doubles take 53 random bits from two outputs. Normals use the Box–Muller
 * transform; V8's `Math.log`/`Math.cos` are fdlibm ports, so a given seed
 * gives the same numbers on every machine.
 *
 * @module
 */

/** Largest seed accepted anywhere in the lab (seeds are unsigned 32-bit). */
export const MAX_SEED = 0xffff_ffff;

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [state, z >>> 0];
}

/**
 * Mixes a seed with string or number labels into a new 32-bit seed.
 *
 * @example
 * ```ts
 * import { deriveSeed } from "./random.ts";
 * const a = deriveSeed(7, "init");
 * const b = deriveSeed(7, "data");
 * console.assert(a !== b && a === deriveSeed(7, "init"));
 * ```
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = (seed >>> 0) ^ 0x2545f491;
  for (const label of labels) {
    const text = typeof label === "number" ? `#${label}` : label;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    }
    h = splitmix32(h)[1];
  }
  return h >>> 0;
}

/** A generator's whole state (for checkpoints): sfc32's four words and a pending normal. */
export interface RngState {
  /** The xoshiro128** state words. */
  words: [number, number, number, number];
  /** The second normal of the last Box–Muller pair, when one is pending. */
  spareNormal: number | null;
}

/** A seeded pseudo-random generator (sfc32). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | null = null;

  /** Builds a generator from an unsigned 32-bit integer seed. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${seed}`);
    }
    let s = seed;
    let out: number;
    [s, out] = splitmix32(s);
    this.#a = out;
    [s, out] = splitmix32(s);
    this.#b = out;
    [s, out] = splitmix32(s);
    this.#c = out;
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator's state; {@link Rng.fromState} continues the same stream from it. */
  state(): RngState {
    return { words: [this.#a, this.#b, this.#c, this.#d], spareNormal: this.#spareNormal };
  }

  /** A generator that continues where the one that gave `state` stood. */
  static fromState(state: RngState): Rng {
    const { words, spareNormal } = state;
    if (
      !Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w)) ||
      !(spareNormal === null || Number.isFinite(spareNormal))
    ) {
      throw new RangeError("not a generator state: expected four integer words and a spare normal");
    }
    const rng = new Rng(0);
    [rng.#a, rng.#b, rng.#c, rng.#d] = words.map((w) => w | 0);
    rng.#spareNormal = spareNormal;
    return rng;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in (0, 1]. */
  uniformOpenClosed(): number {
    return 1 - this.uniform();
  }

  /** Standard normal draw (Box–Muller, the second value is kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return z;
    }
    const u1 = this.uniformOpenClosed();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.#spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with normal draws of the given standard deviation and returns it. */
  fillNormal(out: Float64Array, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }

  /**
   * Fills `out` with a random direction (normal draws scaled to unit length,
   * uniform on the sphere) and returns it.
   */
  fillUnitVector(out: Float64Array): Float64Array {
    let sq = 0;
    // A zero draw has probability zero, but redraw rather than divide by it.
    while (sq === 0) {
      this.fillNormal(out);
      sq = out.reduce((s, v) => s + v * v, 0);
    }
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < out.length; i++) out[i] *= inv;
    return out;
  }

  /** Fills `out` with uniform draws in [lo, hi) and returns it. */
  fillUniform(out: Float64Array, lo: number, hi: number): Float64Array {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.uniform();
    return out;
  }
}
