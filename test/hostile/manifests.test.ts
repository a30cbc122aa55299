/**
 * Hostile manifests, generated here: every malformed input must end with exit 2, a message that
 * says where (`file:line[:column]:`), and no stack trace. Families follow the red-team run:
 * YAML syntax, tags, aliases, wrong types per field, unknown keys and plugins, out-of-range
 * numbers, store and data paths, file kinds and sizes. The CLI runs in-process (seconds in all).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

/** A valid manifest on the fixture plugins (no training); the cases edit its numbered lines. */
const BASE = [
  'name: hostile', //                                   1
  'seeds: 2', //                                        2
  'datasets:', //                                       3
  "  - id: '@naslab-fixtures/dataset-toy'", //          4
  '    name: toy', //                                   5
  "space: '@naslab-fixtures/space-toy'", //             6
  'methods:', //                                        7
  "  - id: '@naslab-fixtures/method-toy'", //           8
  '    name: random-sampling', //                       9
  '    options: { outputs: 2 }', //                    10
  "trainer: '@naslab-fixtures/trainer-toy'", //        11
  'protocol:', //                                      12
  '  epochs: 3', //                                    13
  'store: results', //                                 14
];

interface Case {
  family: string;
  name: string;
  /** The manifest text (default: BASE with `set` applied and `append` added). */
  text?: string | Buffer;
  set?: Record<number, string | null>;
  append?: string[];
  /** Where the manifest goes, when not `<case dir>/m.yaml` (special files). */
  file?: (dir: string) => string;
  /** Prepare the case folder (a store that is a file, …). */
  setup?: (dir: string) => void;
  command?: 'validate' | 'plan' | 'run' | 'status' | 'report';
  /** The line the message must name (undefined: any location `file:` with the manifest's path). */
  line?: number;
  field?: string;
  message?: RegExp;
}

const edit = (c: Case): string | Buffer => {
  if (c.text !== undefined) return c.text;
  const lines: (string | null)[] = [...BASE];
  for (const [n, v] of Object.entries(c.set ?? {})) lines[Number(n) - 1] = v;
  return [...lines.filter((l): l is string => l !== null), ...(c.append ?? [])].join('\n') + '\n';
};

const cases: Case[] = [];
const add = (family: string, list: Omit<Case, 'family'>[]) => cases.push(...list.map((c) => ({ family, ...c })));

