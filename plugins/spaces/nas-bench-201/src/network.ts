/**
 * NAS-Bench-201's evaluation network (`TinyNetwork` in D-X-Y/AutoDL-Projects,
 * `models/cell_infers/tiny_network.py`): stem 3×3 conv (no bias) to C + BN; three stages of N
 * cells at C, 2C, 4C separated by ResNet basic blocks with stride 2; BN + ReLU; global average
 * pooling; linear classifier. Cell ops are NB201's `cell_operations.py`: `none` → zeros,
 * `skip_connect` → identity, `nor_conv_k×k` → ReLU-Conv-BN, `avg_pool_3x3` → 3×3 average
 * pooling, stride 1, padding 1, `count_include_pad=False`. The benchmark's networks have C = 16
 * and N = 5 (17 layers: 15 cells + 2 reduction blocks).
 *
 * Imports TensorFlow.js and the engine: load it lazily (the plugin does, at job time).
 */
import * as tf from '@tensorflow/tfjs';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  GlobalAvgPool,
  Identity,
  Linear,
  Module,
  Network,
  ReLU,
  ReLUConvBN,
  Sequential,
  Zero,
  countFlops,
  countParameters,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type NetworkSpec,
  type TrainableSpace,
  type WrapOp,
  ModuleList,
} from '@naslab/engine';
import { Rng, type ArchitectureCost, type ArchitectureSize, type CostSpace } from '@naslab/core';
import { NB201_EDGES, NB201_OPS, type Nb201Arch } from './cell.js';
import { NasBench201Space } from './space.js';


function cellOp(rng: Rng, op: string, c: number): Module {
  switch (op) {
    case 'none':
      return new Zero(1);
    case 'skip_connect':
      return new Identity();
    case 'nor_conv_1x1':
      return new ReLUConvBN(rng, c, c, 1, 1, 0);
    case 'nor_conv_3x3':
      return new ReLUConvBN(rng, c, c, 3, 1, 1);
    case 'avg_pool_3x3':
      return new AvgPool(3, 1, 1);
    default:
      throw new Error(`unknown NB201 op ${op}`);
  }
}

/** NB201 `InferCell`: node j = Σ_{i<j} op_ij(node i); the output is node 3. */
export class Nb201Cell extends Module {
  private readonly ops: Module[];

  constructor(rng: Rng, arch: Nb201Arch, c: number, index: number, wrapOp?: WrapOp) {
    super();
    const list = this.child('edges', new ModuleList());
    this.ops = NB201_EDGES.map((_, e) => {
      const name = NB201_OPS[arch[e]!]!;
      let op = cellOp(rng, name, c);
      if (wrapOp) op = wrapOp(op, { cell: index, edge: e, op: name, reduction: false, identity: op.isIdentity });
      return list.add(op);
    });
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const nodes: tf.Tensor[] = [x];
    for (let to = 1; to <= 3; to++) {
      let sum: tf.Tensor | undefined;
      NB201_EDGES.forEach(([from, t], e) => {
        if (t !== to) return;
        const y = this.ops[e]!.forward(nodes[from]!, ctx);
        sum = sum ? tf.add(sum, y) : y;
      });
      nodes.push(sum!);
    }
    return nodes[3]!;
  }
}

/** NB201 `ResNetBasicblock` with stride 2: two ReLU-Conv-BN 3×3 plus an avg-pool + 1×1 conv shortcut. */
export class Nb201ReductionBlock extends Module {
  private readonly convA: Module;
  private readonly convB: Module;
  private readonly downsample: Module;

  constructor(rng: Rng, cIn: number, cOut: number) {
    super();
    this.convA = this.child('conv_a', new ReLUConvBN(rng, cIn, cOut, 3, 2, 1));
    this.convB = this.child('conv_b', new ReLUConvBN(rng, cOut, cOut, 3, 1, 1));
    this.downsample = this.child(
      'downsample',
      new Sequential([new AvgPool(2, 2, 0), new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel: 1 })]),
    );
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return tf.add(this.downsample.forward(x, ctx), this.convB.forward(this.convA.forward(x, ctx), ctx));
  }
}

