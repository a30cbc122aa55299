import { describe, expect, it } from 'vitest';
import { FIX, fixFor } from './native.js';

describe('the fix of an unavailable libtorch backend', () => {
  it('turned off by NASLAB_LIBTORCH_DISABLE: says to unset it, not to install libtorch', () => {
    const fix = fixFor('disabled by NASLAB_LIBTORCH_DISABLE=1');
    expect(fix).toMatch(/unset NASLAB_LIBTORCH_DISABLE/);
    expect(fix).not.toMatch(/apt-get|pip install/);
  });

  it('a build skipped or limited by a variable at install time: rebuild without it', () => {
    expect(fixFor('the native addon was not built at install time: build skipped (NASLAB_LIBTORCH_SKIP_BUILD=1)')).toMatch(
      /NASLAB_LIBTORCH_SKIP_BUILD=1 was set at install time: `NASLAB_LIBTORCH_SKIP_BUILD= npm rebuild @naslab\/backend-libtorch`/,
    );
    const forced = fixFor('the native addon was not built at install time: libtorch not found (NASLAB_LIBTORCH_SOURCE=pytorch: no Python has torch). Install one: …');
    expect(forced).toMatch(/^NASLAB_LIBTORCH_SOURCE=pytorch limited the install-time search to that source: `NASLAB_LIBTORCH_SOURCE= npm rebuild/);
  });

  it('libtorch missing: how to install one', () => {
    expect(fixFor('the native addon was not built at install time: libtorch not found (no /usr/include/torch)')).toBe(FIX);
    expect(FIX).toMatch(/apt-get install -y libtorch-dev/);
  });
});
