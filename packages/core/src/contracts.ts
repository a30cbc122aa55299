/**
 * The contracts between naslab's pipeline and its plugins. Everything a plugin implements or
 * receives is typed here; core itself knows no plugin and no tensor library, so tensor-level
 * types (networks, batches, training hooks) are filled in by the package that calls them: the
 * engine extends `TrickHooks`, `Backend` and `SpaceCapabilities` by declaration merging.
 */
import type { Json } from './jobs.js';
import type { Logger } from './logger.js';
import type { Rng, RngState } from './rng.js';

export type { Json } from './jobs.js';

export type PluginKind = 'space' | 'method' | 'dataset' | 'trick' | 'backend' | 'executor' | 'benchmark' | 'trainer';

export const PLUGIN_KINDS: readonly PluginKind[] = ['space', 'method', 'dataset', 'trick', 'backend', 'executor', 'benchmark', 'trainer'];

// ---------------------------------------------------------------------------------------------
// Search space

/**
 * A search space: what an architecture is, how to sample one uniformly, and its canonical
 * text form. Architectures travel between jobs (and processes) as that text.
 */
export interface SearchSpace<A = unknown> {
  readonly id: string;
  /** Uniform sample, as the paper's random-sampling baseline defines it for this space. */
  sample(rng: Rng): A;
  /** Canonical text form; equal architectures give equal text. */
  format(arch: A): string;
  /** Inverse of `format`; throws an error naming the position of what is malformed. */
  parse(text: string): A;
  /** Summary facts for reports (op counts, depth, …). */
  describe?(arch: A): Record<string, Json>;
  /**
   * The architecture's cells as graphs, for the report's cell diagrams (optional; reports draw
   * DARTS-family genotypes without it).
   */
  cellGraphs?(arch: A): SpaceCellGraph[];
}

/** One cell of an architecture as a graph: nodes by role, edges labelled with their operation. */
export interface SpaceCellGraph {
  /** Which cell, e.g. "normal" or "reduction". */
  readonly name: string;
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly label: string; readonly role: 'input' | 'intermediate' | 'output' }>;
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly label?: string }>;
}

// ---------------------------------------------------------------------------------------------
// Datasets

export type DatasetSplit = 'train' | 'test' | 'search-train' | 'search-valid';

/** A labelled image set, pixels as stored (0–255, NHWC); normalisation is the trainer's job. */
export interface ImageSet {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array | Int32Array;
  readonly count: number;
  /** [height, width, channels] */
  readonly shape: readonly [number, number, number];
}

export interface DatasetInfo {
  readonly name: string;
  readonly classes: number;
  readonly shape: readonly [number, number, number];
  /** Per-channel mean and std on the 0–1 scale, for normalisation. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly sizes: Readonly<Record<DatasetSplit, number>>;
}

/** One batch of a streamed split: pixels (0–255, NHWC, `count` images of `shape`) and labels. */
export interface ImageBatch {
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  /** [height, width, channels] */
  readonly shape: readonly [number, number, number];
}

export interface BatchOptions {
  readonly batchSize: number;
  /**
   * `train`: one pass in a shuffled order with the dataset's own training preprocessing (random
   * crops…), every draw from `rng`; `eval`: one pass in file order, deterministic preprocessing.
   */
  readonly mode: 'train' | 'eval';
  /** The job's random stream for this pass (required in `train` mode). */
  readonly rng?: Rng;
  readonly signal?: AbortSignal;
}

export interface Dataset {
  readonly info: DatasetInfo;
  /**
   * `search-train` / `search-valid` are the two halves of the training set that weight-sharing
   * searches use (DARTS); `train` / `test` are the evaluation protocol's splits.
   */
  load(split: DatasetSplit): Promise<ImageSet>;
  /**
   * Streaming form, for datasets too large to hold in memory or whose images are preprocessed
   * per draw (224-px folders of JPEGs): one pass over `split` in batches of `info.shape`. A
   * trainer reads a dataset that has it through it (and `load` is then only a convenience);
   * `datasetBatches` gives the same form for datasets without it.
   */
  batches?(split: DatasetSplit, options: BatchOptions): AsyncIterable<ImageBatch>;
}

/**
 * One pass over `split` in batches: the dataset's own `batches` when it has them, else slices of
 * `load(split)` (shuffled by `rng.permutation` in `train` mode; no preprocessing).
 */
export async function* datasetBatches(dataset: Dataset, split: DatasetSplit, options: BatchOptions): AsyncGenerator<ImageBatch> {
  if (dataset.batches) {
    yield* dataset.batches(split, options);
    return;
  }
  if (options.mode === 'train' && !options.rng) throw new Error('train-mode batches need a random stream (rng)');
  const set = await dataset.load(split);
  const order = options.mode === 'train' ? options.rng!.permutation(set.count) : Int32Array.from({ length: set.count }, (_, i) => i);
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  for (let start = 0; start < set.count; start += options.batchSize) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    const idx = order.subarray(start, Math.min(set.count, start + options.batchSize));
    const pixels = new Uint8Array(idx.length * per);
    const labels = new Int32Array(idx.length);
    idx.forEach((k, i) => {
      pixels.set(set.pixels.subarray(k * per, (k + 1) * per), i * per);
      labels[i] = set.labels[k]!;
    });
    yield { pixels, labels, count: idx.length, shape: set.shape };
  }
}

