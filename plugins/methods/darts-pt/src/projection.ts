/**
 * DARTS-PT's perturbation-based selection (ruocwang/darts-pt `sota/cnn/projection.py`,
 * `pt_project`): after supernet training, `intv · 16 + 1` tuning epochs; at every `intv`-th
 * epoch a projection — for the first 14, in each cell type a random undecided edge gets the op
 * whose removal hurts most; then, per cell type, a random undecided node (of the 3 with more
 * than 2 inputs) keeps the 2 edges left after repeatedly dropping the edge whose removal hurts
 * least. Perturbations are judged on `search-valid` with BN in training mode (`_eval=False`).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type Json, type SearchContext, type SearchResult } from '@naslab/core';
import { cosineLearningRate, loadCheckpoint, saveCheckpoint } from '@naslab/engine';
import { DARTS_OPS, edgesOfNode, formatGenotype, NONE_INDEX, SUPERNET_EDGES, type CellName, type Genotype, type PixelAugment, type SupernetTraining } from '@naslab/space-darts';
import type { DartsPtOptions } from './index.js';

type SearchModule = SupernetTraining;
type SupernetRun = Awaited<ReturnType<SearchModule['trainSupernet']>>;
type Net = SupernetRun['net'];

const CELLS: readonly CellName[] = ['normal', 'reduce'];
/** Nodes with more than 2 inputs (states 3, 4, 5), whose edges DARTS-PT selects. */
const SELECTABLE_NODES = [1, 2, 3];

export interface ProjectionStep {
  readonly epoch: number;
  readonly cell: CellName;
  readonly kind: 'op' | 'edges';
  readonly edge?: number;
  readonly op?: string;
  readonly node?: number;
  readonly kept?: number[];
  /** Criterion after each perturbation tried (accuracy % or loss). */
  readonly scores: number[];
}

interface ProjectionState {
  decidedEdges: Record<CellName, number[]>;
  decidedNodes: Record<CellName, number[]>;
  steps: ProjectionStep[];
}

export interface Judge {
  (net: Net): number;
}

/** Higher is worse for the supernet (so "hurts most" = maximum): 100 − accuracy, or the loss. */
export function makeJudge(search: SearchModule, run: Pick<SupernetRun, 'data'>, o: DartsPtOptions): Judge {
  const batch = o.evalBatchSize ?? o.batchSize;
  return (net) => {
    const r = search.evaluateSupernet(net, run.data, run.data.valid, batch, { training: true, limit: o.projectionSubset });
    return o.criterion === 'accuracy' ? 100 - r.accuracy : r.loss;
  };
}

/**
 * `project_op`: remove each candidate op of the edge in turn; the op whose removal hurts most
 * (lowest accuracy / highest loss; the first on ties) is chosen. `none` is not tried: removing it
 * leaves the supernet unchanged, and a genotype never holds it.
 */
export function selectOp(net: Net, cell: CellName, edge: number, judge: Judge): { op: number; scores: number[] } {
  const mask = net.edgeMask(cell, edge);
  let best = -1;
  let worst = Number.NEGATIVE_INFINITY;
  const scores: number[] = [];
  for (let k = 0; k < DARTS_OPS.length; k++) {
    if (k === NONE_INDEX || !mask.candidates[k]) continue;
    net.removeOp(cell, edge, k);
    const score = judge(net);
    net.removeOp(cell, edge, k, false);
    scores.push(score);
    if (best < 0 || score > worst) {
      best = k;
      worst = score;
    }
  }
  return { op: best, scores };
}

/**
 * `project_edge`: while more than 2 edges remain, mask each in turn and drop the one whose
 * removal hurts least (the reference's `not compare(crit, extrema)`: the later one on ties).
 */
export function selectEdges(net: Net, cell: CellName, node: number, judge: Judge): { kept: number[]; scores: number[] } {
  const remaining = edgesOfNode(node);
  const scores: number[] = [];
  while (remaining.length > 2) {
    let drop = -1;
    let least = Number.POSITIVE_INFINITY;
    for (const e of remaining) {
      net.maskEdge(cell, e, true);
      const score = judge(net);
      net.maskEdge(cell, e, false);
      scores.push(score);
      if (drop < 0 || score <= least) {
        drop = e;
        least = score;
      }
    }
    remaining.splice(remaining.indexOf(drop), 1);
  }
  return { kept: remaining, scores };
}

/** One projection (both cell types) at `epoch`. */
function project(net: Net, state: ProjectionState, epoch: number, rng: Rng, judge: Judge): void {
  const opPhase = state.decidedEdges.normal.length < SUPERNET_EDGES;
  for (const cell of CELLS) {
    if (opPhase) {
      const open = Array.from({ length: SUPERNET_EDGES }, (_, e) => e).filter((e) => !state.decidedEdges[cell].includes(e));
      const edge = rng.choice(open);
      const { op, scores } = selectOp(net, cell, edge, judge);
      net.projectOp(cell, edge, op);
      state.decidedEdges[cell].push(edge);
      state.steps.push({ epoch, cell, kind: 'op', edge, op: DARTS_OPS[op]!, scores });
    } else {
      const open = SELECTABLE_NODES.filter((n) => !state.decidedNodes[cell].includes(n));
      if (open.length === 0) continue;
      const node = rng.choice(open);
      const { kept, scores } = selectEdges(net, cell, node, judge);
      for (const e of edgesOfNode(node)) if (!kept.includes(e)) net.maskEdge(cell, e, true);
      state.decidedNodes[cell].push(node);
      state.steps.push({ epoch, cell, kind: 'edges', node: node + 2, kept, scores });
    }
  }
}

