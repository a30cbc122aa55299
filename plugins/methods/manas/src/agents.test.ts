import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { boltzmannPolicy, Exp3Agents, harmonic, LeastSquaresCredit, ranks, sampleIndex, solveRidge, temperatureAt, zipfPolicy } from './agents.js';
import { manasOptions } from './index.js';

describe('MANAS (EXP3 with a Boltzmann policy)', () => {
  it('updates by the rule B̃[a] += r/π[a] and samples π = (1 − γ)·softmax(B̃/T) + γ/K (by hand, 3 arms)', () => {
    const agents = new Exp3Agents(1, 3);
    const T = 2;
    const gamma = 0.3;
    const pi0 = agents.policies(T, gamma)[0]!;
    expect(pi0).toEqual([1 / 3, 1 / 3, 1 / 3]);
    // arm 1 played, validation loss 3 → reward 5 − 3 = 2: B̃ = [0, 2/(1/3), 0] = [0, 6, 0]
    agents.update([1], [pi0], 5 - 3);
    expect(agents.state.weights[0]).toEqual([0, 6, 0]);
    const e = Math.exp(6 / T);
    const pi1 = agents.policies(T, gamma)[0]!;
    expect(pi1[1]).toBeCloseTo(0.7 * (e / (e + 2)) + 0.1, 12);
    expect(pi1[0]).toBeCloseTo(0.7 * (1 / (e + 2)) + 0.1, 12);
    // arm 0 played next under pi1 with loss 4.5 → reward 0.5, importance-weighted by 1/π[0]
    agents.update([0], [pi1], 0.5);
    expect(agents.state.weights[0]![0]).toBeCloseTo(0.5 / pi1[0]!, 12);
    expect(agents.state.steps).toBe(2);
    expect(boltzmannPolicy([1, 1], 1, 1)).toEqual([0.5, 0.5]);
  });

  it('converges to the best arm of a noisy bandit (arm 2 has the lowest loss)', () => {
    const rng = new Rng('bandit');
    const meanLoss = [2.0, 1.6, 0.5, 2.4, 1.9];
    const agents = new Exp3Agents(1, meanLoss.length);
    const steps = 3000;
    for (let t = 0; t < steps; t++) {
      const pi = agents.policies(temperatureAt(t, steps, { temperature: [200, 20], temperatureSchedule: 'linear' }), 0.1);
      const a = sampleIndex(pi[0]!, rng);
      agents.update([a], pi, 5 - (meanLoss[a]! + 0.3 * rng.normal()));
    }
    const pi = agents.policies(20, 0.1)[0]!;
    expect(pi.indexOf(Math.max(...pi))).toBe(2);
    expect(pi[2]).toBeGreaterThan(0.85);
  });

  it('temperature goes from the first value to the second over the search', () => {
    const o = { temperature: [1000, 200] as [number, number] };
    expect(temperatureAt(0, 11, { ...o, temperatureSchedule: 'linear' })).toBe(1000);
    expect(temperatureAt(5, 11, { ...o, temperatureSchedule: 'linear' })).toBe(600);
    expect(temperatureAt(10, 11, { ...o, temperatureSchedule: 'linear' })).toBe(200);
    expect(temperatureAt(5, 11, { ...o, temperatureSchedule: 'exponential' })).toBeCloseTo(Math.sqrt(1000 * 200), 9);
  });
});

describe('MANAS-LS (least-squares credit assignment, Zipf sampling)', () => {
  it('Zipf policy: π[k] = 1/(rank_k · H_K), rank 1 the lowest predicted loss', () => {
    expect(harmonic(3)).toBeCloseTo(11 / 6, 12);
    expect(ranks([0.3, -1, 0.2])).toEqual([3, 1, 2]);
    const p = zipfPolicy([0.3, -1, 0.2]);
    expect(p[1]).toBeCloseTo(6 / 11, 12);
    expect(p[2]).toBeCloseTo(3 / 11, 12);
    expect(p[0]).toBeCloseTo(2 / 11, 12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('recovers the per-agent contributions of a known additive loss (contrasts within each agent) and ranks them', () => {
    const rng = new Rng('ls');
    const N = 6;
    const Kops = 4;
    const truth = Array.from({ length: N }, () => Array.from({ length: Kops }, () => rng.uniform()));
    const credit = new LeastSquaresCredit(N, Kops, 1e-6);
    for (let s = 0; s < 400; s++) {
      const actions = truth.map(() => rng.int(Kops));
      credit.add(actions, 2 + actions.reduce((sum, a, i) => sum + truth[i]![a]!, 0) + 0.01 * rng.normal());
    }
    credit.solve();
    for (let i = 0; i < N; i++) {
      const beta = credit.agentBeta(i);
      for (let k = 1; k < Kops; k++) expect(beta[k]! - beta[0]!).toBeCloseTo(truth[i]![k]! - truth[i]![0]!, 2);
      const pi = credit.policies()[i]!;
      expect(pi.indexOf(Math.max(...pi))).toBe(truth[i]!.indexOf(Math.min(...truth[i]!)));
    }
  });

  it('policies are uniform before any architecture is evaluated; the ridge solve is exact on a small system', () => {
    expect(new LeastSquaresCredit(2, 4, 1e-3).policies()).toEqual([
      [0.25, 0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25, 0.25],
    ]);
    // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0]
    const x = solveRidge([4, 2, 2, 3], [2, 1], 2, 1e-12);
    expect(x[0]).toBeCloseTo(0.5, 9);
    expect(x[1]).toBeCloseTo(0, 9);
  });

  it('defaults: MANAS-LS, reward baseline 5, γ 0.1, temperature 1000 → 200, the benchmark search (8 cells, 50 epochs, batch 64)', () => {
    const d = manasOptions.parse({});
    expect([d.variant, d.rewardBaseline, d.gamma, d.temperature, d.cells, d.epochs, d.batchSize, d.learningRateMin]).toEqual(['ls', 5, 0.1, [1000, 200], 8, 50, 64, 0.001]);
    expect(manasOptions.safeParse({ variant: 'reinforce' }).success).toBe(false);
  });
});
