import type { JobKind } from '@naslab/core';
import { sbatchResourceArgs, type Resources } from './options.js';

/** Quote for bash: '…' with embedded quotes closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface BatchScript {
  readonly kind: JobKind;
  readonly jobName: string;
  /** `0,2,5%4` */
  readonly array: string;
  /** Task index → naslab job id. */
  readonly tasks: readonly { index: number; jobId: string }[];
  /** `aftercorr:123` or `afterok:123_4:125_0`, if any. */
  readonly dependency?: string;
  readonly resources: Resources;
  /** Slurm's output file pattern (%A array job, %a task). */
  readonly output: string;
  readonly chdir: string;
  readonly setup: readonly string[];
  /** The worker command: node, worker entry, its leading args (the manifest). */
  readonly node: string;
  readonly worker: { readonly entry: string; readonly args: readonly string[] };
}

/** An sbatch option as an `#SBATCH` line: sbatch splits these at blanks unless double-quoted. */
function sbatchLine(arg: string): string {
  if (!/\s/.test(arg)) return arg;
  const eq = arg.indexOf('=');
  if (eq < 0 || /["\\]/.test(arg)) throw new Error(`cannot write the sbatch option ${JSON.stringify(arg)} into a batch script (blanks with quotes or backslashes)`);
  return `${arg.slice(0, eq)}="${arg.slice(eq + 1)}"`;
}

/**
 * An sbatch script for one array: every option in `#SBATCH` lines (so the file documents what was
 * submitted and can be resubmitted by hand), a table from task index to job id, and `exec` of the
 * worker so that it is the process Slurm signals (SIGTERM, then SIGKILL after KillWait).
 */
export function renderBatchScript(b: BatchScript): string {
  const sbatch = [
    `--job-name=${b.jobName}`,
    `--array=${b.array}`,
    `--output=${b.output}`,
    '--open-mode=append',
    `--chdir=${b.chdir}`,
    ...(b.dependency ? [`--dependency=${b.dependency}`, '--kill-on-invalid-dep=yes'] : []),
    ...sbatchResourceArgs(b.resources),
  ];
  const table = b.tasks.map((t) => `[${t.index}]=${t.jobId}`).join(' ');
  const cmd = [b.node, b.worker.entry, ...b.worker.args].map(shellQuote).join(' ');
  return [
    '#!/bin/bash',
    ...sbatch.map((a) => `#SBATCH ${sbatchLine(a)}`),
    `# naslab ${b.kind} jobs, one per array task (written by @naslab/executor-slurm).`,
    'set -eu',
    `declare -A jobs=(${table})`,
    'job=${jobs[$SLURM_ARRAY_TASK_ID]}',
    // The job's thread count is its CPU allocation, as the local executor's is its share of cores.
    'export NASLAB_THREADS=${SLURM_CPUS_PER_TASK:-1} OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}',
    ...b.setup,
    `echo "naslab: job $job on $(hostname), Slurm task \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID} (restart \${SLURM_RESTART_COUNT:-0})"`,
    `exec ${cmd} "$job" --job-folder --attempt "\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}.\${SLURM_RESTART_COUNT:-0}"`,
    '',
  ].join('\n');
}