// ——— YAML syntax: broken text at every line of the manifest ———
const syntaxBreaks: [string, (l: string) => string][] = [
  ['unclosed flow sequence', (l) => `${l} [`],
  ['unclosed flow mapping', (l) => `${l} {`],
  ['unterminated double quote', (l) => `${l.replace(/: /, ': "')}`],
  ['stray colon', (l) => `${l}: :`],
  ['tab indentation', (l) => `\t${l}`],
];
for (const [name, breakLine] of syntaxBreaks) {
  for (const n of [1, 2, 6, 11, 13, 14]) if (n !== 14 || !name.startsWith('unclosed')) add('yaml-syntax', [{ name: `${name} at line ${n}`, set: { [n]: breakLine(BASE[n - 1]!) } }]);
}
add('yaml-syntax', [
  { name: 'bad indentation', set: { 5: '   name: toy' }, line: 5, message: /invalid YAML/ },
  { name: 'duplicate key names the key', set: { 2: 'seeds: 2\nseeds: 3' }, line: 3, message: /"seeds" appears twice/ },
  { name: 'duplicate nested key names the key', set: { 13: '  epochs: 3\n  epochs: 4' }, line: 14, message: /"epochs" appears twice/ },
  { name: 'two documents', append: ['---', 'name: other'], message: /invalid YAML/ },
  { name: 'top level is a list', text: '- a\n- b\n', line: 1, message: /must be a mapping/ },
  { name: 'top level is a scalar', text: 'hello\n', line: 1, message: /must be a mapping/ },
  { name: 'empty file', text: '', line: 1, message: /must be a mapping/ },
  { name: 'only a comment', text: '# nothing\n', line: 1, message: /must be a mapping/ },
  { name: 'directive only', text: '%YAML 1.2\n---\n', line: 1, message: /mapping|YAML/ },
  { name: 'flow nesting 1,000 deep', append: [`deep: ${'['.repeat(1000)}${']'.repeat(1000)}`], line: 15, message: /nested more than 64 levels/ },
  { name: 'block nesting 200 deep', append: Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`), message: /nested/ },
  { name: 'unclosed block scalar quote', append: ["description: 'abc"], message: /invalid YAML/ },
]);

// ——— Tags ———
for (const [tag, value] of [
  ['!!binary', 'aGVsbG8='],
  ['!!js/function', "'function(){}'"],
  ['!custom', 'x'],
  ['!!timestamp', '2001-12-14'],
  ['!!set', '{ a, b }'],
  ['!!omap', '[ { a: 1 } ]'],
  ['!!python/object:os.system', "'ls'"],
  ['!!float', '3'],
  ['!<tag:yaml.org,2002:str>', '3'],
] as const) {
  add('tags', [{ name: `${tag} as seeds`, set: { 2: `seeds: ${tag} ${value}` }, line: 2 }]);
  // A string is a valid name: only tags that make something else of it are errors there.
  if (!['!!float', '!<tag:yaml.org,2002:str>'].includes(tag)) add('tags', [{ name: `${tag} as the study name`, set: { 1: `name: ${tag} ${value}` }, line: 1 }]);
}

// ——— Aliases ———
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)];
add('aliases', [
  { name: 'undefined alias', set: { 2: 'seeds: *nothing' }, line: 2, message: /alias/i },
  { name: 'undefined alias in a list', set: { 10: '    options: { outputs: *n }' }, line: 10, message: /alias/i },
  { name: 'alias bomb (billion laughs)', text: `${bomb.join('\n')}\n${BASE.join('\n')}\n`, message: /aliases expand to too much/ },
  { name: 'alias bomb under a plugin option', append: ['description: x', ...bomb.map((l) => `# ${l}`), `x1: &x1 [1,1,1,1,1,1,1,1,1,1]`, `x2: &x2 [*x1,*x1,*x1,*x1,*x1,*x1,*x1,*x1,*x1,*x1]`, `x3: &x3 [*x2,*x2,*x2,*x2,*x2,*x2,*x2,*x2,*x2,*x2]`, `x4: [*x3,*x3,*x3,*x3,*x3,*x3,*x3,*x3,*x3,*x3,*x3,*x3]`], message: /aliases expand to too much|unknown field/ },
  { name: 'alias of an anchor defined later', set: { 2: 'seeds: *s', 13: '  epochs: &s 3' }, line: 2, message: /alias/i },
  { name: 'self-referencing alias', append: ['description: &d [*d]'], message: /alias|YAML|expected string/ },
  { name: 'alias to a mapping where a number is expected', set: { 2: 'seeds: *p', 12: 'protocol: &p' }, line: 2, message: /alias/ },
  { name: 'merge key of a scalar', append: ['<<: 3'], message: /YAML|merge|unknown field|mapping/ },
]);

// ——— Wrong types per field ———
const wrongValues: [string, string][] = [
  ['a number', '42'],
  ['a boolean', 'true'],
  ['null', 'null'],
  ['a list', '[1, 2]'],
  ['a mapping', '{ a: 1 }'],
  ['.nan', '.nan'],
  ['.inf', '-.inf'],
  ['an empty string', "''"],
];
const fieldLines: [string, number, (v: string) => Record<number, string | null>, string[]][] = [
  ['name', 1, (v) => ({ 1: `name: ${v}` }), ['an empty string', 'a number', 'a boolean', 'null', 'a list', 'a mapping', '.nan', '.inf']],
  ['seeds', 2, (v) => ({ 2: `seeds: ${v}` }), ['a boolean', 'null', 'a mapping', '.nan', '.inf', 'an empty string']],
  ['datasets', 3, (v) => ({ 3: `datasets: ${v}`, 4: null, 5: null }), wrongValues.map((w) => w[0]).filter((w) => w !== 'a list')],
  ['space', 6, (v) => ({ 6: `space: ${v}` }), wrongValues.map((w) => w[0])],
  ['methods', 7, (v) => ({ 7: `methods: ${v}`, 8: null, 9: null, 10: null }), wrongValues.map((w) => w[0]).filter((w) => w !== 'a list')],
  ['methods[0].options', 10, (v) => ({ 10: `    options: ${v}` }), ['a number', 'a boolean', 'a list', '.nan', 'an empty string']],
  ['trainer', 11, (v) => ({ 11: `trainer: ${v}` }), wrongValues.map((w) => w[0])],
  ['protocol', 12, (v) => ({ 12: `protocol: ${v}`, 13: null }), ['a number', 'a boolean', 'a list', '.nan', 'an empty string']],
  ['protocol.epochs', 13, (v) => ({ 13: `  epochs: ${v}` }), wrongValues.map((w) => w[0]).filter((w) => w !== 'a number')],
  ['store', 14, (v) => ({ 14: `store: ${v}` }), ['a number', 'a boolean', 'a list', 'a mapping', '.nan', 'an empty string']],
];
for (const [field, line, set, kinds] of fieldLines) {
  for (const kind of kinds) {
    const value = wrongValues.find((w) => w[0] === kind)![1];
    add('wrong-types', [{ name: `${field} is ${kind}`, set: set(value), line }]);
  }
}
for (const [field, value] of [
  ['baseline', '42'],
  ['baseline', '[random-sampling]'],
  ['scoring', 'median'],
  ['scoring', '1'],
  ['backend', '{ a: 1 }'],
  ['backend', '[]'],
  ['executor', '42'],
  ['description', '{ a: 1 }'],
  ['ablation', '42'],
  ['benchmark', '[]'],
] as const) {
  add('wrong-types', [{ name: `${field}: ${value}`, append: [`${field}: ${value}`], line: 15, field }]);
}
add('wrong-types', [
  { name: '.nan printed as NaN', set: { 13: '  epochs: .nan' }, line: 13, field: 'protocol.epochs', message: /NaN/ },
  { name: '.inf printed as Infinity', set: { 13: '  epochs: .inf' }, line: 13, field: 'protocol.epochs', message: /Infinity/ },
  { name: '1e309 printed as Infinity', set: { 2: 'seeds: 1e309' }, line: 2, field: 'seeds', message: /Infinity/ },
]);

// ——— Unknown keys and plugins ———
add('unknown', [
  { name: 'unknown top-level key', append: ['seed: 3'], line: 15, field: 'seed', message: /did you mean "seeds"/ },
  { name: 'unknown key with a null value', append: ['sedes:'], line: 15, field: 'sedes', message: /unknown field "sedes".*null/ },
  { name: 'unknown key with ~', append: ['frobnicate: ~'], line: 15, field: 'frobnicate', message: /unknown field "frobnicate".*null/ },
  { name: 'unknown protocol knob', set: { 13: '  epoch: 3' }, line: 13, field: 'protocol.epoch', message: /did you mean "epochs"/ },
  { name: 'unknown plugin option suggests its own options', set: { 10: '    options: { outptus: 2 }' }, line: 10, field: 'methods[0].options.outptus', message: /did you mean "outputs"/ },
  { name: 'unknown plugin option lists its own options', set: { 10: '    options: { zzzzzzzz: 2 }' }, line: 10, field: 'methods[0].options.zzzzzzzz', message: /known: .*outputs/ },
  { name: 'unknown key in a plugin reference', set: { 10: '    option: { outputs: 2 }' }, line: 10, message: /did you mean "options"/ },
  { name: 'plugin option beside the id', set: { 10: '    samples: 2' }, line: 10, field: 'methods[0].samples', message: /a plugin's own options go under its `options:`/ },
  { name: 'dataset option beside the id', set: { 5: '    name: toy\n    size: 8' }, line: 6, field: 'datasets[0].size', message: /a plugin's own options go under its `options:`/ },
  { name: 'random-sampling samples 1e7', set: { 8: '  - id: random-sampling', 10: '    options: { samples: 1e7 }' }, line: 10, field: 'methods[0].options.samples', message: /at most 100,000 samples/ },
  { name: 'random-search queries 1e9', set: { 8: '  - id: random-search', 10: '    options: { queries: 1e9 }' }, line: 10, field: 'methods[0].options.queries', message: /at most 1,000,000 queries/ },
  { name: 'weaknas hidden layers 1e9 units', set: { 8: '  - id: weaknas', 10: '    options: { hiddenLayers: [1e9] }' }, line: 10, message: /at most 100,000 units/ },
  { name: 'huge ablation list', append: ['ablation:', `  protocols: [${Array.from({ length: 2000 }, (_, i) => `{ name: p${i} }`).join(', ')}]`], line: 16, message: /at most/ },
  { name: 'unknown space plugin', set: { 6: 'space: nowhere' }, line: 6, field: 'space', message: /not installed/ },
  { name: 'unknown method plugin', set: { 8: '  - id: no-such-method' }, line: 8, field: 'methods[0]', message: /not installed/ },
  { name: 'unknown dataset plugin', set: { 4: '  - id: imagenet-zzz' }, line: 4, field: 'datasets[0]', message: /not installed/ },
  { name: 'unknown trainer', set: { 11: 'trainer: nope' }, line: 11, field: 'trainer', message: /not installed/ },
  { name: 'unknown executor', append: ['executor: far-away'], line: 15, field: 'executor', message: /not installed/ },
  { name: 'unknown backend', append: ['backend: quantum'], line: 15, field: 'backend', message: /not installed/ },
  { name: 'unknown trick', set: { 13: '  epochs: 3\n  tricks: [sparkles]' }, line: 14, message: /not installed/ },
  { name: 'plugin of the wrong kind', set: { 6: "space: '@naslab-fixtures/method-toy'" }, line: 6, field: 'space', message: /is a method plugin/ },
  { name: 'path traversal through a package', set: { 6: "space: 'better-sqlite3/../../../../etc/passwd'" }, line: 6, field: 'space', message: /not a plain package export/ },
  { name: 'sub-path not exported', set: { 8: "  - id: '@naslab/method-random-search/dist/x'" }, line: 8, message: /does not export/ },
  { name: 'upper-case package name', set: { 6: 'space: NOWHERE' }, line: 6, message: /not an npm package name/ },
  { name: 'package name with a space', set: { 6: "space: 'a b'" }, line: 6, message: /not an npm package name/ },
  { name: 'package name with a NUL', set: { 6: 'space: "a\\0b"' }, line: 6, message: /not an npm package name/ },
  { name: 'a path plugin that does not exist', set: { 6: 'space: ./nowhere' }, line: 6, message: /has no package\.json/ },
  { name: '10,000 unknown keys', append: Array.from({ length: 10_000 }, (_, i) => `unknown${i}: ${i}`), line: 15, message: /unknown field "unknown0".*\n.*more unknown fields|unknown field/ },
  { name: 'unknown key 10,000 characters long', append: [`${'k'.repeat(10_000)}: 1`], line: 15, message: /YAML|unknown field/ },
  { name: 'baseline not among methods', append: ['baseline: darts'], line: 15, field: 'baseline', message: /not one of the methods/ },
  { name: 'duplicate method label', set: { 10: "    options: { outputs: 2 }\n  - id: '@naslab-fixtures/method-toy'\n    name: random-sampling" }, line: 11, message: /used twice/ },
]);

// ——— Out-of-range numbers (bounded before any work: `plan` must not hang) ———
for (const [value, line] of [
  ['1e6', 2],
  ['1e8', 2],
  ['4294967296', 2],
  ['9007199254740991', 2],
  ['1e309', 2],
  ['0', 2],
  ['-1', 2],
  ['2.5', 2],
  ['[0, -1]', 2],
  ['[0, 4294967296]', 2],
  ['[1, 1]', 2],
  ['[]', 2],
] as const) {
  for (const command of ['validate', 'plan'] as const) add('out-of-range', [{ name: `seeds: ${value} (${command})`, set: { 2: `seeds: ${value}` }, line, field: 'seeds', command }]);
}
add('out-of-range', [
  { name: 'seeds list of 5,000', set: { 2: `seeds: [${Array.from({ length: 5000 }, (_, i) => i).join(', ')}]` }, line: 2, field: 'seeds', message: /at most 1000/, command: 'plan' },
  { name: 'negative epochs', set: { 13: '  epochs: -5' }, line: 13, field: 'protocol.epochs' },
  { name: 'fractional epochs', set: { 13: '  epochs: 1.5' }, line: 13, field: 'protocol.epochs' },
  { name: 'zero epochs', set: { 13: '  epochs: 0' }, line: 13, field: 'protocol.epochs' },
  { name: 'plugin option out of range', set: { 10: '    options: { outputs: 0 }' }, line: 10, field: 'methods[0].options.outputs' },
  { name: 'plugin option huge', set: { 10: '    options: { outputs: 1e9 }' }, line: 8, field: 'methods[0]', message: /would plan 4,000,000,002 jobs/ },
  { name: 'executor workers 0', append: ['executor: { id: local, options: { workers: 0 } }'], line: 15, field: 'executor.options.workers' },
  { name: 'executor workers 1e9', append: ['executor: { id: local, options: { workers: 1e9 } }'], line: 15, field: 'executor.options.workers' },
  { name: '100 methods', set: { 7: `methods: [${Array.from({ length: 100 }, (_, i) => `{ id: '@naslab-fixtures/method-toy', name: m${i} }`).join(', ')}]`, 8: null, 9: null, 10: null }, line: 7, field: 'methods', message: /at most 64/ },
]);

// ——— Store and data paths ———
const fifo = (path: string) => execFileSync('mkfifo', [path]);
add('paths', [
  { name: 'store is a file', setup: (d) => writeFileSync(join(d, 'results'), 'x'), line: 14, field: 'store', message: /is a file, not a folder/ },
  { name: 'store under a file', set: { 14: 'store: blocker/results' }, setup: (d) => writeFileSync(join(d, 'blocker'), 'x'), line: 14, field: 'store', message: /blocker is a file/ },
  { name: 'store is /dev/null', set: { 14: 'store: /dev/null' }, line: 14, field: 'store', message: /system folder/ },
  { name: 'store under /proc', set: { 14: 'store: /proc/self/results' }, line: 14, field: 'store', message: /system folder/ },
  { name: 'store under /sys', set: { 14: 'store: /sys/naslab' }, line: 14, field: 'store', message: /system folder/ },
  { name: 'store is a FIFO', setup: (d) => fifo(join(d, 'results')), line: 14, field: 'store', message: /FIFO/ },
  { name: 'store names an unset variable', set: { 14: 'store: ${NASLAB_SURELY_UNSET}/x' }, line: 14, field: 'store', message: /NASLAB_SURELY_UNSET.*not set/ },
  { name: 'study name ..', set: { 1: 'name: ..' }, line: 1, field: 'name', message: /starting with a letter or digit/ },
  { name: 'study name .', set: { 1: "name: '.'" }, line: 1, field: 'name' },
  { name: 'study name with a slash', set: { 1: 'name: a/b' }, line: 1, field: 'name' },
  { name: 'study name 300 characters', set: { 1: `name: ${'a'.repeat(300)}` }, line: 1, field: 'name', message: /at most 100/ },
  { name: 'database is a folder (run)', command: 'run', setup: (d) => mkdirSync(join(d, 'results', 'naslab.db'), { recursive: true }), line: 14, field: 'store', message: /is a folder, not a database file/ },
  { name: 'database is garbage (run)', command: 'run', setup: (d) => (mkdirSync(join(d, 'results')), writeFileSync(join(d, 'results', 'naslab.db'), 'garbage '.repeat(100))), line: 14, field: 'store', message: /not a SQLite database/ },
  { name: "another program's SQLite (run)", command: 'run', setup: (d) => foreignDatabase(join(d, 'results')), line: 14, field: 'store', message: /not a naslab results database/ },
  { name: "another program's SQLite (report)", command: 'report', setup: (d) => foreignDatabase(join(d, 'results')), line: 14, field: 'store', message: /not a naslab results database/ },
  { name: 'artefacts folder is a file (run)', command: 'run', setup: (d) => (mkdirSync(join(d, 'results')), writeFileSync(join(d, 'results', 'artefacts'), 'x')), line: 14, field: 'store', message: /artefacts folder cannot be used/ },
  { name: 'reports folder is a file (run)', command: 'run', setup: (d) => (mkdirSync(join(d, 'results')), writeFileSync(join(d, 'results', 'reports'), 'x')), line: 14, field: 'store', message: /reports folder cannot be used/ },
  { name: 'store schema of another version (run)', command: 'run', setup: (d) => otherVersionStore(join(d, 'results')), line: 14, field: 'store', message: /schema version 99/ },
  { name: 'store is a folder naslab did not create (run)', command: 'run', set: { 14: 'store: victim' }, setup: (d) => foreignFolder(join(d, 'victim')), line: 14, field: 'store', message: /victim: a folder naslab did not create \(it holds notes\.txt/ },
  { name: 'store is a foreign folder with an empty naslab.db (run)', command: 'run', setup: (d) => (foreignFolder(join(d, 'results')), writeFileSync(join(d, 'results', 'naslab.db'), '')), line: 14, field: 'store', message: /an empty database in a folder naslab did not create/ },
]);

function foreignFolder(dir: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'not naslab\'s\n');
}

function foreignDatabase(dir: string) {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'naslab.db'));
  db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts (owner) VALUES (\'alice\')');
  db.close();
}
function otherVersionStore(dir: string) {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'naslab.db'));
  db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema', '99')");
  db.close();
}

