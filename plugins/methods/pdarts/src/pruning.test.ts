import { Rng } from '@naslab/core';
import { DARTS_OPS, NONE_INDEX, SUPERNET_EDGES } from '@naslab/space-darts';
import { describe, expect, it } from 'vitest';
import { pdartsOptions } from './index.js';
import { activeOps, allSwitches, dropsPerStage, finalCell, keepTwoEdges, pruneSwitches, SKIP_INDEX, skipCount, switchesToCell, type Switches } from './pruning.js';
import { skipDropoutAt } from './schedule.js';

/** softmax-like rows: random positive values over the switched-on ops, 0 elsewhere, summing to 1. */
function randomProbs(switches: Switches, rng: Rng): number[][] {
  return switches.map((row) => {
    const v = row.map((on) => (on ? 0.05 + rng.uniform() : 0));
    const s = v.reduce((a, b) => a + b, 0);
    return v.map((x) => x / s);
  });
}

const topK = (row: readonly number[], ops: number[], k: number) => [...ops].sort((a, b) => row[b]! - row[a]!).slice(0, k).sort((a, b) => a - b);

describe('P-DARTS search-space approximation (train_search.py get_min_k / get_min_k_no_zero)', () => {
  it('each stage keeps exactly the top-k ops of every edge by probability: 8 → 5 → 3 → 1, none never surviving the last', () => {
    const rng = new Rng('pdarts-prune');
    let switches = allSwitches();
    const keep = [5, 3, 1];
    const drops = dropsPerStage(keep);
    expect(drops).toEqual([3, 2, 2]);
    for (let stage = 0; stage < 3; stage++) {
      const probs = randomProbs(switches, rng);
      const next = pruneSwitches(switches, probs, drops[stage]!, stage === 2);
      for (let e = 0; e < SUPERNET_EDGES; e++) {
        const ops = activeOps(switches[e]!);
        const kept = activeOps(next[e]!);
        expect(kept).toHaveLength(keep[stage]!);
        if (stage < 2) expect(kept).toEqual(topK(probs[e]!, ops, keep[stage]!));
        else expect(kept).toEqual(topK(probs[e]!, ops.filter((k) => k !== NONE_INDEX), 1));
      }
      switches = next;
    }
    expect(switches.every((row) => !row[NONE_INDEX])).toBe(true);
  });

  it('stages 1 and 2 keep none when it is strong; the last stage drops it even then', () => {
    const strongNone = (switches: Switches) => switches.map((row) => row.map((on, k) => (!on ? 0 : k === NONE_INDEX ? 0.6 : 0.4 / (activeOps(row).length - 1 || 1))));
    let switches = allSwitches();
    for (const drop of [3, 2]) {
      switches = pruneSwitches(switches, strongNone(switches), drop, false);
      expect(switches.every((row) => row[NONE_INDEX])).toBe(true);
    }
    const last = pruneSwitches(switches, strongNone(switches), 2, true);
    expect(last.every((row) => !row[NONE_INDEX] && activeOps(row).length === 1)).toBe(true);
  });

  it('each node keeps its two edges of largest max probability; node 0 keeps edges 0 and 1', () => {
    const probs = Array.from({ length: SUPERNET_EDGES }, (_, e) => DARTS_OPS.map((_, k) => (k === 4 ? [0.2, 0.3, 0.9, 0.1, 0.5, 0.4, 0.8, 0.2, 0.3, 0.6, 0.7, 0.1, 0.05, 0.9][e]! : 0.01)));
    const one = allSwitches().map((row) => row.map((_, k) => k === 4));
    const kept = keepTwoEdges(one, probs).map((row) => row.some(Boolean));
    const edges = kept.flatMap((on, e) => (on ? [e] : []));
    // node 1: edges 2-4 → 2 (0.9), 4 (0.5); node 2: 5-8 → 6 (0.8), 8 (0.3) vs 5 (0.4) → 5; node 3: 9-13 → 13, 10
    expect(edges).toEqual([0, 1, 2, 4, 5, 6, 10, 13]);
  });
});

