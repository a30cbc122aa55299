import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir, writeManifest } from './helpers/cli.js';

const table = join(repoRoot, '..', 'shared', 'data', 'nb201', 'nb201_cifar10_200ep.csv');
const peek = join(repoRoot, 'test', 'local-plugins', 'method-peek');

/** The reference table's rows by architecture text: every numeric column. */
function rowsByArch(): Map<string, Record<string, number>> {
  const [header, ...lines] = readFileSync(table, 'utf8').trim().split('\n');
  const names = header!.split(',');
  const rows = new Map<string, Record<string, number>>();
  for (const line of lines) {
    const cells = line.split(',');
    rows.set(cells[names.indexOf('arch_str')]!, Object.fromEntries(names.map((n, i) => [n, Number(cells[i])])));
  }
  return rows;
}

/** Every number in a JSON value, numbers written inside strings included. */
function numbersIn(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (typeof v === 'string') for (const m of v.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)) out.push(Number(m[0]));
  else if (v && typeof v === 'object') for (const x of Object.values(v)) numbersIn(x, out);
  return out;
}

describe('a search never sees test accuracy', () => {
  it('a method that tries every way through the plugin API reads only the search metric; the evaluation gets the test accuracy', () => {
    const dir = tempDir();
    const out = join(dir, 'peek.json');
    const file = writeManifest(
      dir,
      'leak.yaml',
      `name: leak
seeds: 1
datasets: [cifar10]
space: nas-bench-201
methods:
  - id: random-sampling
    options: { samples: 1 }
  - id: '${peek}'
    name: peek
    options: { queries: 6, table: '${table}' }
  - id: random-search
    options: { queries: 12 }
baseline: random-sampling
benchmark: { id: nas-bench-201, options: { path: '${table}' } }
store: results
`,
    );
    const r = naslab(['run', file, '--quiet'], { env: { NASLAB_PEEK_OUT: out } });
    expect(r.code, r.stderr).toBe(0);
    const rows = rowsByArch();
    const dump = JSON.parse(readFileSync(out, 'utf8')) as { observed: { arch: string; accuracy: number }[]; attempts: { what: string; value?: unknown; error?: string }[] };
    expect(dump.observed).toHaveLength(6);
    const forbidden = new Set<number>();
    for (const o of dump.observed) {
      const row = rows.get(o.arch)!;
      // What the search saw is the validation accuracy (the benchmark's default search metric)…
      expect(o.accuracy).toBe(row.cifar10valid_valid_acc);
      for (const column of ['cifar10_test_acc', 'cifar10valid_test_acc', 'params_m', 'index']) forbidden.add(row[column]!);
    }
    // …and none of the test accuracies (nor any other column) is reachable from anything it tried.
    const seen = numbersIn(dump.attempts);
    for (const n of forbidden) expect(seen, `a value of the table (${n}) reached the search`).not.toContain(n);
    const byWhat = new Map(dump.attempts.map((a) => [a.what, a]));
    for (const what of ['create: resolve(Tokens.Store).getJob', 'create: resolve(Tokens.JobContext).store.jobs', 'search: resolve(Tokens.Store)']) {
      expect(byWhat.get(what)?.error, what).toMatch(/no access to the result store/);
    }
    for (const what of ['create: benchmark by token', 'create: benchmark through Tokens.Plugins', 'search: benchmark through Tokens.Plugins']) {
      expect(byWhat.get(what)?.error, what).toMatch(/cannot create benchmark nas-bench-201/);
    }
    const first = dump.observed[0]!.arch;
    expect(byWhat.get(`${first}: write then read`)?.value).toBe(true);

    const plan = naslab(['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const methodOf = new Map((JSON.parse(plan.stdout) as { id: string; method: string }[]).map((j) => [j.id, j.method]));
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const jobs = (db.prepare(`SELECT id, kind, result FROM jobs WHERE status = 'done'`).all() as { id: string; kind: string; result: string }[]).map((j) => ({ ...j, method: methodOf.get(j.id) }));
    db.close();
    const evaluations = jobs.filter((j) => j.kind === 'evaluate').map((j) => ({ method: j.method, result: JSON.parse(j.result) as { arch: string; finalAccuracy: number; anytime?: number[] } }));
    // The evaluation job, not the search, gets the test accuracy.
    const peeked = evaluations.find((e) => e.method === 'peek')!;
    expect(peeked.result.finalAccuracy).toBe(rows.get(peeked.result.arch)!.cifar10_test_acc);
    // The anytime curve of a query-based search is the incumbent's test accuracy after each query,
    // computed by its evaluation job from the search's trajectory.
    const rs = evaluations.find((e) => e.method === 'random-search')!;
    const search = jobs.find((j) => j.kind === 'search' && j.method === 'random-search')!;
    const trajectory = (JSON.parse(search.result) as { history: { trajectory: { arch: string; accuracy: number; best: number; bestTest?: number }[] } }).history.trajectory;
    expect(trajectory.some((t) => t.bestTest !== undefined)).toBe(false);
    let incumbent = '';
    let best = Number.NEGATIVE_INFINITY;
    const expected = trajectory.map((t) => {
      if (t.accuracy > best) [best, incumbent] = [t.accuracy, t.arch];
      return rows.get(incumbent)!.cifar10_test_acc;
    });
    expect(rs.result.anytime).toEqual(expected);
    expect(rs.result.anytime!.at(-1)).toBe(rs.result.finalAccuracy);
  });
});
