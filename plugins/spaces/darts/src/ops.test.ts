import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { countFlops, countParameters } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { DARTS_KNOWN_OPS, DARTS_MODIFIED_OPS, DARTS_OPS, DARTS_V2, formatGenotype, GenotypeError, type Genotype } from './genotype.js';
import { createDartsSpace, dartsSpaceOptions, resolveDartsOps } from './index.js';
import { buildDartsNetwork, countDartsParameters, makeDartsOp } from './network.js';
import { sampleGenotype, sampleSpaceSize } from './sampling.js';
import { assertSupernetOps } from './supernet.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

/** A genotype of the modified set that uses every one of its ops at least once. */
const MODIFIED: Genotype = {
  normal: [['conv_3x3', 0], ['conv_1x1', 1], ['conv_7x7', 0], ['skip_connect', 2], ['conv_11x11', 1], ['max_pool_5x5', 3], ['max_pool_3x3', 0], ['none', 4]],
  normalConcat: [2, 3, 4, 5],
  reduce: [['max_pool_5x5', 0], ['conv_11x11', 1], ['conv_7x7', 0], ['skip_connect', 1], ['conv_3x3', 2], ['max_pool_3x3', 1], ['conv_1x1', 0], ['skip_connect', 3]],
  reduceConcat: [2, 3, 4, 5],
};

