/**
 * MANAS' agents (Carlucci et al., "MANAS: Multi-Agent Neural Architecture Search",
 * arXiv 1909.01051, §4–5): one agent per edge, each choosing one of K ops per step. Two ways of
 * turning the validation loss of the sampled architecture into each agent's policy:
 * - `Exp3Agents` (MANAS, §5.2): importance-weighted cumulative reward per action,
 *   B̃[k] += r·1{a = k}/π[k], and a Boltzmann policy over it with uniform exploration γ;
 * - `LeastSquaresCredit` (MANAS-LS, §5.1): L_val ≈ βᵀZ fitted by least squares over every
 *   architecture evaluated so far, each agent sampling by the Zipf law of its actions' ranks.
 * Plain numbers, no TensorFlow.js; both states are JSON for checkpoints.
 */
import type { Rng } from '@naslab/core';

/** The temperature schedule's settings (`ManasOptions`). */
export interface TemperatureSchedule {
  readonly temperature: readonly [number, number];
  readonly temperatureSchedule: 'linear' | 'exponential';
}

/** Draw an index from probabilities `p` (summing to 1). */
export function sampleIndex(p: readonly number[], rng: Rng): number {
  const u = rng.uniform();
  let acc = 0;
  for (let k = 0; k < p.length; k++) {
    acc += p[k]!;
    if (u < acc) return k;
  }
  return p.length - 1;
}

/**
 * The Boltzmann policy with exploration: π = (1 − γ)·softmax(B̃/T) + γ/K. MANAS' text puts
 * exp(η·B̃) with the loss inside; with the reward r = baseline − loss the best action is favoured.
 */
export function boltzmannPolicy(weights: readonly number[], temperature: number, gamma: number): number[] {
  const max = Math.max(...weights);
  const e = weights.map((w) => Math.exp((w - max) / temperature));
  const s = e.reduce((a, b) => a + b, 0);
  const K = weights.length;
  return e.map((v) => (1 - gamma) * (v / s) + gamma / K);
}

/** The Boltzmann temperature of step `t` of `total` (`temperature[0]` → `temperature[1]`). */
export function temperatureAt(t: number, total: number, o: TemperatureSchedule): number {
  const [from, to] = o.temperature;
  const f = Math.min(1, t / Math.max(1, total - 1));
  return o.temperatureSchedule === 'linear' ? from + (to - from) * f : from * (to / from) ** f;
}

export interface Exp3State {
  /** B̃ per agent and action. */
  weights: number[][];
  steps: number;
}

export class Exp3Agents {
  readonly state: Exp3State;
  constructor(
    readonly agents: number,
    readonly actions: number,
    state?: Exp3State,
  ) {
    this.state = state ? structuredClone(state) : { weights: Array.from({ length: agents }, () => Array(actions).fill(0)), steps: 0 };
  }

  policies(temperature: number, gamma: number): number[][] {
    return this.state.weights.map((w) => boltzmannPolicy(w, temperature, gamma));
  }

  /** One update after playing `played` under `policies`: B̃[a] += reward/π[a] for each agent's action a. */
  update(played: readonly number[], policies: readonly (readonly number[])[], reward: number): void {
    played.forEach((a, i) => {
      this.state.weights[i]![a]! += reward / policies[i]![a]!;
    });
    this.state.steps++;
  }
}

/** H_K = 1 + 1/2 + … + 1/K. */
export function harmonic(K: number): number {
  let h = 0;
  for (let k = 1; k <= K; k++) h += 1 / k;
  return h;
}

/** Ranks (1 = lowest value, the first on ties) of `values`. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((_, k) => k).sort((a, b) => values[a]! - values[b]! || a - b);
  const r = Array(values.length).fill(0);
  order.forEach((k, i) => {
    r[k] = i + 1;
  });
  return r;
}

/** The Zipf policy of MANAS-LS: π[k] = 1/(rank_k · H_K), rank 1 the action of lowest predicted loss. */
export function zipfPolicy(beta: readonly number[]): number[] {
  const H = harmonic(beta.length);
  return ranks(beta).map((r) => 1 / (r * H));
}

export interface LeastSquaresState {
  /** ZᵀZ (row-major, n × n) and Zᵀy accumulated over every evaluated architecture. */
  gram: number[];
  moment: number[];
  count: number;
  /** The last solution β (n), per agent in blocks of K. */
  beta: number[];
}

/** Solve (A + λI)x = b in place by Cholesky (A symmetric positive semi-definite, λ > 0). */
export function solveRidge(A: readonly number[], b: readonly number[], n: number, lambda: number): number[] {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/**
 * MANAS-LS credit assignment: every architecture is the one-hot vector Z ∈ {0,1}^{N·K} of its
 * agents' actions; B̃ = argmin_β Σ_s (L_s − βᵀZ_s)² (+ λ‖β‖², a tiny ridge: each agent's columns
 * sum to the all-ones column, so β is determined up to a constant per agent, which leaves the
 * ranks within an agent unchanged).
 */
export class LeastSquaresCredit {
  readonly state: LeastSquaresState;
  readonly size: number;
  constructor(
    readonly agents: number,
    readonly actions: number,
    readonly ridge: number,
    state?: LeastSquaresState,
  ) {
    this.size = agents * actions;
    this.state = state
      ? structuredClone(state)
      : { gram: Array(this.size * this.size).fill(0), moment: Array(this.size).fill(0), count: 0, beta: Array(this.size).fill(0) };
  }

  /** Add one evaluated architecture: each agent's action and the validation loss. */
  add(played: readonly number[], loss: number): void {
    const idx = played.map((a, i) => i * this.actions + a);
    const n = this.size;
    for (const p of idx) {
      this.state.moment[p]! += loss;
      for (const q of idx) this.state.gram[p * n + q]! += 1;
    }
    this.state.count++;
  }

  solve(): number[] {
    this.state.beta = solveRidge(this.state.gram, this.state.moment, this.size, this.ridge);
    return this.state.beta;
  }

  /** β of agent `i` (its K actions). */
  agentBeta(i: number): number[] {
    return this.state.beta.slice(i * this.actions, (i + 1) * this.actions);
  }

  /** Each agent's Zipf policy; uniform before any architecture was evaluated (Algorithm 1, step 1). */
  policies(): number[][] {
    if (this.state.count === 0) return Array.from({ length: this.agents }, () => Array(this.actions).fill(1 / this.actions));
    return Array.from({ length: this.agents }, (_, i) => zipfPolicy(this.agentBeta(i)));
  }
}
