/**
 * The source of a new plugin package, per kind: a small working plugin of that kind (not a stub:
 * each does what its README says) and a test that runs it with `@naslab/core/testing`. `ID` in
 * the templates is replaced by the plugin's id.
 */
import type { PluginKind } from '@naslab/core';

export interface KindTemplate {
  /** Does its code use the engine (tfjs networks, hooks, backends)? */
  readonly engine: boolean;
  readonly summary: string;
  readonly index: string;
  readonly test: string;
  /** How the README shows it in a manifest. */
  readonly manifest: string;
}

const method: KindTemplate = {
  engine: false,
  summary: 'a search method: `samples` distinct architectures drawn uniformly from the space',
  index: `import { definePlugin, z } from '@naslab/core';

/** \`samples\` distinct architectures drawn uniformly from the study's space (repeats only if it is tiny). */
export default definePlugin({
  kind: 'method',
  id: 'ID',
  description: 'Distinct uniform samples of the space',
  options: z.object({ samples: z.number().int().positive().default(2).describe('Architectures returned') }).strict(),
  // How many architectures one search returns, so the planner lays out their train jobs in advance.
  outputs: (o) => o.samples,
  create: ({ options }) => ({
    async search(ctx) {
      const seen = new Set<string>();
      const architectures: unknown[] = [];
      for (let draws = 0; architectures.length < options.samples && draws < 100 * options.samples; draws++) {
        const arch = ctx.space.sample(ctx.rng); // ctx.rng: the job's deterministic stream
        const text = ctx.space.format(arch);
        if (!seen.has(text)) (seen.add(text), architectures.push(arch));
      }
      while (architectures.length < options.samples) architectures.push(ctx.space.sample(ctx.rng));
      return { architectures, history: { distinct: seen.size } };
    },
  }),
});
`,
  test: `import { createTestPlugin, testSearchContext } from '@naslab/core/testing';
import type { SearchSpace } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

/** Integers 0..99. */
const space: SearchSpace<number> = { id: 'ints', sample: (rng) => rng.int(100), format: String, parse: Number };

describe('ID', () => {
  it('returns distinct architectures, the same ones for the same seed', async () => {
    const method = await createTestPlugin(plugin, { options: { samples: 3 } });
    const a = await method.search(testSearchContext(space, { seed: 1 }));
    expect(new Set(a.architectures).size).toBe(3);
    const again = await method.search(testSearchContext(space, { seed: 1 }));
    expect(again.architectures).toEqual(a.architectures);
  });
});
`,
  manifest: `methods:\n  - random-sampling\n  - { id: ./PATH, name: ID }`,
};

