import { Rng, type ImageSet } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { DARTS_OPS, DARTS_V2 } from './genotype.js';
import { createDartsSpace, DARTS_EVALUATION_SIZE, dartsSpaceOptions } from './index.js';
import { capSkipConnects, deriveGenotype, derivePtDartsGenotype, edgeMixingWeights, defaultEdgeMask, SUPERNET_EDGES } from './supernet.js';
import { shuffledSearchSplit } from './supernet/data.js';

const SKIP = DARTS_OPS.indexOf('skip_connect');
const NONE = DARTS_OPS.indexOf('none');
/** An α row: every op at `base`, then the given ops set. */
const row = (base: number, set: Record<number, number> = {}) => DARTS_OPS.map((_, k) => set[k] ?? base);
const softmaxRows = (rows: number[][]) => rows.map((r) => edgeMixingWeights(r, defaultEdgeMask()));

describe('the pt.darts variant', () => {
  it('DARTS V2 at C = 36, 20 cells counts 3,351,502 parameters under pt.darts (pool + affine BN), 3,349,342 under quark0', async () => {
    const pt = createDartsSpace(dartsSpaceOptions.parse({ variant: 'pt.darts' }));
    const quark0 = createDartsSpace(dartsSpaceOptions.parse({}));
    expect((await pt.cost!(DARTS_V2, DARTS_EVALUATION_SIZE, { flops: false })).params).toBe(3_351_502);
    expect((await quark0.cost!(DARTS_V2, DARTS_EVALUATION_SIZE, { flops: false })).params).toBe(3_349_342);
    expect(dartsSpaceOptions.safeParse({ variant: 'pt-darts' }).success).toBe(false);
  });

  it('skip cap (search.py "restrict skip-co"): of 4 skip-led normal edges the 2 weakest lose their skip α; a none-led edge is not counted', () => {
    const alpha = Array.from({ length: SUPERNET_EDGES }, () => row(0));
    const skipAlphas: Record<number, number> = { 1: 0.5, 4: 0.2, 7: 0.9, 12: 0.3 };
    for (const [e, a] of Object.entries(skipAlphas)) alpha[Number(e)] = row(0, { [SKIP]: a });
    // Edge 9: `none` leads, skip second: not a skip edge for the count.
    alpha[9] = row(0, { [NONE]: 1, [SKIP]: 0.1 });
    const capped = capSkipConnects(alpha);
    expect([1, 4, 7, 12, 9].map((e) => capped[e]![SKIP])).toEqual([0.5, 0, 0.9, 0, 0.1]);
    expect(alpha[4]![SKIP]).toBe(0.2); // a copy
    // As in the reference, 0 is not −∞: with negative α the capped edge still leads with skip.
    const negative = Array.from({ length: SUPERNET_EDGES }, () => row(-1, { [SKIP]: -0.5 }));
    const stillSkip = capSkipConnects(negative);
    expect(stillSkip.filter((r) => r[SKIP] === 0)).toHaveLength(SUPERNET_EDGES - 2);
    expect(stillSkip.every((r) => r.indexOf(Math.max(...r)) === SKIP)).toBe(true);
  });

  it('edges ranked by raw α (genotypes.parse) can pick other inputs than DARTS ranking by softmax weight', () => {
    const alpha = Array.from({ length: SUPERNET_EDGES }, () => row(0));
    // Node 3 (flat edges 2–4, inputs 0–2). Raw maxima 2 > 1.5 > 1; softmax maxima 0.14 < 0.28 < 0.39.
    alpha[2] = row(2, { [NONE]: 0 });
    alpha[3] = row(0, { 1: 1 });
    alpha[4] = row(0, { 4: 1.5 });
    const alphas = { normal: alpha, reduce: alpha };
    const pt = derivePtDartsGenotype(alphas);
    const quark0 = deriveGenotype({ normal: softmaxRows(alpha), reduce: softmaxRows(alpha) });
    expect(pt.normal.slice(2, 4)).toEqual([[DARTS_OPS[1], 0], [DARTS_OPS[4], 2]]);
    expect(quark0.normal.slice(2, 4)).toEqual([[DARTS_OPS[4], 2], [DARTS_OPS[1], 1]]);
  });

  it('the shuffled split pools both search splits, halves them, and is the seed’s', () => {
    const set = (offset: number, count: number): ImageSet => ({
      pixels: Uint8Array.from({ length: count * 2 }, (_, i) => offset + Math.floor(i / 2)),
      labels: Uint8Array.from({ length: count }, (_, i) => offset + i),
      count,
      shape: [1, 2, 1],
    });
    const a = shuffledSearchSplit(set(0, 6), set(100, 4), new Rng('split'));
    expect([a.train.count, a.valid.count]).toEqual([5, 5]);
    const all = [...a.train.labels, ...a.valid.labels].sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 100, 101, 102, 103]);
    // Pixels travel with their labels.
    for (const s of [a.train, a.valid]) for (let i = 0; i < s.count; i++) expect([s.pixels[2 * i], s.pixels[2 * i + 1]]).toEqual([s.labels[i], s.labels[i]]);
    expect([...a.train.labels]).not.toEqual([0, 1, 2, 3, 4]);
    expect([...shuffledSearchSplit(set(0, 6), set(100, 4), new Rng('split')).train.labels]).toEqual([...a.train.labels]);
  });
});
