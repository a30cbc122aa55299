import type { EncodableSpace as Encodable, EnumerableSpace, Json, Rng } from '@naslab/core';
import { UnseenSampler, type QueryBudget, type SearchCheckpoint, type StopReason } from '@naslab/search-kit';
import { MlpRegressor, type MlpOptions } from './mlp.js';

/**
 * Spaces WeakNAS can search: enumerable (the predictor ranks every architecture) and encodable as
 * features (capabilities `enumerable` and `encodable`).
 */
export type EncodableSpace<A> = EnumerableSpace<A> & Encodable<A>;

export interface WeakNasOptions extends MlpOptions {
  /** Architectures sampled uniformly before the first predictor. */
  readonly initialSamples: number;
  /** Size of the top-predicted pool that each iteration samples from. */
  readonly topK: number;
  /** Architectures queried per iteration. */
  readonly samplesPerIteration: number;
  /** Predictors averaged per iteration (the reference code uses 1 with uniform sampling). */
  readonly ensemble: number;
  readonly encoding: string;
  /** Fit a last predictor on every queried architecture once the budget is spent, and name its top-1 (the reference reports it). */
  readonly finalPredictor?: boolean;
}

export interface WeakNasIteration {
  readonly iteration: number;
  readonly trainingSize: number;
  readonly epochs: number[];
  /** Unqueried architectures among the top-K predicted. */
  readonly freshInTopK: number;
}

/**
 * WeakNAS (Wu et al., "Stronger NAS with Weaker Predictors", NeurIPS 2021; VITA-Group/WeakNAS
 * `WeakNAS.py`, uniform sampling): sample `initialSamples` architectures uniformly; then
 * iterate: fit a (weak) MLP on every queried architecture (targets standardised), rank the
 * whole space by its prediction, and query `samplesPerIteration` architectures drawn uniformly
 * from the unqueried ones among the top-K predicted (when fewer than that remain there, the
 * best-predicted unqueried ones). Stops at the budget or when the space is exhausted.
 *
 * Its checkpoint is saved at every iteration boundary (after the initial samples and after each
 * iteration's queries, before the next predictor is fitted): the next iteration's number and the
 * iterations reported so far; the predictor's training set is the budget's trajectory (first
 * query of each architecture) and every stream is split by iteration, so nothing else is needed.
 * `onIteration` is called for every iteration, the resumed ones included, in order.
 */