describe('the op set of the DARTS space (`ops` option)', () => {
  it('options: an unknown op is refused at its index, naming it and listing the ops the space builds', () => {
    const r = dartsSpaceOptions.safeParse({ ops: ['conv_3x3', 'conv_5x5'] });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(['ops', 1]);
    expect(issue.message).toContain('unknown op "conv_5x5"');
    for (const op of DARTS_KNOWN_OPS) expect(issue.message).toContain(op);
    expect(dartsSpaceOptions.safeParse({ ops: ['conv_3x3', 'conv_3x3'] }).error!.issues[0]!.message).toContain('listed twice');
    expect(dartsSpaceOptions.safeParse({ ops: ['none'] }).success).toBe(false);
    // No `ops`, no `variant`: the parsed options carry neither key (the keys of existing jobs stay the same).
    expect(Object.keys(dartsSpaceOptions.parse({}))).toEqual(['sampling', 'stem', 'pools']);
  });

  it('the default set is DARTS_OPS itself: the same draws as before, with or without `ops` spelled out', () => {
    expect(resolveDartsOps({ ops: [...DARTS_OPS] })).toBe(DARTS_OPS);
    const a = createDartsSpace();
    const b = createDartsSpace({ ops: [...DARTS_OPS] });
    const r1 = new Rng('same');
    const r2 = new Rng('same');
    const r3 = new Rng('same');
    for (let i = 0; i < 20; i++) {
      const g = a.sample(r1);
      expect(b.format(b.sample(r2))).toBe(a.format(g));
      expect(formatGenotype(sampleGenotype(r3))).toBe(a.format(g));
    }
  });

  it('sampling draws only from the given ops (released-code: all but none) and reaches each of them', () => {
    const space = createDartsSpace({ ops: [...DARTS_MODIFIED_OPS] });
    const rng = new Rng('modified');
    const seen = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const g = space.sample(rng);
      for (const [op] of [...g.normal, ...g.reduce]) seen.set(op, (seen.get(op) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(DARTS_MODIFIED_OPS.filter((op) => op !== 'none').sort());
    // 3,200 edges over 7 ops: each near 457; a sampler stuck on DARTS' ops would give 0 for the convs.
    for (const n of seen.values()) expect(n).toBeGreaterThan(350);
    expect(sampleSpaceSize('released-code', DARTS_MODIFIED_OPS)).toBe(sampleSpaceSize('released-code'));
    const uniform = createDartsSpace({ ops: ['none', 'conv_3x3'], sampling: 'uniform-8' });
    const ops = new Set(Array.from({ length: 30 }, () => uniform.sample(rng)).flatMap((g) => g.normal.map(([op]) => op)));
    expect([...ops].sort()).toEqual(['conv_3x3', 'none']);
  });

  it('parse and format follow the op set, and the errors name it', () => {
    const modified = createDartsSpace({ ops: [...DARTS_MODIFIED_OPS] });
    const text = modified.format(MODIFIED);
    expect(modified.parse(text)).toEqual(MODIFIED);
    expect(modified.describe!(MODIFIED)['normal.conv_11x11']).toBe(1);
    // The default space refuses the modified ops, with its unchanged message …
    const def = createDartsSpace();
    expect(() => def.parse(text)).toThrow(/unknown op "conv_3x3"; the DARTS ops are none, max_pool_3x3/);
    // … and the modified space refuses DARTS' separable convs (and DARTS V2, by name).
    expect(() => modified.parse(formatGenotype(DARTS_V2))).toThrow(GenotypeError);
    expect(() => modified.parse('DARTS_V2')).toThrow(/unknown op "sep_conv_3x3"; the ops of this space are none, max_pool_3x3, max_pool_5x5/);
    expect(() => modified.format(DARTS_V2)).toThrow(/normal cell, node 2 \(edge 1 of 8\)/);
  });

  it('the network builds the plain convs (ReLU → K×K conv → BN) and the 5×5 pool, halving the resolution at stride 2', () => {
    const rng = new Rng('plain');
    for (const [op, k] of [['conv_1x1', 1], ['conv_3x3', 3], ['conv_7x7', 7], ['conv_11x11', 11]] as const) {
      const m = makeDartsOp(op, 4, 2, rng);
      expect(countParameters(m)).toBe(k * k * 4 * 4 + 2 * 4);
      expect(m.forward(tf.ones([1, 7, 7, 4]), { training: true }).shape).toEqual([1, 4, 4, 4]);
      m.dispose();
    }
    const pool = makeDartsOp('max_pool_5x5', 4, 1, rng);
    const x = tf.tensor4d(Array.from({ length: 25 }, (_, i) => i), [1, 5, 5, 1]);
    // Centre of a 5×5 window covers the whole map: max 24; the corner's window (padding 2) sees rows/cols 0–2.
    const y = pool.forward(x, { training: false }).dataSync();
    expect(y[12]).toBe(24);
    expect(y[0]).toBe(12);
  });

  it('the analytic count equals the built network, for both pool variants; FLOPs count the plain convs', () => {
    const spec = { channels: 4, cells: 3, classes: 10, inputShape: [8, 8, 3] as const };
    for (const pools of ['quark0', 'pt-darts'] as const) {
      const net = buildDartsNetwork(MODIFIED, { ...spec, pools, rng: new Rng('count') });
      expect(countParameters(net)).toBe(countDartsParameters(MODIFIED, { ...spec, pools }));
      net.dispose();
    }
    // 3 cells: cells 1 and 2 reduce, cell 0 is the one normal cell (C = 4, 8×8). Swapping its
    // conv_11x11 edge for conv_1x1 removes (121 − 1)·C² weights.
    const smaller: Genotype = { ...MODIFIED, normal: MODIFIED.normal.map(([op, i]) => [op === 'conv_11x11' ? 'conv_1x1' : op, i]) };
    expect(countDartsParameters(MODIFIED, spec) - countDartsParameters(smaller, spec)).toBe(120 * 4 * 4);
    const net = buildDartsNetwork(MODIFIED, { ...spec, rng: new Rng('flops') });
    const netSmall = buildDartsNetwork(smaller, { ...spec, rng: new Rng('flops') });
    // The normal cell runs at 8×8 with C = 4: 120·C² MACs per pixel more.
    expect(countFlops(net, spec.inputShape) - countFlops(netSmall, spec.inputShape)).toBe(120 * 16 * 64);
    net.dispose();
    netSmall.dispose();
  });

  it('the supernet refuses a non-default op set and accepts the default', () => {
    expect(() => assertSupernetOps(createDartsSpace({ ops: [...DARTS_MODIFIED_OPS] }), 'darts')).toThrow(
      /darts: the supernet mixes DARTS' 8 ops .* space 'darts' has the op set \[none, max_pool_3x3, max_pool_5x5/,
    );
    expect(() => assertSupernetOps(createDartsSpace())).not.toThrow();
    expect(() => assertSupernetOps(createDartsSpace({ ops: [...DARTS_OPS] }))).not.toThrow();
  });
});
