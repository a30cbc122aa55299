/**
 * The ENAS search child (`ENASTF/src/cifar10/micro_child.py`, `fixed_arc=None`): one network
 * whose weights every sampled arc shares. As the code: op weights per (layer, node, branch, input
 * state, op) — the TF child indexes them by `prev_cell`; a reduction layer is a factorized
 * reduction followed by a stride-1 cell with the reduction arc; the loose ends (cell inputs
 * included) pass ReLU and a per-state 1×1 conv whose outputs are summed (the code's gathered
 * `w` of `[num_cells+2, F·F]` on their concat), then BN.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import {
  BatchNorm,
  Conv2d,
  Dropout,
  GlobalAvgPool,
  kaimingUniform,
  Linear,
  Module,
  ModuleList,
  Network,
  PaddedFactorizedReduce,
  ReLU,
  ReLUConvBN,
  Sequential,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
} from '@naslab/engine';
import { ENAS_CELL_INPUTS, ENAS_NODES, ENAS_OPS, looseEnds, type EnasArc, type loadEnasNetwork } from '@naslab/space-enas-micro';

/** Index of `identity` in `ENAS_OPS`: drop-path leaves it alone (the code drops ops 0–3 only). */
const IDENTITY_OP = 4;

/**
 * The drop-path keep probability of `_apply_drop_path` (`micro_child.py`): scaled by layer,
 * k_l = 1 − (l + 1)/(L + 2)·(1 − p) with L + 2 = `layers`, then by step,
 * 1 − min(1, (step + 1)/steps)·(1 − k_l). `stepRatio` is min(1, (step + 1)/steps).
 */
export function enasDropPathKeepProb(keepProb: number, layer: number, layers: number, stepRatio: number): number {
  const layerKeep = 1 - ((layer + 1) / layers) * (1 - keepProb);
  return 1 - Math.min(1, stepRatio) * (1 - layerKeep);
}

/** Multiply each sample of `x` by 0 or 1/keep (Bernoulli(keep)), as the code's `drop_path`. */
function dropPath(x: tf.Tensor, keep: number, rng: ForwardContext['rng']): tf.Tensor {
  if (!rng || keep >= 1) return x;
  const n = x.shape[0]!;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor4d(mask, [n, 1, 1, 1]));
}

/**
 * The search child's auxiliary head (`micro_child.py` `_model`, `aux_head`): ReLU, avg-pool 5×5
 * stride 3 VALID, 1×1 conv → 128, BN, ReLU, an h×w conv (SAME) → 768, BN, ReLU, global pool, a
 * bias-free FC. BN in training mode always, as the code builds it. On maps under 5 px the pool
 * covers the whole map (the code would fail there; only toy inputs are that small).
 */
export class EnasAuxHead extends Module {
  private readonly window: number;
  private readonly hw: number;
  private readonly proj: tf.Variable;
  private readonly projBn: BatchNorm;
  private readonly conv: tf.Variable;
  private readonly convBn: BatchNorm;
  private readonly fc: Linear;

  constructor(rng: Rng, channels: number, side: number, classes: number) {
    super();
    this.window = Math.min(5, side);
    this.hw = Math.floor((side - this.window) / 3) + 1;
    this.proj = this.param('proj.weight', kaimingUniform(rng, [1, 1, channels, 128], channels));
    this.projBn = this.child('proj.bn', new BatchNorm(128));
    this.conv = this.param('avg_pool.weight', kaimingUniform(rng, [this.hw, this.hw, 128, 768], 128 * this.hw * this.hw));
    this.convBn = this.child('avg_pool.bn', new BatchNorm(768));
    this.fc = this.child('fc', new Linear(rng, 768, classes, { bias: false }));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const train = { ...ctx, training: true };
    let y = tf.avgPool(tf.relu(x) as tf.Tensor4D, this.window, 3, 'valid');
    y = tf.relu(this.projBn.forward(tf.conv2d(y, this.proj as tf.Tensor4D, 1, 'same'), train)) as tf.Tensor4D;
    y = tf.relu(this.convBn.forward(tf.conv2d(y, this.conv as tf.Tensor4D, 1, 'same'), train)) as tf.Tensor4D;
    return this.fc.forward(tf.mean(y, [1, 2]), ctx);
  }
}

