/**
 * `@naslab/engine/testing`: a tiny trainable space, a synthetic dataset and a ready TrainContext.
 * The engine's own tests use them, and so can a backend plugin to check that `trainFromScratch`
 * learns, resumes bit-identically and leaks nothing on its backend (pass `backends`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { Rng, createLogger, type Dataset, type DatasetSplit, type ImageSet, type TrainContext, type TrainResult, type Trick } from '@naslab/core';
import type { EngineProtocol } from './protocol.js';
import {
  BatchNorm,
  Conv2d,
  FactorizedReduce,
  GlobalAvgPool,
  Linear,
  Network,
  ReLUConvBN,
  SepConv,
  type CellInfo,
  type ForwardContext,
  type Module,
  type NetworkOutput,
  type NetworkSpec,
  type TrainableSpace,
} from './index.js';
import { builtinCpuBackend } from './backend.js';
import { CHECKPOINT_FILE, loadCheckpoint } from './checkpoint.js';
import { trainFromScratch } from './train.js';

/** stem conv+BN → [SepConv cell, FactorizedReduce cell, ReLUConvBN cell] → pool → linear. */
class TinyNetwork extends Network {
  readonly cellInfo: CellInfo[];
  private readonly stem: Conv2d;
  private readonly stemBn: BatchNorm;
  private readonly cellOps: Module[];
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(spec: NetworkSpec) {
    super();
    const [h, w, cin] = spec.inputShape;
    const C = spec.channels;
    this.stem = this.child('stem', new Conv2d(spec.rng, { inChannels: cin, outChannels: C, kernel: 3, padding: 1 }));
    this.stemBn = this.child('stem_bn', new BatchNorm(C));
    const wrap = (op: Module, cell: number, name: string) =>
      spec.hooks?.wrapOp ? spec.hooks.wrapOp(op, { cell, edge: 0, op: name, reduction: cell === 1, identity: false }) : op;
    this.cellOps = [
      this.child('cell0', wrap(new SepConv(spec.rng, C, C, 3, 1, 1), 0, 'sep_conv_3x3')),
      this.child('cell1', wrap(new FactorizedReduce(spec.rng, C, 2 * C), 1, 'skip_connect')),
      this.child('cell2', wrap(new ReLUConvBN(spec.rng, 2 * C, 2 * C, 3, 1, 1), 2, 'conv_3x3')),
    ];
    this.cellInfo = [
      { index: 0, reduction: false, outputShape: [h, w, C] },
      { index: 1, reduction: true, outputShape: [h / 2, w / 2, 2 * C] },
      { index: 2, reduction: false, outputShape: [h / 2, w / 2, 2 * C] },
    ];
    this.child('pool', this.pool);
    this.classifier = this.child('classifier', new Linear(spec.rng, 2 * C, spec.classes));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let s: tf.Tensor = this.stemBn.forward(this.stem.forward(x, ctx), ctx);
    this.cellOps.forEach((op, i) => {
      s = op.forward(s, ctx);
      this.afterCell(i, s, ctx, heads);
    });
    return { logits: this.classifier.forward(this.pool.forward(s, ctx), ctx) as tf.Tensor2D, heads };
  }
}

export const tinySpace: TrainableSpace<string> = {
  id: 'tiny',
  sample: () => 'tiny',
  format: (a) => a,
  parse: (t) => t,
  buildNetwork: (_arch, spec) => new TinyNetwork(spec),
};

/**
 * Four classes of noisy 8×8×3 images: horizontal or vertical stripes × a red or blue tint
 * (features a conv net with global pooling can see anywhere in the image).
 */
