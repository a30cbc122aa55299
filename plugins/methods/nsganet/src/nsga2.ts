/**
 * NSGA-II (Deb et al., IEEE TEC 2002) as NSGA-Net runs it through pymoo 0.3.0
 * (`search/nsganet.py`): fast non-dominated sorting, crowding distance, binary tournament by
 * dominance then crowding, rank-and-crowding survival, duplicates eliminated. All objectives are
 * minimised. Generic over the variation operators; no training here.
 */
import { Rng, type RngState } from '@naslab/core';

/** `a` dominates `b`: no worse in every objective, better in one (minimisation). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) better = true;
  }
  return better;
}

/** Fronts of indices into `objectives`, front 0 the non-dominated set (Deb's fast sort, O(M·N²)). */
export function nonDominatedSort(objectives: readonly (readonly number[])[]): number[][] {
  const n = objectives.length;
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  const count = new Int32Array(n);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      if (p === q) continue;
      if (dominates(objectives[p]!, objectives[q]!)) dominatedBy[p]!.push(q);
      else if (dominates(objectives[q]!, objectives[p]!)) count[p]!++;
    }
    if (count[p] === 0) fronts[0]!.push(p);
  }
  for (let i = 0; fronts[i]!.length > 0; i++) {
    const next: number[] = [];
    for (const p of fronts[i]!) {
      for (const q of dominatedBy[p]!) if (--count[q]! === 0) next.push(q);
    }
    fronts.push(next.sort((a, b) => a - b));
  }
  fronts.pop();
  return fronts;
}

/**
 * Crowding distance of each member of one front (same order as `front`): per objective, the
 * normalised gap between the two neighbours, summed; the extremes get ∞. An objective with no
 * spread adds nothing. pymoo also divides by the number of objectives, which changes no ordering.
 */
export function crowdingDistance(objectives: readonly (readonly number[])[], front: readonly number[]): number[] {
  const n = front.length;
  const d = new Array<number>(n).fill(0);
  if (n <= 2) return d.fill(Number.POSITIVE_INFINITY);
  const m = objectives[front[0]!]!.length;
  for (let k = 0; k < m; k++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => objectives[front[a]!]![k]! - objectives[front[b]!]![k]! || a - b);
    const lo = objectives[front[order[0]!]!]![k]!;
    const hi = objectives[front[order[n - 1]!]!]![k]!;
    d[order[0]!] = Number.POSITIVE_INFINITY;
    d[order[n - 1]!] = Number.POSITIVE_INFINITY;
    if (hi === lo) continue;
    for (let j = 1; j < n - 1; j++) {
      const gap = objectives[front[order[j + 1]!]!]![k]! - objectives[front[order[j - 1]!]!]![k]!;
      d[order[j]!] += gap / (hi - lo);
    }
  }
  return d;
}

export interface Individual {
  readonly x: readonly number[];
  readonly f: readonly number[];
  /** Front index (0 = non-dominated) and crowding distance, set by survival. */
  rank: number;
  crowding: number;
}

/** Rank-and-crowding survival: whole fronts while they fit, the split front by crowding (ties at random). */
export function rankAndCrowdingSurvival(pool: readonly Individual[], size: number, rng: Rng): Individual[] {
  const fronts = nonDominatedSort(pool.map((p) => p.f));
  const survivors: Individual[] = [];
  fronts.forEach((front, rank) => {
    if (survivors.length >= size) return;
    const cd = crowdingDistance(
      pool.map((p) => p.f),
      front,
    );
    front.forEach((i, j) => {
      pool[i]!.rank = rank;
      pool[i]!.crowding = cd[j]!;
    });
    if (survivors.length + front.length <= size) {
      for (const i of front) survivors.push(pool[i]!);
      return;
    }
    const tieBreak = rng.permutation(front.length);
    const order = Array.from({ length: front.length }, (_, j) => j).sort((a, b) => cd[b]! - cd[a]! || tieBreak[a]! - tieBreak[b]! || 0);
    for (const j of order.slice(0, size - survivors.length)) survivors.push(pool[front[j]!]!);
  });
  return survivors;
}

/** `binary_tournament` of `nsganet.py`: the dominating one, else the larger crowding distance, else either at random. */
export function binaryTournament(a: Individual, b: Individual, rng: Rng): Individual {
  if (dominates(a.f, b.f)) return a;
  if (dominates(b.f, a.f)) return b;
  if (a.crowding > b.crowding) return a;
  if (b.crowding > a.crowding) return b;
  return rng.uniform() < 0.5 ? a : b;
}

export interface Nsga2Problem {
  /** Uniform random initial individual (pymoo's `RandomSampling` of integers within the bounds). */
  sample(rng: Rng): number[];
  /** Two parents → two children. */
  crossover(a: readonly number[], b: readonly number[], rng: Rng): [number[], number[]];
  mutate(x: readonly number[], rng: Rng): number[];
  /** Objectives to minimise of individual number `id` (0-based, in evaluation order). */
  evaluate(x: readonly number[], id: number): Promise<number[]>;
}

