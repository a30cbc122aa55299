/**
 * The NSGA-Net search (`search/evolution_search.py`, `train_search.py`): NSGA-II over the micro
 * genome; each candidate is trained from scratch on the dataset's `search-train` split and
 * validated once on `search-valid` (never the test split); objectives 100 − validation accuracy
 * and MFLOPs (or parameters). The generation state is checkpointed, each finished candidate is
 * logged, and each candidate's training checkpoints per epoch, so a killed search resumes with the
 * same draws and the same numbers.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, type Dataset, type DatasetSplit, type Json, type SearchContext, type SearchResult, type SearchSpace, type Trainer, type Trick } from '@naslab/core';
import { loadNsganetNetwork, type NsganetGenome } from '@naslab/space-nsganet-micro';
import { genomeFromVector, microGenomeUpperBounds, polynomialMutation, sampleWithinBounds, twoPointCrossover } from './micro-genome.js';
import { paretoFront, runNsga2, type Nsga2State } from './nsga2.js';
import type { NsganetOptions } from './options.js';

/** The dataset as a candidate's trainer must see it: `train` is `search-train`, `test` is `search-valid`. */
export function searchSplitView(dataset: Dataset): Dataset {
  const map = (split: DatasetSplit): DatasetSplit => (split === 'train' ? 'search-train' : split === 'test' ? 'search-valid' : split);
  const { sizes } = dataset.info;
  const view: Dataset = {
    info: { ...dataset.info, sizes: { ...sizes, train: sizes['search-train'], test: sizes['search-valid'] } },
    load: (split) => dataset.load(map(split)),
  };
  const batches = dataset.batches?.bind(dataset);
  return batches ? { ...view, batches: (split, o) => batches(map(split), o) } : view;
}

export interface CandidateRecord {
  readonly id: number;
  readonly genome: string;
  readonly validAccuracy: number;
  readonly mflops: number;
  readonly params: number;
  readonly seconds: number;
  readonly backend: string;
}

export interface NsganetServices {
  readonly trainer: () => Promise<Trainer>;
  /** Training augmentation of the candidates (`crop-flip`), or none. */
  readonly augment: () => Promise<Trick[]>;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`nsganet: cannot read checkpoint ${file}: ${(e as Error).message}`);
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(value));
  await rename(`${file}.tmp`, file);
}

interface SearchCheckpoint {
  readonly fingerprint: string;
  readonly state: Nsga2State;
  readonly seconds: number;
}

