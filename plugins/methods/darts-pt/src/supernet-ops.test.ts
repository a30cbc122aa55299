import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchContext } from '@naslab/core';
import { syntheticImageDataset, testSearchContext } from '@naslab/core/testing';
import { builtinCpuBackend } from '@naslab/engine';
import dartsSpace, { createDartsSpace, DARTS_OPS, NONE_INDEX, type SupernetTraining } from '@naslab/space-darts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dartsPtOptions } from './index.js';
import { OPS_WITHOUT_NONE, selectOp, supernetOptions } from './projection.js';

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
  dir = await mkdtemp(join(tmpdir(), 'naslab-darts-pt-ops-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DARTS-PT supernet: the reference\'s 7-op DARTS space (s5, none removed)', () => {
  it('asks for none out of the softmax by default, all 8 ops as an option, α frozen for fix α', () => {
    expect(supernetOptions(dartsPtOptions.parse({}))).toEqual({ freezeAlphas: false, candidates: OPS_WITHOUT_NONE });
    expect(OPS_WITHOUT_NONE.filter(Boolean)).toHaveLength(7);
    expect(OPS_WITHOUT_NONE[DARTS_OPS.indexOf('none')]).toBe(false);
    expect(supernetOptions(dartsPtOptions.parse({ supernetOps: 'all', fixAlpha: true }))).toEqual({ freezeAlphas: true });
    expect(() => dartsPtOptions.parse({ supernetOps: 'eight' })).toThrow();
  });

  it('trains a supernet whose softmax never gives none any mass', async () => {
    const training = (await dartsSpace.provides![0]!.create(undefined as never)) as SupernetTraining;
    const settings = dartsPtOptions.parse({ epochs: 1, batchSize: 4, channels: 2, cells: 1, augment: 'none' });
    const ctx = { ...testSearchContext(createDartsSpace(), { seed: 3, dataset: syntheticImageDataset({ classes: 2, shape: [4, 4, 1], train: 8, test: 4 }), checkpointDir: dir }), backends: [builtinCpuBackend] } as SearchContext<unknown>;
    const run = await training.trainSupernet(ctx, settings, dir, undefined, supernetOptions(settings));
    expect(run.records).toHaveLength(1);
    try {
      for (const cell of ['normal', 'reduce'] as const) {
        for (const row of run.net.mixingWeightValues()[cell]) {
          expect(row[NONE_INDEX]).toBe(0);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          // α start near 0 (1e-3 · N(0, 1)) and moved one epoch at lr 3e-4: about 1/7 each, not 1/8.
          for (let k = 0; k < row.length; k++) if (k !== NONE_INDEX) expect(row[k]).toBeCloseTo(1 / 7, 2);
        }
      }
      // A perturbation removes one of the 7 candidates; none is neither tried nor computed.
      let tried = 0;
      selectOp(run.net, 'normal', 0, () => {
        tried++;
        return 0;
      });
      expect(tried).toBe(7);
    } finally {
      run.trainer.dispose();
      run.net.dispose();
    }
  });
});
