/**
 * The DARTS search network on naslab's engine, following quark0/darts `cnn/model_search.py`:
 * `MixedOp` (Σ_k w_k·op_k(x) over the 8 ops, built with `affine=False`, pooling ops followed by
 * an `affine=False` BatchNorm), the search `Cell` (steps 4, multiplier 4, every earlier state
 * feeds every node), and `Network` (stem 3·C conv + affine BN, reductions at ⌊L/3⌋ and ⌊2L/3⌋,
 * global pooling, linear classifier) with α for normal and reduction cells, 1e-3·N(0, 1).
 *
 * α are not module parameters (as in the reference, where `model.parameters()` are the weights
 * only): `weightParameters()` and `archParameters()` keep the two optimisers apart.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm,
  Conv2d,
  Dropout,
  FactorizedReduce,
  GlobalAvgPool,
  Linear,
  Module,
  ModuleList,
  Network,
  ReLUConvBN,
  Sequential,
  uniqueVariable,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type ParameterInfo,
} from '@naslab/engine';
/** Re-exported: the supernet methods built their lists with this one before the engine had it. */
export { ModuleList } from '@naslab/engine';
import type { Rng } from '@naslab/core';
import { makeDartsOp } from '../network.js';
import { DARTS_CELL_INPUTS, DARTS_NODES, DARTS_OPS, type CellName, type DartsOp, type Genotype } from '../genotype.js';
import {
  defaultMaskState,
  deriveGenotype,
  edgeEndpoints,
  isOpActive,
  isPlainEdge,
  NONE_INDEX,
  SUPERNET_DEFAULTS,
  SUPERNET_EDGES,
  SUPERNET_OPS,
  type EdgeMask,
  type SupernetMaskState,
  type SupernetOptions,
} from '../supernet.js';

const SKIP_INDEX = DARTS_OPS.indexOf('skip_connect');

/** `OPS[name](C, stride, affine=False)`, pooling wrapped with an `affine=False` BN (MixedOp). */
export function makeSearchOp(name: DartsOp, channels: number, stride: number, rng: Rng): Module | null {
  if (name === 'none') return null; // Zero: its term is 0 and is never computed
  const op = makeDartsOp(name, channels, stride, rng, false);
  return name === 'max_pool_3x3' || name === 'avg_pool_3x3' ? new Sequential([op, new BatchNorm(channels, { affine: false })]) : op;
}


/**
 * Weights of one edge: a scalar per op, or null where the op is not computed (a structural
 * zero: `none`, or masked/removed/not projected).
 */
export type EdgeWeights = ReadonlyArray<tf.Scalar | null>;

/** The reference `MixedOp`: Σ_k w_k·op_k(x). */
export class MixedOp extends Module {
  readonly ops: ReadonlyArray<Module | null>;
  constructor(
    rng: Rng,
    readonly channels: number,
    readonly stride: number,
  ) {
    super();
    const list = this.child('_ops', new ModuleList());
    // children named by op index as in the reference (`_ops.4` is sep_conv_3x3); `none` has none
    this.ops = DARTS_OPS.map((name, k) => {
      const op = makeSearchOp(name, channels, stride, rng);
      return op ? list.addAt(k, op) : null;
    });
  }

  /**
   * Σ over the ops with a weight; zeros at the output resolution when none has one. `skipDropout`
   * (P-DARTS): the stride-1 skip is `Sequential(Identity, Dropout(p))` in training.
   */
  mix(x: tf.Tensor, weights: EdgeWeights, ctx: ForwardContext, skipDropout?: Dropout): tf.Tensor {
    const terms: tf.Tensor[] = [];
    this.ops.forEach((op, k) => {
      const w = weights[k];
      if (!op || !w) return;
      let out = op.forward(x, ctx);
      if (skipDropout && k === SKIP_INDEX && this.stride === 1) out = skipDropout.forward(out, ctx);
      terms.push(tf.mul(out, w));
    });
    if (terms.length === 0) return zerosAt(x, this.stride);
    return terms.length === 1 ? terms[0]! : tf.addN(terms);
  }

  forward(): tf.Tensor {
    throw new Error('MixedOp needs its weights: use mix(x, weights, ctx)');
  }
}

function zerosAt(x: tf.Tensor, stride: number): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.zeros([n, Math.ceil(h / stride), Math.ceil(w / stride), c]);
}

/** The reference search `Cell`: every earlier state feeds every node through a MixedOp. */
export class SearchCell extends Module {
  readonly edges: MixedOp[] = [];
  private readonly preprocess0: Module;
  private readonly preprocess1: Module;

