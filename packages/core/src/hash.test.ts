import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, fileDigest } from './hash.js';

describe('contentHash', () => {
  it('ignores key order and undefined fields, but not values or array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
    expect(contentHash('x')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('fileDigest', () => {
  it('depends on every byte and on how the bytes are split between files, not on file names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-digest-'));
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const a = file('a', 'abcdef');
    const same = file('same-bytes-other-name', 'abcdef');
    const flipped = file('b', 'abcdeg');
    expect(await fileDigest([a])).toMatch(/^[0-9a-f]{16}$/);
    expect(await fileDigest([a])).toBe(await fileDigest([same]));
    expect(await fileDigest([a])).not.toBe(await fileDigest([flipped]));
    expect(await fileDigest([file('x', 'abc'), file('y', 'def')])).not.toBe(await fileDigest([file('p', 'ab'), file('q', 'cdef')]));
    // Rewritten in place with the same size: read again, never remembered.
    const before = await fileDigest([a]);
    writeFileSync(a, 'abcdeX');
    expect(await fileDigest([a])).not.toBe(before);
    await expect(fileDigest([join(dir, 'missing')])).rejects.toThrow(/ENOENT/);
  });
});
