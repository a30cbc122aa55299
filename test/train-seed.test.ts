import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

interface PlannedRow {
  id: string;
  kind: string;
  parents: string[];
  protocol?: string;
  index?: number;
  randomKey?: string;
}

describe('trainSeed: the same architectures, another training stream', () => {
  const seeds = `ablation:\n  protocols:\n    - { name: seed1, trainSeed: 1 }\n    - { name: seed2, trainSeed: 2 }\n`;

  it('gives train jobs of their own (ids, streams) on the same searches, and changes only the trained numbers', () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'seeds.yaml', `${toyManifest({ seeds: 1, outputs: 2 })}${seeds}`);
    const plan = naslab(['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const jobs = JSON.parse(plan.stdout) as PlannedRow[];
    const trains = jobs.filter((j) => j.kind === 'train');
    const byProtocol = (p: string) => trains.filter((t) => t.protocol === p);
    expect(byProtocol('base')).toHaveLength(3);
    for (const p of ['seed1', 'seed2']) {
      const other = byProtocol(p);
      // The same architectures (same search, same index)…
      expect(other.map((t) => [t.parents[0], t.index])).toEqual(byProtocol('base').map((t) => [t.parents[0], t.index]));
      // …as other jobs, on another random stream.
      for (const [i, t] of other.entries()) {
        expect(t.id).not.toBe(byProtocol('base')[i]!.id);
        if (t.randomKey !== undefined) expect(t.randomKey).not.toBe(byProtocol('base')[i]!.randomKey);
      }
    }
    expect(new Set(trains.map((t) => t.id)).size).toBe(trains.length);

    const r = naslab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    // The summary compares the rankings of every pair of protocols on the same 3 architectures.
    expect(r.stdout).toMatch(/Rank agreement between protocols/);
    for (const pair of ['base vs seed1', 'base vs seed2', 'seed1 vs seed2']) expect(r.stdout).toMatch(new RegExp(`\\| toy0: ${pair} \\| 3 \\| -?\\d\\.\\d{3} \\| -?\\d\\.\\d{3} … -?\\d\\.\\d{3} \\|`));
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const accuracy = new Map((db.prepare(`SELECT id, result FROM jobs WHERE kind = 'train'`).all() as { id: string; result: string }[]).map((row) => [row.id, (JSON.parse(row.result) as { finalAccuracy: number }).finalAccuracy]));
    db.close();
    const base = byProtocol('base').map((t) => accuracy.get(t.id)!);
    const seed1 = byProtocol('seed1').map((t) => accuracy.get(t.id)!);
    const seed2 = byProtocol('seed2').map((t) => accuracy.get(t.id)!);
    for (const xs of [base, seed1, seed2]) for (const x of xs) expect(Number.isFinite(x)).toBe(true);
    expect(seed1).not.toEqual(base);
    expect(seed2).not.toEqual(seed1);
  });

  it('refuses a trainSeed that is not a non-negative integer, at its line', () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'bad.yaml', `${toyManifest({ seeds: 1 })}ablation:\n  protocols:\n    - { name: seed1, trainSeed: -1 }\n`);
    const r = naslab(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: ablation\.protocols\[0\]\.trainSeed: trainSeed must be a non-negative integer, got -1/);
  });
});