const space: KindTemplate = {
  engine: true,
  summary: 'a search space: a chain of `layers` ops (3×3 conv, 1×1 conv or skip) that the engine builds and trains',
  index: `import { definePlugin, z, type Rng } from '@naslab/core';
import type { NetworkSpec } from '@naslab/engine';

export const OPS = ['conv_3x3', 'conv_1x1', 'skip'] as const;
/** One op per layer, e.g. \`conv_3x3-skip-conv_1x1\`. */
export type ChainArch = number[];

export const options = z.object({ layers: z.number().int().min(1).max(8).default(3).describe('Layers (choices) of an architecture') }).strict();

export default definePlugin({
  kind: 'space',
  id: 'ID',
  description: 'A chain of conv/skip layers',
  options,
  // What methods may rely on; checked against what they require when a study is prepared.
  capabilities: ['enumerable', 'mutable', 'trainable'],
  create: async ({ options: o }) => {
    const parse = (text: string): ChainArch => {
      const parts = text.trim().split('-');
      const arch = parts.map((p) => OPS.indexOf(p as (typeof OPS)[number]));
      if (arch.length !== o.layers || arch.some((k) => k < 0)) throw new Error(\`"\${text}" is not \${o.layers} of \${OPS.join(', ')} joined by "-"\`);
      return arch;
    };
    // The network module imports TensorFlow.js: loaded when the space is created, never at validate.
    const { buildChainNetwork } = await import('./network.js');
    return {
      id: 'ID',
      size: OPS.length ** o.layers,
      sample: (rng: Rng) => Array.from({ length: o.layers }, () => rng.int(OPS.length)),
      format: (a: ChainArch) => a.map((k) => OPS[k]).join('-'),
      parse,
      atIndex: (i: number) => Array.from({ length: o.layers }, (_, l) => Math.floor(i / OPS.length ** l) % OPS.length),
      mutate: (a: ChainArch, rng: Rng) => {
        const out = a.slice();
        const l = rng.int(a.length);
        out[l] = (a[l]! + 1 + rng.int(OPS.length - 1)) % OPS.length;
        return out;
      },
      buildNetwork: (a: ChainArch, spec: NetworkSpec) => buildChainNetwork(a, spec),
    };
  },
});
`,
  test: `import { Rng } from '@naslab/core';
import { createTestPlugin } from '@naslab/core/testing';
import { countParameters } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('formats and parses what it samples, enumerates every architecture, and builds networks', async () => {
    const space = (await createTestPlugin(plugin)) as any;
    const rng = new Rng(1);
    for (let i = 0; i < 10; i++) {
      const a = space.sample(rng);
      expect(space.parse(space.format(a))).toEqual(a);
    }
    const all = new Set(Array.from({ length: space.size }, (_, i) => space.format(space.atIndex(i))));
    expect(all.size).toBe(27);
    expect(() => space.parse('conv_5x5-skip-skip')).toThrow(/is not 3 of/);
    const net = space.buildNetwork([0, 2, 1], { channels: 4, cells: 3, classes: 2, inputShape: [8, 8, 1], rng: new Rng(2) });
    expect(countParameters(net)).toBeGreaterThan(0);
    net.dispose();
  });
});
`,
  manifest: `space: ./PATH`,
};

const spaceNetwork = `/** The network of a chain architecture: stem conv → one op per layer (with BN, ReLU) → pool → linear. */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, GlobalAvgPool, Identity, Linear, Network, ReLU, Sequential, type CellInfo, type ForwardContext, type Module, type NetworkOutput, type NetworkSpec } from '@naslab/engine';

export class ChainNetwork extends Network {
  readonly cellInfo: CellInfo[] = [];
  private readonly stem: Module;
  private readonly layers: Module[] = [];
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(arch: readonly number[], spec: NetworkSpec) {
    super();
    const [h, w, cin] = spec.inputShape;
    const C = spec.channels;
    this.stem = this.child('stem', new Sequential([new Conv2d(spec.rng, { inChannels: cin, outChannels: C, kernel: 3, padding: 1 }), new BatchNorm(C)]));
    arch.forEach((k, i) => {
      const op: Module =
        k === 2 ? new Identity() : new Sequential([new ReLU(), new Conv2d(spec.rng, { inChannels: C, outChannels: C, kernel: k === 0 ? 3 : 1, padding: k === 0 ? 1 : 0 }), new BatchNorm(C)]);
      const name = ['conv_3x3', 'conv_1x1', 'skip'][k]!;
      // Tricks such as drop-path wrap each op (skip is an identity, which they leave alone).
      const wrapped = spec.hooks?.wrapOp ? spec.hooks.wrapOp(op, { cell: i, edge: 0, op: name, reduction: false, identity: k === 2 }) : op;
      this.layers.push(this.child(\`layer\${i}\`, wrapped));
      this.cellInfo.push({ index: i, reduction: false, outputShape: [h, w, C] });
    });
    this.child('pool', this.pool);
    this.classifier = this.child('classifier', new Linear(spec.rng, C, spec.classes));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    let y = this.stem.forward(x, ctx);
    this.layers.forEach((layer, i) => {
      y = layer.forward(y, ctx);
      this.afterCell(i, y, ctx, heads);
    });
    return { logits: this.classifier.forward(this.pool.forward(y, ctx), ctx) as tf.Tensor2D, heads };
  }
}

export function buildChainNetwork(arch: readonly number[], spec: NetworkSpec): ChainNetwork {
  return new ChainNetwork(arch, spec);
}
`;