export interface Nsga2Options {
  readonly populationSize: number;
  /** Generations, the initial population counted as the first (pymoo's `('n_gen', n)`). */
  readonly generations: number;
  readonly offspring: number;
  /** Matings tried per generation before accepting fewer new offspring (pymoo's 100). */
  readonly maxMatingRounds?: number;
}

/** All the loop needs to carry on after `generation`: a checkpoint. */
export interface Nsga2State {
  readonly generation: number;
  readonly population: Individual[];
  readonly evaluated: number;
  readonly rng: RngState;
  /** Best and mean of each objective per finished generation. */
  readonly history: Array<{ generation: number; evaluated: number; best: number[]; mean: number[] }>;
}

export interface Nsga2Hooks {
  /** Called after every finished generation (the initial population is generation 1). */
  generationDone?(state: Nsga2State): Promise<void> | void;
  readonly signal?: AbortSignal;
}

const keyOf = (x: readonly number[]) => x.join(',');

function summary(generation: number, evaluated: number, pop: readonly Individual[]): Nsga2State['history'][number] {
  const m = pop[0]!.f.length;
  const best = Array.from({ length: m }, (_, k) => Math.min(...pop.map((p) => p.f[k]!)));
  const mean = Array.from({ length: m }, (_, k) => pop.reduce((s, p) => s + p.f[k]!, 0) / pop.length);
  return { generation, evaluated, best, mean };
}

/**
 * The NSGA-II loop; resumes from `resume` (a state `generationDone` was given) with the same
 * draws as an uninterrupted run, since the random stream is part of the state.
 */
export async function runNsga2(problem: Nsga2Problem, o: Nsga2Options, seed: Rng, hooks: Nsga2Hooks = {}, resume?: Nsga2State): Promise<Nsga2State> {
  const maxRounds = o.maxMatingRounds ?? 100;
  let state: Nsga2State;
  const check = () => {
    if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('search aborted');
  };
  if (resume) {
    // JSON writes ∞ as null: the extremes' crowding distance comes back as null
    state = { ...resume, population: resume.population.map((p) => ({ ...p, crowding: p.crowding ?? Number.POSITIVE_INFINITY })) };
  } else {
    const rng = seed.split('nsga2');
    const seen = new Set<string>();
    const xs: number[][] = [];
    for (let tries = 0; xs.length < o.populationSize && tries < 100 * o.populationSize; tries++) {
      const x = problem.sample(rng);
      if (seen.has(keyOf(x))) continue;
      seen.add(keyOf(x));
      xs.push(x);
    }
    const pool: Individual[] = [];
    for (const [i, x] of xs.entries()) {
      check();
      pool.push({ x, f: await problem.evaluate(x, i), rank: 0, crowding: 0 });
    }
    const population = rankAndCrowdingSurvival(pool, o.populationSize, rng);
    state = { generation: 1, population, evaluated: xs.length, rng: rng.state(), history: [summary(1, xs.length, population)] };
    await hooks.generationDone?.(state);
  }
  while (state.generation < o.generations) {
    const rng = Rng.fromState(state.rng);
    const pop = state.population;
    const seen = new Set(pop.map((p) => keyOf(p.x)));
    const children: number[][] = [];
    for (let round = 0; children.length < o.offspring && round < maxRounds; round++) {
      // pymoo's TournamentSelection(pressure 2): competitors drawn from fresh permutations
      const pick = () => binaryTournament(pop[rng.int(pop.length)]!, pop[rng.int(pop.length)]!, rng);
      const [c1, c2] = problem.crossover(pick().x, pick().x, rng);
      for (const c of [problem.mutate(c1, rng), problem.mutate(c2, rng)]) {
        if (children.length >= o.offspring || seen.has(keyOf(c))) continue;
        seen.add(keyOf(c));
        children.push(c);
      }
    }
    const pool: Individual[] = pop.map((p) => ({ ...p }));
    for (const [i, x] of children.entries()) {
      check();
      pool.push({ x, f: await problem.evaluate(x, state.evaluated + i), rank: 0, crowding: 0 });
    }
    const population = rankAndCrowdingSurvival(pool, o.populationSize, rng);
    const generation = state.generation + 1;
    const evaluated = state.evaluated + children.length;
    state = { generation, population, evaluated, rng: rng.state(), history: [...state.history, summary(generation, evaluated, population)] };
    await hooks.generationDone?.(state);
  }
  return state;
}

/** The final population's non-dominated members, lowest first objective first. */
export function paretoFront(population: readonly Individual[]): Individual[] {
  const front = nonDominatedSort(population.map((p) => p.f))[0] ?? [];
  return front.map((i) => population[i]!).sort((a, b) => a.f[0]! - b.f[0]! || a.f[1]! - b.f[1]!);
}
