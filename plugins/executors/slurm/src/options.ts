import { z, type JobKind } from '@naslab/core';

/** Slurm's time formats: minutes, m:s, h:m:s, d-h, d-h:m, d-h:m:s (sbatch --time). */
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;
/** sbatch --mem: a size in megabytes, or with a K/M/G/T suffix. */
const MEM = /^\d+[KMGT]?$/;
/** A GPU count, or `type:count` (gres `gpu:a100:2`). */
const GPUS = /^([A-Za-z0-9_.-]+:)?\d+$/;
/** A GPU type as gres names it (`h100`, `a100_80g`, `v100s-pcie`). */
const GPU_TYPE = /^[A-Za-z0-9_.-]+$/;

/** sbatch options the executor sets itself: giving them in `extraArgs` would break the study's DAG. */
const MANAGED = ['--array', '-a', '--dependency', '-d', '--output', '-o', '--error', '-e', '--job-name', '-J', '--parsable', '--wrap', '--chdir', '-D', '--kill-on-invalid-dep'];

const resourceFields = {
  partition: z.string().min(1).optional().describe('Partition (sbatch --partition)'),
  account: z.string().min(1).optional().describe('Account to charge (sbatch --account)'),
  qos: z.string().min(1).optional().describe('Quality of service (sbatch --qos)'),
  time: z
    .string()
    .regex(TIME, 'a Slurm time: minutes, "hh:mm:ss", "d-hh" or "d-hh:mm:ss" (e.g. "2-00:00:00")')
    .optional()
    .describe('Wall-time limit of each task (sbatch --time)'),
  cpus: z.number().int().min(1).optional().describe('CPUs per task (sbatch --cpus-per-task); also the job\'s thread count'),
  gpus: z
    .union([z.number().int().min(0), z.string().regex(GPUS, 'a GPU count, or "type:count" such as "a100:1"')])
    .optional()
    .describe('GPUs per task: a count or "type:count" (sbatch --gres=gpu:…); 0 asks for none'),
  gpusPerTask: z
    .number()
    .int('a whole number of GPUs')
    .min(0, 'a GPU count, 0 or more')
    .optional()
    .describe('GPUs of each task (sbatch --gpus-per-task, with --ntasks=1); 0 asks for none. Slurm sets the task\'s CUDA_VISIBLE_DEVICES'),
  gpuType: z
    .string()
    .regex(GPU_TYPE, 'a GPU type: letters, digits, "_", "." and "-" (e.g. "h100")')
    .optional()
    .describe('Type of the GPUs gpusPerTask asks for (sbatch --gpus-per-task=<type>:<n>), e.g. "h100"'),
  mem: z.string().regex(MEM, 'a size such as "16G", "4000M" or "4000" (megabytes)').optional().describe('Memory per task (sbatch --mem)'),
  constraint: z.string().min(1).optional().describe('Node features (sbatch --constraint), e.g. "a100|v100"'),
  extraArgs: z
    .array(
      z
        .string()
        .regex(/^-/, 'an sbatch option, starting with "-" (e.g. "--exclusive")')
        .refine((a) => !MANAGED.includes(a.split('=')[0]!), {
          message: `the executor sets this itself (it manages ${MANAGED.filter((m) => m.startsWith('--')).join(', ')})`,
        }),
    )
    .optional()
    .describe('More sbatch options, appended as given (per job kind: added after the common ones)'),
};

const resources = z.object(resourceFields).strict();
export type Resources = z.output<typeof resources>;

const JOB_KINDS: readonly JobKind[] = ['search', 'train', 'evaluate'];

