import { openSync, readSync, closeSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { readableFileProblem, type Benchmark, type BenchmarkQueryContext, type EvaluationResult, type Json, type SearchObservation } from '@naslab/core';
import { NB201_SIZE } from '@naslab/space-nas-bench-201';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { loadNb201Csv } from './csv.js';
import { loadNniSqlite } from './nni-sqlite.js';
import { requireColumn, TableFormatError, type Nb201Table } from './table.js';

export type Nb201Dataset = 'cifar10' | 'cifar10valid' | 'cifar100' | 'imagenet16';
export type TableFormat = 'auto' | 'csv' | 'nni-sqlite';

export interface Nb201BenchmarkOptions {
  /** The table file (CSV or NNI SQLite). `$VAR` / `${VAR}` are expanded from the environment. */
  readonly path: string;
  readonly format: TableFormat;
  /**
   * What a search sees: `valid` (honest; for `cifar10`, which NB201 trains on train+valid, the
   * accuracy on `cifar10valid`'s held-out half) or `test` (the reported column itself).
   */
  readonly metric: 'valid' | 'test';
  /** Overrides `metric` with an explicit column name. */
  readonly searchColumn?: string;
  /** NNI SQLite only: training length of the trials (12 or 200). */
  readonly epochs: number;
  /**
   * The table searches see, where it is not the reported one (NB201's own protocol: the 12-epoch
   * results); `metric` / `searchColumn` name its column. Default: `path`.
   */
  readonly searchPath?: string;
  /** Format of `searchPath` (default: `format`). */
  readonly searchFormat?: TableFormat;
  /** NNI SQLite only: training length of the trials searches see (default: `epochs`). */
  readonly searchEpochs?: number;
  /**
   * `mean`: searches see the seed mean (NASLib). `random`: each query sees one training seed,
   * drawn from the job's stream among the seeds the architecture has (NB201 API `is_random=True`);
   * needs per-seed columns `<column>@<seed>` (NNI's database has them).
   */
  readonly searchSeed?: 'mean' | 'random';
  /**
   * Simulated seconds a search may spend (one number, or one per dataset): each query costs the
   * sum of `timeColumns` of its row (of the drawn seed), and the search stops once the sum of its
   * queries reaches the budget, the query that crosses it included (NATS-Bench's rule).
   */
  readonly timeBudget?: number | Readonly<Record<string, number>>;
  /** Columns whose sum is a query's cost (default: `<dataset>_train_time`, `<dataset>_valid_time` of the search column's dataset). */
  readonly timeColumns?: readonly string[];
}

export function expandEnv(path: string): string {
  return path.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = process.env[name];
    if (v === undefined) throw new Error(`the benchmark path names $${name}, which is not set in the environment`);
    return v;
  });
}