  constructor(
    rng: Rng,
    cPrevPrev: number,
    cPrev: number,
    readonly channels: number,
    readonly reduction: boolean,
    reductionPrev: boolean,
  ) {
    super();
    const [pre0, pre1] = searchCellPreprocess(rng, cPrevPrev, cPrev, channels, reductionPrev);
    this.preprocess0 = this.child('preprocess0', pre0);
    this.preprocess1 = this.child('preprocess1', pre1);
    const list = this.child('_ops', new ModuleList());
    for (let e = 0; e < SUPERNET_EDGES; e++) {
      const { input } = edgeEndpoints(e);
      this.edges.push(list.add(new MixedOp(rng, channels, reduction && input < 2 ? 2 : 1)));
    }
  }

  run(s0: tf.Tensor, s1: tf.Tensor, weights: readonly EdgeWeights[], ctx: ForwardContext, skipDropout?: Dropout): tf.Tensor {
    const states = [this.preprocess0.forward(s0, ctx), this.preprocess1.forward(s1, ctx)];
    let offset = 0;
    for (let i = 0; i < DARTS_NODES; i++) {
      const terms = states.map((h, j) => this.edges[offset + j]!.mix(h, weights[offset + j]!, ctx, skipDropout));
      offset += states.length;
      states.push(terms.length === 1 ? terms[0]! : tf.addN(terms));
    }
    return tf.concat(states.slice(DARTS_CELL_INPUTS), 3);
  }

  forward(): tf.Tensor {
    throw new Error('SearchCell takes two inputs and weights: use run');
  }
}

/**
 * The search cell's `preprocess0` / `preprocess1` (reference `Cell`, `affine=False`): the cell
 * before the previous one through a factorized reduce after a reduction cell, else a 1×1
 * ReLU-conv-BN; the previous cell through a 1×1 ReLU-conv-BN.
 */
export function searchCellPreprocess(rng: Rng, cPrevPrev: number, cPrev: number, channels: number, reductionPrev: boolean): [Module, Module] {
  const pre0 = reductionPrev ? new FactorizedReduce(rng, cPrevPrev, channels, false) : new ReLUConvBN(rng, cPrevPrev, channels, 1, 1, 0, false);
  return [pre0, new ReLUConvBN(rng, cPrev, channels, 1, 1, 0, false)];
}

/** What `buildSearchTrunk` needs: the search network's shape, and how one of its cells is made. */
export interface SearchTrunkSpec<C extends Module> {
  readonly rng: Rng;
  /** Initial channels C. */
  readonly channels: number;
  /** Cells L; reductions at ⌊L/3⌋ and ⌊2L/3⌋. */
  readonly cells: number;
  readonly stemMultiplier: number;
  readonly inputShape: readonly [number, number, number];
  /** Intermediate nodes per cell, all concatenated into its output (DARTS: 4). */
  readonly nodes: number;
  readonly makeCell: (cPrevPrev: number, cPrev: number, channels: number, reduction: boolean, reductionPrev: boolean) => C;
}

/** The stem and the stacked cells of a search network, and the channels of the last cell's output. */
export interface SearchTrunk<C extends Module> {
  readonly stem: Module;
  readonly cells: C[];
  readonly cellInfo: CellInfo[];
  readonly outChannels: number;
}

/**
 * The reference search `Network`'s trunk: the stem (3×3 conv to stemMultiplier·C and an affine
 * BN) registered as `stem`, then the L cells under `cells` (channels doubled at each reduction),
 * through `child`, the owning network's child registration, so parameter paths and the order of
 * initialisation draws are the network's own.
 */
export function buildSearchTrunk<C extends Module>(child: <M extends Module>(name: string, module: M) => M, spec: SearchTrunkSpec<C>): SearchTrunk<C> {
  const { rng, cells: L } = spec;
  const [h, w, cin] = spec.inputShape;
  let cCurr = spec.stemMultiplier * spec.channels;
  const stem = child('stem', new Sequential([new Conv2d(rng, { inChannels: cin, outChannels: cCurr, kernel: 3, padding: 1 }), new BatchNorm(cCurr)]));
  let cPrevPrev = cCurr;
  let cPrev = cCurr;
  cCurr = spec.channels;
  let reductionPrev = false;
  let size: [number, number] = [h, w];
  const cells: C[] = [];
  const cellInfo: CellInfo[] = [];
  const list = child('cells', new ModuleList());
  for (let i = 0; i < L; i++) {
    const reduction = i === Math.floor(L / 3) || i === Math.floor((2 * L) / 3);
    if (reduction) {
      cCurr *= 2;
      size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
    }
    cells.push(list.add(spec.makeCell(cPrevPrev, cPrev, cCurr, reduction, reductionPrev)));
    cellInfo.push({ index: i, reduction, outputShape: [size[0], size[1], spec.nodes * cCurr] });
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = spec.nodes * cCurr;
  }
  return { stem, cells, cellInfo, outChannels: cPrev };
}

