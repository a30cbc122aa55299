import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a job's folder remembers the interrupted count at which its checkpoints last changed. */
export const PROGRESS_MARK = '.naslab-progress.json';

interface ProgressMark {
  readonly interrupted: number;
  readonly fingerprint: string;
}

const EMPTY = '0:0:0';

/** Files, bytes and newest modification time below `dir` (the mark left out): changes whenever a checkpoint is written. */
export function checkpointFingerprint(dir: string): string {
  let files = 0;
  let bytes = 0;
  let newest = 0;
  const walk = (d: string, depth: number): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === PROGRESS_MARK) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (depth < 4) walk(p, depth + 1);
      } else if (e.isFile()) {
        const s = statSync(p);
        files++;
        bytes += s.size;
        newest = Math.max(newest, s.mtimeMs);
      }
    }
  };
  if (existsSync(dir)) walk(dir, 0);
  return `${files}:${bytes}:${newest}`;
}

function readMark(dir: string): ProgressMark | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, PROGRESS_MARK), 'utf8')) as Partial<ProgressMark>;
    return Number.isInteger(m.interrupted) && typeof m.fingerprint === 'string' ? (m as ProgressMark) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Interrupted attempts since the job's checkpoints last changed. An attempt that wrote a newer
 * checkpoint before its process died made progress, so random kills of a long search or training
 * that resumes from its checkpoints never exhaust the limit; a job that dies before every new
 * checkpoint (out of memory, a native crash at the same place) still reaches it. Without a mark
 * and without checkpoints, every interrupted attempt counts.
 */
export function interruptedSinceProgress(dir: string, interrupted: number): number {
  const fingerprint = checkpointFingerprint(dir);
  const mark = readMark(dir) ?? { interrupted: 0, fingerprint: EMPTY };
  if (mark.fingerprint === fingerprint && mark.interrupted <= interrupted) return interrupted - mark.interrupted;
  const tmp = join(dir, `${PROGRESS_MARK}.tmp`);
  writeFileSync(tmp, JSON.stringify({ interrupted, fingerprint }));
  renameSync(tmp, join(dir, PROGRESS_MARK));
  return 0;
}
