/**
 * Deterministic, splittable pseudo-random numbers.
 *
 * xoshiro128** for the stream (fast on 32-bit integer maths, good statistical quality),
 * seeded through splitmix32 from a 32-bit hash of a string key. `split(label)` derives an
 * independent child stream from the parent's *seed* and the label, not from its position,
 * so adding a draw in one place never shifts the numbers of another component.
 */
export interface RngState {
  readonly seedKey: string;
  readonly s: readonly [number, number, number, number];
}

/** FNV-1a hash of a string (32 bits): how string keys become seeds. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /** `seed` may be a number or any string key; equal keys give equal streams. */
  constructor(seed: number | string, state?: RngState['s']) {
    this.seedKey = String(seed);
    if (state) {
      [this.s0, this.s1, this.s2, this.s3] = state;
    } else {
      const sm = splitmix32(fnv1a32(this.seedKey));
      this.s0 = sm();
      this.s1 = sm();
      this.s2 = sm();
      this.s3 = sm();
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    }
  }

  readonly seedKey: string;

  static fromState(state: RngState): Rng {
    return new Rng(state.seedKey, state.s);
  }

  /**
   * A stream seeded directly from a 32-bit integer through splitmix32 (no string hashing): the
   * seeding of the analysis package's resampling, kept so its confidence intervals stay the same.
   */
  static fromUint32(seed: number): Rng {
    const sm = splitmix32(seed >>> 0);
    const s: [number, number, number, number] = [sm(), sm(), sm(), sm()];
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
    return new Rng(`uint32:${seed >>> 0}`, s);
  }

  /** Serializable state, for checkpoints. */
  state(): RngState {
    return { seedKey: this.seedKey, s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** An independent stream named by `label`, derived from this stream's seed. */
  split(label: string | number): Rng {
    return new Rng(`${this.seedKey}/${label}`);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) from one 32-bit draw (cheaper, 32 bits of resolution: resampling). */
  nextFloat32(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n > 0x100000000) return Math.floor(this.uniform() * n);
    const limit = 0x100000000 - (0x100000000 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** Standard normal draw (Box–Muller, caching the spare). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice: empty list');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  /** k distinct indices from 0..n-1, in draw order. */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`Rng.sampleWithoutReplacement: k=${k} > n=${n}`);
    return Array.from(this.permutation(n).subarray(0, k));
  }
}