/** α of both cell types, `edges` × `ops` each, 1e-3·N(0, 1) drawn from `rng` (normal first), as the reference `_initialize_alphas`. */
export function initSupernetAlphas(rng: Rng, edges: number, ops: number): Record<CellName, tf.Variable> {
  const init = (label: string) => {
    const v = new Float32Array(edges * ops);
    for (let i = 0; i < v.length; i++) v[i] = 1e-3 * rng.normal();
    return uniqueVariable(tf.tensor2d(v, [edges, ops]), true, label);
  };
  return { normal: init('alphas_normal'), reduce: init('alphas_reduce') };
}

/** α as parameter infos (`alphas_normal`, `alphas_reduce`): what the α optimiser updates. */
export function alphaParameterInfos(alphas: Record<CellName, tf.Variable>): ParameterInfo[] {
  return (['normal', 'reduce'] as const).map((k) => ({
    path: `alphas_${k}`,
    variable: alphas[k],
    trainable: true,
    auxiliary: false,
  }));
}

/** softmax(α) without masks, per cell type, as numbers (what DARTS prints each epoch). */
export function alphaSoftmaxValues(alphas: Record<CellName, tf.Variable>): Record<CellName, number[][]> {
  const out = {} as Record<CellName, number[][]>;
  for (const cell of ['normal', 'reduce'] as const) {
    const t = tf.tidy(() => tf.softmax(alphas[cell]) as tf.Tensor2D);
    out[cell] = t.arraySync();
    t.dispose();
  }
  return out;
}

export interface SupernetSpec extends SupernetOptions {
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  /** Weight initialisation stream; α come from `rng.split('alphas')`. */
  readonly rng: Rng;
}

/** Mixing weights of both cell types ([14, 8] each), as DARTS-PT's `weights_dict`. */
export type MixingWeights = Record<CellName, tf.Tensor2D>;

/**
 * The reference search `Network` with α, masks and freezing. Training mode uses batch
 * statistics in every BN (the reference searches in `model.train()`).
 */
export class DartsSupernet extends Network {
  readonly cellInfo: CellInfo[];
  readonly cells: SearchCell[];
  readonly alphas: Record<CellName, tf.Variable>;
  readonly channels: number;
  readonly cellCount: number;
  private readonly stem: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  private masks: SupernetMaskState = defaultMaskState();
  private frozen = { weights: false, alphas: false };
  private skipDropout: { probability: number; rng: Rng } | null = null;

  constructor(spec: SupernetSpec) {
    super();
    const C = (this.channels = spec.channels ?? SUPERNET_DEFAULTS.channels);
    const L = (this.cellCount = spec.cells ?? SUPERNET_DEFAULTS.cells);
    const stemMultiplier = spec.stemMultiplier ?? SUPERNET_DEFAULTS.stemMultiplier;
    const rng = spec.rng;
    const trunk = buildSearchTrunk(<M extends Module>(name: string, m: M) => this.child(name, m), {
      rng,
      channels: C,
      cells: L,
      stemMultiplier,
      inputShape: spec.inputShape,
      nodes: DARTS_NODES,
      makeCell: (cPrevPrev, cPrev, c, reduction, reductionPrev) => new SearchCell(rng, cPrevPrev, cPrev, c, reduction, reductionPrev),
    });
    this.stem = trunk.stem;
    this.cells = trunk.cells;
    this.cellInfo = trunk.cellInfo;
    this.child('global_pooling', this.pool);
    this.classifier = this.child('classifier', new Linear(rng, trunk.outChannels, spec.classes));
    this.alphas = initSupernetAlphas(rng.split('alphas'), SUPERNET_EDGES, SUPERNET_OPS);
  }

  // -------------------------------------------------------------------------------------------
  // Parameters and freezing