// ---------------------------------------------------------------------------------------------
// Training protocol, tricks, trainer

/**
 * The evaluation protocol every architecture of a study is trained with. Core knows only its
 * name; the knobs (epochs, batch size, channels, …) belong to the trainer, whose `protocol`
 * schema validates them and fills their defaults (the engine's: `@naslab/engine`).
 */
export interface TrainingProtocol {
  /** Protocol name; ablation studies have several. */
  readonly name: string;
  readonly [knob: string]: unknown;
}

/**
 * The hooks a trick may implement. Empty here: the trainer that calls them declares them by
 * declaration merging (`@naslab/engine` adds its `TrainingHooks`), so a trick's hooks are
 * type-checked against the trainer it is written for, and a misspelt hook fails to compile.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging (the engine adds its hooks)
export interface TrickHooks {}

/**
 * A training-protocol trick (cutout, drop-path, auxiliary tower…): the loop calls its hooks, it
 * never names a trick.
 */
export interface Trick {
  readonly id: string;
  readonly hooks: TrickHooks;
}

export interface EpochMetrics {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testAccuracy?: number;
  readonly testTop5?: number;
  readonly seconds: number;
  readonly [key: string]: number | undefined;
}

export interface TrainContext<A = unknown, P extends TrainingProtocol = TrainingProtocol> {
  readonly arch: A;
  readonly archText: string;
  readonly space: SearchSpace<A>;
  readonly dataset: Dataset;
  /** The protocol as the trainer's own `protocol` schema parsed it (defaults filled). */
  readonly protocol: P;
  readonly tricks: readonly Trick[];
  /**
   * The backends the manifest allows, in its order, or with `backend: auto` every installed
   * backend plugin ranked by priority. Each is created only when first probed.
   */
  readonly backends: readonly Backend[];
  readonly rng: Rng;
  readonly seed: number;
  /** Folder for checkpoints; a resumed job finds its last epoch here. */
  readonly checkpointDir: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** CPU threads this job may use (executors split the machine between workers). */
  readonly threads: number;
  onEpoch(metrics: EpochMetrics): void;
}

export interface TrainResult {
  readonly epochs: readonly EpochMetrics[];
  /** Test accuracy (%) after the last epoch. */
  readonly finalAccuracy: number;
  /** Best test accuracy (%) over the evaluated epochs (what the paper's released code reports). */
  readonly bestAccuracy: number;
  readonly finalTop5?: number;
  /** Parameters, auxiliary heads excluded (as DARTS reports). */
  readonly params: number;
  readonly flops?: number;
  /** The backend that actually ran, e.g. `libtorch`, `wasm`, `cpu`. */
  readonly backend: string;
  /** The device it ran on, when the backend says (`cuda:0 (NVIDIA H100 80GB HBM3)`, `cpu`). */
  readonly device?: string;
  /** The backend's package, when known (`backend: auto` binds none in the manifest). */
  readonly backendPackage?: PackageVersion;
  readonly wallSeconds: number;
  /** Final weights, relative to the job's artefact folder, if saved. */
  readonly weightsFile?: string;
}

export interface Trainer<P extends TrainingProtocol = TrainingProtocol> {
  trainFromScratch(ctx: TrainContext<unknown, P>): Promise<TrainResult>;
}

// ---------------------------------------------------------------------------------------------
// Evaluation results (training or look-up)

export interface EvaluationResult {
  /** Test accuracy (%) at the final epoch. */
  readonly finalAccuracy: number;
  /** Best test accuracy (%) over epochs; equals `finalAccuracy` where only one is known. */
  readonly bestAccuracy: number;
  readonly top5?: number;
  readonly params?: number;
  readonly flops?: number;
  /** `trained` or `benchmark:<id>`. */
  readonly source: string;
  readonly backend?: string;
  readonly extra?: Record<string, Json>;
}

/**
 * A tabular benchmark: a look-up that stands in for train + evaluate. In a study with a
 * benchmark, the manifest's `datasets` name the benchmark's datasets (e.g. `cifar10`,
 * `cifar100`); each query says which one.
 */
export interface Benchmark<A = unknown> {
  /** The full result (test accuracy included): for evaluation jobs and reports only. */
  query(arch: A, archText: string, context: BenchmarkQueryContext): EvaluationResult | Promise<EvaluationResult>;
  /**
   * What a search may see of an architecture: its search-fidelity accuracy and cost. Without it,
   * core takes `extra.searchAccuracy` (and `extra.searchSeconds`) of `query`'s result; a
   * benchmark that gives neither cannot serve searches (there is no falling back to test).
   */
  observe?(arch: A, archText: string, context: BenchmarkQueryContext): SearchObservation | Promise<SearchObservation>;
  /**
   * Simulated seconds a search on this dataset may spend (the sum of its observations'
   * `seconds`), where the benchmark sets a time budget: core refuses queries once it is spent.
   */
  searchTimeBudget?(context: BenchmarkQueryContext): number | undefined;
}