export async function searchNsganet(ctx: SearchContext<NsganetGenome>, o: NsganetOptions, services: NsganetServices): Promise<SearchResult<NsganetGenome>> {
  const started = performance.now();
  const [trainer, tricks, networks] = await Promise.all([services.trainer(), services.augment(), loadNsganetNetwork()]);
  const space: SearchSpace<NsganetGenome> =
    o.searchNetwork === 'network-cifar' ? networks.withNsganetNetworks(ctx.space, { stem: 'auto', se: false, filterIncrement: 0, doubleAtReductions: true }) : ctx.space;
  const dataset = searchSplitView(ctx.dataset);
  const upper = microGenomeUpperBounds(o.blocks);
  const fingerprint = canonicalJson({ options: o as unknown as Json, seed: ctx.seed, space: ctx.space.id, dataset: ctx.dataset.info.name, sizes: ctx.dataset.info.sizes });
  await mkdir(ctx.checkpointDir, { recursive: true });
  const stateFile = join(ctx.checkpointDir, 'nsganet-state.json');
  const logFile = join(ctx.checkpointDir, 'nsganet-candidates.json');
  const saved = await readJson<SearchCheckpoint>(stateFile);
  const resume = saved?.fingerprint === fingerprint ? saved : undefined;
  if (saved && !resume) ctx.logger.warn(`nsganet: checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
  const loggedAll = resume ? ((await readJson<CandidateRecord[]>(logFile)) ?? []) : [];
  // Candidates logged after the last finished generation are reused, not retrained.
  const log = new Map(loggedAll.map((r) => [r.id, r]));
  if (resume) ctx.logger.info(`nsganet: resuming after generation ${resume.state.generation} (${log.size} candidates trained)`);
  const protocol = {
    name: 'nsganet-search',
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    learningRateMin: 0,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    gradClip: o.gradClip,
    channels: o.channels,
    cells: o.cells,
    testEvery: o.epochs,
  };

  const evaluate = async (x: readonly number[], id: number): Promise<number[]> => {
    const genome = genomeFromVector(x);
    const text = ctx.space.format(genome);
    let record = log.get(id);
    if (record && record.genome !== text) throw new Error(`nsganet: candidate ${id} in ${logFile} is ${record.genome}, the resumed search drew ${text}`);
    if (!record) {
      const dir = join(ctx.checkpointDir, `candidate-${id}`);
      const r = await trainer.trainFromScratch({
        arch: genome,
        archText: text,
        space,
        dataset,
        protocol,
        tricks,
        backends: ctx.backends,
        rng: ctx.rng.split(`candidate-${id}`),
        seed: ctx.seed,
        checkpointDir: dir,
        signal: ctx.signal,
        logger: ctx.logger,
        threads: ctx.threads,
        onEpoch: () => {},
      });
      record = { id, genome: text, validAccuracy: r.finalAccuracy, mflops: (r.flops ?? Number.NaN) / 1e6, params: r.params, seconds: r.wallSeconds, backend: r.backend };
      log.set(id, record);
      await writeJsonAtomic(logFile, [...log.values()]);
      await rm(dir, { recursive: true, force: true });
      ctx.logger.info(`nsganet: candidate ${id}: valid ${record.validAccuracy.toFixed(2)}%, ${record.mflops.toFixed(2)} MFLOPs, ${record.params} params`);
    }
    const complexity = o.complexity === 'flops' ? record.mflops : record.params / 1e6;
    if (!Number.isFinite(record.validAccuracy) || !Number.isFinite(complexity)) throw new Error(`nsganet: candidate ${id} (${text}) has no finite objectives`);
    return [100 - record.validAccuracy, complexity];
  };

  const previousSeconds = resume?.seconds ?? 0;
  const final = await runNsga2(
    {
      sample: (rng) => sampleWithinBounds(upper, rng),
      crossover: twoPointCrossover,
      mutate: (x, rng) => polynomialMutation(x, upper, rng, o.mutationEta),
      evaluate,
    },
    { populationSize: o.populationSize, generations: o.generations, offspring: o.offspring },
    ctx.rng,
    {
      signal: ctx.signal,
      generationDone: async (state) => {
        const h = state.history.at(-1)!;
        ctx.recordMetric(state.generation, { bestError: h.best[0]!, meanError: h.mean[0]!, bestComplexity: h.best[1]!, meanComplexity: h.mean[1]!, evaluated: state.evaluated });
        await writeJsonAtomic(stateFile, { fingerprint, state, seconds: previousSeconds + (performance.now() - started) / 1000 } satisfies SearchCheckpoint);
      },
    },
    resume?.state,
  );
  const front = paretoFront(final.population);
  const best = genomeFromVector(front[0]!.x);
  const trained = [...log.values()].filter((r) => r.id < final.evaluated);
  return {
    architectures: [best],
    cost: { wallSeconds: previousSeconds + (performance.now() - started) / 1000, queries: final.evaluated, epochs: final.evaluated * o.epochs, trained: { count: final.evaluated, unit: 'candidates' } },
    history: {
      backend: trained[0]?.backend ?? null,
      candidatesTrained: final.evaluated,
      pick: 'lowest validation error on the final non-dominated front',
      front: front.map((p) => ({ genome: ctx.space.format(genomeFromVector(p.x)), validError: p.f[0]!, complexity: p.f[1]! })),
      generations: final.history,
      candidates: trained as unknown as Json,
      candidateSeconds: trained.reduce((s, r) => s + r.seconds, 0),
    } as unknown as Json,
  };
}