  /** Trained weights (not α, not BN running statistics), in a stable order. */
  weightParameters(): ParameterInfo[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /** α of the normal and reduction cells, as parameter infos (`alphas_normal`, `alphas_reduce`). */
  archParameters(): ParameterInfo[] {
    return alphaParameterInfos(this.alphas);
  }

  /** Freeze (or unfreeze) the weights and/or α: frozen ones are left out of the `trainable*` lists. */
  freeze(what: { weights?: boolean; alphas?: boolean }): void {
    if (what.weights !== undefined) this.frozen.weights = what.weights;
    if (what.alphas !== undefined) this.frozen.alphas = what.alphas;
  }

  get frozenState(): { weights: boolean; alphas: boolean } {
    return { ...this.frozen };
  }

  /** The weights an optimiser should update now ([] when frozen). */
  trainableWeights(): ParameterInfo[] {
    return this.frozen.weights ? [] : this.weightParameters();
  }

  /** The α an optimiser should update now ([] when frozen). */
  trainableAlphas(): ParameterInfo[] {
    return this.frozen.alphas ? [] : this.archParameters();
  }

  override dispose(): void {
    super.dispose();
    this.alphas.normal.dispose();
    this.alphas.reduce.dispose();
  }

  /**
   * Dropout on the stride-1 skip ops in training (P-DARTS `model.p` / `update_p()`), its masks
   * drawn from `rng` (or the forward context's); 0 turns it off (the default).
   */
  setSkipDropout(probability: number, rng: Rng): void {
    if (!(probability >= 0 && probability < 1)) throw new RangeError(`skip dropout ${probability} outside [0, 1)`);
    this.skipDropout = probability > 0 ? { probability, rng } : null;
  }

  get skipDropoutProbability(): number {
    return this.skipDropout?.probability ?? 0;
  }

  // -------------------------------------------------------------------------------------------
  // Masks

  edgeMask(cell: CellName, edge: number): EdgeMask {
    return structuredClone(this.edgeRef(cell, edge));
  }

  private edgeRef(cell: CellName, edge: number): EdgeMask {
    const m = this.masks[cell][edge];
    if (!m) throw new RangeError(`edge ${edge} out of range 0–${SUPERNET_EDGES - 1}`);
    return m;
  }

  private checkOp(op: number): void {
    if (!Number.isInteger(op) || op < 0 || op >= SUPERNET_OPS) throw new RangeError(`op ${op} out of range 0–${SUPERNET_OPS - 1}`);
  }

  /** Drop op `op`'s term from the edge's sum, other weights unchanged (DARTS-PT perturbation). */
  removeOp(cell: CellName, edge: number, op: number, removed = true): void {
    this.checkOp(op);
    this.edgeRef(cell, edge).removed[op] = removed;
  }

  /** Limit the softmax of an edge to `ops` (PDARTS switches; the others renormalise). */
  setCandidates(cell: CellName, edge: number, ops: readonly boolean[]): void {
    if (ops.length !== SUPERNET_OPS || !ops.some(Boolean)) throw new Error(`candidates need ${SUPERNET_OPS} flags, at least one set`);
    this.edgeRef(cell, edge).candidates = [...ops];
  }

  /** Fix the edge to op `op` (weight 1, no α gradient), or undo with null (DARTS-PT `project_op`). */
  projectOp(cell: CellName, edge: number, op: number | null): void {
    if (op !== null) this.checkOp(op);
    this.edgeRef(cell, edge).projected = op;
  }

  /** Remove (or restore) the whole edge from its node's sum. */
  maskEdge(cell: CellName, edge: number, masked = true): void {
    this.edgeRef(cell, edge).masked = masked;
  }

  /** A copy of every edge's mask (JSON, for checkpoints). */
  maskState(): SupernetMaskState {
    return structuredClone(this.masks);
  }

  setMaskState(state: SupernetMaskState): void {
    if (state.normal.length !== SUPERNET_EDGES || state.reduce.length !== SUPERNET_EDGES) throw new Error('mask state has the wrong number of edges');
    this.masks = structuredClone(state);
  }

  // -------------------------------------------------------------------------------------------
  // Forward

  /** Mixing weights [14, 8] of one cell type: softmax(α) with the masks applied. */
  mixingWeights(cell: CellName): tf.Tensor2D {
    const alpha = this.alphas[cell] as tf.Tensor2D;
    const masks = this.masks[cell];
    if (masks.every(isPlainEdge)) return tf.softmax(alpha) as tf.Tensor2D;
    const flat = (f: (m: EdgeMask, k: number) => number) =>
      tf.tensor2d(
        masks.flatMap((m) => Array.from({ length: SUPERNET_OPS }, (_, k) => f(m, k))),
        [SUPERNET_EDGES, SUPERNET_OPS],
      );
    const allCandidates = masks.every((m) => m.candidates.every(Boolean));
    let soft: tf.Tensor2D;
    if (allCandidates) {
      soft = tf.softmax(alpha) as tf.Tensor2D;
    } else {
      // softmax over the candidate ops only
      const cand = flat((m, k) => (m.candidates[k] ? 1 : 0));
      const shifted = tf.sub(alpha, tf.max(alpha, 1, true)); // shift-invariant: its gradient cancels
      const e = tf.mul(tf.exp(shifted), cand);
      soft = tf.div(e, tf.sum(e, 1, true)) as tf.Tensor2D;
    }
    const keep = flat((m, k) => (m.masked || m.projected !== null || m.removed[k] ? 0 : 1));
    const projected = flat((m, k) => (!m.masked && m.projected === k ? 1 : 0));
    return tf.add(tf.mul(soft, keep), projected) as tf.Tensor2D;
  }

  /** Both cell types' mixing weights. */
  allMixingWeights(): MixingWeights {
    return { normal: this.mixingWeights('normal'), reduce: this.mixingWeights('reduce') };
  }

  private edgeScalars(weights: tf.Tensor2D, cell: CellName | null): EdgeWeights[] {
    const rows = tf.unstack(weights);
    return rows.map((row, e) => {
      const scalars = tf.unstack(row) as tf.Scalar[];
      const mask = cell ? this.masks[cell][e]! : null;
      return scalars.map((s, k) => (k === NONE_INDEX || (mask && !isOpActive(mask, k)) ? null : s));
    });
  }

  /** Forward with the supernet's own mixing weights. */
  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    return this.runWith(x, ctx, this.allMixingWeights(), true);
  }

