import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './hash.js';

describe('contentHash', () => {
  it('ignores key order and undefined fields, but not values or array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
    expect(contentHash('x')).toMatch(/^[0-9a-f]{16}$/);
  });
});