export function syntheticImages(count: number, seed: string, size = 8): ImageSet {
  const rng = new Rng(seed);
  const per = size * size * 3;
  const pixels = new Uint8Array(count * per);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const k = rng.int(4);
    labels[n] = k;
    const vertical = (k & 1) === 1;
    const tint = k >> 1 ? 0 : 2;
    const phase = rng.int(2);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const stripe = ((vertical ? x : y) + phase) % 2 === 0 ? 40 : -40;
          const v = 128 + stripe + (c === tint ? 30 : 0) + (rng.uniform() - 0.5) * 120;
          pixels[n * per + (y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
  }
  return { pixels, labels, count, shape: [size, size, 3] };
}

/** `size`: the image side (8 by default; larger images give tensors big enough for native kernels). */
export function syntheticDataset(trainCount = 64, testCount = 64, size = 8): Dataset {
  const sets: Partial<Record<DatasetSplit, ImageSet>> = {
    train: syntheticImages(trainCount, 'train', size),
    test: syntheticImages(testCount, 'test', size),
  };
  return {
    info: {
      name: 'synthetic-quadrants',
      classes: 4,
      shape: [size, size, 3],
      mean: [0.5, 0.5, 0.5],
      std: [0.2, 0.2, 0.2],
      sizes: { train: trainCount, test: testCount, 'search-train': 0, 'search-valid': 0 },
    },
    load: async (split) => {
      const s = sets[split];
      if (!s) throw new Error(`no ${split} split`);
      return s;
    },
  };
}

export function tinyProtocol(overrides: Partial<EngineProtocol> = {}): EngineProtocol {
  return {
    name: 'tiny',
    epochs: 3,
    batchSize: 16,
    learningRate: 0.05,
    learningRateMin: 0.001,
    momentum: 0.9,
    weightDecay: 3e-4,
    gradClip: 5,
    channels: 4,
    cells: 3,
    testEvery: 1,
    ...overrides,
  };
}

/** What a test may change in `tinyContext`. */
export type TinyContextOverrides = Partial<Omit<TrainContext<unknown, EngineProtocol>, 'onEpoch'>> & { onEpoch?: TrainContext['onEpoch'] };

export function tinyContext(checkpointDir: string, overrides: TinyContextOverrides = {}): TrainContext<unknown, EngineProtocol> {
  return {
    arch: 'tiny',
    archText: 'tiny',
    space: tinySpace as TrainableSpace<unknown>,
    dataset: syntheticDataset(),
    protocol: tinyProtocol(),
    tricks: [] as Trick[],
    backends: [builtinCpuBackend],
    rng: new Rng('job-1'),
    seed: 1,
    checkpointDir,
    signal: new AbortController().signal,
    logger: createLogger({ level: 'error' }),
    threads: 1,
    onEpoch: () => {},
    ...overrides,
  };
}

/** What `crashAndResume` saw. */
export interface CrashAndResumeRun {
  /** The uninterrupted run and the bytes of its final weights. */
  readonly straight: TrainResult;
  readonly straightWeights: Buffer;
  /** The error the crashed run ended with (the simulated crash, if all went as planned). */
  readonly crash: unknown;
  /** The epoch the checkpoint left by the crashed run resumes from. */
  readonly checkpointEpoch: number;
  /** The epochs the resumed run trained (`onEpoch`), and its result and final weights. */
  readonly epochsAfterResume: number[];
  readonly resumed: TrainResult;
  readonly resumedWeights: Buffer;
}

/**
 * The crash/resume check every backend should pass: `protocol` trained once straight through in
 * `dirs.straight`, and once in `dirs.crashed` with a crash right after epoch `crashAfterEpoch`
 * (0-based) followed by a rerun that resumes from the checkpoint. `context(dir, overrides)` builds
 * each run's TrainContext (e.g. `tinyContext` with the backend under test).
 */
export async function crashAndResume(
  context: (dir: string, overrides: TinyContextOverrides) => TrainContext<unknown, EngineProtocol>,
  protocol: EngineProtocol,
  dirs: { straight: string; crashed: string },
  crashAfterEpoch = 1,
): Promise<CrashAndResumeRun> {
  const straight = await trainFromScratch(context(dirs.straight, { protocol }));
  const abort = new AbortController();
  let crash: unknown;
  try {
    await trainFromScratch(
      context(dirs.crashed, {
        protocol,
        signal: abort.signal,
        onEpoch: (m) => {
          if (m.epoch === crashAfterEpoch) abort.abort(new Error('simulated crash'));
        },
      }),
    );
  } catch (e) {
    crash = e;
  }
  const checkpointEpoch = (await loadCheckpoint(dirs.crashed))?.meta.epoch ?? -1;
  const epochsAfterResume: number[] = [];
  const resumed = await trainFromScratch(context(dirs.crashed, { protocol, onEpoch: (m) => epochsAfterResume.push(m.epoch) }));
  return {
    straight,
    straightWeights: await checkpointWeights(dirs.straight),
    crash,
    checkpointEpoch,
    epochsAfterResume,
    resumed,
    resumedWeights: await checkpointWeights(dirs.crashed),
  };
}

/** The bytes of the weights in a checkpoint folder's latest checkpoint. */
export async function checkpointWeights(dir: string): Promise<Buffer> {
  const meta = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')) as { dataFile: string };
  return readFile(join(dir, meta.dataFile));
}
