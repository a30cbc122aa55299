import { Rng } from '@naslab/core';
import { NSGANET_OPS, validateNsganetGenome } from '@naslab/space-nsganet-micro';
import { describe, expect, it } from 'vitest';
import { genomeFromVector, microGenomeUpperBounds, polynomialMutation, sampleWithinBounds, twoPointCrossover } from './micro-genome.js';
import { binaryTournament, crowdingDistance, nonDominatedSort, paretoFront, rankAndCrowdingSurvival, runNsga2, type Individual, type Nsga2Problem, type Nsga2State } from './nsga2.js';

const ind = (f: number[], crowding = 0): Individual => ({ x: f, f, rank: 0, crowding });

describe('non-dominated sorting and crowding distance', () => {
  it('sorts points into the hand-computed fronts', () => {
    //            0      1      2      3      4      5      6
    const pts = [[1, 5], [2, 3], [3, 1], [2, 4], [4, 4], [3, 3], [5, 5]];
    expect(nonDominatedSort(pts)).toEqual([[0, 1, 2], [3, 5], [4], [6]]);
    // equal points do not dominate each other
    expect(nonDominatedSort([[1, 1], [1, 1], [2, 2]])).toEqual([[0, 1], [2]]);
  });

  it('gives the hand-computed crowding distances, ∞ at the extremes', () => {
    // f1 spread 4, f2 spread 5: (1,2) → 3/4 + 4/5 = 1.55; (3,1) → 3/4 + 2/5 = 1.15
    const pts = [[3, 1], [0, 5], [4, 0], [1, 2]];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    expect(d[0]).toBeCloseTo(1.15, 12);
    expect(d[3]).toBeCloseTo(1.55, 12);
    expect(d[1]).toBe(Number.POSITIVE_INFINITY);
    expect(d[2]).toBe(Number.POSITIVE_INFINITY);
    expect(crowdingDistance(pts, [0, 1])).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('survival keeps whole fronts, then the least crowded of the split front', () => {
    const pool = [[1, 5], [2, 3], [3, 1], [2, 4], [4, 4], [3, 3], [5, 5], [2.1, 3.9]].map((f) => ind(f));
    // front 0 = 3 points; front 1 = (2,4), (3,3), (2.1,3.9): the extremes (2,4) and (3,3) survive
    const kept = rankAndCrowdingSurvival(pool, 5, new Rng(1)).map((p) => p.f);
    expect(kept).toEqual([[1, 5], [2, 3], [3, 1], [2, 4], [3, 3]]);
  });

  it('binary tournament prefers dominance, then crowding', () => {
    const rng = new Rng(2);
    expect(binaryTournament(ind([1, 1], 0), ind([2, 2], 9), rng).f).toEqual([1, 1]);
    expect(binaryTournament(ind([1, 2], 0.5), ind([2, 1], 3), rng).f).toEqual([2, 1]);
  });
});

/** ZDT1 on an integer grid: x ∈ {0…20}^6; the Pareto front is x1…x5 = 0 (g = 1), f2 = 1 − √f1. */
function zdt1(x: readonly number[]): number[] {
  const f1 = x[0]! / 20;
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v / 20, 0)) / (x.length - 1);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}
const UPPER = new Array(6).fill(20);
const zdtProblem = (calls: number[][] = []): Nsga2Problem => ({
  sample: (rng) => sampleWithinBounds(UPPER, rng),
  crossover: twoPointCrossover,
  mutate: (x, rng) => polynomialMutation(x, UPPER, rng, 3),
  evaluate: async (x) => {
    calls.push([...x]);
    return zdt1(x);
  },
});

describe('NSGA-II', () => {
  it('converges on ZDT1 to its known front, spread along it', async () => {
    const o = { populationSize: 20, generations: 60, offspring: 10 };
    const first = await runNsga2(zdtProblem(), { ...o, generations: 1 }, new Rng('zdt'));
    const final = await runNsga2(zdtProblem(), o, new Rng('zdt'));
    const onFront = (p: Individual) => p.x.slice(1).every((v) => v === 0);
    expect(first.population.filter(onFront).length).toBe(0);
    const front = paretoFront(final.population);
    expect(front.filter(onFront).length / front.length).toBeGreaterThanOrEqual(0.9);
    expect(new Set(front.map((p) => p.x[0])).size).toBeGreaterThanOrEqual(8);
    expect(Math.min(...front.map((p) => p.f[0]!))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...front.map((p) => p.f[0]!))).toBeGreaterThanOrEqual(0.9);
    expect(final.evaluated).toBe(20 + 59 * 10);
  });

  it('a run stopped after a generation resumes from its checkpoint with identical draws', async () => {
    const o = { populationSize: 8, generations: 5, offspring: 4 };
    const whole: number[][] = [];
    const reference = await runNsga2(zdtProblem(whole), o, new Rng('resume'));
    let saved: Nsga2State | undefined;
    const killed: number[][] = [];
    await expect(
      runNsga2(zdtProblem(killed), o, new Rng('resume'), {
        generationDone: (s) => {
          if (s.generation === 3) {
            saved = JSON.parse(JSON.stringify(s));
            throw new Error('killed');
          }
        },
      }),
    ).rejects.toThrow('killed');
    const resumed = await runNsga2(zdtProblem(killed), o, new Rng('other seed: unused on resume'), {}, saved);
    expect(killed).toEqual(whole);
    expect(resumed.population.map((p) => p.x)).toEqual(reference.population.map((p) => p.x));
  });
});

describe('micro genome operators', () => {
  const upper = microGenomeUpperBounds(5);
  it('bounds the genome as evolution_search.py: 40 variables, op ≤ 8, block b reads 0…b+1', () => {
    expect(upper.length).toBe(40);
    expect(upper.slice(0, 8)).toEqual([8, 1, 8, 1, 8, 2, 8, 2]);
    expect(upper.slice(20, 24)).toEqual([8, 1, 8, 1]);
    expect(NSGANET_OPS.length).toBe(9);
  });

  it('crossover and mutation keep every genome within bounds and valid', () => {
    const rng = new Rng('ops');
    let changed = 0;
    for (let t = 0; t < 200; t++) {
      const a = sampleWithinBounds(upper, rng);
      const b = sampleWithinBounds(upper, rng);
      const [c1, c2] = twoPointCrossover(a, b, rng);
      // two-point: each child takes one contiguous run from the other parent
      c1.forEach((v, i) => expect(v === a[i] || v === b[i]).toBe(true));
      expect(c1.map((v, i) => v + c2[i]!)).toEqual(a.map((v, i) => v + b[i]!));
      const m = polynomialMutation(c1, upper, rng);
      changed += m.filter((v, i) => v !== c1[i]).length;
      for (const g of [c1, c2, m]) expect(() => validateNsganetGenome(genomeFromVector(g))).not.toThrow();
    }
    // probability 1/40 per variable: about one draw per genome, some rounding back to the same value
    expect(changed / 200).toBeGreaterThan(0.3);
    expect(changed / 200).toBeLessThan(1.5);
  });
});