/** The reference's supernet ops (`s5`): every `PRIMITIVES` op but `none` inside the softmax. */
export const OPS_WITHOUT_NONE: readonly boolean[] = DARTS_OPS.map((_, k) => k !== NONE_INDEX);

/** What `trainSupernet` is asked for: α frozen from the first step for fix α, and the op set of the softmax. */
export function supernetOptions(o: Pick<DartsPtOptions, 'fixAlpha' | 'supernetOps'>): { freezeAlphas: boolean; candidates?: readonly boolean[] } {
  return { freezeAlphas: o.fixAlpha, ...(o.supernetOps === 'without-none' ? { candidates: OPS_WITHOUT_NONE } : {}) };
}

/** The weight learning rate of tuning epoch `epoch` (see the `tuneSchedule` option). */
export function tuningLearningRate(epoch: number, tuneEpochs: number, tuneLr: number, o: Pick<DartsPtOptions, 'tuneSchedule' | 'learningRateMin'>): number {
  return o.tuneSchedule === 'cosine' ? cosineLearningRate(epoch, tuneEpochs, tuneLr, o.learningRateMin) : tuneLr;
}

export async function searchDartsPt(ctx: SearchContext<Genotype>, o: DartsPtOptions, search: SupernetTraining, augment?: PixelAugment): Promise<SearchResult<Genotype>> {
  // fix α: α is never updated, neither while the supernet trains nor while it is tuned (nor is a
  // supernet trained with α resumed: trainSupernet's checkpoint fingerprint holds freezeAlphas).
  const run = await search.trainSupernet(ctx as SearchContext<unknown>, o, join(ctx.checkpointDir, 'supernet'), augment, supernetOptions(o));
  const { net, trainer, data } = run;
  const started = performance.now();
  try {
    const judge = makeJudge(search, run, o);
    const intv = o.projectionInterval;
    const projections = SUPERNET_EDGES + SELECTABLE_NODES.length; // 17 per cell type
    const tuneEpochs = intv === 0 ? 0 : intv * (projections - 1) + 1;
    const tuneLr = o.tuneLearningRate ?? o.learningRate / 10;
    if (o.fixAlpha) net.freeze({ alphas: true });
    // reference `reset_optimizer`: a fresh SGD (zero momentum) at lr/10; the α optimiser carries on
    tf.tidy(() => {
      for (const b of trainer.sgd.buffers.values()) b.assign(tf.zerosLike(b));
    });
    let rng = ctx.rng.split('darts-pt');
    let state: ProjectionState = { decidedEdges: { normal: [], reduce: [] }, decidedNodes: { normal: [], reduce: [] }, steps: [] };
    let startEpoch = 0;
    let seconds = 0;
    const dir = join(ctx.checkpointDir, 'projection');
    const fingerprint = canonicalJson({ method: 'darts-pt', options: o as unknown as Json, seed: ctx.seed, dataset: ctx.dataset.info.name });
    const saved = await loadCheckpoint(dir);
    if (saved && saved.meta.fingerprint === fingerprint) {
      const extra = saved.meta.extra as unknown as { adamSteps: number; state: ProjectionState; masks: ReturnType<Net['maskState']>; seconds: number };
      trainer.restore(saved.tensors, extra.adamSteps);
      net.setMaskState(extra.masks);
      state = extra.state;
      seconds = extra.seconds;
      rng = Rng.fromState(saved.meta.rng);
      startEpoch = saved.meta.epoch;
      ctx.logger.info(`darts-pt: resuming the selection at epoch ${startEpoch}`);
    }
    if (intv === 0) {
      if (startEpoch === 0) for (let p = 0; p < projections; p++) project(net, state, 0, rng, judge);
    } else {
      for (let epoch = startEpoch; epoch < tuneEpochs; epoch++) {
        const t0 = performance.now();
        if (epoch % intv === 0 || epoch === tuneEpochs - 1) project(net, state, epoch, rng, judge);
        const lr = tuningLearningRate(epoch, tuneEpochs, tuneLr, o);
        const tr = trainer.trainEpoch(data, rng, lr, ctx.signal);
        seconds += (performance.now() - t0) / 1000;
        await saveCheckpoint(
          dir,
          {
            epoch: epoch + 1,
            metrics: [],
            rng: rng.state(),
            backend: run.backend,
            fingerprint,
            extra: { adamSteps: trainer.adam.stepCount, state, masks: net.maskState(), seconds } as unknown as Json,
          },
          await trainer.state(),
        );
        ctx.recordMetric(o.epochs + epoch, { lr, ...tr });
      }
    }
    const genotype = net.genotype();
    return {
      architectures: [genotype],
      cost: {
        wallSeconds: run.searchSeconds + seconds + (intv === 0 ? (performance.now() - started) / 1000 : 0),
        epochs: o.epochs + tuneEpochs,
        trained: { count: 1, unit: 'supernet' },
      },
      history: {
        backend: run.backend,
        supernetEpochs: run.records as unknown as Json,
        supernetGenotype: run.records.length ? run.records[run.records.length - 1]!.genotype : null,
        projections: state.steps as unknown as Json,
        tuneEpochs,
        genotype: formatGenotype(genotype),
      },
    };
  } finally {
    trainer.dispose();
    net.dispose();
  }
}
