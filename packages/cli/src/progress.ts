import type { StudyEvents } from '@naslab/core';

/**
 * Progress of a study on stderr: a redrawn bar on a terminal, one line per finished job
 * elsewhere (CI logs), nothing with `quiet`.
 */
export function attachProgress(events: StudyEvents, options: { tty: boolean; quiet: boolean }): () => void {
  if (options.quiet) return () => {};
  let total = 0;
  let finished = 0;
  let current = '';
  const out = process.stderr;
  const draw = () => {
    if (!options.tty) return;
    const width = 24;
    const filled = total ? Math.round((finished / total) * width) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${total} ${current}`;
    out.write(`\r${line.slice(0, (out.columns ?? 100) - 1).padEnd((out.columns ?? 100) - 1)}`);
  };
  const offs = [
    events.on('study-start', (e) => {
      total = e.total;
      finished = e.alreadyDone;
      if (!options.tty) out.write(`study ${e.studyName}: ${e.total} jobs, ${e.alreadyDone} already done\n`);
      draw();
    }),
    events.on('job-start', (e) => {
      current = `${e.job.kind} ${e.job.dataset}/${e.job.method}/seed ${e.job.seed}${e.job.index !== undefined ? ` #${e.job.index}` : ''}`;
      draw();
    }),
    events.on('epoch', (e) => {
      if (options.tty) {
        const acc = e.metrics.testAccuracy !== undefined ? ` test ${e.metrics.testAccuracy.toFixed(2)}%` : '';
        current = `${e.job.kind} ${e.job.dataset}/${e.job.method}/seed ${e.job.seed} #${e.job.index} epoch ${e.metrics.epoch + 1}${acc}`;
        draw();
      }
    }),
    events.on('job-end', (e) => {
      finished++;
      if (!options.tty) {
        const what = `${e.job.kind} ${e.job.dataset}/${e.job.method}/seed ${e.job.seed}${e.job.index !== undefined ? ` #${e.job.index}` : ''}`;
        out.write(`[${finished}/${total}] ${e.status.padEnd(7)} ${what} (${e.seconds.toFixed(1)} s)${e.error && e.status !== 'done' ? `: ${e.error.split('\n')[0]}` : ''}\n`);
      }
      draw();
    }),
    events.on('study-end', () => {
      if (options.tty) out.write('\n');
    }),
  ];
  return () => offs.forEach((off) => off());
}
