/**
 * DARTS network assembly from a genotype: the reference `NetworkCIFAR` / `NetworkImageNet` and
 * `Cell` of quark0/darts (cnn/model.py) with the ops of cnn/operations.py, on naslab's engine,
 * plus the plain convolutions and the 5×5 max-pool of the seed paper's modified op set.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  DilConv,
  FactorizedReduce,
  GlobalAvgPool,
  Identity,
  Linear,
  MaxPool,
  type Module,
  Network,
  ReLU,
  ReLUConvBN,
  SepConv,
  Sequential,
  Zero,
  type CellInfo,
  type ForwardContext,
  type NetworkOutput,
  type NetworkSpec,
  type TrainableSpace,
  type WrapOp,
  resolveStem,
  ModuleList,
  TwoInputCell,
  sumBranchPairs,
  concatChannels,
  cifarStem,
  imagenetStems,
} from '@naslab/engine';
import type { Rng, SearchSpace } from '@naslab/core';
import type { DartsOp, Genotype } from './genotype.js';

/**
 * `cifar`: 3×3 conv to 3·C + BN (`AugmentCNN` / `NetworkCIFAR`); `imagenet`: three stride-2
 * 3×3 convs, 224 → 28 px (`AugmentCNNImageNet` / `NetworkImageNet`); `auto`: by input size.
 */
export type DartsStem = 'auto' | 'cifar' | 'imagenet';

/**
 * Shorter input side from which `auto` picks the ImageNet stem. The reference decides by dataset
 * (`LARGE_DATASETS`: Sport8, MIT67, Flowers102, all at 224 px; CIFAR at 32 px); any input above
 * 64 px gets the stride-8 stem, so Fashion-MNIST (28), CIFAR (32) and ImageNet16 (16) keep theirs.
 */
export { IMAGENET_STEM_MIN_SIDE } from '@naslab/engine';

/** The stem `stem` stands for at this input: the engine's rule, shared by every cell space. */
export const resolveDartsStem: (stem: DartsStem | undefined, inputShape: readonly [number, number, number]) => 'cifar' | 'imagenet' = resolveStem;

/**
 * The pool edges: `quark0` (quark0/darts `OPS`: the pool alone) or `pt-darts` (khanrc/pt.darts
 * `PoolBN`, as antoyang/NAS-Benchmark's DARTS code builds them: the pool, then an affine BN).
 */
export type DartsPools = 'quark0' | 'pt-darts';

export interface DartsNetworkSpec extends NetworkSpec {
  /** Default `auto`: `imagenet` for inputs of 65 px and more, else `cifar`. */
  readonly stem?: DartsStem;
  /** Default `quark0`. */
  readonly pools?: DartsPools;
}

const isPool = (name: DartsOp) => name === 'max_pool_3x3' || name === 'avg_pool_3x3' || name === 'max_pool_5x5';

/** Kernel of the plain `conv_KxK` ops of the modified op set (ReLU → K×K conv → BN). */
const PLAIN_CONV_KERNEL: Partial<Record<DartsOp, number>> = { conv_1x1: 1, conv_3x3: 3, conv_7x7: 7, conv_11x11: 11 };

const STEM_MULTIPLIER = 3;

/** `OPS[name](C, stride, affine)` of the reference (affine off in the search supernet). */
export function makeDartsOp(name: DartsOp, channels: number, stride: number, rng: Rng, affine = true): Module {
  switch (name) {
    case 'none':
      return new Zero(stride);
    case 'avg_pool_3x3':
      return new AvgPool(3, stride, 1);
    case 'max_pool_3x3':
      return new MaxPool(3, stride, 1);
    case 'skip_connect':
      return stride === 1 ? new Identity() : new FactorizedReduce(rng, channels, channels, affine);
    case 'sep_conv_3x3':
      return new SepConv(rng, channels, channels, 3, stride, 1, affine);
    case 'sep_conv_5x5':
      return new SepConv(rng, channels, channels, 5, stride, 2, affine);
    case 'dil_conv_3x3':
      return new DilConv(rng, channels, channels, 3, stride, 2, 2, affine);
    case 'dil_conv_5x5':
      return new DilConv(rng, channels, channels, 5, stride, 4, 2, affine);
    // The modified op set (seed paper, Section 5.2): the reference `ReLUConvBN` at kernel K,
    // padding ⌊K/2⌋, so a stride-2 edge halves the resolution as DARTS' ops do.
    case 'conv_1x1':
    case 'conv_3x3':
    case 'conv_7x7':
    case 'conv_11x11': {
      const k = PLAIN_CONV_KERNEL[name]!;
      return new ReLUConvBN(rng, channels, channels, k, stride, (k - 1) / 2, affine);
    }
    case 'max_pool_5x5':
      return new MaxPool(5, stride, 2);
    default:
      throw new Error(`unknown DARTS op "${String(name)}"`);
  }
}

