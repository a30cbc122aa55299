/**
 * The full-size manifests of the controller and evolutionary searches (NSGA-Net, ENAS, NAO) validate and
 * plan as committed, with their CIFAR-10 folder pointed at stand-in binary files of the official
 * sizes: what a user changes is the `path`. The CLI runs in this process (one start-up for all).
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enasOptions } from '@naslab/method-enas';
import { naoOptions } from '@naslab/method-nao';
import { nsganetOptions } from '@naslab/method-nsganet';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir, writeManifest } from './helpers/cli.js';
import { naslabInProcess } from './hostile/in-process.js';

interface PlannedJob {
  kind: 'search' | 'train' | 'evaluate';
  method: string;
  seed: number;
  spec: { protocol?: { cells: number; channels: number; epochs: number; batchSize: number }; tricks?: { package: string }[] };
}

function cifarStandIn(dir: string): string {
  const root = join(dir, 'cifar-10');
  mkdirSync(root, { recursive: true });
  for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
    const fd = openSync(join(root, `${f}.bin`), 'w');
    ftruncateSync(fd, 10_000 * 3073);
    closeSync(fd);
  }
  return root;
}

describe('experiments/nsganet-cifar10.yaml', () => {
  const dir = tempDir('naslab-nsganet-');
  let manifest: string;
  beforeAll(() => {
    const text = readFileSync(join(repoRoot, 'experiments/nsganet-cifar10.yaml'), 'utf8');
    expect(text).toContain('path: data/cifar-10');
    manifest = writeManifest(dir, 'nsganet-cifar10.yaml', text.replace('path: data/cifar-10', `path: ${cifarStandIn(dir)}`));
  });

  it('validates', async () => {
    const r = await naslabInProcess(['validate', manifest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const plugin of ['@naslab/method-nsganet@', '@naslab/space-nsganet-micro@', '@naslab/dataset-cifar@']) expect(r.stdout).toContain(plugin);
  });

  it('plans 8 NSGA-Net searches and 8 random genomes, all trained with the nsganet-paper recipe', async () => {
    const r = await naslabInProcess(['plan', manifest, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as PlannedJob[];
    const count = (kind: string, method: string) => jobs.filter((j) => j.kind === kind && j.method === method).length;
    expect([count('search', 'nsganet'), count('train', 'nsganet'), count('evaluate', 'nsganet')]).toEqual([8, 8, 8]);
    expect([count('search', 'random-sampling'), count('train', 'random-sampling')]).toEqual([8, 8]);
    for (const j of jobs.filter((j) => j.kind === 'train')) {
      expect(j.spec.protocol).toMatchObject({ epochs: 600, batchSize: 96, channels: 34, cells: 20 });
      const tricks = j.spec.tricks!.map((t) => t.package);
      for (const t of ['cutout', 'drop-path', 'auxiliary-tower', 'crop-flip']) expect(tricks).toContain(`@naslab/trick-${t}`);
    }
    // the search settings spelt out are the method's defaults: the benchmark's run
    const study = parse(readFileSync(manifest, 'utf8')) as { methods: Array<{ id: string; options?: Record<string, unknown> }> };
    const options = study.methods.find((m) => m.id === 'nsganet')!.options!;
    expect(nsganetOptions.parse(options)).toEqual(nsganetOptions.parse({}));
  });
});

describe('experiments/enas-cifar10.yaml', () => {
  const dir = tempDir('naslab-enas-');
  let manifest: string;
  beforeAll(() => {
    const text = readFileSync(join(repoRoot, 'experiments/enas-cifar10.yaml'), 'utf8');
    expect(text).toContain('path: data/cifar-10');
    manifest = writeManifest(dir, 'enas-cifar10.yaml', text.replace('path: data/cifar-10', `path: ${cifarStandIn(dir)}`));
  });

  it('validates and plans 8 ENAS searches and 8 random arcs, trained with the enas-paper recipe', async () => {
    const r = await naslabInProcess(['plan', manifest, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as PlannedJob[];
    const count = (kind: string, method: string) => jobs.filter((j) => j.kind === kind && j.method === method).length;
    expect([count('search', 'enas'), count('train', 'enas'), count('evaluate', 'enas')]).toEqual([8, 8, 8]);
    expect([count('search', 'random-sampling'), count('train', 'random-sampling')]).toEqual([8, 8]);
    for (const j of jobs.filter((j) => j.kind === 'train')) {
      expect(j.spec.protocol).toMatchObject({ epochs: 630, batchSize: 144, channels: 36, cells: 17 });
      const tricks = j.spec.tricks!.map((t) => t.package);
      for (const t of ['drop-path', 'auxiliary-tower', 'crop-flip']) expect(tricks).toContain(`@naslab/trick-${t}`);
      expect(tricks).not.toContain('@naslab/trick-cutout');
    }
    const study = parse(readFileSync(manifest, 'utf8')) as { methods: Array<{ id: string; options?: Record<string, unknown> }> };
    expect(enasOptions.parse(study.methods.find((m) => m.id === 'enas')!.options!)).toEqual(enasOptions.parse({}));
  });
});

describe('experiments/nao-cifar10.yaml', () => {
  const dir = tempDir('naslab-nao-');
  let manifest: string;
  beforeAll(() => {
    const text = readFileSync(join(repoRoot, 'experiments/nao-cifar10.yaml'), 'utf8');
    expect(text).toContain('path: data/cifar-10');
    manifest = writeManifest(dir, 'nao-cifar10.yaml', text.replace('path: data/cifar-10', `path: ${cifarStandIn(dir)}`));
  });

  it('validates and plans 8 NAO searches and 8 random archs, trained with the nao-paper recipe', async () => {
    const r = await naslabInProcess(['plan', manifest, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as PlannedJob[];
    const count = (kind: string, method: string) => jobs.filter((j) => j.kind === kind && j.method === method).length;
    expect([count('search', 'nao'), count('train', 'nao'), count('evaluate', 'nao')]).toEqual([8, 8, 8]);
    expect([count('search', 'random-sampling'), count('train', 'random-sampling')]).toEqual([8, 8]);
    for (const j of jobs.filter((j) => j.kind === 'train')) {
      expect(j.spec.protocol).toMatchObject({ epochs: 600, batchSize: 128, channels: 36, cells: 20 });
      const tricks = j.spec.tricks!.map((t) => t.package);
      for (const t of ['cutout', 'drop-path', 'auxiliary-tower', 'crop-flip']) expect(tricks).toContain(`@naslab/trick-${t}`);
    }
    // the search settings spelt out are the method's defaults: the benchmark's run
    const study = parse(readFileSync(manifest, 'utf8')) as { methods: Array<{ id: string; options?: Record<string, unknown> }> };
    expect(naoOptions.parse(study.methods.find((m) => m.id === 'nao')!.options!)).toEqual(naoOptions.parse({}));
  });
});