// ——— File kinds and sizes (the manifest itself) ———
add('files', [
  { name: 'manifest is a folder', file: (d) => (mkdirSync(join(d, 'm.yaml')), join(d, 'm.yaml')), message: /is a folder, not a regular file/ },
  { name: 'manifest is a FIFO', file: (d) => (fifo(join(d, 'm.yaml')), join(d, 'm.yaml')), message: /FIFO/ },
  { name: 'manifest is /dev/zero', file: () => '/dev/zero', message: /system folder/ },
  { name: 'manifest is /dev/null', file: () => '/dev/null', message: /system folder/ },
  { name: 'manifest under /proc', file: () => '/proc/self/environ', message: /system folder/ },
  { name: 'manifest does not exist', file: (d) => join(d, 'nowhere.yaml'), message: /does not exist/ },
  { name: 'manifest of 10 MB (one flow mapping)', text: `{${Array.from({ length: 700_000 }, (_, i) => `k${i}: 1`).join(', ')}}`, message: /at most 4,194,304 are read/ },
  { name: 'manifest of 50 MB of unknown keys', text: Buffer.alloc(50 * 1024 * 1024, 'unknown: 1\n'), message: /at most 4,194,304 are read/ },
  { name: 'binary manifest', text: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), line: 1, message: /binary|YAML/ },
  { name: 'UTF-16 manifest', text: Buffer.from(`\ufeff${BASE.join('\n')}`, 'utf16le'), message: /binary|YAML|mapping/ },
  { name: 'JSON manifest with a syntax error', file: (d) => join(d, 'm.json'), text: '{"name": "x", ', message: /YAML|JSON/ },
]);