const dataset: KindTemplate = {
  engine: false,
  summary: 'a dataset: generated images whose class is the brighter half (top or bottom), from a seed',
  index: `import { definePlugin, Rng, z, type Dataset, type DatasetSplit, type ImageSet } from '@naslab/core';

export const options = z
  .object({
    train: z.number().int().positive().default(64).describe('Training images'),
    test: z.number().int().positive().default(32).describe('Test images'),
    size: z.number().int().min(2).default(8).describe('Image side, pixels'),
  })
  .strict();

/** Noise images, 1 channel; class 1 when the bottom half is brighter. Splits are independent streams. */
export function createDataset(o: z.output<typeof options>): Dataset {
  const make = (count: number, split: string): ImageSet => {
    const rng = new Rng(\`ID/\${split}\`);
    const per = o.size * o.size;
    const pixels = new Uint8Array(count * per);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      labels[n] = rng.int(2);
      for (let i = 0; i < per; i++) {
        const bottom = i >= per / 2;
        pixels[n * per + i] = 40 + rng.int(120) + (bottom === (labels[n] === 1) ? 80 : 0);
      }
    }
    return { pixels, labels, count, shape: [o.size, o.size, 1] };
  };
  const half = Math.floor(o.train / 2);
  const counts: Record<DatasetSplit, number> = { train: o.train, test: o.test, 'search-train': half, 'search-valid': o.train - half };
  return {
    info: { name: 'ID', classes: 2, shape: [o.size, o.size, 1], mean: [0.45], std: [0.2], sizes: counts },
    load: async (split) => make(counts[split], split),
  };
}

export default definePlugin({
  kind: 'dataset',
  id: 'ID',
  description: 'Generated two-class images',
  options,
  // A dataset that reads files gives \`dataIdentity: (o) => fileDigest([o.file])\`, so job ids follow the data.
  create: ({ options: o }) => createDataset(o),
});
`,
  test: `import { createTestPlugin } from '@naslab/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('gives every split its size, both classes, and the same images each time', async () => {
    const data = await createTestPlugin(plugin, { options: { train: 40, test: 20 } });
    const train = await data.load('train');
    expect(train.count).toBe(40);
    expect(train.pixels.length).toBe(40 * 64);
    expect(new Set(train.labels)).toEqual(new Set([0, 1]));
    expect((await data.load('search-train')).count + (await data.load('search-valid')).count).toBe(40);
    expect((await data.load('train')).pixels).toEqual(train.pixels);
  });
});
`,
  manifest: `datasets:\n  - ./PATH`,
};

const trick: KindTemplate = {
  engine: true,
  summary: 'a trick: horizontal flip of raw pixels with probability `p` (an `augmentPixels` hook)',
  index: `import { definePlugin, z, type TrickHooks } from '@naslab/core';
import type {} from '@naslab/engine'; // the engine declares the hooks a trick may implement

export default definePlugin({
  kind: 'trick',
  id: 'ID',
  description: 'Random horizontal flip',
  options: z.object({ p: z.number().min(0).max(1).default(0.5).describe('Flip probability per image') }).strict(),
  create: ({ options, label }) => {
    // Type-checked against the engine's TrainingHooks: a misspelt hook does not compile.
    const hooks: TrickHooks = {
      augmentPixels({ pixels, count, shape }, rng) {
        const [h, w, c] = shape;
        for (let n = 0; n < count; n++) {
          if (rng.uniform() >= options.p) continue; // draw from the hook's rng: resumes stay bit-exact
          const image = pixels.subarray(n * h * w * c, (n + 1) * h * w * c);
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w / 2; x++)
              for (let k = 0; k < c; k++) {
                const a = (y * w + x) * c + k;
                const b = (y * w + (w - 1 - x)) * c + k;
                const t = image[a]!;
                image[a] = image[b]!;
                image[b] = t;
              }
        }
      },
    };
    return { id: label, hooks };
  },
});
`,
  test: `import { Rng } from '@naslab/core';
import { createTestPlugin } from '@naslab/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('mirrors about p of the images and leaves the others as they were', async () => {
    const trick = await createTestPlugin(plugin, { options: { p: 0.5 } });
    const n = 1000;
    const pixels = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) pixels.set([10, 20], 2 * i);
    trick.hooks.augmentPixels!({ pixels, labels: new Int32Array(n), count: n, shape: [1, 2, 1] }, new Rng(1));
    let flipped = 0;
    for (let i = 0; i < n; i++) if (pixels[2 * i] === 20) flipped++;
    expect(Math.abs(flipped - n / 2)).toBeLessThan(70); // 4.4 standard deviations
  });
});
`,
  manifest: `protocol:\n  tricks: [./PATH]`,
};

