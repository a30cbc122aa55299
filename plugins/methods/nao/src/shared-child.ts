/**
 * NAO-WS's weight-sharing child (`NAO/model_search.py` `NASWSNetworkCIFAR`), on the engine's
 * layers: every architecture of the pool runs through it with the same weights.
 * As the code: 3N + 2 cells (reductions at N and 2N + 1, channels doubling), the CIFAR stem
 * (conv 3×3 → 3C, BN), `MaybeCalibrateSize` on each cell's inputs, sep-conv weights per
 * (node, branch, input state, kernel) (`WSSepConv` indexes them by input), parameter-free pools,
 * stride-2 identities through a FactorizedReduce per input, a reduction cell's loose cell inputs
 * FactorizedReduce'd, and the loose ends combined by ReLU and a 1×1 conv with a weight slice per
 * state, then BN (`WSReLUConvBN`), so every cell outputs C channels; global pool, linear.
 * Drop-path as `Node.forward` and `apply_drop_path`: every non-identity branch while training,
 * its keep probability scaled by layer and by step (`naoDropPathKeepProb`).
 * Simpler than the code: one BN per sep-conv copy instead of `WSBN`'s per-input affine
 * parameters on shared statistics, the engine's initialisation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { AvgPool, BatchNorm, Conv2d, GlobalAvgPool, Linear, MaxPool, Module, ModuleList, PaddedFactorizedReduce, ReLU, ReLUConvBN, SepConv, Sequential, type ForwardContext } from '@naslab/engine';
import { looseEnds, NAO_CELL_INPUTS, NAO_NODES, type NaoArch } from '@naslab/space-nao';

/** Op id of the identity (`assert x_op == 4`): drop-path leaves it alone, as `Node.forward`'s `x_op != 4`. */
const IDENTITY_OP = 4;

/**
 * `apply_drop_path` (`NAO/operations.py`): keep probability 1 − (l + 1)/L·(1 − p) for cell l of L,
 * then 1 − (step + 1)/steps·(1 − that) at training step `step` (0-based) of `steps`.
 */
export function naoDropPathKeepProb(keepProb: number, layer: number, layers: number, step: number, steps: number): number {
  const layerKeep = 1 - ((layer + 1) / layers) * (1 - keepProb);
  return 1 - ((step + 1) / steps) * (1 - layerKeep);
}

/** `x / keep * mask`, one Bernoulli(keep) per sample; only with a stream (training). */
function dropPath(x: tf.Tensor, keep: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || !ctx.rng || keep >= 1) return x;
  const n = x.shape[0]!;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = ctx.rng.uniform() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor4d(mask, [n, 1, 1, 1]));
}


/** One branch of a node: its ops for every input state it may read. */
interface Branch {
  /** sep[input][0: 3×3, 1: 5×5] */
  readonly sep: Module[][];
  /** FactorizedReduce of a stride-2 identity, per cell input (reduction cells only). */
  readonly reduce: Module[];
}

class SharedNaoCell extends Module {
  private readonly calibrateX?: Module;
  private readonly calibrateY?: Module;
  private readonly branches: Branch[][] = [];
  private readonly pools: Record<'avg' | 'max', [Module, Module]>;
  private readonly combineReduce: Module[] = [];
  private readonly combine: Module[] = [];
  private readonly bn: BatchNorm;

  constructor(
    rng: Rng,
    readonly reduction: boolean,
    C: number,
    prev: readonly [readonly [number, number], readonly [number, number]],
  ) {
    super();
    // `MaybeCalibrateSize`: [resolution, channels] of the two inputs
    const [[r0, c0], [r1, c1]] = prev;
    if (r0 !== r1) this.calibrateX = this.child('calibrate_x', new PaddedFactorizedReduce(rng, c0, C, true));
    else if (c0 !== C) this.calibrateX = this.child('calibrate_x', new ReLUConvBN(rng, c0, C, 1, 1, 0));
    if (c1 !== C) this.calibrateY = this.child('calibrate_y', new ReLUConvBN(rng, c1, C, 1, 1, 0));
    const ops = this.child('nodes', new ModuleList());
    for (let node = 0; node < NAO_NODES; node++) {
      const pair: Branch[] = [];
      for (let b = 0; b < 2; b++) {
        const sep: Module[][] = [];
        const reduce: Module[] = [];
        for (let from = 0; from < node + NAO_CELL_INPUTS; from++) {
          const stride = reduction && from < NAO_CELL_INPUTS ? 2 : 1;
          sep.push([ops.add(new SepConv(rng, C, C, 3, stride, 1)), ops.add(new SepConv(rng, C, C, 5, stride, 2))]);
          if (stride === 2) reduce.push(ops.add(new PaddedFactorizedReduce(rng, C, C, false)));
        }
        pair.push({ sep, reduce });
      }
      this.branches.push(pair);
    }
    this.pools = { avg: [new AvgPool(3, 1, 1), new AvgPool(3, 2, 1)], max: [new MaxPool(3, 1, 1), new MaxPool(3, 2, 1)] };
    if (reduction) for (let s = 0; s < NAO_CELL_INPUTS; s++) this.combineReduce.push(this.child(`fac_${s + 1}`, new PaddedFactorizedReduce(rng, C, C, false)));
    const combine = this.child('final_combine', new ModuleList());
    for (let s = 0; s < NAO_CELL_INPUTS + NAO_NODES; s++) this.combine.push(combine.add(new Conv2d(rng, { inChannels: C, outChannels: C, kernel: 1 })));
    this.bn = this.child('final_combine_bn', new BatchNorm(C));
  }

