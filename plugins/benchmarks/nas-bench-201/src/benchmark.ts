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
  if (table.rows !== NB201_SIZE) {
    throw new TableFormatError(file, undefined, `the table has ${table.rows.toLocaleString('en-US')} rows; NAS-Bench-201 has ${NB201_SIZE.toLocaleString('en-US')} architectures, one row each`);
  }
  const benchmark = new Nb201Benchmark(table, options);
  for (const d of datasets) benchmark.columns(d);
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
  readonly search: Float64Array;
  readonly params: Float64Array | undefined;
}

export interface Nb201BenchmarkSettings extends Pick<Nb201BenchmarkOptions, 'metric' | 'searchColumn'> {
  /** Dataset used when a query names none (direct use; studies always name one). */
  readonly dataset?: string;
}

/**
 * A look-up evaluator over a loaded table. In a study the manifest's `datasets` entry of the job
 * (`cifar10`, `cifar10valid`, `cifar100`, `imagenet16`) picks the columns of each query.
 */
export class Nb201Benchmark implements Benchmark<Nb201Arch> {
  private readonly byDataset = new Map<string, DatasetColumns>();
  private readonly space = new NasBench201Space();
  private readonly defaultDataset: string;

  constructor(
    readonly table: Nb201Table,
    private readonly settings: Nb201BenchmarkSettings,
  ) {
    this.defaultDataset = settings.dataset ?? 'cifar10';
  }

  /** The columns a dataset label reads (checked once per label). */
  columns(label: string = this.defaultDataset): DatasetColumns {
    let c = this.byDataset.get(label);
    if (!c) {
      const dataset = nb201DatasetOf(label);
      const testColumn = `${dataset}_test_acc`;
      const searchColumn = searchColumnOf(dataset, this.settings);
      c = {
        testColumn,
        searchColumn,
        test: requireColumn(this.table, testColumn, `the reported test accuracy of dataset "${label}"`),
        search: requireColumn(this.table, searchColumn, `the accuracy searches on "${label}" see (metric "${this.settings.metric}")`),
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

  /** The accuracy a search uses, without building a result (fast path for in-process studies). */
  searchAccuracy(arch: Nb201Arch, dataset?: string): number {
    return this.columns(dataset).search[this.rowOf(arch)]!;
  }

  /** What a search sees: the search column's accuracy only (core hands it to the search). */
  observe(arch: Nb201Arch, archText?: string, context?: BenchmarkQueryContext): SearchObservation {
    void archText;
    return { accuracy: this.searchAccuracy(arch, context?.dataset) };
  }

  query(arch: Nb201Arch, archText?: string, context?: BenchmarkQueryContext): EvaluationResult {
    void archText;
    const c = this.columns(context?.dataset);
    const row = this.rowOf(arch);
    const extra: Record<string, Json> = {
      index: this.table.index[row]!,
      searchAccuracy: c.search[row]!,
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