/** Parameters of `makeDartsOp(name, C, stride)` without building it. */
function opParameterCount(name: DartsOp, c: number, stride: number): number {
  const bn = 2 * c;
  switch (name) {
    case 'none':
    case 'avg_pool_3x3':
    case 'max_pool_3x3':
      return 0;
    case 'skip_connect':
      return stride === 1 ? 0 : factorizedReduceCount(c, c);
    case 'sep_conv_3x3':
      return 2 * (9 * c + c * c + bn);
    case 'sep_conv_5x5':
      return 2 * (25 * c + c * c + bn);
    case 'dil_conv_3x3':
      return 9 * c + c * c + bn;
    case 'dil_conv_5x5':
      return 25 * c + c * c + bn;
    case 'conv_1x1':
    case 'conv_3x3':
    case 'conv_7x7':
    case 'conv_11x11':
      return reluConvBnCount(c, c, PLAIN_CONV_KERNEL[name]!);
    case 'max_pool_5x5':
      return 0;
    default:
      throw new Error(`unknown DARTS op "${String(name)}"`);
  }
}

function factorizedReduceCount(cIn: number, cOut: number): number {
  return 2 * cIn * (cOut / 2) + 2 * cOut;
}

function reluConvBnCount(cIn: number, cOut: number, k: number): number {
  return cIn * cOut * k * k + 2 * cOut;
}

class ReLUConvBNBlock extends Sequential {
  constructor(rng: Rng, cIn: number, cOut: number) {
    super([new ReLU(), new Conv2d(rng, { inChannels: cIn, outChannels: cOut, kernel: 1 }), new BatchNorm(cOut)]);
  }
}

/** The reference `Cell`: preprocess both inputs, 2 ops per node, concat the `concat` nodes. */
export class DartsCell extends TwoInputCell {
  readonly reduction: boolean;
  readonly multiplier: number;
  private readonly preprocess0: Module;
  private readonly preprocess1: Module;
  private readonly ops: Module[] = [];
  private readonly indices: number[];
  private readonly concat: number[];

  constructor(
    rng: Rng,
    genotype: Genotype,
    index: number,
    cPrevPrev: number,
    cPrev: number,
    c: number,
    reduction: boolean,
    reductionPrev: boolean,
    wrapOp: WrapOp | undefined,
    pools: DartsPools = 'quark0',
  ) {
    super();
    this.reduction = reduction;
    this.preprocess0 = this.child(
      'preprocess0',
      reductionPrev ? new FactorizedReduce(rng, cPrevPrev, c) : new ReLUConvBNBlock(rng, cPrevPrev, c),
    );
    this.preprocess1 = this.child('preprocess1', new ReLUConvBNBlock(rng, cPrev, c));
    const edges = reduction ? genotype.reduce : genotype.normal;
    this.concat = [...(reduction ? genotype.reduceConcat : genotype.normalConcat)];
    if (edges.length % 2 !== 0) throw new Error(`cell ${index}: ${edges.length} edges, expected 2 per node`);
    this.multiplier = this.concat.length;
    this.indices = edges.map(([, from]) => from);
    const opsHolder = this.child('_ops', new ModuleList());
    edges.forEach(([name, from], k) => {
      const stride = reduction && from < 2 ? 2 : 1;
      let op = makeDartsOp(name, c, stride, rng);
      if (pools === 'pt-darts' && isPool(name)) op = new Sequential([op, new BatchNorm(c)]);
      if (wrapOp) op = wrapOp(op, { cell: index, edge: k, op: name, reduction, identity: op.isIdentity });
      this.ops.push(opsHolder.add(op));
    });
  }

  forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const states = sumBranchPairs([this.preprocess0.forward(s0, ctx), this.preprocess1.forward(s1, ctx)], this.ops, this.indices, ctx);
    return concatChannels(this.concat.map((j) => states[j]!));
  }

}


/** Channel plan of NetworkCIFAR/ImageNet: which cells reduce and each cell's C. */
function cellPlan(genotype: Genotype, channels: number, cells: number, stem: 'cifar' | 'imagenet') {
  const plan: Array<{ cPrevPrev: number; cPrev: number; c: number; reduction: boolean; reductionPrev: boolean; multiplier: number }> = [];
  let cPrevPrev: number;
  let cPrev: number;
  let cCurr = channels;
  let reductionPrev: boolean;
  if (stem === 'cifar') {
    cPrevPrev = cPrev = STEM_MULTIPLIER * channels;
    reductionPrev = false;
  } else {
    cPrevPrev = cPrev = channels;
    reductionPrev = true;
  }
  for (let i = 0; i < cells; i++) {
    const reduction = i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
    if (reduction) cCurr *= 2;
    const multiplier = (reduction ? genotype.reduceConcat : genotype.normalConcat).length;
    plan.push({ cPrevPrev, cPrev, c: cCurr, reduction, reductionPrev, multiplier });
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = multiplier * cCurr;
  }
  return { plan, cLast: cPrev };
}