export async function runWeakNas<A>(
  space: EncodableSpace<A>,
  budget: QueryBudget<A>,
  rng: Rng,
  o: WeakNasOptions,
  onIteration?: (it: WeakNasIteration) => void,
  /** Makes the tfjs backend the predictor trains on active and names it (default: the pure-JS `cpu` backend). */
  activate?: () => Promise<string>,
  checkpoint?: SearchCheckpoint,
): Promise<WeakNasOutcome> {
  const resumed = checkpoint?.resume((state) => {
    const s = state as { iteration?: number; iterations?: WeakNasIteration[] };
    if (!Number.isInteger(s.iteration) || s.iteration! < 1 || !Array.isArray(s.iterations) || s.iterations.length !== s.iteration! - 1) throw new Error('no iteration');
    return { iteration: s.iteration!, iterations: s.iterations.map((it) => ({ ...it, epochs: [...it.epochs] })) };
  });
  const tf = await import('@tensorflow/tfjs');
  const backend = activate ? await activate() : await defaultBackend(tf);
  tf.enableProdMode();

  // Every queried architecture (by index) with its accuracy: the predictor's training set.
  const rows: number[] = [];
  const targets: number[] = [];
  const queried = new Uint8Array(space.size);
  const query = async (arch: A) => {
    const i = space.index(arch);
    const accuracy = await budget.query(arch);
    if (!queried[i]) {
      queried[i] = 1;
      rows.push(i);
      targets.push(accuracy);
    }
  };

  const reported: WeakNasIteration[] = [];
  const report = (it: WeakNasIteration) => {
    reported.push(it);
    onIteration?.(it);
  };
  const save = (next: number) => checkpoint?.save({ iteration: next, iterations: reported.map((it) => ({ ...it, epochs: [...it.epochs] })) as unknown as Json });
  let first = 1;
  if (resumed) {
    // The training set as it was: each architecture's first query, in query order.
    for (const r of budget.trajectory) {
      const i = space.index(space.parse(r.arch));
      if (!queried[i]) {
        queried[i] = 1;
        rows.push(i);
        targets.push(r.accuracy);
      }
    }
    for (const it of resumed.iterations) report(it);
    first = resumed.iteration;
  } else {
    const sampler = new UnseenSampler(space, budget, rng.split('initial'));
    for (let i = 0; i < o.initialSamples && !budget.exhausted; i++) {
      const arch = sampler.draw();
      if (arch === undefined) return { stopReason: 'space-exhausted', backend };
      await query(arch);
    }
    save(1);
  }

  const n = space.size;
  const d = space.encodingLength(o.encoding);
  const features = new Float32Array(n * d);
  for (let i = 0; i < n; i++) space.encodeInto(space.atIndex(i), features, i * d, o.encoding);
  for (let iteration = first; ; iteration++) {
    if (budget.exhausted && o.finalPredictor === false) return { stopReason: 'budget', backend };
    const { predicted, epochs } = fitAndPredict(tf, rows, targets, features, n, d, o, rng, iteration);
    const ranked = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[b]! - predicted[a]! || a - b);
    const top1 = ranked[0]!;
    if (budget.exhausted) {
      // The reference's last predictor is fitted on every sample queried (`index_pred_top` of
      // its last iteration): its top-1 is half of the reference's reported metric.
      report({ iteration, trainingSize: rows.length, epochs, freshInTopK: ranked.slice(0, o.topK).filter((i) => !queried[i]).length });
      return { stopReason: 'budget', backend, predictorTop1: space.atIndex(top1) };
    }
    const fresh = ranked.slice(0, o.topK).filter((i) => !queried[i]);
    const m = Math.min(o.samplesPerIteration, budget.remaining);
    let picks: number[];
    if (fresh.length >= m) {
      const pickRng = rng.split(`pick/${iteration}`);
      picks = pickRng.sampleWithoutReplacement(fresh.length, m).map((k) => fresh[k]!);
    } else {
      picks = ranked.filter((i) => !queried[i]).slice(0, m);
    }
    report({ iteration, trainingSize: rows.length, epochs, freshInTopK: fresh.length });
    if (picks.length === 0) return { stopReason: 'space-exhausted', backend, predictorTop1: space.atIndex(top1) };
    for (const i of picks) {
      // A time budget can run out inside an iteration.
      if (budget.exhausted) break;
      await query(space.atIndex(i));
    }
    save(iteration + 1);
  }
}

export interface WeakNasOutcome {
  readonly stopReason: StopReason;
  /** The tfjs backend the predictor ran on. */
  readonly backend: string;
  /** The top-1 of the last predictor, fitted on every queried architecture (the reference reports it). */
  readonly predictorTop1?: unknown;
}

async function defaultBackend(tf: typeof import('@tensorflow/tfjs')): Promise<string> {
  // Direct use without a backend named: the pure-JS cpu backend, whatever registered last.
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  return 'cpu';
}

/** Fit the iteration's predictors (targets standardised over the queried ones) and average their predictions of the whole space. */
function fitAndPredict(
  tf: typeof import('@tensorflow/tfjs'),
  rows: readonly number[],
  targets: readonly number[],
  features: Float32Array,
  n: number,
  d: number,
  o: WeakNasOptions,
  rng: Rng,
  iteration: number,
): { predicted: Float64Array; epochs: number[] } {
  const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
  const sd = Math.sqrt(targets.reduce((a, b) => a + (b - mean) ** 2, 0) / targets.length) || 1;
  const x = new Float32Array(rows.length * d);
  rows.forEach((row, k) => x.set(features.subarray(row * d, row * d + d), k * d));
  const y = Float32Array.from(targets, (t) => (t - mean) / sd);
  const predicted = new Float64Array(n);
  const epochs: number[] = [];
  for (let e = 0; e < o.ensemble; e++) {
    const mlp = new MlpRegressor(tf, d, o, rng.split(`mlp/${iteration}/${e}`));
    try {
      epochs.push(mlp.fit(x, y));
      const p = mlp.predictRows(features, n);
      for (let i = 0; i < n; i++) predicted[i]! += p[i]! / o.ensemble;
    } finally {
      mlp.dispose();
    }
  }
  return { predicted, epochs };
}