const backend: KindTemplate = {
  engine: true,
  summary: "a compute backend: TensorFlow.js's pure-JS cpu backend under its own name (replace `activate` with yours)",
  index: `import { definePlugin, z } from '@naslab/core';
import type { Backend } from '@naslab/engine'; // the engine adds \`activate\` to core's Backend

export function createBackend(): Backend {
  return {
    name: 'ID',
    // Cheap: \`backend: auto\` probes by priority, stopping at the first that is available.
    probe: async () => ({ available: true }),
    activate: async () => {
      const tf = await import('@tensorflow/tfjs');
      if (!(await tf.setBackend('cpu'))) throw new Error('ID: the tfjs cpu backend failed to initialise');
    },
  };
}

export default definePlugin({
  kind: 'backend',
  id: 'ID',
  description: 'tfjs cpu under another name',
  // Rank under \`backend: auto\`: below every built-in one (cpu is 10) until it is faster.
  priority: 1,
  options: z.object({}).passthrough(),
  create: () => createBackend(),
});
`,
  test: `import * as tf from '@tensorflow/tfjs';
import { createTestPlugin } from '@naslab/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('probes available and activates a tfjs backend that computes', async () => {
    const backend = await createTestPlugin(plugin);
    expect(await backend.probe()).toEqual({ available: true });
    await backend.activate({ threads: 1 });
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });
});
`,
  manifest: `backend: ./PATH`,
};

const executor: KindTemplate = {
  engine: false,
  summary: 'an executor: runs the jobs in this process one after another, parents first, skipping what a failure blocks',
  index: `import { definePlugin, readyJobs, z, type Executor } from '@naslab/core';

export const executor: Executor = {
  async execute(ctx) {
    const blocked = (id: string) => ['failed', 'skipped'].includes(ctx.statusOf(id));
    for (;;) {
      for (const job of ctx.jobs) {
        const parent = job.parents.find(blocked);
        if (parent && ['pending', 'running'].includes(ctx.statusOf(job.id))) ctx.skip(job, \`parent \${parent} did not finish\`);
      }
      const [next] = readyJobs(ctx.jobs, ctx.statusOf, new Set());
      if (!next || ctx.signal.aborted) return;
      await ctx.runInProcess(next);
    }
  },
};

export default definePlugin({
  kind: 'executor',
  id: 'ID',
  description: 'Sequential, in-process',
  options: z.object({}).strict(),
  create: () => executor,
});
`,
  test: `import { createTestPlugin, testExecutorContext, testJobs } from '@naslab/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('runs parents before children, and skips what a failed job blocks', async () => {
    const executor = await createTestPlugin(plugin);
    const ctx = testExecutorContext(testJobs(2), { fail: ['s-1'] });
    await executor.execute(ctx);
    expect(ctx.order).toEqual(['s-0', 't-0', 'e-0', 's-1']);
    expect([ctx.status.get('t-1'), ctx.status.get('e-1')]).toEqual(['skipped', 'skipped']);
  });
});
`,
  manifest: `executor: ./PATH`,
};

