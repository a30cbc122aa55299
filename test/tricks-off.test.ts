import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslabAsync, tempDir, writeManifest } from './helpers/cli.js';

interface Meta {
  dataFile: string;
  tensors: { name: string; offset: number; length: number }[];
}

/** Main-network tensors (auxiliary heads excluded) of a study's single train job, by name. */
function trainedWeights(dir: string): Map<string, Buffer> {
  const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
  const { id } = db.prepare(`SELECT id FROM jobs WHERE kind = 'train' AND status = 'done'`).get() as { id: string };
  const epochs = db.prepare(`SELECT metrics FROM epochs WHERE job_id = ? ORDER BY epoch`).all(id) as { metrics: string }[];
  db.close();
  const artefacts = join(dir, 'results', 'artefacts', id);
  const meta = JSON.parse(readFileSync(join(artefacts, 'checkpoint.json'), 'utf8')) as Meta;
  const data = readFileSync(join(artefacts, meta.dataFile));
  const out = new Map<string, Buffer>();
  for (const t of meta.tensors) if (!/aux/i.test(t.name)) out.set(t.name, data.subarray(t.offset * 4, (t.offset + t.length) * 4));
  out.set('(train loss per epoch)', Buffer.from(JSON.stringify(epochs.map((e) => (JSON.parse(e.metrics) as { trainLoss: number }).trainLoss))));
  return out;
}

const manifest = (tricks: string) => `name: tricks-off
seeds: [0]
datasets:
  - id: fashion-mnist
    options: { trainSize: 256, testSize: 128 }
space: darts
methods:
  - id: random-sampling
    options: { samples: 1 }
protocol:
  epochs: 2
  batchSize: 32
  channels: 4
  cells: 3
  tricks: ${tricks}
store: results
`;

describe('tricks that are switched off cost nothing', () => {
  it('trains to bit-identical weights with no tricks and with tricks whose effect is zero', async () => {
    const plain = tempDir();
    const off = tempDir();
    // Drop-path with p = 0, label smoothing with ε = 0, an auxiliary tower weighted 0: every hook
    // runs (ops wrapped, head attached, extra losses added) but none may change the maths or
    // draw from the job's random stream.
    const tricks = '[{ id: drop-path, options: { probability: 0 } }, { id: label-smoothing, options: { epsilon: 0 } }, { id: auxiliary-tower, options: { weight: 0 } }]';
    // The two studies are independent: run them side by side (one per core).
    const [a, b] = await Promise.all([
      naslabAsync(['run', writeManifest(plain, 'plain.yaml', manifest('[]')), '--quiet']),
      naslabAsync(['run', writeManifest(off, 'off.yaml', manifest(tricks)), '--quiet']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const wa = trainedWeights(plain);
    const wb = trainedWeights(off);
    expect(wa.size).toBeGreaterThan(10);
    expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
    for (const [name, bytes] of wa) expect(wb.get(name)!.equals(bytes), name).toBe(true);
    expect(existsSync(join(off, 'results'))).toBe(true);
    void readdirSync;
  });
});
