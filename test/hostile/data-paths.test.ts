import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeManifest } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

const manifest = (path: string, extra = '') => `name: t
seeds: 1
datasets:
  - id: image-folder
    options: { path: '${path}'${extra} }
space: darts
methods: [random-sampling]
store: results
`;

describe('data paths of datasets follow the manifest rule', () => {
  it('a relative path is relative to the manifest, not the working directory', async () => {
    const dir = tempDir('naslab-paths-');
    const r = await naslabInProcess(['validate', writeManifest(dir, 'm.yaml', manifest('imgs'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, 'imgs', 'train'));
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('an unset ${VAR} is an error naming the variable and the field, in every path option', async () => {
    const dir = tempDir('naslab-paths-');
    const file = writeManifest(dir, 'm.yaml', manifest('/tmp', ", cache: '$" + '{NASLAB_TEST_UNSET_VAR}/c' + "'"));
    const r = await naslabInProcess(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5:`);
    expect(r.stderr).toContain('datasets[0].options.cache: the path names $NASLAB_TEST_UNSET_VAR, which is not set in the environment');
  });
});
