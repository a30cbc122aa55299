import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryResultStore, manifestFromObject, prepareStudy, runJob, silentLogger, type EvaluateJobResult, type SearchJobResult } from '@naslab/core';
import { describe, expect, it } from 'vitest';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));

describe('through core: a look-up study of the four query-based methods', () => {
  it('plans, searches within budget and evaluates by look-up', async () => {
    process.env.NB201_STUDY_TEST_TABLE = csvFile;
    const budgets: Record<string, number> = { 'random-search': 20, 'regularized-evolution': 20, 'local-search': 30, weaknas: 20 };
    const manifest = manifestFromObject(
      {
        name: 'nb201-e2e',
        seeds: 2,
        datasets: ['cifar10'],
        space: 'nas-bench-201',
        methods: [
          { id: 'random-search', options: { queries: 20 } },
          { id: 'regularized-evolution', options: { queries: 20 } },
          { id: 'local-search', options: { queries: 30 } },
          { id: 'weaknas', options: { queries: 20, hiddenLayers: [8], epochs: 5 } },
        ],
        baseline: 'random-search',
        benchmark: { id: 'nas-bench-201', options: { path: '${NB201_STUDY_TEST_TABLE}' } },
      },
      fileURLToPath(new URL('../experiment.ts', import.meta.url)),
    );
    const study = await prepareStudy(manifest);
    expect(study.jobs.map((j) => j.kind).sort()).toEqual([...new Array(8).fill('evaluate'), ...new Array(8).fill('search')]);
    const store = new InMemoryResultStore(mkdtempSync(join(tmpdir(), 'nb201-e2e-')));
    store.saveStudy({ name: 'nb201-e2e', manifestFile: '', manifestHash: manifest.hash, createdAt: '', jobIds: study.jobs.map((j) => j.id) }, study.jobs);
    for (const job of study.jobs) {
      const outcome = await runJob(job, { study, store, logger: silentLogger });
      expect(outcome).toMatchObject({ status: 'done' });
      const rec = store.getJob(job.id)!;
      if (job.kind === 'search') {
        const r = rec.result as unknown as SearchJobResult & { history: { trajectory: { arch: string; accuracy: number }[] } };
        expect(r.cost).toMatchObject({ queries: budgets[job.method] });
        expect(new Set(r.history.trajectory.map((t) => t.arch)).size).toBe(budgets[job.method]);
        const best = r.history.trajectory.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
        expect(r.architectures).toEqual([best.arch]);
      } else {
        const r = rec.result as unknown as EvaluateJobResult;
        expect(r.source).toBe('benchmark:nas-bench-201');
        expect(r.finalAccuracy).toBeGreaterThan(10);
        expect(r.extra).toMatchObject({ searchColumn: 'cifar10valid_valid_acc' });
      }
    }
    delete process.env.NB201_STUDY_TEST_TABLE;
  }, 60_000);
});
