import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, naslabAsync, tempDir, writeManifest } from './helpers/cli.js';

/**
 * End to end on real data: the embedded Fashion-MNIST, a random DARTS cell trained from
 * scratch by the engine on the fastest available backend, through the CLI.
 */
describe('train from scratch on Fashion-MNIST', () => {
  it('a small DARTS network reaches well above chance (10 %)', async () => {
    const dir = tempDir();
    const file = writeManifest(
      dir,
      'convergence.yaml',
      `name: convergence
seeds: [0]
datasets:
  - id: fashion-mnist
    options: { trainSize: 1000, testSize: 500 }
space: darts
methods:
  - id: random-sampling
    options: { samples: 1 }
protocol: { epochs: 2, batchSize: 32, channels: 4, cells: 3, learningRate: 0.05 }
store: results
`,
    );
    // What backends run here does not depend on the study: ask while it trains.
    const plugins = naslabAsync(['plugins', '--json']);
    const r = naslab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const [status] = JSON.parse(naslab(['status', file, '--json']).stdout) as { done: number; total: number }[];
    expect(status).toMatchObject({ done: 3, total: 3 });
    const row = /random-sampling\s+1\s+([\d.]+) ±/.exec(r.stdout);
    expect(row, r.stdout).not.toBeNull();
    const accuracy = Number(row![1]);
    // Measured: see the README of @naslab/engine; 10 classes, chance 10 %.
    expect(accuracy).toBeGreaterThan(40);
    // It trained on the fastest backend that can run here: libtorch wherever its addon is built
    // (CI installs libtorch-dev), so this is also the end-to-end convergence test of that backend.
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const rows = db.prepare(`SELECT result, provenance FROM jobs WHERE kind = 'train' AND status = 'done'`).all() as { result: string; provenance: string }[];
    db.close();
    expect(rows).toHaveLength(1);
    const trainedOn = (JSON.parse(rows[0]!.result) as { backend: string }).backend;
    // `backend: auto` binds no backend in the manifest: the provenance names the one that trained,
    // its package and version, and the device it ran on.
    const provenance = JSON.parse(rows[0]!.provenance) as { backend: string; device?: string; plugins: Record<string, string> };
    expect(provenance.backend).toBe(trainedOn);
    expect(provenance.plugins[`@naslab/backend-${trainedOn}`], JSON.stringify(provenance.plugins)).toMatch(/^\d+\.\d+\.\d+/);
    if (trainedOn === 'libtorch') expect(provenance.device).toBe('cpu');
    const available = (JSON.parse((await plugins).stdout) as { kind: string; id: string; available?: boolean }[])
      .filter((p) => p.kind === 'backend' && p.available)
      .map((p) => p.id);
    expect(available).toContain(trainedOn);
    if (available.includes('libtorch')) expect(trainedOn).toBe('libtorch');
  });
});
