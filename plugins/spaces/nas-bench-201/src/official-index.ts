/**
 * NAS-Bench-201's official architecture index (0..15624), as in `meta_archs` of the released
 * `.pth` and every table derived from it.
 *
 * NB201 built that list with `CellStructure.gen_all(...)` (lexicographic in arch-string order)
 * followed by `random.seed(88); random.shuffle(archs)` (AutoDL-Projects,
 * `exps/NAS-Bench-201/main.py`, `generate_meta_info`). We replay CPython's Mersenne Twister and
 * its `shuffle` exactly, so the mapping needs no data file; a test checks it against all 15,625
 * rows of a published table.
 */
import { NB201_SIZE } from './cell.js';

/** MT19937 as CPython's `random` module seeds it from an int (`init_by_array`). */
class PythonMersenneTwister {
  private readonly mt = new Uint32Array(624);
  private mti = 625;

  constructor(seed: number) {
    // random.seed(n) for a non-negative int n < 2^32 is init_by_array([n]).
    this.initByArray([seed >>> 0]);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  genrandUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `getrandbits(k)` for k ≤ 32. */
  getrandbits(k: number): number {
    return this.genrandUint32() >>> (32 - k);
  }

  /** CPython's `_randbelow_with_getrandbits`. */
  randbelow(n: number): number {
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** CPython's `random.shuffle`. */
  shuffle(x: Int32Array): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
  }
}

let codeAtIndex: Int32Array | undefined;
let indexOfCode: Int32Array | undefined;

function tables(): { codeAtIndex: Int32Array; indexOfCode: Int32Array } {
  if (!codeAtIndex || !indexOfCode) {
    const codes = new Int32Array(NB201_SIZE);
    for (let i = 0; i < NB201_SIZE; i++) codes[i] = i;
    new PythonMersenneTwister(88).shuffle(codes);
    const inverse = new Int32Array(NB201_SIZE);
    for (let i = 0; i < NB201_SIZE; i++) inverse[codes[i]!] = i;
    codeAtIndex = codes;
    indexOfCode = inverse;
  }
  return { codeAtIndex, indexOfCode };
}

/** Official NB201 index of the architecture with lexicographic code `code`. */
export function officialIndexOfCode(code: number): number {
  return tables().indexOfCode[code]!;
}

/** Lexicographic code of the architecture at official index `index`. */
export function codeAtOfficialIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_SIZE) throw new RangeError(`NB201 index must be an integer in 0..${NB201_SIZE - 1}, got ${index}`);
  return tables().codeAtIndex[index]!;
}