const counts = new Map<string, { clear: number; other: number }>();

describe('hostile manifests', () => {
  it('has at least 200 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });
  const root = tempDir('naslab-hostile-');
  it.each(cases.map((c, i) => [`${c.family}: ${c.name}`, i] as const))('%s', async (_, i) => {
    const c = cases[i]!;
    const dir = join(root, String(i));
    mkdirSync(dir);
    c.setup?.(dir);
    const file = c.file ? c.file(dir) : join(dir, 'm.yaml');
    if (!c.file || c.text !== undefined) writeFileSync(file, edit(c));
    const started = Date.now();
    const r = await naslabInProcess([c.command ?? 'validate', file]);
    const out = `${r.stdout}${r.stderr}`;
    const location = new RegExp(`${escapeRegExp(file)}:${c.line === undefined ? '(\\d+:)?(\\d+:)?' : `${c.line}:(\\d+:)?`}${c.field ? ` ${escapeRegExp(c.field)}(\\[\\d+\\]|\\.[^:\\s]+)*:` : ''}`);
    const clear = r.code === 2 && location.test(r.stderr) && !hasStackTrace(out) && (!c.message || c.message.test(r.stderr));
    const tally = counts.get(c.family) ?? { clear: 0, other: 0 };
    tally[clear ? 'clear' : 'other']++;
    counts.set(c.family, tally);
    expect(r.code, out).toBe(2);
    expect(hasStackTrace(out), out).toBe(false);
    expect(r.stderr, r.stderr.slice(0, 600)).toMatch(location);
    if (c.message) expect(r.stderr, r.stderr.slice(0, 600)).toMatch(c.message);
    expect(Date.now() - started, 'each case answers within seconds').toBeLessThan(5000);
  }, 20_000);
  afterAll(() => {
    const rows = [...counts].map(([family, t]) => `  ${family.padEnd(14)} ${String(t.clear).padStart(4)} clear ${String(t.other).padStart(4)} other`);
    console.log(`hostile manifests (${cases.length}):\n${rows.join('\n')}`);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('a `store` that points at a folder naslab did not create', () => {
  /** Every file under `dir` with its bytes, and every folder. */
  const snapshot = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) {
          out[`${relative(dir, p)}/`] = '';
          walk(p);
        } else out[relative(dir, p)] = readFileSync(p, 'latin1');
      }
    };
    walk(dir);
    return out;
  };

  it('is refused by `run` (exit 2 at the `store` line) and nothing is written into it', async () => {
    const dir = tempDir('naslab-hostile-');
    // Someone's folder: an old report beside their own notes.
    const victim = join(dir, 'victim');
    mkdirSync(join(victim, 'reports'), { recursive: true });
    writeFileSync(join(victim, 'index.html'), '<p>my report</p>\n');
    writeFileSync(join(victim, '.naslab-report'), 'a report\n');
    writeFileSync(join(victim, 'reports', 'notes.md'), '# keep me\n');
    const before = snapshot(victim);
    mkdirSync(join(dir, 'study'));
    const file = join(dir, 'study', 'm.yaml');
    writeFileSync(file, `${BASE.slice(0, 13).join('\n')}\nstore: ../victim\n`);
    const r = await naslabInProcess(['run', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    expect(r.stderr).toContain(`${file}:14:8: store: ${victim}: a folder naslab did not create (it holds `);
    expect(r.stderr).toContain('point `store` at an empty or new folder');
    expect(snapshot(victim)).toEqual(before);
  });
});