  private branch(node: number, b: number, from: number, op: number, x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const stride2 = this.reduction && from < NAO_CELL_INPUTS;
    const br = this.branches[node]![b]!;
    switch (op) {
      case 0:
      case 1:
        return br.sep[from]![op]!.forward(x, ctx);
      case 2:
        return this.pools.avg[stride2 ? 1 : 0].forward(x, ctx);
      case 3:
        return this.pools.max[stride2 ? 1 : 0].forward(x, ctx);
      case 4:
        return stride2 ? br.reduce[from]!.forward(x, ctx) : x;
      default:
        throw new Error(`nao: the weight-sharing child has the searched ops 0–4, got op ${op}`);
    }
  }

  /** `dropKeep`: this cell's drop-path keep probability now (1: none). */
  run(s0: tf.Tensor, s1: tf.Tensor, cell: readonly number[], ctx: ForwardContext, dropKeep = 1): tf.Tensor {
    const states = [this.calibrateX ? this.calibrateX.forward(s0, ctx) : s0, this.calibrateY ? this.calibrateY.forward(s1, ctx) : s1];
    for (let node = 0; node < NAO_NODES; node++) {
      const [xId, xOp, yId, yOp] = cell.slice(4 * node, 4 * node + 4) as [number, number, number, number];
      let x = this.branch(node, 0, xId, xOp, states[xId]!, ctx);
      let y = this.branch(node, 1, yId, yOp, states[yId]!, ctx);
      if (xOp !== IDENTITY_OP) x = dropPath(x, dropKeep, ctx);
      if (yOp !== IDENTITY_OP) y = dropPath(y, dropKeep, ctx);
      states.push(tf.add(x, y));
    }
    const ends = looseEnds(cell).map((s) => {
      const x = this.reduction && s < NAO_CELL_INPUTS ? this.combineReduce[s]!.forward(states[s]!, ctx) : states[s]!;
      return this.combine[s]!.forward(tf.relu(x), ctx);
    });
    return this.bn.forward(ends.length === 1 ? ends[0]! : tf.addN(ends), ctx);
  }

  forward(): tf.Tensor {
    throw new Error('a shared NAO cell takes two inputs and an arch: use run');
  }
}

export interface SharedChildSpec {
  /** N of 3N + 2 cells (`--child_layers 3`). */
  readonly layers: number;
  /** C (`--child_channels 20`). */
  readonly channels: number;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  readonly rng: Rng;
  /** Drop-path keep probability p (`--child_drop_path_keep_prob`); null: none. */
  readonly dropPathKeepProb?: number | null;
  /**
   * `cifar`: conv 3×3 → 3C, BN (`NASWSNetworkCIFAR`); `imagenet`: `NASWSNetworkImageNet`'s two
   * stems, conv s2 → C/2, BN, ReLU, conv s2 → C, BN, then ReLU, conv s2, BN (224 px → 56 and 28).
   */
  readonly stem?: 'cifar' | 'imagenet';
}

export class SharedNaoChild extends Module {
  private readonly stem: Module;
  private readonly stem1?: Module;
  private readonly cells: SharedNaoCell[] = [];
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  private readonly dropPathKeepProb: number | null;
  /** The training step about to run (0-based) and the steps in all: the drop-path schedule's clock. */
  schedule = { step: 0, steps: 1 };

  constructor(spec: SharedChildSpec) {
    super();
    this.dropPathKeepProb = spec.dropPathKeepProb ?? null;
    const { rng, layers: N } = spec;
    const [h, , cin] = spec.inputShape;
    let C = spec.channels;
    let prev: [[number, number], [number, number]];
    if (spec.stem === 'imagenet') {
      const conv = (i: number, o: number) => new Conv2d(rng, { inChannels: i, outChannels: o, kernel: 3, stride: 2, padding: 1 });
      const half = Math.floor(C / 2);
      this.stem = this.child('stem0', new Sequential([conv(cin, half), new BatchNorm(half), new ReLU(), conv(half, C), new BatchNorm(C)]));
      this.stem1 = this.child('stem1', new Sequential([new ReLU(), conv(C, C), new BatchNorm(C)]));
      const h0 = Math.ceil(Math.ceil(h / 2) / 2);
      prev = [
        [h0, C],
        [Math.ceil(h0 / 2), C],
      ];
    } else {
      this.stem = this.child('stem', new Sequential([new Conv2d(rng, { inChannels: cin, outChannels: 3 * C, kernel: 3, padding: 1 }), new BatchNorm(3 * C)]));
      prev = [
        [h, 3 * C],
        [h, 3 * C],
      ];
    }
    const list = this.child('cells', new ModuleList());
    for (let i = 0; i < 3 * N + 2; i++) {
      const reduction = i === N || i === 2 * N + 1;
      if (reduction) C *= 2;
      this.cells.push(list.add(new SharedNaoCell(rng, reduction, C, prev)));
      const r = reduction ? Math.ceil(prev[1][0] / 2) : prev[1][0];
      prev = [prev[1], [r, C]];
    }
    this.classifier = this.child('classifier', new Linear(rng, C, spec.classes));
  }

  /** Logits of `arch` on a batch (NHWC). */
  run(x: tf.Tensor4D, arch: NaoArch, ctx: ForwardContext): tf.Tensor2D {
    let s0: tf.Tensor = this.stem.forward(x, ctx);
    let s1 = this.stem1 ? this.stem1.forward(s0, ctx) : s0;
    const p = this.dropPathKeepProb;
    this.cells.forEach((cell, i) => {
      const keep = p === null ? 1 : naoDropPathKeepProb(p, i, this.cells.length, this.schedule.step, this.schedule.steps);
      [s0, s1] = [s1, cell.run(s0, s1, cell.reduction ? arch.reduce : arch.normal, ctx, keep)];
    });
    return this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D;
  }

  forward(): tf.Tensor {
    throw new Error('the shared NAO child needs an arch: use run');
  }
}
