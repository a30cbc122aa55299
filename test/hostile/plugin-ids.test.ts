import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir, writeManifest } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

/** A manifest on the toy fixtures whose method is `methodId` (line 7). */
const manifest = (methodId: string) => `name: ids
seeds: 1
datasets: [{ id: '@naslab-fixtures/dataset-toy', name: toy }]
space: '@naslab-fixtures/space-toy'
trainer: '@naslab-fixtures/trainer-toy'
methods:
  - id: ${JSON.stringify(methodId)}
    name: random-sampling
`;

describe('a plugin id never imports a file outside node_modules', () => {
  it('refuses a package name with a path into another folder (exit 2, located, nothing imported)', async () => {
    const dir = tempDir('naslab-evil-');
    const marker = join(dir, 'imported.marker');
    writeFileSync(join(dir, 'evil.js'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`);
    // From <repo>/node_modules/better-sqlite3 up to the root, then down into the temporary folder.
    const depth = join(repoRoot, 'node_modules', 'better-sqlite3').split(sep).filter(Boolean).length;
    const id = `better-sqlite3/${'../'.repeat(depth)}${relative('/', dir)}/evil.js`;
    const file = writeManifest(dir, 'evil.yaml', manifest(id));
    for (const command of ['validate', 'plan', 'run']) {
      const r = await naslabInProcess([command, file]);
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${file}:7:5: methods[0]: `);
      expect(r.stderr).toMatch(/not a plain package export/);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(existsSync(marker)).toBe(false);
    }
  });

  it.each([
    ['@naslab/method-random-search/dist/x', /does not export "\.\/dist\/x"/],
    ['@naslab/method-random-search/dist/index.js', /does not export "\.\/dist\/index\.js"/],
    ['@naslab/core/../method-random-search', /not a plain package export/],
    ['Random-Sampling', /not an npm package name/],
    ['random sampling', /not an npm package name/],
    ['@naslab//method-random-search', /not an npm package name|not a plain package export/],
    ['x'.repeat(300), /at most 214/],
  ])('refuses %s at validate', async (id, message) => {
    const dir = tempDir('naslab-ids-');
    const file = writeManifest(dir, 'm.yaml', manifest(id));
    const r = await naslabInProcess(['validate', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}:7:5: methods[0]: `);
    expect(r.stderr).toMatch(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('loads a plugin folder named by an explicit path, and says so', async () => {
    const dir = tempDir('naslab-path-');
    mkdirSync(join(dir, 'plugins'));
    const fixture = relative(dir, join(repoRoot, 'test', 'fixtures', 'method-toy'));
    const file = writeManifest(dir, 'm.yaml', manifest(fixture.startsWith('.') ? fixture : `./${fixture}`));
    const r = await naslabInProcess(['validate', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/from the folder .*method-toy/);
  });
});
