import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { naslab, repoRoot, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

/** A folder whose node_modules holds the given local fixture packages (test/local-plugins), as an install would. */
function withInstalled(dir: string, packages: Record<string, string>): string {
  for (const [name, folder] of Object.entries(packages)) {
    const target = join(dir, 'node_modules', name);
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(join(repoRoot, 'test', 'local-plugins', folder), target, 'dir');
  }
  return dir;
}

describe('third-party plugins', () => {
  const dir = tempDir();

  it('loads a plugin by its package name and records its version in provenance', () => {
    const file = writeManifest(dir, 'third-party.yaml', toyManifest({ seeds: 1, outputs: 1 }));
    const v = naslab(['validate', file]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('@acme/naslab-method-foo@2.3.1');
    const r = naslab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(naslab(['status', file, '--json']).stdout) as { done: number; total: number }[];
    expect(status[0]).toMatchObject({ done: 6, total: 6 });
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const rows = db.prepare(`SELECT provenance FROM jobs WHERE status = 'done'`).all() as { provenance: string }[];
    db.close();
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const p = JSON.parse(row.provenance) as { plugins: Record<string, string>; manifestHash: string; core: string; threads: number };
      expect(p.plugins['@acme/naslab-method-foo']).toBe('2.3.1');
      // In-process jobs get every core (`--threads` default); a multi-threaded backend's bits depend on it.
      expect(p.threads).toBe(availableParallelism());
      expect(p.manifestHash).toMatch(/^[0-9a-f]{16}$/);
      expect(p.core).toBe('0.1.0');
    }
  });

  // Installed beside the manifest, not in the repository's workspaces (npm refuses its peer range).
  const future = withInstalled(tempDir(), { '@acme/naslab-method-future': 'acme-method-future' });

  it('refuses a plugin built for another major of @naslab/core, naming both versions', () => {
    const text = toyManifest({ seeds: 1 }).replace("id: '@acme/naslab-method-foo'", "id: '@acme/naslab-method-future'");
    const file = writeManifest(future, 'future.yaml', text);
    const r = naslab(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/future\.yaml:\d+:\d+: methods\[1\]: @acme\/naslab-method-future@9\.0\.0 is built for @naslab\/core \^9\.0\.0, but this naslab runs @naslab\/core 0\.1\.0/);
  });

  it('lists installed plugins with kinds, versions and the core they are built for', () => {
    const r = naslab(['plugins', '--json'], { cwd: future });
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { package: string; kind: string; core: string; compatible: boolean }[];
    expect(list.find((p) => p.package === '@acme/naslab-method-foo')).toMatchObject({ kind: 'method', core: '^0.1.0', compatible: true });
    expect(list.find((p) => p.package === '@acme/naslab-method-future')).toMatchObject({ compatible: false });
    expect(list.find((p) => p.package === '@naslab/executor-local')).toMatchObject({ kind: 'executor' });
    expect(list.find((p) => p.package === '@naslab/executor-local')).not.toHaveProperty('available');
  });

  it('probes every backend: the pure-JS cpu backend always runs, an unavailable one says why and how to fix it', () => {
    const r = naslab(['plugins', '--json'], { env: { NASLAB_LIBTORCH_DISABLE: '1' } });
    expect(r.code, r.stderr).toBe(0);
    const backends = (JSON.parse(r.stdout) as { id: string; kind: string; available?: boolean; reason?: string; fix?: string }[]).filter((p) => p.kind === 'backend');
    expect(backends.map((b) => b.id)).toEqual(expect.arrayContaining(['cpu', 'libtorch', 'wasm', 'tfjs-node', 'tfjs-node-gpu']));
    expect(backends.find((b) => b.id === 'cpu')).toMatchObject({ available: true });
    expect(backends.find((b) => b.id === 'libtorch')).toMatchObject({ available: false, reason: expect.stringMatching(/libtorch backend unavailable/), fix: expect.stringMatching(/^unset NASLAB_LIBTORCH_DISABLE /) });
    for (const b of backends) if (!b.available) expect(b.reason, b.id).toMatch(/\w{3,}/);
    const text = naslab(['plugins'], { env: { NASLAB_LIBTORCH_DISABLE: '1' } }).stdout;
    expect(text).toMatch(/^backend\s+libtorch\s+.*unavailable: libtorch backend unavailable: disabled by NASLAB_LIBTORCH_DISABLE=1\n\s+fix: unset NASLAB_LIBTORCH_DISABLE /m);
    expect(text).toMatch(/^backend\s+cpu\s+.*available$/m);
  });

  it("says which libtorch was found and where, and each backend's measured speed", () => {
    const r = naslab(['plugins', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const backends = (JSON.parse(r.stdout) as { id: string; kind: string; available?: boolean; detail?: string; speed?: { vsPyTorch: number[] } }[]).filter(
      (p) => p.kind === 'backend',
    );
    const libtorch = backends.find((b) => b.id === 'libtorch')!;
    expect(libtorch.speed!.vsPyTorch).toEqual([1.09, 1.46]);
    expect(backends.find((b) => b.id === 'wasm')!.speed!.vsPyTorch).toEqual([0.07, 0.07]);
    expect(backends.find((b) => b.id === 'cpu')!.speed!.vsPyTorch).toEqual([0.001, 0.001]);
    // Wherever the addon was built, the install script recorded against which libtorch.
    if (libtorch.available) expect(libtorch.detail).toMatch(/^libtorch \S+ from (LIBTORCH_DIR|Debian's libtorch-dev|the PyTorch installation) \(\/.+\)$/);
    const text = naslab(['plugins']).stdout;
    expect(text).toMatch(/^ +speed: 1\.09–1\.46× PyTorch's training speed, measured by bench\/train-throughput/m);
    expect(text).toMatch(/^ +speed: ≈ 7 % of PyTorch's training speed/m);
  });

  it('writes a JSON Schema that describes the manifest fields', () => {
    const r = naslab(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'seeds', 'datasets', 'space', 'methods', 'protocol', 'benchmark']));
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'seeds', 'datasets', 'space', 'methods']));
    // The schema committed for editors is the one the code generates (regenerate: npm run schema).
    expect(JSON.parse(readFileSync(join(repoRoot, 'naslab.schema.json'), 'utf8'))).toEqual(schema);
  });
});