const benchmark: KindTemplate = {
  engine: false,
  summary: 'a tabular benchmark: accuracies looked up by architecture text in a CSV file (`arch,valid,test`)',
  index: `import { readFileSync } from 'node:fs';
import { definePlugin, fileDigest, z, type Benchmark } from '@naslab/core';

export const options = z.object({ file: z.string().min(1).describe('CSV with a header line and rows arch,valid,test') }).strict();

export interface Row {
  /** What searches see (validation accuracy, %). */
  readonly valid: number;
  /** What evaluation jobs report (test accuracy, %). */
  readonly test: number;
}

export function readTable(file: string): Map<string, Row> {
  const table = new Map<string, Row>();
  const lines = readFileSync(file, 'utf8').trim().split('\\n').slice(1);
  lines.forEach((line, i) => {
    const [arch, valid, test] = line.split(',').map((c) => c.trim());
    if (!arch || !Number.isFinite(Number(valid)) || !Number.isFinite(Number(test))) throw new Error(\`\${file}:\${i + 2}: expected arch,valid,test\`);
    table.set(arch, { valid: Number(valid), test: Number(test) });
  });
  return table;
}

export default definePlugin({
  kind: 'benchmark',
  id: 'ID',
  description: 'Look-up of a CSV table',
  options,
  // Job ids follow the bytes of the table, not its path.
  dataIdentity: (o) => fileDigest([o.file]),
  create: ({ options: o }): Benchmark => {
    const table = readTable(o.file);
    const rowOf = (text: string): Row => {
      const row = table.get(text);
      if (row === undefined) throw new Error(\`\${o.file} has no row for \${text}\`);
      return row;
    };
    return {
      // Searches get this (through ctx.query): the search metric only, never the test accuracy.
      observe: (_arch, text) => ({ accuracy: rowOf(text).valid }),
      // Evaluation jobs and reports get this.
      query(_arch, text) {
        const { test } = rowOf(text);
        return { finalAccuracy: test, bestAccuracy: test, source: 'benchmark:ID' };
      },
    };
  },
});
`,
  test: `import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPlugin } from '@naslab/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('answers from the table and refuses an architecture it does not have', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ID-')), 'table.csv');
    writeFileSync(file, 'arch,valid,test\\na-b,90.5,91.5\\nb-a,87,88\\n');
    const bench = await createTestPlugin(plugin, { options: { file } });
    expect(await bench.query(undefined, 'a-b', { dataset: 'd' })).toMatchObject({ finalAccuracy: 91.5 });
    // A search sees the validation column only.
    expect(await bench.observe!(undefined, 'a-b', { dataset: 'd' })).toEqual({ accuracy: 90.5 });
    expect(() => bench.query(undefined, 'c', { dataset: 'd' })).toThrow(/no row for c/);
  });
});
`,
  manifest: `benchmark: { id: ./PATH, options: { file: table.csv } }`,
};

const trainer: KindTemplate = {
  engine: true,
  summary: "a trainer: the engine's train-from-scratch loop with the epochs capped at `maxEpochs` (quick looks at a long protocol)",
  index: `import { definePlugin, z, type Trainer } from '@naslab/core';
import { engineProtocolSchema, TRAINING_HOOKS, type EngineProtocol } from '@naslab/engine';

export default definePlugin({
  kind: 'trainer',
  id: 'ID',
  description: "The engine's loop, epochs capped",
  options: z.object({ maxEpochs: z.number().int().positive().default(2).describe('Train at most this many epochs') }).strict(),
  // The protocol knobs it understands (validated at the manifest's lines), the hooks it calls, what it trains.
  protocol: engineProtocolSchema,
  hooks: TRAINING_HOOKS,
  requires: ['trainable'],
  create: async ({ options }): Promise<Trainer<EngineProtocol>> => {
    const { trainFromScratch } = await import('@naslab/engine');
    return {
      trainFromScratch: (ctx) => trainFromScratch({ ...ctx, protocol: { ...ctx.protocol, epochs: Math.min(ctx.protocol.epochs, options.maxEpochs) } }),
    };
  },
});
`,
  test: `import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPlugin } from '@naslab/core/testing';
import { tinyContext, tinyProtocol } from '@naslab/engine/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

describe('ID', () => {
  it('trains the engine’s tiny task for at most maxEpochs epochs', async () => {
    const trainer = await createTestPlugin(plugin, { options: { maxEpochs: 1 } });
    const r = await trainer.trainFromScratch(tinyContext(mkdtempSync(join(tmpdir(), 'ID-')), { protocol: tinyProtocol({ epochs: 5 }) }));
    expect(r.epochs).toHaveLength(1);
    expect(r.finalAccuracy).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
`,
  manifest: `trainer: ./PATH`,
};

export const TEMPLATES: Record<PluginKind, KindTemplate> = { method, space, dataset, trick, backend, executor, benchmark, trainer };

/** Extra source files of a kind (the space's network module). */
export const EXTRA_FILES: Partial<Record<PluginKind, Record<string, string>>> = { space: { 'src/network.ts': spaceNetwork } };
