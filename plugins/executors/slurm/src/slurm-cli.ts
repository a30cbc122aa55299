import { execFile } from 'node:child_process';

/** What Slurm says about one task: its state (`RUNNING`, `TIMEOUT`, …) and reason. */
export interface TaskState {
  readonly state: string;
  readonly reason: string;
}

/** States after which a task will not run again (unless Slurm requeues it, which shows as PENDING). */
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'REVOKED']);

export function hasEnded(s: TaskState): boolean {
  // A pending task whose dependency can never be met stays pending where kill_invalid_depend is off.
  return ENDED.has(s.state) || (s.state === 'PENDING' && s.reason === 'DependencyNeverSatisfied');
}

/** Slurm could not be reached or refused a request; the message says which command and why. */
export class SlurmError extends Error {
  override name = 'SlurmError';
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Slurm's commands, run with this process's environment (SLURM_CONF, PATH). */
export class SlurmCli {
  private sacctWorks: boolean | undefined;

  private run(command: string, args: readonly string[], input?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = execFile(command, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean }) | null;
        if (e?.code === 'ENOENT') {
          reject(new SlurmError(`${command} is not on PATH: run naslab where Slurm's client commands are installed (a login node), or use executor local`));
          return;
        }
        if (e?.killed) {
          reject(new SlurmError(`${command} ${args.join(' ')} did not answer within 120 s (is slurmctld up?)`));
          return;
        }
        resolve({ code: typeof e?.code === 'number' ? e.code : e ? 1 : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Submit a batch script; returns the (array) job id. */
  async sbatch(script: string, what: string): Promise<string> {
    const r = await this.run('sbatch', ['--parsable', script]);
    const id = r.stdout.trim().split(';')[0]!;
    if (r.code !== 0 || !/^\d+$/.test(id)) {
      throw new SlurmError(`sbatch refused ${what}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`} (script ${script})`);
    }
    return id;
  }

  /**
   * States of tasks `A_i`, from squeue (jobs still in the controller's memory, MinJobAge after they
   * end) and, for those it no longer knows, sacct where accounting is on. A task neither knows is
   * absent from the map: it ended long ago, or was cancelled while pending (those leave no record).
   */
  async states(tasks: readonly string[]): Promise<Map<string, TaskState>> {
    const out = new Map<string, TaskState>();
    if (!tasks.length) return out;
    const arrays = [...new Set(tasks.map((t) => t.split('_')[0]!))];
    for (let i = 0; i < arrays.length; i += 200) {
      const r = await this.run('squeue', ['-h', '-r', '-t', 'all', '-j', arrays.slice(i, i + 200).join(','), '-o', '%i|%T|%r']);
      // "Invalid job id specified" when none of the ids is known any more: an empty answer.
      if (r.code !== 0 && !/Invalid job id/i.test(r.stderr)) throw new SlurmError(`squeue failed: ${r.stderr.trim() || `exit ${r.code}`}`);
      for (const line of r.stdout.split('\n')) {
        const [id, state, reason] = line.trim().split('|');
        if (id && state) out.set(id, { state, reason: reason ?? '' });
      }
    }
    const unknown = tasks.filter((t) => !out.has(t));
    if (unknown.length && this.sacctWorks !== false) {
      for (let i = 0; i < unknown.length; i += 200) {
        const r = await this.run('sacct', ['-n', '-P', '-X', '-j', unknown.slice(i, i + 200).join(','), '-o', 'JobID,State,Reason']);
        if (r.code !== 0) {
          // No accounting on this cluster ("accounting storage is disabled"): squeue is all there is.
          this.sacctWorks = false;
          break;
        }
        this.sacctWorks = true;
        for (const line of r.stdout.split('\n')) {
          const [id, state, reason] = line.trim().split('|');
          // sacct writes "CANCELLED by 1234".
          if (id && state && !out.has(id)) out.set(id, { state: state.split(' ')[0]!, reason: reason ?? '' });
        }
      }
    }
    return out;
  }

  /** Cancel tasks (`A_i`) or whole arrays; ids Slurm no longer knows are not an error. */
  async cancel(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 200) {
      const r = await this.run('scancel', [...ids.slice(i, i + 200)]);
      if (r.code !== 0 && !/Invalid job id|already completing or completed/i.test(r.stderr)) {
        throw new SlurmError(`scancel failed: ${r.stderr.trim() || `exit ${r.code}`}`);
      }
    }
  }
}
