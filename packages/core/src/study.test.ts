import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { parseManifestText } from './manifest.js';
import { InMemoryResultStore } from './memory-store.js';
import { runJob } from './job-runner.js';
import { prepareStudy } from './study.js';
import { Tokens } from './tokens.js';
import { z } from 'zod';

// The fixture plugins of the repository's test/ workspace are installed at the root.
const manifestText = `name: di
seeds: [3, 4]
datasets: ['@naslab-fixtures/dataset-toy']
space: '@naslab-fixtures/space-toy'
methods:
  - id: '@naslab-fixtures/method-toy'
    name: random-sampling
    options: { outputs: 2 }
trainer: '@naslab-fixtures/trainer-toy'
protocol: { epochs: 2 }
`;

describe('prepareStudy and runJob', () => {
  it('resolves each job’s plugins in a child container holding that job’s context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-core-'));
    const manifest = parseManifestText(manifestText, join(process.cwd(), 'di.yaml'));
    const study = await prepareStudy(manifest, { container: container.createChildContainer() });
    expect(study.jobs.map((j) => j.kind)).toEqual(['search', 'train', 'evaluate', 'train', 'evaluate', 'search', 'train', 'evaluate', 'train', 'evaluate']);

    // A plugin bound in the study container sees the job's seed through injection.
    const seen: number[] = [];
    study.container.register(Tokens.Seed, { useValue: -1 });
    const probeJob = study.jobs[5]!;
    const child = study.container.createChildContainer();
    child.register(Tokens.Seed, { useValue: probeJob.seed });
    seen.push(child.resolve(Tokens.Seed), study.container.resolve(Tokens.Seed));
    expect(seen).toEqual([4, -1]);

    const store = new InMemoryResultStore(dir);
    store.saveStudy({ name: 'di', manifestFile: manifest.file, manifestHash: manifest.hash, createdAt: '', jobIds: study.jobs.map((j) => j.id) }, study.jobs);
    const outcomes = [];
    for (const job of study.jobs) {
      const outcome = await runJob(job, { study, store, logger: createLogger({ level: 'error' }) });
      expect(outcome.status, outcome.error).toBe('done');
      outcomes.push(outcome);
    }
    const outcomeOfFirstRun = outcomes[0];
    const search = store.getJob(study.jobs[0]!.id)!;
    expect((search.result as { architectures: string[] }).architectures).toHaveLength(2);
    expect(search.provenance?.plugins['@naslab-fixtures/method-toy']).toBe('1.0.0');
    const evaluation = store.getJob(study.jobs[2]!.id)!.result as { finalAccuracy: number; source: string };
    expect(evaluation.source).toBe('trained');
    expect(store.epochs(study.jobs[1]!.id)).toHaveLength(2);

    // A finished job is not run again.
    const again = await runJob(study.jobs[0]!, { study, store, logger: createLogger({ level: 'error' }) });
    expect(again.status).toBe('done');
    // ... and says so: a study does not count it as run now (two runners would count it twice).
    expect(again.finishedBefore).toBe(true);
    expect(outcomeOfFirstRun).not.toHaveProperty('finishedBefore');
    expect(store.getJob(study.jobs[0]!.id)!.attempts).toBe(1);
  });

  it('gives a job whose process keeps dying up after the limit on interrupted attempts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-core-'));
    const manifest = parseManifestText(manifestText, join(process.cwd(), 'di.yaml'));
    const study = await prepareStudy(manifest, { container: container.createChildContainer() });
    const store = new InMemoryResultStore(dir);
    store.saveStudy({ name: 'di', manifestFile: '', manifestHash: '', createdAt: '', jobIds: [] }, study.jobs);
    const job = study.jobs[0]!;
    const p = { plugins: {}, core: '', manifestHash: '', node: '', host: { platform: '', arch: '', cpus: 1 } };
    // Four runners that claimed the job, started it and died (their leases expired at once).
    for (let i = 0; i < 4; i++) {
      expect(store.claimJob(job.id, `elsewhere:${i}:dead`, -1, () => false).claimed).toBe(true);
      store.startJob(job.id, p, `elsewhere:${i}:dead`);
    }
    const logger = createLogger({ level: 'error' });
    // Four deaths are under the limit: the job runs (interrupted is not failed).
    const ran = await runJob(job, { study, store, logger, maxInterrupted: 5 });
    expect(ran.status).toBe('done');
    expect(store.attemptHistory(job.id).map((a) => a.outcome)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted', 'done']);

    const other = study.jobs[1]!;
    for (let i = 0; i < 5; i++) {
      store.claimJob(other.id, `elsewhere:${i}:dead`, -1, () => false);
      store.startJob(other.id, p, `elsewhere:${i}:dead`);
    }
    const outcome = await runJob(other, { study, store, logger, maxInterrupted: 5 });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/gave up after 5 attempts cut short by the death of the process running them/);

    // Deaths after a newer checkpoint made progress: a search cut by random kills but resuming
    // from its checkpoints is not given up.
    const resuming = study.jobs[5]!;
    for (let i = 0; i < 5; i++) {
      store.claimJob(resuming.id, `elsewhere:${i}:dead`, -1, () => false);
      store.startJob(resuming.id, p, `elsewhere:${i}:dead`);
      if (i === 3) writeFileSync(join(store.artefactDir(resuming.id), 'search-checkpoint.json'), '{"queries":40}');
    }
    const resumed = await runJob(resuming, { study, store, logger, maxInterrupted: 5 });
    expect(resumed.status, resumed.error).toBe('done');
  });

  it('leaves a job another live runner holds to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-core-'));
    const manifest = parseManifestText(manifestText, join(process.cwd(), 'di.yaml'));
    const study = await prepareStudy(manifest, { container: container.createChildContainer() });
    const store = new InMemoryResultStore(dir);
    store.saveStudy({ name: 'di', manifestFile: '', manifestHash: '', createdAt: '', jobIds: [] }, study.jobs);
    const job = study.jobs[0]!;
    store.claimJob(job.id, 'another-host:1:live', 60_000, () => false);
    const outcome = await runJob(job, { study, store, logger: createLogger({ level: 'error' }) });
    expect(outcome).toMatchObject({ status: 'running', elsewhere: 'another-host:1:live' });
    expect(store.getJob(job.id)).toMatchObject({ attempts: 0, lease: { owner: 'another-host:1:live' } });
  });
});

