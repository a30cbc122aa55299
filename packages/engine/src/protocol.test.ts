import { InputError, parseManifestText } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { engineProtocolSchema } from './protocol.js';

// Core's manifest test, for the knobs the engine owns: a manifest validated with the engine's
// protocol schema (as the CLI does when the engine trains it).
const valid = `name: demo
seeds: 3
datasets: [fashion-mnist]
space: darts
methods:
  - random-sampling
  - id: darts
    options: { order: 1 }
protocol:
  epochs: 5
  tricks: [cutout]
`;
const withEngine = { protocol: () => ({ schema: engineProtocolSchema, owner: '@naslab/engine/trainer' }) };

function problemsOf(text: string) {
  try {
    parseManifestText(text, 'm.yaml', withEngine);
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  return [];
}

describe('the engine’s protocol knobs in a manifest', () => {
  it('fills the DARTS recipe as defaults', () => {
    const m = parseManifestText(valid, 'm.yaml', withEngine);
    expect(m.protocol).toMatchObject({ epochs: 5, batchSize: 96, learningRate: 0.025, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, channels: 36, cells: 20 });
    expect(m.protocol.tricks.map((t) => t.id)).toEqual(['cutout']);
  });

  it('locates errors at line:column with the field path', () => {
    const problems = problemsOf(valid.replace('  epochs: 5', '  epochs: -5'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 10, column: 11, path: 'protocol.epochs' });
    const unknown = problemsOf(valid.replace('  epochs: 5', '  epoch: 5'));
    expect(unknown[0]).toMatchObject({ line: 10, path: 'protocol.epoch' });
    expect(unknown[0]!.message).toMatch(/did you mean "epochs"/);
  });

  it('reports every problem of a manifest at once', () => {
    const problems = problemsOf(valid.replace('seeds: 3', 'seeds: 0').replace('  epochs: 5', '  epochs: x'));
    expect(problems.map((p) => p.path).sort()).toEqual(['protocol.epochs', 'seeds']);
  });

  it('gives the reason for too few cells', () => {
    const problems = problemsOf(valid.replace('  epochs: 5', '  cells: 2'));
    expect(problems[0]).toMatchObject({ path: 'protocol.cells' });
    expect(problems[0]!.message).toMatch(/too small: needs at least 3 cells: DARTS-style networks reduce at cells ⌊L\/3⌋ and ⌊2L\/3⌋/);
  });
});
