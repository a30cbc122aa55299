import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { defineExperiment, manifestFromObject, manifestJsonSchema, parseManifestText } from './manifest.js';
import { parseProtocolKnobs, protocolForDataset, withDatasetKnobs } from './protocols.js';
import { z } from 'zod';

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

  it('takes backend options: one reference, or a list tried in order, each label once', () => {
    const one = parseManifestText(`${valid}backend: { id: libtorch, options: { device: cuda } }\n`, 'm.yaml');
    expect(one.backends).toEqual(['libtorch']);
    expect(one.backendRefs.map((b) => [b.id, b.label, b.options])).toEqual([['libtorch', 'libtorch', { device: 'cuda' }]]);
    const list = parseManifestText(`${valid}backend: [{ id: libtorch, name: gpu, options: { device: cuda } }, libtorch]\n`, 'm.yaml');
    expect(list.backends).toEqual(['gpu', 'libtorch']);
    expect(list.backendRefs[1]).toMatchObject({ id: 'libtorch', options: {}, path: ['backend', 1] });
    expect(parseManifestText(valid, 'm.yaml').backendRefs).toMatchObject([{ id: 'auto', options: {} }]);
    const twice = problemsOf(`${valid}backend: [{ id: libtorch, options: { device: cuda } }, libtorch]\n`);
    expect(twice[0]).toMatchObject({ path: 'backend[1]' });
    expect(twice[0]!.message).toMatch(/backend label "libtorch" is used twice/);
    expect(problemsOf(`${valid}backend: { id: auto, options: { device: cuda } }\n`)[0]!.message).toMatch(/`auto` takes no options/);
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

describe('per-dataset protocol knobs (datasets[i].protocol)', () => {
  const text = `name: demo
seeds: 1
datasets:
  - cifar
  - id: image-folder
    options: { variant: mit67 }
    protocol: { cells: 8 }
space: darts
methods: [random-sampling]
protocol:
  cells: 20
  epochs: 5
`;
  it('keeps them on the dataset reference; they override every protocol for that dataset only, and enter the hash', () => {
    const m = parseManifestText(text, 'm.yaml');
    expect(m.datasets[0]!.protocol).toBeUndefined();
    expect(m.datasets[1]!.protocol).toEqual({ cells: 8 });
    expect(protocolForDataset(m.protocol, m.datasets[1])).toMatchObject({ cells: 8, epochs: 5 });
    expect(protocolForDataset(m.protocol, m.datasets[0])).toMatchObject({ cells: 20, epochs: 5 });
    expect(parseManifestText(text.replace('cells: 8', 'cells: 6'), 'm.yaml').hash).not.toBe(m.hash);
  });
  it('withoutTricks drops tricks for that dataset only; a label the protocol lacks is an error at its place', () => {
    const t = text.replace('protocol: { cells: 8 }', 'protocol: { cells: 8, withoutTricks: [crop-flip] }').replace('  epochs: 5\n', '  epochs: 5\n  tricks: [crop-flip, cutout]\n');
    const m = parseManifestText(t, 'm.yaml');
    expect(protocolForDataset(m.protocol, m.datasets[1]).tricks.map((x) => x.label)).toEqual(['cutout']);
    expect(protocolForDataset(m.protocol, m.datasets[0]).tricks.map((x) => x.label)).toEqual(['crop-flip', 'cutout']);
    // the knob check does not see withoutTricks as a knob
    const schema = z.object({ cells: z.number().int().min(3), epochs: z.number().int() }).strict();
    expect(parseProtocolKnobs(withDatasetKnobs(m.protocols, m.datasets), schema, m, 'trainer').problems).toEqual([]);
    const bad = problemsOf(t.replace('withoutTricks: [crop-flip]', 'withoutTricks: [crop-flop]'));
    expect(bad[0]).toMatchObject({ line: 7, path: 'datasets[1].protocol.withoutTricks[0]' });
    expect(bad[0]!.message).toContain('crop-flip, cutout');
  });
  it('a dataset may not rename a protocol or change its tricks; a bad knob is reported where the dataset writes it', () => {
    const problems = problemsOf(text.replace('protocol: { cells: 8 }', 'protocol: { cells: 8, tricks: [cutout] }'));
    expect(problems[0]).toMatchObject({ line: 7, path: 'datasets[1].protocol.tricks' });
    const m = parseManifestText(text.replace('cells: 8', 'cells: 2'), 'm.yaml');
    const schema = z.object({ cells: z.number().int().min(3), epochs: z.number().int() }).strict();
    const checked = parseProtocolKnobs(withDatasetKnobs(m.protocols, m.datasets), schema, m, 'trainer');
    expect(checked.problems).toHaveLength(1);
    expect(checked.problems[0]).toMatchObject({ line: 7, path: 'datasets[1].protocol.cells' });
  });
});
