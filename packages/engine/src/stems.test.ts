import { describe, expect, it } from 'vitest';
import { IMAGENET_STEM_MIN_SIDE, resolveStem } from './stems.js';

describe('resolveStem', () => {
  it('auto (or unset) picks the ImageNet stem from 65 px on the shorter side, a named stem always wins', () => {
    expect(IMAGENET_STEM_MIN_SIDE).toBe(65);
    expect(resolveStem('auto', [224, 224, 3])).toBe('imagenet');
    expect(resolveStem(undefined, [65, 200, 3])).toBe('imagenet');
    expect(resolveStem('auto', [200, 64, 3])).toBe('cifar');
    expect(resolveStem('auto', [32, 32, 3])).toBe('cifar');
    expect(resolveStem('cifar', [224, 224, 3])).toBe('cifar');
    expect(resolveStem('imagenet', [28, 28, 1])).toBe('imagenet');
  });
});
