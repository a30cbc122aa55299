/**
 * Batches from the decoded-image cache, produced ahead of the trainer: each batch is read from
 * the cache and transformed on a worker thread (or inline with `workers: 0`), up to `prefetch`
 * batches in flight. A batch's random draws come from its own stream, `rng.split('batch-<b>')`,
 * so the numbers do not depend on which worker made it or when.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Rng, RngState } from '@naslab/core';
import { Rng as RngClass } from '@naslab/core';
import { CacheReader } from './decoded-cache.js';
import { evalTransform, trainTransform, type ColorJitterOptions } from './transforms.js';

export interface TransformOptions {
  readonly size: number;
  readonly resize: number;
  readonly flip: boolean;
  readonly jitter: ColorJitterOptions;
}

export interface BatchJob {
  readonly cacheDir: string;
  /** Positions in the cache's index. */
  readonly indices: readonly number[];
  readonly mode: 'train' | 'eval';
  /** The batch's own random stream (train mode). */
  readonly rng?: RngState;
  readonly transform: TransformOptions;
}

/** Read and transform one batch (what a worker runs). */
export function produceBatch(reader: CacheReader, job: BatchJob): Uint8Array {
  const { size } = job.transform;
  const per = size * size * 3;
  const out = new Uint8Array(job.indices.length * per);
  const rng = job.rng ? RngClass.fromState(job.rng) : undefined;
  if (job.mode === 'train' && !rng) throw new Error('a training batch needs a random stream');
  job.indices.forEach((i, k) => {
    const img = reader.read(i);
    const t = job.mode === 'train' ? trainTransform(img, rng!, { size, flip: job.transform.flip, jitter: job.transform.jitter }) : evalTransform(img, size, job.transform.resize);
    out.set(t.data, k * per);
  });
  return out;
}

/** The compiled worker script (`dist/batch-worker.js`), also when this module runs from `src`. */
function workerScript(): string {
  const here = fileURLToPath(new URL('./batch-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../dist/batch-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`the batch worker script is not built (${built}); run the package's build, or set workers: 0`);
}

type Reply = { id: number; pixels: Uint8Array } | { id: number; error: string };

/** A few worker threads, each with its own cache readers; unref'd (they never hold the process). */
export class BatchWorkers {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (p: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private turn = 0;

  constructor(readonly count: number) {}

  private start(): void {
    const script = workerScript();
    for (let i = 0; i < this.count; i++) {
      const w = new Worker(script);
      w.unref();
      w.on('message', (m: Reply) => {
        const p = this.waiting.get(m.id);
        if (!p) return;
        this.waiting.delete(m.id);
        if ('error' in m) p.reject(new Error(m.error));
        else p.resolve(m.pixels);
      });
      w.on('error', (e) => {
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      });
      this.workers.push(w);
    }
  }

  run(job: BatchJob): Promise<Uint8Array> {
    if (this.workers.length === 0) this.start();
    const id = this.nextId++;
    const w = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** Runs batches inline (no threads): one cache reader per cache folder. */
export class InlineBatches {
  private readonly readers = new Map<string, CacheReader>();
  async run(job: BatchJob): Promise<Uint8Array> {
    let reader = this.readers.get(job.cacheDir);
    if (!reader) {
      reader = new CacheReader(job.cacheDir);
      this.readers.set(job.cacheDir, reader);
    }
    return produceBatch(reader, job);
  }
  async close(): Promise<void> {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}

export interface BatchRunner {
  run(job: BatchJob): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface StreamOptions {
  readonly cacheDir: string;
  /** Cache positions of the split's images, in file order. */
  readonly indices: readonly number[];
  readonly labels: readonly number[];
  readonly batchSize: number;
  readonly mode: 'train' | 'eval';
  readonly rng?: Rng;
  readonly transform: TransformOptions;
  readonly prefetch: number;
  readonly signal?: AbortSignal;
}

export interface StreamBatch {
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
}

/**
 * The batches of one pass over a split: in train mode a shuffled order (`rng.permutation`) and
 * each batch transformed with `rng.split('batch-<b>')`; in eval mode file order.
 */
export async function* streamBatches(runner: BatchRunner, o: StreamOptions): AsyncGenerator<StreamBatch> {
  if (o.mode === 'train' && !o.rng) throw new Error('train-mode batches need the job\'s random stream (rng)');
  const n = o.indices.length;
  const order = o.mode === 'train' ? Array.from(o.rng!.permutation(n)) : Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / o.batchSize);
  const inflight = new Map<number, Promise<Uint8Array>>();
  let scheduled = 0;
  const schedule = () => {
    while (scheduled < batches && inflight.size < o.prefetch) {
      const b = scheduled++;
      const positions = order.slice(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
      const p = runner.run({
        cacheDir: o.cacheDir,
        indices: positions.map((k) => o.indices[k]!),
        mode: o.mode,
        rng: o.mode === 'train' ? o.rng!.split(`batch-${b}`).state() : undefined,
        transform: o.transform,
      });
      p.catch(() => undefined);
      inflight.set(b, p);
    }
  };
  try {
    for (let b = 0; b < batches; b++) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
      schedule();
      const pixels = await inflight.get(b)!;
      inflight.delete(b);
      schedule();
      const positions = order.slice(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
      const labels = Int32Array.from(positions, (k) => o.labels[k]!);
      yield { pixels, labels, count: positions.length, shape: [o.transform.size, o.transform.size, 3] };
    }
  } finally {
    await Promise.allSettled(inflight.values());
  }
}