  /**
   * Forward with given mixing weights (DARTS-PT's `forward(input, weights_dict)`). Every op but
   * `none` is computed, so a zero weight costs its op; `run` skips structural zeros.
   */
  runWithWeights(x: tf.Tensor4D, ctx: ForwardContext, weights: MixingWeights): NetworkOutput {
    return this.runWith(x, ctx, weights, false);
  }

  private runWith(x: tf.Tensor4D, ctx: ForwardContext, weights: MixingWeights, useMasks: boolean): NetworkOutput {
    const perCell = {
      normal: this.edgeScalars(weights.normal, useMasks ? 'normal' : null),
      reduce: this.edgeScalars(weights.reduce, useMasks ? 'reduce' : null),
    };
    const heads: Record<string, tf.Tensor> = {};
    const drop = this.skipDropout && ctx.training ? new Dropout(this.skipDropout.probability) : undefined;
    const cellCtx = drop && !ctx.rng ? { ...ctx, rng: this.skipDropout!.rng } : ctx;
    let s0: tf.Tensor = this.stem.forward(x, ctx);
    let s1 = s0;
    this.cells.forEach((cell, i) => {
      const out = cell.run(s0, s1, cell.reduction ? perCell.reduce : perCell.normal, cellCtx, drop);
      s0 = s1;
      s1 = out;
      this.afterCell(i, out, ctx, heads);
    });
    const logits = this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D;
    return { logits, heads };
  }

  // -------------------------------------------------------------------------------------------
  // Derivation

  /** Mixing weights as numbers, [14][8] per cell type. */
  mixingWeightValues(): Record<CellName, number[][]> {
    const out = {} as Record<CellName, number[][]>;
    for (const cell of ['normal', 'reduce'] as const) {
      const t = tf.tidy(() => this.mixingWeights(cell));
      out[cell] = t.arraySync();
      t.dispose();
    }
    return out;
  }

  /** Raw α, [14][8] per cell type (pt.darts derives its genotype from these, not their softmax). */
  alphaValues(): Record<CellName, number[][]> {
    return { normal: this.alphas.normal.arraySync() as number[][], reduce: this.alphas.reduce.arraySync() as number[][] };
  }

  /** softmax(α) without masks, [14][8] per cell type (what DARTS prints each epoch). */
  alphaSoftmaxValues(): Record<CellName, number[][]> {
    return alphaSoftmaxValues(this.alphas);
  }

  /** The reference `genotype()` on the current (masked) mixing weights. */
  genotype(): Genotype {
    return deriveGenotype(this.mixingWeightValues());
  }
}

/** Build the search network (imports TensorFlow.js). */
export function buildDartsSupernet(spec: SupernetSpec): DartsSupernet {
  return new DartsSupernet(spec);
}
