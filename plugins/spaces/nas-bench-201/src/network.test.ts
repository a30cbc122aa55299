import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { countParameters, type EdgeInfo } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import { cellsPerStage, Nb201Network, TrainableNasBench201Space } from './network.js';
import plugin from './index.js';

const table = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new TrainableNasBench201Space();
const spec = (rng = new Rng('net')) => ({ channels: 16, cells: 17, classes: 10, inputShape: [32, 32, 3] as const, rng });

describe('NB201 network (TinyNetwork, C = 16, N = 5)', () => {
  it('has the parameter count the benchmark reports, for architectures of every op mix', () => {
    const rows = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    const header = readFileSync(table, 'utf8').split('\n')[0]!.split(',');
    const paramsAt = header.indexOf('params_m');
    // every 1000th row, plus the all-none and all-3×3 cells
    const picks = rows.filter((_, i) => i % 1000 === 0);
    for (const ops of ['0-0-0-0-0-0', '3-3-3-3-3-3']) picks.push(rows.find((r) => r.split(',')[2] === ops)!);
    for (const row of picks) {
      const f = row.split(',');
      const net = new Nb201Network(space.parse(f[1]!), spec());
      expect(countParameters(net) / 1e6, f[1]).toBeCloseTo(Number(f[paramsAt]), 5);
      net.dispose();
    }
  });

  it('runs forward to logits and reports each layer\'s output shape', () => {
    const arch = space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|');
    const net = new Nb201Network(arch, { ...spec(), cells: 5, inputShape: [8, 8, 3] });
    expect(net.cellInfo.map((c) => c.reduction)).toEqual([false, true, false, true, false]);
    expect(net.cellInfo.map((c) => c.outputShape)).toEqual([[8, 8, 16], [4, 4, 32], [4, 4, 32], [2, 2, 64], [2, 2, 64]]);
    const logits = tf.tidy(() => net.run(tf.randomNormal([2, 8, 8, 3]), { training: true }).logits);
    expect(logits.shape).toEqual([2, 10]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    net.dispose();
  });

  it('offers every cell edge to wrapOp, skip_connect flagged as identity', () => {
    const seen: EdgeInfo[] = [];
    const arch = space.parse('|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|');
    const net = new Nb201Network(arch, { ...spec(), cells: 8, hooks: { wrapOp: (op, info) => (seen.push(info), op) } });
    expect(seen).toHaveLength(6 * 6);
    expect(seen.filter((s) => s.identity).map((s) => `${s.cell}:${s.edge}`)).toEqual(['0:0', '0:5', '1:0', '1:5', '3:0', '3:5', '4:0', '4:5', '6:0', '6:5', '7:0', '7:5']);
    net.dispose();
  });

  it('refuses a layer count that is not 3N + 2', () => {
    expect(cellsPerStage(17)).toBe(5);
    expect(() => cellsPerStage(19)).toThrow(/3N cells \+ 2 reduction blocks/);
  });

  it('the plugin creates a trainable space', async () => {
    const s = (await plugin.create({ options: {}, label: 'nas-bench-201', resolve: () => { throw new Error('unused'); } })) as TrainableNasBench201Space;
    expect(typeof s.buildNetwork).toBe('function');
    expect(s.index(s.atIndex(42))).toBe(42);
  });
});