function sniffFormat(file: string): 'csv' | 'nni-sqlite' {
  // By type first: reading a FIFO or /dev/zero would never end.
  const unreadable = readableFileProblem(file, { what: 'table' });
  if (unreadable) throw new TableFormatError(file, undefined, unreadable);
  if (/\.(db|sqlite3?)$/i.test(file)) return 'nni-sqlite';
  if (/\.csv$/i.test(file)) return 'csv';
  const head = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch (e) {
    throw new TableFormatError(file, undefined, `cannot read the table: ${(e as NodeJS.ErrnoException).code ?? e}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return head.toString('latin1').startsWith('SQLite format 3') ? 'nni-sqlite' : 'csv';
}

const cache = new Map<string, Nb201Table>();

/** The file a benchmark's `path` names: variables expanded, relative to the working directory. */
export function tableFile(path: string): string {
  return resolvePath(expandEnv(path));
}

/** Load (once per process) the table a benchmark's options name. */
export function loadNb201Table(path: string, format: TableFormat = 'auto', epochs = 200): Nb201Table {
  const file = tableFile(path);
  const fmt = format === 'auto' ? sniffFormat(file) : format;
  const key = `${fmt}|${epochs}|${file}`;
  let table = cache.get(key);
  if (!table) {
    table = fmt === 'csv' ? loadNb201Csv(file) : loadNniSqlite(file, epochs);
    cache.set(key, table);
  }
  return table;
}

/**
 * Check, before a study starts, everything a job would find wrong: the table parses (every row,
 * see the parsers), holds all 15,625 architectures, has the test and search columns of every
 * dataset the study names, and its format matches the file. Throws the first problem (file:line).
 */
export function checkNb201Data(options: Nb201BenchmarkOptions, datasets: readonly string[]): void {
  const file = tableFile(options.path);
  if (options.format !== 'auto') {
    const actual = sniffFormat(file);
    if (actual !== options.format) throw new TableFormatError(file, undefined, `format "${options.format}" is named, but the file is ${actual === 'csv' ? 'not a SQLite database (CSV text?)' : 'a SQLite database'}`);
  }
  const table = loadNb201Table(options.path, options.format, options.epochs);
  const searchTable = searchTableOf(options);
  for (const t of [table, searchTable ?? table]) {
    if (t.rows !== NB201_SIZE) {
      throw new TableFormatError(t.source, undefined, `the table has ${t.rows.toLocaleString('en-US')} rows; NAS-Bench-201 has ${NB201_SIZE.toLocaleString('en-US')} architectures, one row each`);
    }
  }
  const benchmark = new Nb201Benchmark(table, options, searchTable);
  for (const d of datasets) benchmark.columns(d);
}

/** The search table options name apart from the reported one (another file, or other NNI epochs), if any. */
export function searchTableOf(options: Nb201BenchmarkOptions): Nb201Table | undefined {
  const path = options.searchPath ?? options.path;
  const format = options.searchFormat ?? (options.searchPath ? 'auto' : options.format);
  const epochs = options.searchEpochs ?? options.epochs;
  if (path === options.path && epochs === options.epochs) return undefined;
  if (options.searchPath && options.searchFormat && options.searchFormat !== 'auto') {
    const actual = sniffFormat(tableFile(path));
    if (actual !== options.searchFormat) throw new TableFormatError(tableFile(path), undefined, `searchFormat "${options.searchFormat}" is named, but the file is ${actual === 'csv' ? 'not a SQLite database (CSV text?)' : 'a SQLite database'}`);
  }
  return loadNb201Table(path, format, epochs);
}

/** The time budget of a dataset: one number for all, or the dataset's entry (by any NB201 spelling). */
function timeBudgetOf(budget: Nb201BenchmarkOptions['timeBudget'], label: string): number | undefined {
  if (budget === undefined || typeof budget === 'number') return budget;
  const dataset = nb201DatasetOf(label);
  for (const [key, seconds] of Object.entries(budget)) if (nb201DatasetOf(key) === dataset) return seconds;
  throw new Error(`timeBudget names no budget for dataset "${label}" (it has: ${Object.keys(budget).join(', ')})`);
}

/** NB201 dataset names, and the spellings NB201/NNI/NATS use for them. */
const DATASET_ALIASES: Record<string, Nb201Dataset> = {
  cifar10: 'cifar10',
  cifar10valid: 'cifar10valid',
  cifar100: 'cifar100',
  imagenet16: 'imagenet16',
  imagenet16120: 'imagenet16',
};

/** `cifar10-valid`, `ImageNet16-120`, … → the table's dataset prefix; throws for other names. */
export function nb201DatasetOf(label: string): Nb201Dataset {
  const d = DATASET_ALIASES[label.toLowerCase().replace(/[-_]/g, '')];
  if (!d) throw new Error(`dataset "${label}" is not a NAS-Bench-201 dataset (cifar10, cifar10valid, cifar100, imagenet16)`);
  return d;
}

/** The column a search sees for this dataset and these options. */
export function searchColumnOf(dataset: Nb201Dataset, o: Pick<Nb201BenchmarkOptions, 'metric' | 'searchColumn'>): string {
  if (o.searchColumn) return o.searchColumn;
  if (o.metric === 'test') return `${dataset}_test_acc`;
  // NB201's `cifar10` entry is trained on train+valid: its only held-out accuracy is the test
  // set (NNI even stores it as `valid_acc`), so validation for CIFAR-10 comes from
  // `cifar10valid`, as in the NB201 paper's protocol.
  if (dataset === 'cifar10') return 'cifar10valid_valid_acc';
  return `${dataset}_valid_acc`;
}

interface DatasetColumns {
  readonly testColumn: string;
  readonly searchColumn: string;
  readonly test: Float64Array;
  /** Seed mean of the search column (of the search table). */
  readonly search: Float64Array;
  /** Per-seed search columns (`searchSeed: random`). */
  readonly searchSeeds: readonly { seed: number; values: Float64Array }[];
  /** Cost columns of a query, each with its per-seed twins (empty where the table has none). */
  readonly time: readonly { column: string; mean: Float64Array; bySeed: ReadonlyMap<number, Float64Array> }[];
  readonly timeBudget: number | undefined;
  readonly params: Float64Array | undefined;
}

export interface Nb201BenchmarkSettings extends Pick<Nb201BenchmarkOptions, 'metric' | 'searchColumn' | 'timeBudget' | 'timeColumns'> {
  /** Dataset used when a query names none (direct use; studies always name one). */
  readonly dataset?: string;
  readonly searchSeed?: 'mean' | 'random';
}

/** A column's per-seed twins `<name>@<seed>`, by ascending seed. */
export function seedColumnsOf(table: Nb201Table, name: string): { seed: number; values: Float64Array }[] {
  const out: { seed: number; values: Float64Array }[] = [];
  const prefix = `${name}@`;
  for (const [key, values] of table.columns) {
    if (!key.startsWith(prefix)) continue;
    const seed = Number(key.slice(prefix.length));
    if (Number.isInteger(seed)) out.push({ seed, values });
  }
  return out.sort((a, b) => a.seed - b.seed);
}

/** The dataset prefix of an accuracy column (`cifar10valid_valid_acc` → `cifar10valid`). */
function datasetPrefixOf(column: string): string | undefined {
  return /^(.+)_(train|valid|test|oritest)_acc$/.exec(column)?.[1];
}

/**
 * A look-up evaluator over a loaded table. In a study the manifest's `datasets` entry of the job
 * (`cifar10`, `cifar10valid`, `cifar100`, `imagenet16`) picks the columns of each query.
 */
export class Nb201Benchmark implements Benchmark<Nb201Arch> {
  private readonly byDataset = new Map<string, DatasetColumns>();
  private readonly space = new NasBench201Space();
  private readonly defaultDataset: string;
  /** The table searches see (the reported `table` unless a search fidelity of its own is named). */
  readonly searchTable: Nb201Table;

  constructor(
    readonly table: Nb201Table,
    private readonly settings: Nb201BenchmarkSettings,
    searchTable?: Nb201Table,
  ) {
    this.defaultDataset = settings.dataset ?? 'cifar10';
    this.searchTable = searchTable ?? table;
  }

  /** The columns a dataset label reads (checked once per label). */
  columns(label: string = this.defaultDataset): DatasetColumns {
    let c = this.byDataset.get(label);
    if (!c) {
      const dataset = nb201DatasetOf(label);
      const testColumn = `${dataset}_test_acc`;
      const searchColumn = searchColumnOf(dataset, this.settings);
      const st = this.searchTable;
      const searchSeeds = this.settings.searchSeed === 'random' ? seedColumnsOf(st, searchColumn) : [];
      if (this.settings.searchSeed === 'random' && searchSeeds.length === 0) {
        throw new TableFormatError(st.source, undefined, `searchSeed "random" needs the search column per training seed ("${searchColumn}@<seed>" columns; NNI's database has them), but the table has only its seed mean`);
      }
      const timeBudget = timeBudgetOf(this.settings.timeBudget, label);
      const time: DatasetColumns['time'][number][] = [];
      if (timeBudget !== undefined) {
        const prefix = datasetPrefixOf(searchColumn);
        const names = this.settings.timeColumns ?? (prefix ? [`${prefix}_train_time`, `${prefix}_valid_time`] : undefined);
        if (!names) throw new TableFormatError(st.source, undefined, `timeBudget: name the cost columns of search column "${searchColumn}" with timeColumns`);
        for (const column of names) {
          const mean = requireColumn(st, column, `the simulated training time a query costs under timeBudget`);
          time.push({ column, mean, bySeed: new Map(seedColumnsOf(st, column).map((s) => [s.seed, s.values])) });
        }
      }
      c = {
        testColumn,
        searchColumn,
        test: requireColumn(this.table, testColumn, `the reported test accuracy of dataset "${label}"`),
        search: requireColumn(st, searchColumn, `the accuracy searches on "${label}" see (metric "${this.settings.metric}")`),
        searchSeeds,
        time,
        timeBudget,
        params: this.table.columns.get(`${dataset}_params_m`) ?? this.table.columns.get('params_m'),
      };
      this.byDataset.set(label, c);
    }
    return c;
  }

  /** Table row of an architecture; throws when the table lacks it. */
  rowOf(arch: Nb201Arch): number {
    const idx = this.space.index(arch);
    const row = this.table.rowOfIndex[idx]!;
    if (row < 0) throw new Error(`${this.table.source}: no row for architecture ${this.space.format(arch)} (index ${idx})`);
    return row;
  }

  /** Search-table row of an architecture; throws when that table lacks it. */
  private searchRowOf(arch: Nb201Arch): number {
    if (this.searchTable === this.table) return this.rowOf(arch);
    const idx = this.space.index(arch);
    const row = this.searchTable.rowOfIndex[idx]!;
    if (row < 0) throw new Error(`${this.searchTable.source}: no row for architecture ${this.space.format(arch)} (index ${idx})`);
    return row;
  }

  /** The accuracy a search uses (seed mean), without building a result (fast path for in-process studies). */
  searchAccuracy(arch: Nb201Arch, dataset?: string): number {
    return this.columns(dataset).search[this.searchRowOf(arch)]!;
  }

  /** The time budget of searches on this dataset, in simulated seconds (undefined: none). */
  searchTimeBudget(context?: Pick<BenchmarkQueryContext, 'dataset'>): number | undefined {
    return this.columns(context?.dataset).timeBudget;
  }

  /**
   * What a search sees: the search column's accuracy (seed mean, or of one seed drawn from the
   * job's stream) and, under a time budget, what the query cost; nothing of the row else.
   */
  observe(arch: Nb201Arch, archText?: string, context?: BenchmarkQueryContext): SearchObservation {
    void archText;
    const c = this.columns(context?.dataset);
    const row = this.searchRowOf(arch);
    let seed: number | undefined;
    let accuracy = c.search[row]!;
    if (c.searchSeeds.length) {
      const rng = context?.rng;
      if (!rng) throw new Error('searchSeed "random" draws a training seed per query from the search job\'s stream, and this query came without one');
      const have = c.searchSeeds.filter((s) => !Number.isNaN(s.values[row]!));
      if (!have.length) throw new Error(`${this.searchTable.source}: architecture ${this.space.format(arch)} has no seed of "${c.searchColumn}"`);
      const drawn = have[rng.int(have.length)]!;
      seed = drawn.seed;
      accuracy = drawn.values[row]!;
    }
    if (!c.time.length) return { accuracy };
    let seconds = 0;
    for (const t of c.time) {
      const v = (seed !== undefined ? t.bySeed.get(seed)?.[row] : undefined) ?? t.mean[row]!;
      if (!Number.isFinite(v)) throw new Error(`${this.searchTable.source}: architecture ${this.space.format(arch)} has no "${t.column}"${seed !== undefined ? ` for seed ${seed}` : ''}`);
      seconds += v;
    }
    return { accuracy, seconds };
  }

  query(arch: Nb201Arch, archText?: string, context?: BenchmarkQueryContext): EvaluationResult {
    void archText;
    const c = this.columns(context?.dataset);
    const row = this.rowOf(arch);
    const extra: Record<string, Json> = {
      index: this.table.index[row]!,
      searchAccuracy: c.search[this.searchRowOf(arch)]!,
      searchColumn: c.searchColumn,
    };
    for (const [name, col] of this.table.columns) {
      const v = col[row]!;
      extra[name] = Number.isNaN(v) ? null : v;
    }
    for (const [name, col] of this.table.textColumns) extra[name] = col[row]!;
    const acc = c.test[row]!;
    const params = c.params?.[row];
    return {
      finalAccuracy: acc,
      bestAccuracy: acc,
      ...(params !== undefined && !Number.isNaN(params) ? { params: Math.round(params * 1e6) } : {}),
      source: 'benchmark:nas-bench-201',
      extra,
    };
  }
}
