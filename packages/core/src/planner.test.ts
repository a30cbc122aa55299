import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PluginKind } from './contracts.js';
import { jobRng } from './job-runner.js';
import { parseManifestText } from './manifest.js';
import { planStudy, type PlannedJob } from './planner.js';
import type { BoundPlugin, PluginHost } from './plugin-host.js';
import type { PluginSource } from './resolver.js';

const manifest = parseManifestText(
  `name: streams
seeds: [0, 1]
datasets: [toy]
space: toy
methods:
  - { id: toy, options: { outputs: 2 } }
baseline: toy
protocol: { epochs: 1 }
`,
  'streams.yaml',
);

/** A plugin folder with a package.json and one code file: its code digest follows `code`. */
function pluginDir(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'naslab-planner-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'naslab-method-toy', version: '1.0.0' }));
  writeFileSync(join(dir, 'index.js'), code);
  return dir;
}

/** The study's three plugins, bound as the host binds them; the method's package folder and version vary. */
function hostWith(method: { dir: string; source: PluginSource; version: string; options?: object }): PluginHost {
  const bound = (kind: PluginKind, dir: string, source: PluginSource, version: string, options: object = {}): BoundPlugin =>
    ({
      loaded: { kind, packageName: `naslab-${kind}-toy`, version, dir, source, definition: kind === 'method' ? { outputs: () => 2 } : {} },
      ref: { id: 'toy', label: 'toy', options, path: [kind] },
      options,
    }) as unknown as BoundPlugin;
  const other = pluginDir('// the same in every plan');
  const plugins = {
    dataset: bound('dataset', other, 'installed', '1.0.0'),
    space: bound('space', other, 'installed', '1.0.0'),
    method: bound('method', method.dir, method.source, method.version, method.options),
  } as Record<string, BoundPlugin>;
  return { get: (kind: string) => plugins[kind], has: () => false } as unknown as PluginHost;
}

/** The first draws of each job's random stream (what a search samples its architectures from). */
const draws = (jobs: PlannedJob[]) =>
  jobs.map((j) => {
    const rng = jobRng(j);
    return [rng.uniform(), rng.uniform(), rng.uniform()];
  });
const streams = (jobs: PlannedJob[]) => jobs.map((j) => jobRng(j).seedKey);

describe('random streams and job ids', () => {
  it('an edit to a workspace plugin changes every job id it reaches, never a random stream', () => {
    const before = planStudy(manifest, hostWith({ dir: pluginDir('export const sample = 1;'), source: 'workspace', version: '1.0.0' }));
    const after = planStudy(manifest, hostWith({ dir: pluginDir('export const sample = 2;'), source: 'workspace', version: '1.0.0' }));
    expect(before.map((j) => j.kind)).toEqual(after.map((j) => j.kind));
    expect(before.filter((j) => j.kind === 'search')).toHaveLength(2);
    // Identity (and so resume) follows the code: no job of the edited method keeps its id.
    for (const [i, job] of before.entries()) expect(after[i]!.id).not.toBe(job.id);
    // The draws follow what the job computes: seed, dataset, space, method and options.
    expect(streams(after)).toEqual(streams(before));
    expect(draws(after)).toEqual(draws(before));
    // …and still tell jobs apart: two seeds, two architectures, two searches' streams.
    expect(new Set(streams(before)).size).toBe(before.length);
  });

  it('a new version of an installed plugin changes job ids, not random streams; its options or seed change both', () => {
    const dir = pluginDir('export const sample = 1;');
    const v1 = planStudy(manifest, hostWith({ dir, source: 'installed', version: '1.0.0' }));
    const v2 = planStudy(manifest, hostWith({ dir, source: 'installed', version: '1.1.0' }));
    expect(v2[0]!.id).not.toBe(v1[0]!.id);
    expect(streams(v2)).toEqual(streams(v1));
    const tuned = planStudy(manifest, hostWith({ dir, source: 'installed', version: '1.0.0', options: { temperature: 2 } }));
    expect(tuned[0]!.id).not.toBe(v1[0]!.id);
    expect(jobRng(tuned[0]!).seedKey).not.toBe(jobRng(v1[0]!).seedKey);
    const seed2 = planStudy({ ...manifest, seeds: [2, 1] }, hostWith({ dir, source: 'installed', version: '1.0.0' }));
    expect(jobRng(seed2[0]!).seedKey).not.toBe(jobRng(v1[0]!).seedKey);
    expect(jobRng(seed2.find((j) => j.seed === 1)!).seedKey).toBe(jobRng(v1.find((j) => j.seed === 1)!).seedKey);
  });
});
