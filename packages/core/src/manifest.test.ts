import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { defineExperiment, manifestFromObject, manifestJsonSchema, parseManifestText } from './manifest.js';

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

function problemsOf(text: string) {
  try {
    parseManifestText(text, 'm.yaml');
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  return [];
}

describe('manifests', () => {
  it('normalises plugin references, seeds and protocol defaults (DARTS recipe)', () => {
    const m = parseManifestText(valid, 'm.yaml');
    expect(m.seeds).toEqual([0, 1, 2]);
    expect(m.methods.map((x) => [x.id, x.label, x.options])).toEqual([
      ['random-sampling', 'random-sampling', {}],
      ['darts', 'darts', { order: 1 }],
    ]);
    // Knobs pass through core unread (the trainer's schema fills the DARTS recipe: engine's protocol test).
    expect(m.protocol).toMatchObject({ name: 'base', epochs: 5 });
    expect(m.protocol.tricks.map((t) => t.id)).toEqual(['cutout']);
    expect(m.baseline).toBe('random-sampling');
    expect(m.backends).toEqual(['auto']);
    expect(m.scoring).toBe('final');
  });

  it('hashes the normalised content, not the formatting', () => {
    const a = parseManifestText(valid, 'a.yaml');
    const b = parseManifestText(valid.replace('seeds: 3', 'seeds: [0, 1, 2]').replace('epochs: 5', 'epochs:   5   # comment'), 'b.yaml');
    const c = parseManifestText(valid.replace('epochs: 5', 'epochs: 6'), 'c.yaml');
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });

  it('locates errors at line:column with the field path', () => {
    const unknown = problemsOf(valid + 'seed: 4\n');
    expect(unknown[0]).toMatchObject({ line: 12, path: 'seed' });
    expect(unknown[0]!.message).toMatch(/did you mean "seeds"/);
  });

  it('accepts the same experiment from TypeScript through defineExperiment', () => {
    const exp = defineExperiment({ name: 'ts', seeds: [1, 5], datasets: ['fashion-mnist'], space: 'darts', methods: ['random-sampling'] });
    const m = manifestFromObject(exp);
    expect(m.seeds).toEqual([1, 5]);
    expect(() => manifestFromObject({ ...exp, seeds: [1, 1] })).toThrow(/seed 1 is listed twice/);
  });

  it('exports a JSON Schema with the required fields', () => {
    const schema = manifestJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'seeds', 'datasets', 'space', 'methods']));
    expect(schema.properties).toHaveProperty('protocol');
  });
});
