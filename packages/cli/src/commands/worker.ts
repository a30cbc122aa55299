import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { runWorker } from '../worker.js';

interface WorkerArgs {
  manifest: string;
  job: string;
  jobFolder: boolean;
  attempt?: string;
  threads?: number;
}

/** What executors start for one job (a worker process, a cluster task); also handy to rerun one job by hand. */
const command: CommandModule<object, WorkerArgs> = {
  command: 'worker <manifest> <job>',
  describe: 'Run exactly one job of a study (what executors start; see the executor READMEs)',
  builder: (y: Argv) =>
    y
      .positional('manifest', { type: 'string', demandOption: true, describe: 'Experiment manifest (YAML)' })
      .positional('job', { type: 'string', demandOption: true, describe: 'Job id (from naslab plan)' })
      .option('job-folder', {
        type: 'boolean',
        default: false,
        describe: "Write result, metrics and outcome into the job's folder, not the database (cluster tasks)",
      })
      .option('attempt', { type: 'string', describe: "Name of this attempt in the job folder's files" })
      .option('threads', { type: 'number', describe: 'CPU threads for the job (default NASLAB_THREADS, else 1)' }) as unknown as Argv<WorkerArgs>,
  handler: async (args: ArgumentsCamelCase<WorkerArgs>) => {
    process.exitCode = await runWorker({
      manifest: args.manifest,
      jobId: args.job,
      jobFolder: args.jobFolder,
      ...(args.attempt ? { attempt: args.attempt } : {}),
      ...(args.threads ? { threads: args.threads } : {}),
    });
  },
};
export default command;
