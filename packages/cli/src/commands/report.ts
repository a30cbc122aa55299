import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, isExecutableManifest, writableFolderProblem } from '@naslab/core';
import { readOnlyRefusal } from './status.js';
import { paperDataProblem, paperReanalysis, reportFolderProblem, writeReport } from '@naslab/report';
import { openManifestStore } from '../open-store.js';
import { collectRuns, divergedPolicy, formatDiverged } from '../results.js';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { openStudy } from '../session.js';
import { studyArchitectures, studyLatency, studyReportInput, writeStudyReport } from '../study-report.js';

interface ReportArgs {
  manifest?: string;
  paper?: string;
  out?: string;
  resamples: number;
  permutations: number;
  seed: number;
}

const command: CommandModule<object, ReportArgs> = {
  command: 'report [manifest]',
  describe: "Write a study's report (HTML with inline SVG charts, Markdown, CSV) from stored results, or re-analyse the paper's released data with --paper",
  builder: (y: Argv) =>
    y
      .positional('manifest', { type: 'string', describe: 'Manifest of a study that has run (results are read from its store; nothing is re-run)' })
      .option('paper', {
        type: 'string',
        describe: 'Re-analyse "NAS evaluation is frustratingly hard" from this seed-data folder (the one containing nas-benchmark/)',
      })
      .option('out', { type: 'string', describe: 'Output folder (default for a study: <store>/reports/<study>)' })
      .option('resamples', { type: 'number', default: 10_000, describe: 'Bootstrap resamples for the RI CI' })
      .option('permutations', { type: 'number', default: 10_000, describe: 'Permutations for the permutation test' })
      .option('seed', { type: 'number', default: 0, describe: 'Base seed of the bootstrap and permutation RNG' })
      .check((a) => {
        if (!a.paper && !a.manifest) throw new InputError({ file: '<arguments>', message: 'name a study manifest, or pass --paper <seed-data-dir>' });
        if (a.paper && !a.out) throw new InputError({ file: '<arguments>', message: '--paper needs --out <folder>' });
        return true;
      }) as unknown as Argv<ReportArgs>,
  handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
    const outProblem = args.out === undefined ? undefined : (writableFolderProblem(resolve(args.out)) ?? reportFolderProblem(resolve(args.out)));
    if (outProblem) throw new InputError({ file: '<arguments>', path: 'out', message: `cannot write the report there: ${outProblem}` });
    if (args.paper) {
      // A wrong seed-data folder is the user's slip, named as such before any work.
      const problem = paperDataProblem(resolve(args.paper));
      if (problem) throw new InputError({ file: '--paper', message: `${problem}: pass the seed-data folder, the one containing nas-benchmark/` });
      const data = await paperReanalysis(resolve(args.paper), { resamples: args.resamples, permutations: args.permutations, seed: args.seed });
      const written = await writeReport(resolve(args.out!), data);
      for (const w of data.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`wrote ${written.html}\n      ${written.markdown}\n${written.csv.map((c) => `      ${c}\n`).join('')}`);
      return;
    }
    if (isExecutableManifest(args.manifest!)) throw new InputError(readOnlyRefusal(args.manifest!, 'report'));
    const study = await openStudy(args.manifest!);
    if (!existsSync(join(study.manifest.store, 'naslab.db'))) {
      throw new InputError({ file: args.manifest!, message: `no results yet (${study.manifest.store}); run the study first` });
    }
    const store = await openManifestStore(study.manifest);
    try {
      const policy = await divergedPolicy(study, store);
      for (const w of policy.warnings) process.stderr.write(`warning: ${w}\n`);
      if (policy.diverged.length) process.stdout.write(`${formatDiverged(study, policy.diverged)}\n`);
      const input = studyReportInput(study, store, collectRuns(study, store, policy.chance), await studyLatency(study));
      input.options = { ...input.options, resamples: args.resamples, permutations: args.permutations, seed: args.seed };
      if (args.out) {
        const { buildStudyReport } = await import('@naslab/report');
        const data = buildStudyReport({ ...input, architectures: await studyArchitectures(study, store) });
        const written = await writeReport(resolve(args.out), data);
        for (const w of data.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`wrote ${written.html}\n`);
      } else {
        const written = await writeStudyReport(study, store, input);
        for (const w of written.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`wrote ${written.html}\n`);
      }
    } finally {
      store.close();
    }
  },
};

export default command;
