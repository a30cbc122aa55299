import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naslabAsync, tempDir, writeManifest } from './helpers/cli.js';

/** A valid manifest on the fixture plugins; cases below edit numbered lines of it. */
const base = [
  'name: bad', //                                       1
  'seeds: 2', //                                        2
  'datasets:', //                                       3
  "  - id: '@naslab-fixtures/dataset-toy'", //          4
  '    name: toy', //                                   5
  "space: '@naslab-fixtures/space-toy'", //             6
  'methods:', //                                        7
  "  - id: '@naslab-fixtures/method-toy'", //           8
  '    name: random-sampling', //                       9
  "  - id: '@acme/naslab-method-foo'", //              10
  '    name: foo', //                                  11
  '    options: { tries: 3 }', //                      12
  "trainer: '@naslab-fixtures/trainer-toy'", //        13
  'protocol:', //                                      14
  '  epochs: 3', //                                    15
  '  batchSize: 8', //                                 16
];

interface Case {
  name: string;
  /** Replace lines (1-based); `null` deletes the line. */
  set?: Record<number, string | null>;
  append?: string[];
  text?: string;
  line: number;
  field?: string;
  message: RegExp;
}

const cases: Case[] = [
  { name: 'unclosed flow sequence', set: { 2: 'seeds: [0, 1' }, line: 3, message: /invalid YAML/ },
  { name: 'bad indentation', set: { 5: '   name: toy' }, line: 5, message: /invalid YAML/ },
  { name: 'duplicate key', set: { 2: 'seeds: 2\nseeds: 3' }, line: 3, message: /invalid YAML.*[Uu]nique|invalid YAML/ },
  { name: 'top level is a list', text: '- a\n- b\n', line: 1, message: /must be a mapping/ },
  { name: 'empty file', text: '', line: 1, message: /must be a mapping/ },
  { name: 'missing name', set: { 1: null }, line: 1, field: 'name', message: /required field is missing/ },
  { name: 'name with spaces', set: { 1: 'name: my study' }, line: 1, field: 'name', message: /letters, digits/ },
  { name: 'missing seeds', set: { 2: null }, line: 1, field: 'seeds', message: /required field is missing/ },
  { name: 'zero seeds', set: { 2: 'seeds: 0' }, line: 2, field: 'seeds', message: /expected|too small|>/ },
  { name: 'negative seed', set: { 2: 'seeds: [0, -1]' }, line: 2, field: 'seeds[1]', message: /too small|>=/ },
  { name: 'duplicate seed', set: { 2: 'seeds: [1, 1]' }, line: 2, field: 'seeds[1]', message: /listed twice/ },
  { name: 'seeds as text', set: { 2: 'seeds: three' }, line: 2, field: 'seeds', message: /expected number or array, got string/ },
  { name: 'fractional seed', set: { 2: 'seeds: [0.5]' }, line: 2, field: 'seeds[0]', message: /integer|int/ },
  { name: 'missing datasets', set: { 3: null, 4: null, 5: null }, line: 1, field: 'datasets', message: /required field is missing/ },
  { name: 'empty datasets', set: { 3: 'datasets: []', 4: null, 5: null }, line: 3, field: 'datasets', message: /too small|at least|>=/ },
  { name: 'unknown dataset plugin', set: { 4: '  - id: imagenet-zzz' }, line: 4, field: 'datasets[0]', message: /dataset plugin "imagenet-zzz" not found: package @naslab\/dataset-imagenet-zzz/ },
  { name: 'missing space', set: { 6: null }, line: 1, field: 'space', message: /required field is missing/ },
  { name: 'unknown space plugin', set: { 6: 'space: nowhere' }, line: 6, field: 'space', message: /@naslab\/space-nowhere is not installed/ },
  { name: 'missing methods', set: { 7: null, 8: null, 9: null, 10: null, 11: null, 12: null }, line: 1, field: 'methods', message: /required field is missing/ },
  { name: 'methods not a list', set: { 7: 'methods: random', 8: null, 9: null, 10: null, 11: null, 12: null }, line: 7, field: 'methods', message: /expected array/ },
  { name: 'unknown method plugin', set: { 10: '  - id: no-such-method' }, line: 10, field: 'methods[1]', message: /@naslab\/method-no-such-method/ },
  { name: 'unknown top-level field', append: ['seed: 3'], line: 17, field: 'seed', message: /unknown field "seed" \(did you mean "seeds"\?\)/ },
  { name: 'unknown protocol field', set: { 15: '  epoch: 3' }, line: 15, field: 'protocol.epoch', message: /unknown field "epoch" \(did you mean "epochs"\?\)/ },
  { name: 'negative epochs', set: { 15: '  epochs: -5' }, line: 15, field: 'protocol.epochs', message: /too small|>0|> 0/ },
  { name: 'fractional epochs', set: { 15: '  epochs: 1.5' }, line: 15, field: 'protocol.epochs', message: /int/ },
  { name: 'batch size as text', set: { 16: '  batchSize: big' }, line: 16, field: 'protocol.batchSize', message: /expected number, got string/ },
  { name: 'zero learning rate', append: ['  learningRate: 0'], line: 17, field: 'protocol.learningRate', message: /too small|>0|> 0/ },
  { name: 'momentum above 1', append: ['  momentum: 2'], line: 17, field: 'protocol.momentum', message: /too big|<=/ },
  { name: 'too few cells', append: ['  cells: 2'], line: 17, field: 'protocol.cells', message: /too small|>=/ },
  { name: 'method option of wrong type', set: { 12: '    options: { tries: many }' }, line: 12, field: 'methods[1].options.tries', message: /expected number, got string.*options of @acme\/naslab-method-foo/ },
  { name: 'unknown method option', set: { 12: '    options: { trys: 3 }' }, line: 12, field: 'methods[1].options.trys', message: /unknown field "trys"/ },
  { name: 'baseline not among methods', append: ['baseline: darts'], line: 17, field: 'baseline', message: /baseline "darts" is not one of the methods/ },
  { name: 'duplicate method label', set: { 11: '    name: random-sampling' }, line: 10, field: 'methods[1]', message: /used twice/ },
  { name: 'plugin reference without id', set: { 10: '  - options: { tries: 3 }', 11: null, 12: null }, line: 10, field: 'methods[1].id', message: /required field is missing/ },
  { name: 'plugin reference with unknown key', set: { 12: '    option: { tries: 3 }' }, line: 12, field: 'methods[1].option', message: /unknown field "option" \(did you mean "options"\?\)/ },
  { name: 'plugin of the wrong kind', set: { 6: "space: '@acme/naslab-method-foo'" }, line: 6, field: 'space', message: /is a method plugin, but it is named where a space plugin is expected/ },
  { name: 'auto mixed with a backend', append: ['backend: [auto, cpu]'], line: 17, field: 'backend', message: /cannot be combined/ },
  { name: 'unknown scoring', append: ['scoring: median'], line: 17, field: 'scoring', message: /final|best/ },
  { name: 'executor option out of range', append: ['executor: { id: local, options: { workers: 0 } }'], line: 17, field: 'executor.options.workers', message: /too small|>=/ },
  { name: 'unknown trick', append: ['  tricks: [sparkles]'], line: 17, field: 'protocol.tricks[0]', message: /@naslab\/trick-sparkles/ },
  { name: 'space option out of range', set: { 6: "space: { id: '@naslab-fixtures/space-toy', options: { choices: 1 } }" }, line: 6, field: 'space.options.choices', message: /too small|>=/ },
  { name: 'dataset option negative', set: { 5: '    name: toy\n    options: { size: -1 }' }, line: 6, field: 'datasets[0].options.size', message: /too small|>0|> 0/ },
  { name: 'empty store path', append: ["store: ''"], line: 17, field: 'store', message: /too small|at least|>=/ },
  { name: 'trainer with options it does not take', set: { 13: "trainer: { id: '@naslab-fixtures/trainer-toy', options: { speed: 3 } }" }, line: 13, field: 'trainer.options.speed', message: /unknown field "speed"/ },
];