/** The space's network module (ops, reduction layers), loaded on demand with TensorFlow.js. */
export type EnasNetworkModule = Awaited<ReturnType<typeof loadEnasNetwork>>;


const STATES = ENAS_CELL_INPUTS + ENAS_NODES;

export class SharedEnasLayer extends Module {
  private readonly calibrateX?: Module;
  private readonly calibrateY?: Module;
  private readonly base: Module;
  /** ops[node][branch][input][op] */
  private readonly ops: Module[][][][] = [];
  private readonly finalConv: Module[] = [];
  private readonly relu = new ReLU();
  private readonly bn: BatchNorm;

  constructor(net: EnasNetworkModule, rng: Rng, F: number, inChannels: readonly [number, number], reducePrev: boolean) {
    super();
    if (reducePrev) this.calibrateX = this.child('pool_x', new PaddedFactorizedReduce(rng, inChannels[0], F, true));
    else if (inChannels[0] !== F) this.calibrateX = this.child('pool_x', new ReLUConvBN(rng, inChannels[0], F, 1, 1, 0));
    if (inChannels[1] !== F) this.calibrateY = this.child('pool_y', new ReLUConvBN(rng, inChannels[1], F, 1, 1, 0));
    this.base = this.child('layer_base', new ReLUConvBN(rng, F, F, 1, 1, 0));
    const list = this.child('ops', new ModuleList());
    for (let node = 0; node < ENAS_NODES; node++) {
      const branches: Module[][][] = [];
      for (let b = 0; b < 2; b++) {
        const inputs: Module[][] = [];
        for (let from = 0; from < node + ENAS_CELL_INPUTS; from++) inputs.push(ENAS_OPS.map((_, op) => list.add(net.makeEnasOp(op, F, 1, rng))));
        branches.push(inputs);
      }
      this.ops.push(branches);
    }
    const convs = this.child('final_conv', new ModuleList());
    for (let s = 0; s < STATES; s++) this.finalConv.push(convs.add(new Conv2d(rng, { inChannels: F, outChannels: F, kernel: 1 })));
    this.bn = this.child('final_bn', new BatchNorm(F));
  }

  /** `dropKeep`: the drop-path keep probability of this layer now (1: none); drawn only while training with a stream. */
  forward2(s0: tf.Tensor, s1: tf.Tensor, cell: readonly number[], ctx: ForwardContext, dropKeep = 1): tf.Tensor {
    const x = this.calibrateX ? this.calibrateX.forward(s0, ctx) : s0;
    const y = this.calibrateY ? this.calibrateY.forward(s1, ctx) : s1;
    const states = [x, this.base.forward(y, ctx)];
    for (let node = 0; node < ENAS_NODES; node++) {
      const [xId, xOp, yId, yOp] = cell.slice(4 * node, 4 * node + 4) as [number, number, number, number];
      let a = this.ops[node]![0]![xId]![xOp]!.forward(states[xId]!, ctx);
      let b = this.ops[node]![1]![yId]![yOp]!.forward(states[yId]!, ctx);
      if (ctx.training && dropKeep < 1) {
        if (xOp !== IDENTITY_OP) a = dropPath(a, dropKeep, ctx.rng);
        if (yOp !== IDENTITY_OP) b = dropPath(b, dropKeep, ctx.rng);
      }
      states.push(tf.add(a, b));
    }
    const ends = looseEnds(cell).map((s) => this.finalConv[s]!.forward(this.relu.forward(states[s]!, ctx), ctx));
    return this.bn.forward(ends.length === 1 ? ends[0]! : tf.addN(ends), ctx);
  }

  forward(): tf.Tensor {
    throw new Error('SharedEnasLayer takes two inputs: use forward2');
  }
}

export interface SharedChildSpec {
  /** F of the first cells (`--child_out_filters 20`). */
  readonly filters: number;
  /** Cells in all (`num_layers + 2`: 8 for `--child_num_layers 6`). */
  readonly cells: number;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  readonly rng: Rng;
  readonly net: EnasNetworkModule;
  /** Drop-path keep probability p of `_apply_drop_path`, scaled by layer and step; null: none. */
  readonly dropPathKeepProb?: number | null;
  /** Dropout keep probability before the classifier (`child_keep_prob`); 1: none. */
  readonly keepProb?: number;
  /** Attach the auxiliary head after layer `pool_layers[-1] + 1` (where the network has one). */
  readonly auxHead?: boolean;
}

