import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  analyzeRelativeImprovement,
  formatRiAnalysis,
  importResults,
  type OutputFormat,
  type RunRecord,
} from '@naslab/analysis';
import { InputError, readableFileProblem } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/** Result CSVs larger than this are refused (the paper's files are a few kB; a long-format file of a million runs is about 60 MB). */
const MAX_RESULTS_BYTES = 256 * 2 ** 20;

interface AnalyzeArgs {
  results: string[];
  alias?: string[];
  format: OutputFormat;
  out?: string;
  dataset?: string;
  resamples: number;
  permutations: number;
  confidence: number;
  ddof: number;
  seed: number;
}

/**
 * Reads result CSVs (the paper's `Random X, X` layout or the long
 * `dataset, method, kind, run, accuracy` format) and renders the RI table.
 * Returns the rendered text and the warnings (exported for tests and reuse).
 */
export async function runAnalyze(args: Omit<AnalyzeArgs, 'out'>): Promise<{ text: string; warnings: string[] }> {
  const records: RunRecord[] = [];
  const warnings: string[] = [];
  for (const file of args.results) {
    // By type and size before reading: a folder or a FIFO is a user's slip, not an internal error.
    const problem = readableFileProblem(file, { maxBytes: MAX_RESULTS_BYTES, what: 'results file' });
    if (problem) throw new InputError({ file: '--results', message: problem });
    const text = await readFile(file, 'utf8');
    // A paper-layout file holds one dataset: named by --dataset, else by the file name.
    const dataset = args.dataset ?? basename(file, extname(file));
    const imp = importResults(text, dataset, { aliases: parseAliases(args.alias ?? []) });
    records.push(...imp.records);
    warnings.push(...imp.warnings.map((w) => `${basename(file)}: ${w}`));
  }
  const analysis = analyzeRelativeImprovement(records, {
    resamples: args.resamples,
    permutations: args.permutations,
    confidence: args.confidence,
    ddof: args.ddof,
    seed: args.seed,
  });
  analysis.warnings.unshift(...warnings);
  return { text: formatRiAnalysis(analysis, args.format), warnings: analysis.warnings };
}

/** `FROM=TO` pairs → alias map; malformed pairs are bad input. */
function parseAliases(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const [from, to, ...rest] = pair.split('=');
    if (!from || !to || rest.length) throw new InputError({ file: '--alias', message: `"${pair}" is not FROM=TO` });
    out[from] = to;
  }
  return out;
}

const command: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze',
  describe: 'Relative improvement over random sampling, with bootstrap CI, Welch and permutation tests, from result CSVs',
  builder: (y: Argv) =>
    y
      .option('results', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Result CSV(s): paper layout (Random X, X columns; one row per run) or long format (dataset,method,kind,run,accuracy)',
      })
      .option('alias', {
        type: 'string',
        array: true,
        describe: 'Read a paper-layout method column under another name, FROM=TO (e.g. MANAS-LS=MANAS to pair it with "Random MANAS")',
      })
      .option('format', { choices: ['csv', 'json', 'md'] as const, default: 'md' as OutputFormat, describe: 'Output format' })
      .option('out', { type: 'string', describe: 'Write to this file instead of stdout' })
      .option('dataset', { type: 'string', describe: 'Dataset name for paper-layout files (default: file name without extension)' })
      .option('resamples', { type: 'number', default: 10_000, describe: 'Bootstrap resamples for the RI CI (percentile method)' })
      .option('permutations', { type: 'number', default: 10_000, describe: 'Permutations for the permutation test' })
      .option('confidence', { type: 'number', default: 0.95, describe: 'CI level' })
      .option('ddof', { type: 'number', default: 1, describe: 'Delta degrees of freedom of the reported std (1 = sample std)' })
      .option('seed', { type: 'number', default: 0, describe: 'Base seed of the bootstrap and permutation RNG' }) as unknown as Argv<AnalyzeArgs>,
  handler: async (args: ArgumentsCamelCase<AnalyzeArgs>) => {
    const { text, warnings } = await runAnalyze(args);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (args.out) {
      await writeFile(args.out, text, 'utf8');
      process.stderr.write(`wrote ${args.out}\n`);
    } else {
      process.stdout.write(text);
    }
  },
};

export default command;