describe('P-DARTS skip-connect restriction (train_search.py delete_min_sk_prob / keep_1_on / keep_2_branches)', () => {
  /** The last stage: 3 ops per edge {skip, sep_conv_3x3, dil_conv_3x3}; skip strongest on edges 0-3 and 5. */
  function lastStage() {
    const ops = [SKIP_INDEX, 4, 6];
    const lastSwitches = allSwitches().map((row) => row.map((_, k) => ops.includes(k)));
    const skipP = [0.7, 0.65, 0.6, 0.55, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const probs = skipP.map((s, e) => DARTS_OPS.map((_, k) => (k === SKIP_INDEX ? s : k === 4 ? (1 - s) * (0.6 + 0.01 * e) : k === 6 ? (1 - s) * (0.4 - 0.01 * e) : 0)));
    const pruned = pruneSwitches(lastSwitches, probs, 2, true);
    return { lastSwitches, probs, pruned };
  }

  it('cuts the normal cell to at most 2 skip-connects, removing the weakest ones, their edges re-chosen', () => {
    const { lastSwitches, probs, pruned } = lastStage();
    const free = finalCell(lastSwitches, probs, pruned, null);
    // kept edges: node 0: 0, 1 (skips); node 1: 2 (skip 0.6), 4; node 2: 5 (skip 0.8), 8; node 3: 12, 13
    expect(free.unrestricted.filter(([op]) => op === 'skip_connect')).toHaveLength(4);
    const capped = finalCell(lastSwitches, probs, pruned, 2);
    const skips = capped.cell.flatMap(([op, input], i) => (op === 'skip_connect' ? [[i, input]] : []));
    expect(skips).toHaveLength(2);
    // the two strongest skips (edges 5 at 0.8 and 0 at 0.7) survive: node 2 input 0, node 0 input 0
    expect(skips).toEqual([
      [0, 0],
      [4, 0],
    ]);
    expect(capped.skipsRemoved).toBe(3);
    // every edge that lost its skip got its strongest other op (sep_conv_3x3 here)
    expect(capped.cell.filter(([op]) => op !== 'skip_connect').every(([op]) => op === 'sep_conv_3x3')).toBe(true);
    expect(finalCell(lastSwitches, probs, pruned, 0).cell.some(([op]) => op === 'skip_connect')).toBe(false);
  });

  it('parses one op per kept edge into a genotype of 8 edges, inputs as node-relative indices', () => {
    const { lastSwitches, probs, pruned } = lastStage();
    const { cell } = finalCell(lastSwitches, probs, pruned, 2);
    expect(cell).toHaveLength(8);
    expect(skipCount(keepTwoEdges(pruned, probs))).toBeGreaterThan(2);
    expect(switchesToCell(keepTwoEdges(pruned, probs)).map(([, i]) => i).slice(0, 2)).toEqual([0, 1]);
  });
});

describe('P-DARTS options and schedules', () => {
  it('defaults are the README CIFAR-10 command; bad stage settings are refused with their field', () => {
    const d = pdartsOptions.parse({});
    expect([d.epochs, d.batchSize, d.archLearningRate, d.learningRateMin, d.stageCells, d.keepOps, d.skipDropout, d.maxSkipConnects]).toEqual([
      25,
      96,
      6e-4,
      0,
      [5, 11, 17],
      [5, 3, 1],
      [0, 0.4, 0.7],
      2,
    ]);
    const bad = pdartsOptions.safeParse({ keepOps: [5, 6, 1] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['keepOps']);
    expect(pdartsOptions.safeParse({ keepOps: [5, 3, 2] }).success).toBe(false);
  });

  it('skip dropout: linear decrease while only weights train, then exponential decay', () => {
    const o = { epochs: 25, archFreeEpochs: 10, skipDropoutDecay: 0.2 };
    expect(skipDropoutAt(0, 0.4, o)).toBeCloseTo((0.4 * 24) / 25, 12);
    expect(skipDropoutAt(9, 0.4, o)).toBeCloseTo((0.4 * 15) / 25, 12);
    expect(skipDropoutAt(10, 0.4, o)).toBe(0.4);
    expect(skipDropoutAt(15, 0.7, o)).toBeCloseTo(0.7 * Math.exp(-1), 12);
  });
});
