import { fileURLToPath } from 'node:url';
import { createLogger, ExitCode, formatPath, InputError, jobSelector, StudyEvents, runStudy, type Study } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { attachProgress } from '../progress.js';
import { collectRuns, formatRunTable } from '../results.js';
import { openStudy } from '../session.js';

interface RunArgs {
  manifest: string;
  workers?: number;
  threads?: number;
  retryFailed: boolean;
  rerun?: string;
  detach: boolean;
  quiet: boolean;
}

const command: CommandModule<object, RunArgs> = {
  command: 'run <manifest>',
  describe: 'Run a study: every job not yet done (a rerun resumes where it stopped)',
  builder: (y: Argv) =>
    y
      .positional('manifest', { type: 'string', demandOption: true, describe: 'Experiment manifest (YAML)' })
      .option('workers', { type: 'number', describe: 'Worker processes of the local executor (overrides the manifest)' })
      .option('threads', { type: 'number', describe: 'CPU threads per in-process job (default: all cores)' })
      .option('retry-failed', { type: 'boolean', default: false, describe: 'Run failed and skipped jobs again' })
      .option('rerun', { type: 'string', describe: 'Run these jobs again even if done, and what depends on them: key=value terms (id, kind, dataset, method, seed, protocol), a job id prefix, a method label, or all' })
      .option('detach', {
        type: 'boolean',
        default: false,
        describe: 'Submit the jobs and return (executors that run jobs elsewhere, e.g. slurm); `naslab status` brings results in',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'No progress output' }) as unknown as Argv<RunArgs>,
  handler: async (args: ArgumentsCamelCase<RunArgs>) => {
    let rerun: ReturnType<typeof jobSelector> | undefined;
    try {
      rerun = args.rerun === undefined ? undefined : jobSelector(args.rerun);
    } catch (e) {
      throw new InputError({ file: '<arguments>', path: 'rerun', message: (e as Error).message });
    }
    const study = await openStudy(args.manifest);
    if (args.detach) await assertCanDetach(study);
    // The database and the report's charts are loaded only by a run, never by `run --help`.
    const [{ SqliteResultStore }, { riTable, studyLatency, studyReportInput, writeStudyReport }] = await Promise.all([import('@naslab/store'), import('../study-report.js')]);
    const store = new SqliteResultStore(study.manifest.store);
    const events = new StudyEvents();
    const detach = attachProgress(events, { tty: !!process.stderr.isTTY && !process.env.CI, quiet: args.quiet });
    const controller = new AbortController();
    const stop = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const summary = await runStudy(study, {
        store,
        events,
        logger: createLogger({ level: args.quiet ? 'warn' : 'info' }),
        workers: args.workers,
        threads: args.threads ?? (await import('node:os')).availableParallelism(),
        retryFailed: args.retryFailed,
        rerun,
        detach: args.detach,
        signal: controller.signal,
        worker: { entry: fileURLToPath(new URL('../worker.js', import.meta.url)), args: [study.manifest.file] },
      });
      detach();
      if (args.detach) {
        const out = summary.total - summary.done - summary.failed - summary.skipped;
        process.stdout.write(
          `study ${study.manifest.name}: ${summary.done}/${summary.total} jobs done, ${out} submitted or queued, ${summary.failed} failed, ${summary.skipped} skipped\n` +
            `\`naslab status ${args.manifest}\` brings in what finished; \`naslab run ${args.manifest}\` waits for the rest and prints the tables.\n`,
        );
        process.exitCode = ExitCode.ok;
        return;
      }
      const runs = collectRuns(study, store);
      process.stdout.write(`\n${formatRunTable(study, runs)}\n`);
      if (runs.length) {
        const input = studyReportInput(study, store, runs, await studyLatency(study));
        const table = riTable(input);
        if (table) process.stdout.write(`\nRelative improvement over ${study.manifest.baseline} (bootstrap 95% CI; Welch and permutation p-values)\n${table}\n`);
        const report = await writeStudyReport(study, store, input);
        if (report.ablation) process.stdout.write(`\n${report.ablation}\n`);
        for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`\nreport: ${report.html}\n`);
      }
      process.stdout.write(
        `\nstudy ${study.manifest.name}: ${summary.done}/${summary.total} jobs done (${summary.ranNow} run now), ${summary.failed} failed, ${summary.skipped} skipped\nresults: ${store.location}\n`,
      );
      for (const job of study.jobs) {
        const rec = store.getJob(job.id);
        if (rec?.status === 'failed') process.stderr.write(`failed ${job.kind} ${job.id}: ${rec.error?.split('\n')[0]}\n`);
      }
      process.exitCode = summary.failed + summary.skipped > 0 || summary.done < summary.total ? ExitCode.jobFailures : ExitCode.ok;
    } finally {
      store.close();
    }
  },
};

/** `--detach` needs an executor that runs jobs elsewhere and can ingest them later. */
async function assertCanDetach(study: Study): Promise<void> {
  const ref = study.manifest.executor;
  const executor = await study.host.instantiate(study.container.createChildContainer(), 'executor', ref.label);
  if (typeof executor.ingest !== 'function') {
    throw new InputError({
      file: study.manifest.file,
      ...study.manifest.locate(ref.path),
      path: formatPath(ref.path),
      message: `--detach needs an executor that runs jobs outside this process and ingests them later (slurm); ${ref.id} runs them here`,
    });
  }
}

export default command;
