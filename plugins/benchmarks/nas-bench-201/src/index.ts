import { definePlugin, fileDigest, z } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark, tableFile } from './benchmark.js';

export { parseNb201Csv, loadNb201Csv } from './csv.js';
export { loadNniSqlite, archFromNniJson } from './nni-sqlite.js';
export { Nb201Benchmark, loadNb201Table, tableFile, searchColumnOf, nb201DatasetOf, expandEnv, type Nb201BenchmarkOptions, type Nb201BenchmarkSettings, type Nb201Dataset, type TableFormat } from './benchmark.js';
export { TableFormatError, requireColumn, type Nb201Table } from './table.js';

export default definePlugin({
  kind: 'benchmark',
  id: 'nas-bench-201',
  description: 'NAS-Bench-201 look-up from a local table (CSV or NNI SQLite); never downloads. The study\'s datasets (cifar10, cifar10valid, cifar100, imagenet16) pick the columns.',
  options: z
    .object({
      path: z.string().min(1).describe('Table file (CSV or NNI SQLite); $VAR / ${VAR} expand from the environment'),
      format: z.enum(['auto', 'csv', 'nni-sqlite']).default('auto'),
      metric: z.enum(['valid', 'test']).default('valid').describe('Accuracy the search sees (extra.searchAccuracy)'),
      searchColumn: z.string().min(1).optional().describe('Explicit column for the search accuracy (overrides metric)'),
      epochs: z.number().int().positive().default(200).describe('NNI SQLite only: num_epochs of the trials (12 or 200)'),
    })
    .strict(),
  // Preparing a study only hashes the table file (another table behind the same path or
  // variable gives other job ids); it is parsed when a job creates the benchmark, once per process.
  dataIdentity: (options) => fileDigest([tableFile(options.path)]),
  create: ({ options }) => new Nb201Benchmark(loadNb201Table(options.path, options.format, options.epochs), options),
});
