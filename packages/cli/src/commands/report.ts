import { resolve } from 'node:path';
import { paperReanalysis, writeReport } from '@naslab/report';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface ReportArgs {
  paper?: string;
  out: string;
  resamples: number;
  permutations: number;
  seed: number;
}

const command: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'Write an HTML + Markdown + CSV report (self-contained, inline SVG charts)',
  builder: (y: Argv) =>
    y
      .option('paper', {
        type: 'string',
        describe: 'Re-analyse "NAS evaluation is frustratingly hard" from this seed-data folder (the one containing nas-benchmark/)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Output folder' })
      .option('resamples', { type: 'number', default: 10_000, describe: 'Bootstrap resamples for the RI CI' })
      .option('permutations', { type: 'number', default: 10_000, describe: 'Permutations for the permutation test' })
      .option('seed', { type: 'number', default: 0, describe: 'Base seed of the bootstrap and permutation RNG' })
      .check((a) => {
        if (!a.paper) throw new Error('nothing to report: pass --paper <seed-data-dir> (study reports come through buildStudyReport)');
        return true;
      }) as unknown as Argv<ReportArgs>,
  handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
    const data = await paperReanalysis(resolve(args.paper!), {
      resamples: args.resamples,
      permutations: args.permutations,
      seed: args.seed,
    });
    const written = await writeReport(resolve(args.out), data);
    for (const w of data.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`wrote ${written.html}\n      ${written.markdown}\n${written.csv.map((c) => `      ${c}\n`).join('')}`);
  },
};

export default command;