/** Cells per stage for a total layer count: NB201 has 3N cells + 2 reduction blocks. */
export function cellsPerStage(layers: number): number {
  if (!Number.isInteger(layers) || layers < 5 || (layers - 2) % 3 !== 0) {
    throw new Error(`an NB201 network has 3N cells + 2 reduction blocks (17 for the benchmark's N = 5); ${layers} layers is not of that form`);
  }
  return (layers - 2) / 3;
}

export class Nb201Network extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly stem: Module;
  private readonly layers: Module[] = [];
  private readonly lastAct: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  /** `spec.cells` counts every layer (cells and reduction blocks), as DARTS' `layers` does. */
  constructor(arch: Nb201Arch, spec: NetworkSpec) {
    super();
    const rng = spec.rng;
    const C = spec.channels;
    const N = cellsPerStage(spec.cells);
    const [h, w, cin] = spec.inputShape;
    this.stem = this.child('stem', new Sequential([new Conv2d(rng, { inChannels: cin, outChannels: C, kernel: 3, padding: 1 }), new BatchNorm(C)]));
    const list = this.child('cells', new ModuleList());
    let size: [number, number] = [h, w];
    let cPrev = C;
    const plan = [...new Array(N).fill([C, false]), [2 * C, true], ...new Array(N).fill([2 * C, false]), [4 * C, true], ...new Array(N).fill([4 * C, false])] as [number, boolean][];
    plan.forEach(([c, reduction], index) => {
      const layer = reduction ? new Nb201ReductionBlock(rng, cPrev, c) : new Nb201Cell(rng, arch, c, index, spec.hooks?.wrapOp);
      this.layers.push(list.add(layer));
      if (reduction) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
      this.cellInfo.push({ index, reduction, outputShape: [size[0], size[1], c] });
      cPrev = c;
    });
    this.lastAct = this.child('lastact', new Sequential([new BatchNorm(cPrev), new ReLU()]));
    this.child('global_pooling', this.pool);
    this.classifier = this.child('classifier', new Linear(rng, cPrev, spec.classes));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let y = this.stem.forward(x, ctx);
    this.layers.forEach((layer, i) => {
      y = layer.forward(y, ctx);
      this.afterCell(i, y, ctx, heads);
    });
    const logits = this.classifier.forward(this.pool.forward(this.lastAct.forward(y, ctx), ctx), ctx) as tf.Tensor2D;
    return { logits, heads };
  }
}

/** The benchmark's evaluation network: N = 5 cells per stage (17 layers), C = 16, CIFAR-10. */
export const NB201_EVALUATION_SIZE: ArchitectureSize = { cells: 17, channels: 16, classes: 10, inputShape: [32, 32, 3] };

/** The space with network assembly (`trainable`) and the cost of its networks (`cost`). */
export class TrainableNasBench201Space extends NasBench201Space implements TrainableSpace<Nb201Arch>, CostSpace<Nb201Arch> {
  readonly evaluationSize = NB201_EVALUATION_SIZE;

  buildNetwork(arch: Nb201Arch, spec: NetworkSpec): Nb201Network {
    return new Nb201Network(arch, spec);
  }

  /** Parameters and multiply-adds of the network, built once (it is small: 0.07–1.5 M parameters). */
  async cost(arch: Nb201Arch, size: ArchitectureSize, options: { flops?: boolean } = {}): Promise<ArchitectureCost> {
    const net = new Nb201Network(arch, { ...size, rng: new Rng('nb201-cost') });
    try {
      return { params: countParameters(net), ...(options.flops === false ? {} : { flops: countFlops(net, size.inputShape) }) };
    } finally {
      net.dispose();
    }
  }
}
