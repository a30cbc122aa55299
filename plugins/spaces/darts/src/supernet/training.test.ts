import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchContext } from '@naslab/core';
import { syntheticImageDataset, testSearchContext } from '@naslab/core/testing';
import { builtinCpuBackend } from '@naslab/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dartsSearchOptions } from '../search-options.js';
import { createDartsSpace } from '../index.js';
import { trainSupernet } from './training.js';

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
  dir = await mkdtemp(join(tmpdir(), 'naslab-supernet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flat = (a: { normal: number[][]; reduce: number[][] }) => [...a.normal, ...a.reduce].flat();

describe('supernet training with α frozen (DARTS-PT fix α)', () => {
  it('never updates α while the supernet trains, and does not resume a supernet trained with α', async () => {
    const settings = dartsSearchOptions.parse({ epochs: 1, batchSize: 8, channels: 2, cells: 3, augment: 'none' });
    const ctx = { ...testSearchContext(createDartsSpace(), { seed: 2, dataset: syntheticImageDataset({ classes: 3, train: 16, test: 8 }), checkpointDir: dir }), backends: [builtinCpuBackend] } as SearchContext<unknown>;
    const learned = await trainSupernet(ctx, settings, dir);
    const moved = (run: typeof learned) => Math.max(...flat(run.net.alphaSoftmaxValues()).map((v, i) => Math.abs(v - flat(run.initialAlphas)[i]!)));
    expect(moved(learned)).toBeGreaterThan(1e-6);
    // Same folder, same settings, α frozen: a fresh supernet (the one trained with α is not
    // resumed), whose α stay as initialised.
    const fixed = await trainSupernet(ctx, settings, dir, undefined, { freezeAlphas: true });
    expect(fixed.records).toHaveLength(1);
    expect(moved(fixed)).toBe(0);
  });
});
