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
import { BatchNorm, Conv2d, GlobalAvgPool, Linear, Module, Network, PaddedFactorizedReduce, ReLU, ReLUConvBN, Sequential, type CellInfo, type ForwardContext, type NetworkOutput } from '@naslab/engine';
import { ENAS_CELL_INPUTS, ENAS_NODES, ENAS_OPS, looseEnds, type EnasArc, type loadEnasNetwork } from '@naslab/space-enas-micro';

/** The space's network module (ops, reduction layers), loaded on demand with TensorFlow.js. */
export type EnasNetworkModule = Awaited<ReturnType<typeof loadEnasNetwork>>;

class ModuleList extends Module {
  private n = 0;
  add<M extends Module>(m: M): M {
    return this.child(String(this.n++), m);
  }
  forward(): tf.Tensor {
    throw new Error('ModuleList is a container');
  }
}

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

  forward2(s0: tf.Tensor, s1: tf.Tensor, cell: readonly number[], ctx: ForwardContext): tf.Tensor {
    const x = this.calibrateX ? this.calibrateX.forward(s0, ctx) : s0;
    const y = this.calibrateY ? this.calibrateY.forward(s1, ctx) : s1;
    const states = [x, this.base.forward(y, ctx)];
    for (let node = 0; node < ENAS_NODES; node++) {
      const [xId, xOp, yId, yOp] = cell.slice(4 * node, 4 * node + 4) as [number, number, number, number];
      const a = this.ops[node]![0]![xId]![xOp]!.forward(states[xId]!, ctx);
      const b = this.ops[node]![1]![yId]![yOp]!.forward(states[yId]!, ctx);
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
}

/** The shared child on 32-px-style inputs (stem conv 3×3 → 3F, BN); `arc` picks the path of the next forward passes. */
export class SharedEnasChild extends Network {
  readonly cellInfo: CellInfo[] = [];
  arc: EnasArc | undefined;
  private readonly stem: Module;
  private readonly layers: Array<{ reduce?: Module; layer: SharedEnasLayer; reduction: boolean }> = [];
  private readonly pool = new GlobalAvgPool();
  private readonly relu = new ReLU();
  private readonly classifier: Linear;

  constructor(spec: SharedChildSpec) {
    super();
    const { rng } = spec;
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
      const out = layer.forward2(prev, last, reduction ? arc.reduce : arc.normal, ctx);
      prev = last;
      last = out;
      this.afterCell(i, out, ctx, heads);
    });
    return { logits: this.classifier.forward(this.pool.forward(this.relu.forward(last, ctx), ctx), ctx) as tf.Tensor2D, heads };
  }
}
