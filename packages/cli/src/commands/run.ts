import { fileURLToPath } from 'node:url';
import { createLogger, ExitCode, formatPath, InputError, jobSelector, StudyEvents, runStudy, studyBackends, type Study } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type BackendChoice, chooseBackend, fallbackNotice, fallbackSummary } from '../backend-notice.js';
import { attachProgress } from '../progress.js';
import { baselineWords, collectRuns, divergedPolicy, formatDiverged, formatRunTable } from '../results.js';
import { openManifestStore } from '../open-store.js';
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
    const [store, { otherBaselineTables, rankAgreementMarkdown, riTable, spaceComparisonMarkdown, studyLatency, studyReportInput, writeStudyReport }] = await Promise.all([openManifestStore(study.manifest), import('../study-report.js')]);
    const backend = await backendChoice(study, store, args);
    const notice = backend && fallbackNotice(backend);
    if (notice) process.stderr.write(`${notice}
`);
    const events = new StudyEvents();
    const progress = attachProgress(events, {
      tty: !!process.stderr.isTTY && !process.env.CI,
      quiet: args.quiet,
      jobs: study.jobs,
      statusOf: (id) => store.getJob(id)?.status,
      parallel: args.workers ?? workersOf(study),
    });
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
      progress.detach();
      if (args.detach) {
        const out = summary.total - summary.done - summary.failed - summary.skipped;
        process.stdout.write(
          `study ${study.manifest.name}: ${summary.done}/${summary.total} jobs done, ${out} submitted or queued, ${summary.failed} failed, ${summary.skipped} skipped\n` +
            `\`naslab status ${args.manifest}\` brings in what finished; \`naslab run ${args.manifest}\` waits for the rest and prints the tables.\n`,
        );
        process.exitCode = ExitCode.ok;
        return;
      }
      // Diverged trainings are results of the protocol, listed apart: left out of means and RI unless the manifest counts them at chance.
      const policy = await divergedPolicy(study, store);
      const runs = collectRuns(study, store, policy.chance);
      process.stdout.write(`\n${formatRunTable(study, runs)}\n`);
      if (policy.diverged.length) process.stdout.write(`\n${formatDiverged(study, policy.diverged)}\n`);
      for (const w of policy.warnings) process.stderr.write(`warning: ${w}\n`);
      if (runs.length) {
        const input = studyReportInput(study, store, runs, await studyLatency(study));
        const table = riTable(input);
        if (table) process.stdout.write(`\nRelative improvement over ${baselineWords(study.manifest)} (bootstrap 95% CI; Welch and permutation p-values)\n${table}\n`);
        for (const b of otherBaselineTables(input)) process.stdout.write(`\nRelative improvement over ${b.baseline}${b.description ? ` (${b.description})` : ''}\n${b.table}\n`);
        const report = await writeStudyReport(study, store, input);
        if (report.ablation) process.stdout.write(`\n${report.ablation}\n`);
        const agreement = rankAgreementMarkdown(input);
        if (agreement) process.stdout.write(`\n${agreement}\n`);
        const spaces = spaceComparisonMarkdown(input);
        if (spaces) process.stdout.write(`\n${spaces}\n`);
        for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`\nreport: ${report.html}\n`);
      }
      process.stdout.write(
        `\nstudy ${study.manifest.name}: ${summary.done}/${summary.total} jobs done (${summary.ranNow} run now), ${summary.diverged ? `${summary.diverged} diverged, ` : ''}${summary.failed} failed, ${summary.skipped} skipped\nresults: ${store.location}\n`,
      );
      if (summary.ranNow > 0) process.stdout.write(`${progress.summary()}\n`);
      const reminder = backend && fallbackSummary(backend);
      if (reminder && summary.ranNow > 0) process.stdout.write(`${reminder}\n`);
      for (const job of study.jobs) {
        const rec = store.getJob(job.id);
        if (rec?.status === 'failed') process.stderr.write(`failed ${job.kind} ${job.id}: ${rec.error?.split('\n')[0]}\n`);
      }
      process.exitCode = summary.failed + summary.skipped > 0 || summary.done + summary.diverged < summary.total ? ExitCode.jobFailures : ExitCode.ok;
    } finally {
      store.close();
    }
  },
};

/**
 * The backend this run's training will use, probed once here (the trainer probes the same list
 * in each job, quietly), so a slow fallback is said once per run, not once per job. Undefined
 * when nothing will train: a benchmark study, or every job already done.
 */
async function backendChoice(study: Study, store: { getJob(id: string): { status: string } | undefined }, args: RunArgs): Promise<BackendChoice | undefined> {
  if (study.manifest.benchmark || !study.trainerLabel || args.detach) return undefined;
  if (!args.rerun && !args.retryFailed && study.jobs.every((j) => store.getJob(j.id)?.status === 'done')) return undefined;
  const { createCpuBackend } = await import('@naslab/engine/backend-cpu');
  const preference = (study.manifest.trainer?.options as { backendPreference?: 'auto' | 'ordered' } | undefined)?.backendPreference ?? 'auto';
  return chooseBackend(await studyBackends(study), { ...createCpuBackend(), priority: 0 }, preference);
}

/** How many jobs the local executor runs at once (its `workers` option; 1 by default). */
function workersOf(study: Study): number {
  const w = (study.manifest.executor.options as { workers?: unknown } | undefined)?.workers;
  return typeof w === 'number' && w > 0 ? w : 1;
}

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
