import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

describe('a manifest that is code', () => {
  it('is not run by `naslab status` or `naslab report`: exit 2, a message naming the way out, no marker', async () => {
    const dir = tempDir('naslab-mjs-');
    const marker = join(dir, 'ran');
    const file = join(dir, 'study.mjs');
    writeFileSync(file, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { name: 'x' };\n`);
    for (const command of ['status', 'report']) {
      const r = await naslabInProcess([command, file]);
      expect(r.code, command).toBe(2);
      expect(r.stderr).toContain(`${file}: this manifest is code (loading it runs it), and \`naslab ${command}\` only reads results`);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
