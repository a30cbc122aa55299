import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import plugin, { NasBench201Space, NB201_OPS, archCode, archFromCode, encode, formatArch, parseArch, PATH_LENGTH } from './index.js';

const table = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();

describe('arch string', () => {
  it('formats and parses the standard string', () => {
    const text = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
    const arch = parseArch(text);
    expect(arch).toEqual([4, 2, 1, 2, 1, 1]);
    expect(formatArch(arch)).toBe(text);
  });

  it('names the position of what is malformed', () => {
    expect(() => parseArch('|avg_pool_3x3~0|+|conv~0|skip_connect~1|+|none~0|none~1|none~2|')).toThrow(/character 19: unknown operation "conv"/);
    expect(() => parseArch('|none~0|+|none~0|none~2|+|none~0|none~1|none~2|')).toThrow(/must come from node 1/);
    expect(() => parseArch('|none~0|+|none~0|none~1|')).toThrow(/3 nodes/);
  });

  it('codes are a bijection with 0..15624', () => {
    const seen = new Set<number>();
    for (let c = 0; c < 15625; c++) {
      const a = archFromCode(c);
      expect(archCode(a)).toBe(c);
      seen.add(space.index(a));
    }
    expect(seen.size).toBe(15625);
  });
});

describe('official index', () => {
  it('matches index, arch_str and ops of every row of the published table', () => {
    const lines = readFileSync(table, 'utf8').trim().split('\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['index', 'arch_str', 'ops']);
    expect(lines.length - 1).toBe(15625);
    let mismatches = 0;
    for (let r = 1; r < lines.length; r++) {
      const [index, archStr, ops] = lines[r]!.split(',');
      const i = Number(index);
      const arch = space.atIndex(i);
      if (formatArch(arch) !== archStr || arch.join('-') !== ops || space.index(space.parse(archStr!)) !== i) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('sampling, mutation, neighbourhood', () => {
  it('samples every edge op uniformly', () => {
    const rng = new Rng('sample');
    const counts = Array.from({ length: 6 }, () => new Array(5).fill(0));
    const n = 20000;
    for (let i = 0; i < n; i++) space.sample(rng).forEach((op, e) => counts[e]![op]++);
    // 5-sigma band around n/5 for a binomial(n, 0.2)
    const sd = Math.sqrt(n * 0.2 * 0.8);
    for (const row of counts) for (const c of row) expect(Math.abs(c - n / 5)).toBeLessThan(5 * sd);
  });

  it('mutation changes exactly one edge', () => {
    const rng = new Rng('mutate');
    for (let i = 0; i < 1000; i++) {
      const a = space.sample(rng);
      const b = space.mutate(a, rng);
      expect(a.filter((op, e) => op !== b[e]).length).toBe(1);
    }
  });

  it('the neighbourhood is the 24 distinct one-edge mutations', () => {
    const a = space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');
    const nb = space.neighbours(a);
    expect(nb).toHaveLength(24);
    expect(new Set(nb.map((x) => space.format(x))).size).toBe(24);
    for (const b of nb) expect(a.filter((op, e) => op !== b[e]).length).toBe(1);
  });
});

describe('encodings', () => {
  it('one-hot has one bit per edge', () => {
    const e = encode([4, 2, 1, 2, 1, 1], 'one-hot');
    expect(e).toHaveLength(30);
    expect(Array.from(e).reduce((s, v) => s + v, 0)).toBe(6);
    expect(e[0 * 5 + 4]).toBe(1);
    expect(e[5 * 5 + 1]).toBe(1);
  });

  it('path encoding sets one bit per input→output route', () => {
    expect(PATH_LENGTH).toBe(155);
    // all skip: route 0→3 = bit 1; 0→1→3 and 0→2→3 = 5 + 1 + 5 = 11; 0→1→2→3 = 30 + 1 + 5 + 25 = 61
    const e = encode([1, 1, 1, 1, 1, 1], 'path');
    expect([...e.keys()].filter((i) => e[i] === 1)).toEqual([1, 11, 61]);
    // conv3x3 on 0→1, conv1x1 on 1→3, none elsewhere: routes 0→3 and 0→2→3 are all-none
    const f = encode(parseArch('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|'), 'path');
    expect([...f.keys()].filter((i) => f[i] === 1)).toEqual([0, 5, 5 + 3 + 2 * 5, 30 + 3]);
  });
});

describe('plugin', () => {
  it('default export is a space plugin creating the space', async () => {
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('nas-bench-201');
    const s = await plugin.create({ options: {}, label: 'nas-bench-201', resolve: () => { throw new Error('unused'); } });
    expect(s.format(s.sample(new Rng(1)))).toMatch(new RegExp(`^\\|(${NB201_OPS.join('|')})~0\\|`));
  });
});
