#!/usr/bin/env node
/**
 * Worker process of the local executor: `node worker.js <manifest> <jobId>` runs one job of the
 * study and records its outcome in the store. Re-planning from the manifest is deterministic,
 * so the worker finds the same job under the same id.
 */
import { createLogger, runJob } from '@naslab/core';
import { SqliteResultStore } from '@naslab/store';
import { openStudy } from './session.js';

async function main() {
  const [manifestPath, jobId] = process.argv.slice(2);
  if (!manifestPath || !jobId) {
    process.stderr.write('usage: worker <manifest> <jobId>\n');
    process.exit(2);
  }
  const study = await openStudy(manifestPath);
  const job = study.jobs.find((j) => j.id === jobId);
  if (!job) {
    process.stderr.write(`job ${jobId} is not in the plan of ${manifestPath}\n`);
    process.exit(2);
  }
  const store = new SqliteResultStore(study.manifest.store);
  const threads = Number(process.env.NASLAB_THREADS ?? 1);
  const outcome = await runJob(job, { study, store, logger: createLogger({ level: 'warn' }), threads });
  store.close();
  process.exit(outcome.status === 'done' ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
