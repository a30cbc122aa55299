import { definePlugin } from '@naslab/core';
import { SlurmExecutor } from './executor.js';
import { slurmOptions } from './options.js';

export { layOutArrays, arraySpec, type ArrayGroup, type Dependency, type SlurmTask } from './arrays.js';
export { renderBatchScript, shellQuote, type BatchScript } from './batch-script.js';
export { SlurmExecutor, type RefreshReport } from './executor.js';
export { resourcesFor, sbatchResourceArgs, slurmOptions, type Resources, type SlurmOptions } from './options.js';
export { hasEnded, SlurmCli, SlurmError, type TaskState } from './slurm-cli.js';
export { Submissions, withSubmissionLock, type Submission } from './submissions.js';

export default definePlugin({
  kind: 'executor',
  id: 'slurm',
  description: 'Runs jobs on a Slurm cluster: job arrays with dependencies; tasks write job folders, this process ingests them.',
  options: slurmOptions,
  create: ({ options }) => new SlurmExecutor(options),
});
