import { definePlugin, fileDigest, pathOption, z } from '@naslab/core';
import { checkNb201Data, loadNb201Table, Nb201Benchmark, searchTableOf, tableFile } from './benchmark.js';

export { parseNb201Csv, loadNb201Csv } from './csv.js';
export { loadNniSqlite, archFromNniJson } from './nni-sqlite.js';
export { Nb201Benchmark, checkNb201Data, loadNb201Table, searchTableOf, seedColumnsOf, tableFile, searchColumnOf, nb201DatasetOf, expandEnv, type Nb201BenchmarkOptions, type Nb201BenchmarkSettings, type Nb201Dataset, type TableFormat } from './benchmark.js';
export { TableFormatError, requireColumn, type Nb201Table } from './table.js';

export default definePlugin({
  kind: 'benchmark',
  id: 'nas-bench-201',
  description: 'NAS-Bench-201 look-up from a local table (CSV or NNI SQLite); never downloads. The study\'s datasets (cifar10, cifar10valid, cifar100, imagenet16) pick the columns.',
  options: z
    .object({
      path: pathOption('Table file (CSV or NNI SQLite), relative to the manifest; $VAR / ${VAR} expand from the environment'),
      format: z.enum(['auto', 'csv', 'nni-sqlite']).default('auto'),
      metric: z.enum(['valid', 'test']).default('valid').describe('Accuracy the search sees (extra.searchAccuracy)'),
      searchColumn: z.string().min(1).optional().describe('Explicit column for the search accuracy (overrides metric)'),
      epochs: z.number().int().positive().default(200).describe('NNI SQLite only: num_epochs of the trials (12 or 200)'),
      searchPath: pathOption('Table searches see, where it is not `path` (e.g. the 12-epoch results); metric / searchColumn name its column').optional(),
      searchFormat: z.enum(['auto', 'csv', 'nni-sqlite']).optional().describe('Format of searchPath (default: auto)'),
      searchEpochs: z.number().int().positive().optional().describe('NNI SQLite only: num_epochs of the trials searches see (NB201/NATS search: 12; default: epochs)'),
      searchSeed: z.enum(['mean', 'random']).optional().describe('mean (default): seed mean (NASLib); random: one training seed drawn per query (NB201 is_random=True; needs per-seed columns)'),
      timeBudget: z
        .union([z.number().positive(), z.record(z.string(), z.number().positive())])
        .optional()
        .describe('Simulated seconds a search may spend (one number, or per dataset); a query costs timeColumns of its row'),
      timeColumns: z.array(z.string().min(1)).min(1).optional().describe('Columns summed as a query\'s cost (default: <dataset>_train_time, <dataset>_valid_time of the search column)'),
    })
    .strict(),
  // The table file's digest is in every job id (another table behind the same path or variable
  // gives other job ids).
  dataIdentity: (options) => fileDigest([tableFile(options.path), ...(options.searchPath ? [tableFile(options.searchPath)] : [])]),
  // The table loads in a fraction of a second: parse and check all of it before any job runs.
  checkData: (options, { datasets }) => checkNb201Data(options, datasets),
  spaces: ['@naslab/space-nas-bench-201'],
  create: ({ options }) => new Nb201Benchmark(loadNb201Table(options.path, options.format, options.epochs), options, searchTableOf(options)),
});