function render(c: Case): string {
  if (c.text !== undefined) return c.text;
  const lines = base.map((l, i) => (c.set && i + 1 in c.set ? c.set[i + 1] : l)).filter((l): l is string => l !== null);
  return [...lines, ...(c.append ?? [])].join('\n') + '\n';
}

describe('malformed manifests exit 2 with file:line and field', () => {
  const dir = tempDir('naslab-bad-');
  it('the base manifest is valid', async () => {
    const file = writeManifest(dir, 'base.yaml', render({ name: 'base', line: 0, message: /./ }));
    const r = await naslabAsync(['validate', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it(`has at least 30 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  // Run the CLI for every case, a few at a time, then check each.
  const results = new Map<string, Promise<{ code: number | null; stderr: string; stdout: string; file: string }>>();
  const queue = cases.map((c, i) => async () => {
    const file = writeManifest(dir, `case-${String(i).padStart(2, '0')}.yaml`, render(c));
    const r = await naslabAsync(['validate', file]);
    return { ...r, file };
  });
  let next = 0;
  const pool = Array.from({ length: 4 }, async () => {
    while (next < queue.length) {
      const i = next++;
      const p = queue[i]!();
      results.set(cases[i]!.name, p);
      await p;
    }
  });
  const all = Promise.all(pool);

  for (const c of cases) {
    it(c.name, async () => {
      await all;
      const r = await results.get(c.name)!;
      expect(r.code, r.stderr + r.stdout).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const where = `${basename(r.file)}:${c.line}:`;
      const lines = r.stderr.split('\n').filter((l) => l.includes(where));
      expect(lines.length, `expected "${where}" in:\n${r.stderr}`).toBeGreaterThan(0);
      const hit = lines.find((l) => (!c.field || l.includes(` ${c.field}:`)) && c.message.test(l));
      expect(hit, `expected field "${c.field}" and ${c.message} in:\n${r.stderr}`).toBeDefined();
    });
  }

  it('a missing manifest file exits 2 naming it', async () => {
    const r = await naslabAsync(['validate', `${dir}/nope.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml: manifest .*nope\.yaml does not exist/);
  });
});
