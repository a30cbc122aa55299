import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { methodSpace, parseManifestText } from './manifest.js';

const base = `name: spaces
seeds: 1
datasets: [fashion-mnist]
space: darts
methods:
  - random-sampling
`;

describe('a method searching its own space', () => {
  it('methods may name a space; it gets its own label, and methodSpace falls back to the manifest’s', () => {
    const m = parseManifestText(
      `${base}  - { id: random-sampling, name: random-nao, space: nao }\n  - { id: random-sampling, name: random-cnas, space: { id: cnas, name: cnas-32, options: { channels: 32 } } }\n`,
      'm.yaml',
    );
    expect(m.methods.map((r) => r.space?.label)).toEqual([undefined, 'nao@random-nao', 'cnas-32']);
    expect(m.methods[2]!.space).toMatchObject({ id: 'cnas', options: { channels: 32 }, path: ['methods', 2, 'space'] });
    expect(methodSpace(m, 'random-nao').id).toBe('nao');
    expect(methodSpace(m, 'random-sampling')).toBe(m.space);
  });

  it('the hash of a manifest without method spaces is unchanged by the field; one with them differs', () => {
    const plain = parseManifestText(base, 'm.yaml');
    const again = parseManifestText(base.replace('  - random-sampling', '  - { id: random-sampling }'), 'm.yaml');
    expect(again.hash).toBe(plain.hash);
    const own = parseManifestText(base.replace('  - random-sampling', '  - { id: random-sampling, space: darts }'), 'm.yaml');
    expect(own.hash).not.toBe(plain.hash);
  });

  it('a malformed method space is an input error at its place', () => {
    let error: unknown;
    try {
      parseManifestText(`${base}  - { id: random-sampling, name: r2, space: { id: nao, colour: red } }\n`, 'm.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems[0]!.path).toMatch(/methods\[1\]\.space|methods\.1\.space/);
  });
});
