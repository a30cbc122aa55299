import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { validateEnasArc } from '@naslab/space-enas-micro';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENAS_CODE_CONTROLLER, EnasController } from './controller.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ENAS controller', () => {
  it('samples valid arcs, deterministically, and scores them with the log-probability it sampled them with', () => {
    const c = new EnasController(new Rng('ctrl'));
    const a = c.sample(new Rng('s'));
    const b = c.sample(new Rng('s'));
    expect(b.arc).toEqual(a.arc);
    expect(() => validateEnasArc(a.arc)).not.toThrow();
    expect(c.score(a.arc).negLogProb).toBeCloseTo(a.negLogProb, 4);
    expect(a.entropy).toBeGreaterThan(0);
    c.dispose();
  });

  it('a REINFORCE update raises the probability of a rewarded arc and lowers that of a punished one', () => {
    const c = new EnasController(new Rng('ctrl'), ENAS_CODE_CONTROLLER);
    const good = c.sample(new Rng('good')).arc;
    const bad = c.sample(new Rng('bad')).arc;
    const before = [c.score(good).negLogProb, c.score(bad).negLogProb];
    c.baseline = 0.5;
    c.update([{ arc: good, accuracy: 1 }]);
    c.update([{ arc: bad, accuracy: 0 }]);
    expect(c.score(good).negLogProb).toBeLessThan(before[0]!);
    expect(c.score(bad).negLogProb).toBeGreaterThan(before[1]!);
    c.dispose();
  });
});
