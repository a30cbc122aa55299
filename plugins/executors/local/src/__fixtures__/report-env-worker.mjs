// Stand-in for the naslab worker: `node report-env-worker.mjs <dir> <jobId>` writes what the
// executor put into its environment, and when it ran, to <dir>/<jobId>.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, jobId] = process.argv.slice(2);
const startedAt = Date.now();
// Long enough that two workers' jobs overlap.
await new Promise((done) => setTimeout(done, 300));
writeFileSync(
  join(dir, `${jobId}.json`),
  JSON.stringify({
    cuda: process.env.CUDA_VISIBLE_DEVICES ?? null,
    slot: process.env.NASLAB_GPU_SLOT ?? null,
    threads: process.env.NASLAB_THREADS ?? null,
    startedAt,
    endedAt: Date.now(),
  }),
);
