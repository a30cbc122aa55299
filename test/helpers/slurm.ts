import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toyManifest } from './cli.js';

/**
 * Whether a Slurm controller answers here (`squeue` with this environment's SLURM_CONF), and if
 * not, why. `.ci/slurm start` brings up a single-node one.
 */
export function slurmHere(): { ok: true } | { ok: false; why: string } {
  const r = spawnSync('squeue', ['-h', '-o', '%i'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return { ok: false, why: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'squeue is not installed' : r.error.message };
  if (r.status !== 0) return { ok: false, why: `squeue failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  return { ok: true };
}

/** The toy study of `toyManifest`, on the Slurm executor (fast polling, no file-system lag). */
export function slurmManifest(opts: Parameters<typeof toyManifest>[0], executorOptions = ''): string {
  const executor = `executor: { id: slurm, options: { pollSeconds: 0.3, lostAfterSeconds: 0, cpus: 1, jobName: naslab-test${executorOptions ? `, ${executorOptions}` : ''} } }`;
  return toyManifest(opts).replace(/^executor: .*$/m, executor);
}

export interface Submission {
  task: string;
  array: string;
  index: number;
  kind: string;
}

/** What the executor tracks as in flight (`<store>/slurm/submissions.json`). */
export function submissions(storeDir: string): Record<string, Submission> {
  const file = join(storeDir, 'slurm', 'submissions.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { jobs: Record<string, Submission> }).jobs : {};
}

/** Lines of a job's metrics file (what its task recorded, attempt after attempt). */
export function metricLines(storeDir: string, jobId: string): { epoch: number }[] {
  const file = join(storeDir, 'artefacts', jobId, 'record', 'metrics.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** Slurm's state of tasks `A_i` (squeue -t all). */
export function slurmStates(arrays: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!arrays.length) return out;
  const r = spawnSync('squeue', ['-h', '-r', '-t', 'all', '-j', [...new Set(arrays)].join(','), '-o', '%i|%T|%r'], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const [id, state, reason] = line.split('|');
    if (id && state) out.set(id, `${state} ${reason}`);
  }
  return out;
}

/** Cancel every job of these arrays (test clean-up: jobs outlive the test). */
export function cancelArrays(arrays: readonly string[]): void {
  if (arrays.length) spawnSync('scancel', [...new Set(arrays)], { encoding: 'utf8' });
}