describe('data identity', () => {
  const withFile = (file: string) =>
    manifestText.replace("datasets: ['@naslab-fixtures/dataset-toy']", `datasets:\n  - id: '@naslab-fixtures/dataset-toy'\n    options: { file: '${file}' }`);
  const ids = async (text: string) =>
    (await prepareStudy(parseManifestText(text, join(process.cwd(), 'di.yaml')), { container: container.createChildContainer() })).jobs.map((j) => j.id);

  it('hashes the bytes a dataset reads into every job id: other data behind the same path never reuses results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-core-'));
    const file = join(dir, 'data.bin');
    writeFileSync(file, 'first version of the data');
    const first = await ids(withFile(file));
    expect(await ids(withFile(file))).toEqual(first);
    writeFileSync(file, 'second version of the data');
    const second = await ids(withFile(file));
    expect(second).toHaveLength(first.length);
    for (const id of second) expect(first).not.toContain(id);
    writeFileSync(file, 'first version of the data');
    expect(await ids(withFile(file))).toEqual(first);
  });

  it('reports unreadable data as an input error at the dataset’s place in the manifest', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'naslab-core-')), 'nothing-here.bin');
    await expect(ids(withFile(missing))).rejects.toThrow(/di\.yaml:4:\d+: datasets\[0\]: @naslab-fixtures\/dataset-toy cannot read its data: .*ENOENT.*nothing-here\.bin/);
  });
});

describe('jobRng', () => {
  it('gives train jobs of one architecture the same stream under every protocol, and distinct streams otherwise', async () => {
    const { jobRng } = await import('./job-runner.js');
    const base = { dataset: 'd', method: 'm', seed: 0, spec: null } as const;
    const t = (id: string, protocol: string, index: number) => ({ ...base, id, kind: 'train' as const, parents: ['s-1'], protocol, index });
    const draw = (job: Parameters<typeof jobRng>[0]) => jobRng(job).uniform();
    expect(draw(t('t-a', 'base', 0))).toBe(draw(t('t-b', 'base+cutout', 0)));
    expect(draw(t('t-a', 'base', 0))).not.toBe(draw(t('t-c', 'base', 1)));
    expect(draw({ ...base, id: 's-1', kind: 'search', parents: [] })).not.toBe(draw({ ...base, id: 's-2', kind: 'search', parents: [] }));
  });
});

describe('protocol presets', () => {
  const prepare = (text: string) => prepareStudy(parseManifestText(text, join(process.cwd(), 'di.yaml')), { container: container.createChildContainer() });
  const onPreset = (protocol: string) => manifestText.replace('protocol: { epochs: 2 }', `protocol: ${protocol}`);

  it('trains with the preset a method exports, the manifest’s own knobs over it, and records the resolved protocol', async () => {
    const study = await prepare(onPreset('{ preset: toy-paper, epochs: 5 }'));
    const base = study.protocols[0]!;
    // epochs: the manifest's; batchSize, channels: the preset's; learningRate: the trainer's default.
    expect(base).toMatchObject({ name: 'base', epochs: 5, batchSize: 16, channels: 4, learningRate: 0.025 });
    expect(base.preset).toBeUndefined();
    expect(study.manifest.protocols[0]).toEqual(base);
    // The same protocol spelt out: the same jobs and the same manifest hash.
    const spelt = await prepare(onPreset('{ epochs: 5, batchSize: 16, channels: 4 }'));
    expect(study.jobs.map((j) => j.id)).toEqual(spelt.jobs.map((j) => j.id));
    expect(study.manifest.hash).toBe(spelt.manifest.hash);
    const other = await prepare(onPreset('{ preset: toy-paper }'));
    expect(other.protocols[0]).toMatchObject({ epochs: 3 });
    expect(other.manifest.hash).not.toBe(study.manifest.hash);
  });

  it('refuses an unknown preset at its line, naming the presets the study’s methods export', async () => {
    await expect(prepare(onPreset('{ preset: toy-papr }'))).rejects.toThrow(
      /di\.yaml:10:\d+: protocol\.preset: unknown protocol preset "toy-papr"; the study's methods export: toy-paper \(random-sampling\) \(did you mean "toy-paper"\?\)/,
    );
  });

  it('checks the manifest’s own knobs at load without filling defaults over the preset’s', () => {
    const schema = z.object({ epochs: z.number().int().positive().default(600), channels: z.number().int().default(36) }).strict();
    const load = (text: string) => parseManifestText(text, 'di.yaml', { protocol: () => ({ schema, owner: 'a trainer' }) });
    const m = load(onPreset('{ preset: toy-paper, epochs: 5 }'));
    expect(m.protocols[0]).toMatchObject({ preset: 'toy-paper', epochs: 5 });
    expect(m.protocols[0]!.channels).toBeUndefined();
    expect(() => load(onPreset('{ preset: toy-paper, epochs: -1 }'))).toThrow(/protocol\.epochs/);
  });
});