/**
 * The reference NetworkCIFAR, or NetworkImageNet (`AugmentCNNImageNet`) when the stem resolves to
 * `imagenet`: the first cell then takes the stems as if after a reduction (FactorizedReduce on
 * s0, which is at twice s1's resolution). The auxiliary head is left to tricks.
 */
export class DartsNetwork extends Network {
  readonly cellInfo: CellInfo[];
  readonly cellModules: DartsCell[] = [];
  private readonly stem0: Module;
  private readonly stem1?: Module;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(genotype: Genotype, spec: DartsNetworkSpec) {
    super();
    const stem = resolveDartsStem(spec.stem, spec.inputShape);
    const rng = spec.rng;
    const C = spec.channels;
    const [h, w, cin] = spec.inputShape;
    if (stem === 'cifar') {
      this.stem0 = this.child('stem', cifarStem(rng, cin, STEM_MULTIPLIER * C));
    } else {
      if (C % 2 !== 0) throw new Error(`imagenet stem needs an even C, got ${C}`);
      const stems = imagenetStems(rng, cin, C);
      this.stem0 = this.child('stem0', stems.stem0);
      this.stem1 = this.child('stem1', stems.stem1);
    }
    const { plan, cLast } = cellPlan(genotype, C, spec.cells, stem);
    let size: [number, number] = stem === 'cifar' ? [h, w] : [Math.ceil(h / 8), Math.ceil(w / 8)];
    this.cellInfo = [];
    const cellsHolder = this.child('cells', new ModuleList());
    plan.forEach((p, i) => {
      const cell = new DartsCell(rng, genotype, i, p.cPrevPrev, p.cPrev, p.c, p.reduction, p.reductionPrev, spec.hooks?.wrapOp, spec.pools);
      cellsHolder.add(cell);
      this.cellModules.push(cell);
      if (p.reduction) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
      this.cellInfo.push({ index: i, reduction: p.reduction, outputShape: [size[0], size[1], p.multiplier * p.c] });
    });
    this.child('global_pooling', this.pool);
    this.classifier = this.child('classifier', new Linear(rng, cLast, spec.classes));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let s0 = this.stem0.forward(x, ctx);
    let s1 = this.stem1 ? this.stem1.forward(s0, ctx) : s0;
    this.cellModules.forEach((cell, i) => {
      const out = cell.forward2(s0, s1, ctx);
      s0 = s1;
      s1 = out;
      this.afterCell(i, out, ctx, heads);
    });
    const logits = this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D;
    return { logits, heads };
  }
}

/** Build the evaluation network of a genotype (imports TensorFlow.js: load this module lazily). */
export function buildDartsNetwork(genotype: Genotype, spec: DartsNetworkSpec): DartsNetwork {
  return new DartsNetwork(genotype, spec);
}

/** The space with network assembly, for the engine's trainer (`TrainableSpace`). */
export function withDartsNetworks(
  space: SearchSpace<Genotype>,
  options: { stem?: DartsStem; pools?: DartsPools } = {},
): TrainableSpace<Genotype> {
  return { ...space, buildNetwork: (genotype, spec) => buildDartsNetwork(genotype, { ...spec, stem: options.stem, pools: options.pools }) };
}

/**
 * Parameters of the network `buildDartsNetwork` builds (auxiliary head excluded, as DARTS'
 * `count_parameters_in_MB`), counted analytically without allocating tensors.
 */
export function countDartsParameters(
  genotype: Genotype,
  spec: { channels: number; cells: number; classes: number; inputShape: readonly [number, number, number]; stem?: DartsStem; pools?: DartsPools },
): number {
  const stem = resolveDartsStem(spec.stem, spec.inputShape);
  const C = spec.channels;
  if (stem === 'imagenet' && C % 2 !== 0) throw new Error(`imagenet stem needs an even C, got ${C}`);
  const cin = spec.inputShape[2];
  let n =
    stem === 'cifar'
      ? reluConvBnCount(cin, STEM_MULTIPLIER * C, 3)
      : reluConvBnCount(cin, C / 2, 3) + reluConvBnCount(C / 2, C, 3) + reluConvBnCount(C, C, 3);
  const { plan, cLast } = cellPlan(genotype, C, spec.cells, stem);
  for (const p of plan) {
    n += p.reductionPrev ? factorizedReduceCount(p.cPrevPrev, p.c) : reluConvBnCount(p.cPrevPrev, p.c, 1);
    n += reluConvBnCount(p.cPrev, p.c, 1);
    for (const [name, from] of p.reduction ? genotype.reduce : genotype.normal) {
      n += opParameterCount(name, p.c, p.reduction && from < 2 ? 2 : 1) + (spec.pools === 'pt-darts' && isPool(name) ? 2 * p.c : 0);
    }
  }
  return n + cLast * spec.classes + spec.classes;
}