export const slurmOptions = z
  .object({
    ...resourceFields,
    search: resources.optional().describe('Resources of search jobs (override the common ones)'),
    train: resources.optional().describe('Resources of train-from-scratch jobs (override the common ones)'),
    evaluate: resources.optional().describe('Resources of evaluate jobs (they copy a training\'s result or query a table: small)'),
    arrayLimit: z.number().int().min(1).optional().describe('Tasks of one array running at once (sbatch --array=…%N)'),
    maxArraySize: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe("Array task indices stay below this; at most the cluster's MaxArraySize (Slurm's default is 1001)"),
    jobName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-"')
      .default('naslab')
      .describe('Prefix of the Slurm job names (<jobName>-<kind>)'),
    node: z.string().min(1).optional().describe('Node.js on the compute nodes (default: the one running naslab)'),
    setup: z
      .array(z.string())
      .default([])
      .describe('Shell lines run before each task, e.g. ["module load nodejs/20", "source ~/venv/bin/activate"]'),
    pollSeconds: z.number().positive().default(10).describe('How often an attached run asks squeue for news'),
    lostAfterSeconds: z
      .number()
      .nonnegative()
      .default(30)
      .describe(
        'How long a task that Slurm says has ended may stay without a result file before it is recorded failed (network file systems show new files late)',
      ),
  })
  .strict()
  .superRefine((o, ctx) => {
    // Checked on each kind's resources as submitted (own fields over the common ones).
    const merged = JOB_KINDS.map((kind) => ({ kind, r: resourcesFor(o, kind) }));
    const asksGpusPerTask = (r: Resources) => (r.gpusPerTask ?? 0) > 0;
    if (o.gpuType !== undefined && !merged.some(({ r }) => asksGpusPerTask(r))) {
      ctx.addIssue({ code: 'custom', path: ['gpuType'], message: 'gpuType names the type of the GPUs gpusPerTask asks for: give gpusPerTask > 0 too (or gpus: "<type>:<count>" for --gres)' });
    }
    for (const { kind, r } of merged) {
      const own = o[kind];
      if (own?.gpuType !== undefined && !asksGpusPerTask(r)) {
        ctx.addIssue({ code: 'custom', path: [kind, 'gpuType'], message: `gpuType names the type of the GPUs gpusPerTask asks for: ${kind} jobs ask for none (give gpusPerTask > 0 too)` });
      }
      if (asksGpusPerTask(r) && r.gpus !== undefined && r.gpus !== 0) {
        const where = own?.gpusPerTask !== undefined ? [kind, 'gpusPerTask'] : own?.gpus !== undefined ? [kind, 'gpus'] : ['gpusPerTask'];
        ctx.addIssue({
          code: 'custom',
          path: where,
          message: `${kind} jobs would ask for GPUs twice (gpus: --gres=gpu:${r.gpus}, and gpusPerTask: ${r.gpusPerTask}): give one of them (gpus: 0 or gpusPerTask: 0 under a job kind turns a common one off)`,
        });
      }
    }
  });

export type SlurmOptions = z.output<typeof slurmOptions>;

/** The resources of one kind of job: its own fields over the common ones; extraArgs add up. */
export function resourcesFor(options: SlurmOptions, kind: JobKind): Resources {
  const common: Resources = {};
  for (const key of Object.keys(resourceFields) as (keyof Resources)[]) {
    if (options[key] !== undefined) (common as Record<string, unknown>)[key] = options[key];
  }
  const own = options[kind] ?? {};
  const extra = [...(common.extraArgs ?? []), ...(own.extraArgs ?? [])];
  return { ...common, ...own, ...(extra.length ? { extraArgs: extra } : {}) };
}

/** The sbatch options for these resources. */
export function sbatchResourceArgs(r: Resources): string[] {
  const out: string[] = [];
  if (r.partition) out.push(`--partition=${r.partition}`);
  if (r.account) out.push(`--account=${r.account}`);
  if (r.qos) out.push(`--qos=${r.qos}`);
  if (r.time) out.push(`--time=${r.time}`);
  if (r.cpus) out.push(`--cpus-per-task=${r.cpus}`);
  if (r.gpus !== undefined && r.gpus !== 0) out.push(`--gres=gpu:${r.gpus}`);
  // Slurm refuses --gpus-per-task without a task count (23.11: "used without either --gpus or
  // -n/--ntasks is not allowed"); each array task runs one worker, one task.
  if (r.gpusPerTask) out.push('--ntasks=1', `--gpus-per-task=${r.gpuType ? `${r.gpuType}:` : ''}${r.gpusPerTask}`);
  if (r.mem) out.push(`--mem=${r.mem}`);
  if (r.constraint) out.push(`--constraint=${r.constraint}`);
  out.push(...(r.extraArgs ?? []));
  return out;
}
