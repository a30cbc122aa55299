import { InputError } from '@naslab/core';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  choiceOf,
  createMbconvSpace,
  decisionsOf,
  LAYER_CHOICES,
  layerLatency,
  parseLatencyTable,
  predictLatency,
  readLatencyTable,
  SEARCHABLE_LAYERS,
  type LayerChoice,
} from './index.js';

/** The reference's Pixel 1 table (seed data; read in place, never copied into the repository). */
const PIXEL1 = fileURLToPath(new URL('../../../../../shared/seed-data/single-path-nas/pixel1_runtime_model.json', import.meta.url));
const all = (c: LayerChoice) => SEARCHABLE_LAYERS.map(() => c);
const skipWhereAllowed = (first: LayerChoice) => SEARCHABLE_LAYERS.map((l) => (l.skippable ? 'skip' : first)) as LayerChoice[];

describe('latency model', () => {
  const table = readLatencyTable(PIXEL1);

  // Expected values: the reference's own arithmetic (superkernel.py's runtime term summed as
  // SinglePathSuperNet.call does, from 19.5999 ms) evaluated on pixel1_runtime_model.json.
  it.each([
    ['all k3e3', all('k3e3'), 65.63564555123611],
    ['all k3e6', all('k3e6'), 110.6524],
    ['all k5e3', all('k5e3'), 76.3622],
    ['all k5e6', all('k5e6'), 131.4578],
    ['all skipped where allowed, the rest k5e6', skipWhereAllowed('k5e6'), 46.5653],
    ['all skipped where allowed, the rest k3e3', skipWhereAllowed('k3e3'), 30.789985318202547],
  ])('reproduces the reference for %s', (_name, arch, expected) => {
    expect(predictLatency(arch, table)).toBeCloseTo(expected, 9);
  });

  it('reads the columns the reference reads: k5e6 = column 3, k3e6 = column 1, k5e3 = column 2, k3e3 = column 2 · column 1 / column 3', () => {
    const row = table.rows[7]!;
    const rt = [...row, 0.7];
    expect(layerLatency(rt, decisionsOf('k5e6'))).toBeCloseTo(row[3], 12);
    expect(layerLatency(rt, decisionsOf('k3e6'))).toBeCloseTo(row[1], 12);
    expect(layerLatency(rt, decisionsOf('k5e3'))).toBeCloseTo(row[2], 12);
    expect(layerLatency(rt, decisionsOf('k3e3'))).toBeCloseTo((row[2] * row[1]) / row[3], 12);
    expect(layerLatency(rt, decisionsOf('skip'))).toBe(0);
  });

  it('maps decisions to choices as the reference parser, and back', () => {
    for (const c of LAYER_CHOICES) expect(choiceOf(decisionsOf(c))).toBe(c);
    // d50c = 0 is a skip whatever the other two say (encode_single_path_nas_arch)
    expect(choiceOf({ d5x5: 1, d50c: 0, d100c: 1 })).toBe('skip');
  });

  it('the space predicts latency from the table its options name, with the constant as an option', () => {
    const space = createMbconvSpace({ latencyTable: PIXEL1 });
    expect(space.describe!(all('k5e6'))).toMatchObject({ latencyMs: 131.4578, layers: 22 });
    const shifted = createMbconvSpace({ latencyTable: PIXEL1, latencyConstantMs: 0 });
    expect(shifted.latencyMs(all('k5e6'))).toBeCloseTo(131.4578 - 19.5999, 9);
    expect(createMbconvSpace().latencyMs(all('k5e6'))).toBeUndefined();
  });

  it('refuses a malformed table at the file and field', () => {
    expect(() => parseLatencyTable('{"0": {"0": 1,\n "1": }', 't.json')).toThrow(/t\.json:2:\d+: not valid JSON/);
    const rows = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [String(i), { 0: 1, 1: 2, 2: 3, 3: 4 }]));
    expect(parseLatencyTable(JSON.stringify(rows), 't.json').rows).toHaveLength(22);
    const missing = { ...rows };
    delete missing['13'];
    expect(() => parseLatencyTable(JSON.stringify(missing), 't.json')).toThrow(/t\.json: 13: missing layer 13/);
    const negative = { ...rows, 5: { 0: 1, 1: 2, 2: -3, 3: 4 } };
    expect(() => parseLatencyTable(JSON.stringify(negative), 't.json')).toThrow(InputError);
    expect(() => parseLatencyTable(JSON.stringify(negative), 't.json')).toThrow(/5\.2: expected a positive latency/);
    expect(() => parseLatencyTable(JSON.stringify({ ...rows, 22: rows['0'] }), 't.json')).toThrow(/unknown layer "22"/);
  });
});