/** The auxiliary head's name in `NetworkOutput.heads`. */
export const ENAS_AUX_HEAD = 'aux_head';

/** The shared child on 32-px-style inputs (stem conv 3×3 → 3F, BN); `arc` picks the path of the next forward passes. */
export class SharedEnasChild extends Network {
  readonly cellInfo: CellInfo[] = [];
  arc: EnasArc | undefined;
  /** min(1, (step + 1)/steps) of the training step about to run: the drop-path schedule's clock. */
  stepRatio = 0;
  private readonly dropPathKeepProb: number | null;
  private readonly dropout: Dropout;
  private readonly stem: Module;
  private readonly layers: Array<{ reduce?: Module; layer: SharedEnasLayer; reduction: boolean }> = [];
  private readonly pool = new GlobalAvgPool();
  private readonly relu = new ReLU();
  private readonly classifier: Linear;

  constructor(spec: SharedChildSpec) {
    super();
    const { rng } = spec;
    this.dropPathKeepProb = spec.dropPathKeepProb ?? null;
    this.dropout = new Dropout(1 - (spec.keepProb ?? 1));
    let F = spec.filters;
    const [h0, w0, cin] = spec.inputShape;
    this.stem = this.child('stem_conv', new Sequential([new Conv2d(rng, { inChannels: cin, outChannels: 3 * F, kernel: 3, padding: 1 }), new BatchNorm(3 * F)]));
    const pools = spec.net.enasReductionCells(spec.cells);
    let channels: [number, number] = [3 * F, 3 * F];
    let [h, w] = [h0, w0];
    const list = this.child('layers', new ModuleList());
    for (let i = 0; i < spec.cells; i++) {
      const reduction = pools.includes(i);
      let reduce: Module | undefined;
      if (reduction) {
        F *= 2;
        reduce = list.add(new PaddedFactorizedReduce(rng, channels[1], F, false));
        channels = [channels[1], F];
        h = Math.ceil(h / 2);
        w = Math.ceil(w / 2);
      }
      const layer = list.add(new SharedEnasLayer(spec.net, rng, F, channels, reduction));
      this.layers.push({ reduce, layer, reduction });
      this.cellInfo.push({ index: i, reduction, outputShape: [h, w, F] });
      channels = [reduction ? F : channels[1], F];
    }
    this.child('global_pooling', this.pool);
    this.classifier = this.child('fc', new Linear(rng, F, spec.classes, { bias: false }));
    const auxCell = pools[1] + 1;
    if (spec.auxHead && auxCell < spec.cells) {
      const [side, , channels] = this.cellInfo[auxCell]!.outputShape;
      this.attachHead({ name: ENAS_AUX_HEAD, atCell: auxCell, module: new EnasAuxHead(rng, channels, side, spec.classes) });
    }
  }

  /** Whether the auxiliary head is attached (the network is deep enough for its layer). */
  get hasAuxHead(): boolean {
    return this.parameters().some((p) => p.auxiliary);
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const arc = this.arc;
    if (!arc) throw new Error('the ENAS shared child needs an arc (set `arc` first)');
    const heads: Record<string, tf.Tensor> = {};
    let prev: tf.Tensor = this.stem.forward(x, ctx);
    let last: tf.Tensor = prev;
    this.layers.forEach(({ reduce, layer, reduction }, i) => {
      if (reduce) {
        const reduced = reduce.forward(last, ctx);
        prev = last;
        last = reduced;
      }
      const keep = this.dropPathKeepProb === null ? 1 : enasDropPathKeepProb(this.dropPathKeepProb, i, this.layers.length, this.stepRatio);
      const out = layer.forward2(prev, last, reduction ? arc.reduce : arc.normal, ctx, keep);
      prev = last;
      last = out;
      this.afterCell(i, out, ctx, heads);
    });
    const features = this.dropout.forward(this.pool.forward(this.relu.forward(last, ctx), ctx), ctx);
    return { logits: this.classifier.forward(features, ctx) as tf.Tensor2D, heads };
  }
}
