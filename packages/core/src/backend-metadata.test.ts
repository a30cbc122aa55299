import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { container } from 'tsyringe';
import { declaredBackend } from './backend-metadata.js';
import { studyBackends } from './job-runner.js';
import type { Study } from './study.js';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A backend package whose import leaves a marker file, declared by its package.json. */
function backendPackage(nm: string, id: string, priority: number, requires?: Record<string, string>): void {
  const dir = join(nm, `@t/naslab-backend-${id}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@t/naslab-backend-${id}`, version: '1.0.0', type: 'module', keywords: ['naslab-plugin'], exports: './index.js', peerDependencies: { '@naslab/core': '^0.1.0' }, naslab: { kind: 'backend', backend: { id, priority, ...(requires ? { requires } : {}) } } }),
  );
  writeFileSync(
    join(dir, 'index.js'),
    `import { writeFileSync } from 'node:fs';
import { definePlugin } from '@naslab/core';
writeFileSync(${JSON.stringify(join(nm, '..', `imported-${id}`))}, '');
export default definePlugin({ kind: 'backend', id: '${id}', priority: ${priority}, create: () => ({ name: '${id}', priority: ${priority}, probe: async () => ({ available: true }) }) });
`,
  );
}

describe('backend: auto', () => {
  it('ranks and pre-checks backends from their package.json, and imports only what probing reaches', async () => {
    const root = mkdtempSync(join(tmpdir(), 'naslab-auto-'));
    const nm = join(root, 'node_modules');
    mkdirSync(join(nm, '@naslab'), { recursive: true });
    symlinkSync(coreDir, join(nm, '@naslab', 'core'), 'dir');
    backendPackage(nm, 'unbuilt', 100, { file: 'addon-status.json', field: 'built', fix: 'rebuild it' });
    backendPackage(nm, 'chosen', 50);
    backendPackage(nm, 'slower', 10);
    const study = { manifest: { backends: ['auto'] }, searchFrom: [root], container } as unknown as Study;
    const backends = await studyBackends(study);
    expect(backends.map((b) => [b.name, b.priority])).toEqual([
      ['unbuilt', 100],
      ['chosen', 50],
      ['slower', 10],
    ]);
    // Ranking imported nothing; probing in rank order (as the engine and the CLI do) stops at the first available.
    expect(['unbuilt', 'chosen', 'slower'].filter((id) => existsSync(join(root, `imported-${id}`)))).toEqual([]);
    expect(await backends[0]!.probe()).toEqual({ available: false, reason: 'unbuilt: addon-status.json is missing (not built on this machine)', fix: 'rebuild it' });
    expect(await backends[1]!.probe()).toEqual({ available: true });
    expect(['unbuilt', 'chosen', 'slower'].filter((id) => existsSync(join(root, `imported-${id}`)))).toEqual(['chosen']);
  });

  it('reads only well-formed declarations', () => {
    expect(declaredBackend({ naslab: { backend: { id: 'x', priority: 3 } } })).toEqual({ id: 'x', priority: 3 });
    expect(declaredBackend({ naslab: { backend: { id: 'x', priority: '3' } } })).toBeUndefined();
    expect(declaredBackend({ naslab: { kind: 'backend' } })).toBeUndefined();
  });
});