/**
 * One query of a search, as the search sees it: the search metric (validation accuracy, or a
 * lower fidelity) and what it cost — never the test accuracy, never the benchmark's other columns.
 */
export interface SearchObservation {
  /** Accuracy (%) at the search fidelity. */
  readonly accuracy: number;
  /** Simulated training time of this query, where the benchmark knows it. */
  readonly seconds?: number;
}

export interface BenchmarkQueryContext {
  /** Dataset label from the manifest. */
  readonly dataset: string;
  /**
   * A search job's stream for stochastic observations (e.g. drawing one training seed per
   * query), split from the job's stream; absent for evaluation.
   */
  readonly rng?: Rng;
}

// ---------------------------------------------------------------------------------------------
// Search methods

export interface SearchContext<A = unknown> {
  readonly space: SearchSpace<A>;
  readonly dataset: Dataset;
  readonly rng: Rng;
  readonly seed: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Folder for the method's own checkpoints. */
  readonly checkpointDir: string;
  readonly threads: number;
  /**
   * Present when the study evaluates by look-up: each call is one query of the budget and answers
   * the search metric only (a search never sees test accuracy).
   */
  readonly query?: (arch: A) => Promise<SearchObservation>;
  /**
   * With `query`: the position of the stream its stochastic observations draw from (one training
   * seed per query), so a search resumed from its checkpoint sees the draws an uninterrupted one
   * would.
   */
  readonly queryStream?: { state(): RngState; restore(state: RngState): void };
  /**
   * Simulated seconds the queries may cost in all (the benchmark's time budget for this
   * dataset); `query` refuses once their `seconds` reach it. Absent: no time budget.
   */
  readonly timeBudget?: number;
  /** Backends the manifest allows, for methods that train (weight sharing). */
  readonly backends: readonly Backend[];
  recordMetric(step: number, values: Record<string, number>): void;
}

export interface SearchCost {
  readonly wallSeconds: number;
  readonly epochs?: number;
  /** Architectures the search evaluated: benchmark look-ups (counted by core), sampled children, candidates. */
  readonly queries?: number;
  /** Simulated training seconds of the queries, under a benchmark's time budget. */
  readonly simulatedSeconds?: number;
  /** What the search trained to rank architectures, as the report's search-cost table counts it. */
  readonly trained?: ArchitecturesTrained;
}

/**
 * What one search trained: `supernet`s (weight sharing, DARTS family: one, or one per stage),
 * `children` sampled from a shared model and scored with its weights (ENAS, NAO), `candidates`
 * each trained on its own (NSGA-Net), benchmark `queries`, or architectures only `sampled`
 * (the random baseline, which trains none).
 */
// A type, not an interface: it is stored as Json, which needs an index signature.
export type ArchitecturesTrained = {
  readonly count: number;
  readonly unit: 'supernet' | 'children' | 'candidates' | 'queries' | 'sampled';
};

/** A method's search cost as a paper reports it, in GPU-days, for the report beside the measured one. */
export interface PublishedSearchCost {
  readonly gpuDays: number;
  /** Where the figure comes from, e.g. `Yang et al. 2020, Fig. 2 (CIFAR10)`. */
  readonly source: string;
}

export interface SearchResult<A = unknown> {
  /** The architectures the method hands to train-from-scratch, best first. */
  readonly architectures: readonly A[];
  readonly cost?: Partial<SearchCost>;
  /** Method-specific record (α history, best-so-far trajectory…), stored as JSON. */
  readonly history?: Json;
}

export interface SearchMethod<A = unknown> {
  search(ctx: SearchContext<A>): Promise<SearchResult<A>>;
}

// ---------------------------------------------------------------------------------------------
// Backends

export interface BackendProbe {
  readonly available: boolean;
  /** Why it is unavailable, in words a user can act on. */
  readonly reason?: string;
  /** How to make it available (a command). */
  readonly fix?: string;
  /** What it runs on, in words (`libtorch 1.13.0 from Debian's libtorch-dev (/usr)`). */
  readonly detail?: string;
}

/**
 * A backend's measured training speed as a fraction of PyTorch's on the same network and thread
 * count (`[low, high]` over the measurements), and where it was measured. Lets the CLI say how
 * much slower a fallback is.
 */
export interface BackendSpeed {
  readonly vsPyTorch: readonly [number, number];
  readonly measured: string;
}

/** A package and its version, as provenance records them. */
export interface PackageVersion {
  readonly name: string;
  readonly version: string;
}

/**
 * A compute backend for the trainer. Core knows how to rank and probe one; how to make it the
 * active one is the trainer's business (`@naslab/engine` adds `activate` by declaration merging).
 */
export interface Backend {
  readonly name: string;
  /** Higher is preferred by `backend: auto` (core sets it from the plugin's definition). */
  readonly priority?: number;
  /** Measured speed (core sets it from the plugin's definition). */
  readonly speed?: BackendSpeed;
  /** The package that provides it (core sets it): recorded with the results it trains. */
  readonly package?: PackageVersion;
  probe(): Promise<BackendProbe>;
}
