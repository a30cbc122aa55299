import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  describeNaoArch,
  formatNaoArch,
  looseEnds,
  NAO_ARCHS,
  NAO_OPS,
  NaoArchError,
  naoArchitectureKey,
  NAONET_A,
  NAONET_B,
  NAONET_WS,
  parseNaoArch,
  resolveNaoArch,
  validateNaoArch,
} from './arch.js';
import { sampleNaoArch } from './sampling.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));

/** NAONet-B as `NAO_V1/train_NAONet_B_36_cifar10.sh` passes it and `train_search.py` writes it. */
const B_TEXT = '0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2';

function errorOf(text: string): NaoArchError {
  try {
    parseNaoArch(text);
  } catch (err) {
    expect(err).toBeInstanceOf(NaoArchError);
    return err as NaoArchError;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('NAO architectures', () => {
  it('the three published ones equal the reference data; the op table is NAO/operations.py’s', () => {
    const data = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as {
      NAO: { ops: Record<string, string>; architectures: Array<{ name: string; normal: number[]; reduce: number[] }> };
    };
    expect(Object.values(data.NAO.ops)).toEqual([...NAO_OPS]);
    const byName = Object.fromEntries(data.NAO.architectures.map((a) => [a.name.split(' ')[0], { normal: a.normal, reduce: a.reduce }]));
    expect(byName).toEqual({ 'NAONet-B': NAONET_B, 'NAONet-WS': NAONET_WS, 'NAONet-A': NAONET_A });
    expect(Object.keys(NAO_ARCHS).sort()).toEqual(['NAONet-A', 'NAONet-B', 'NAONet-WS']);
  });

  it('round-trips exactly: the 40 integers ↔ the architecture; the list forms of generate_arch read too', () => {
    expect(parseNaoArch(B_TEXT)).toEqual(NAONET_B);
    expect(formatNaoArch(NAONET_B)).toBe(B_TEXT);
    const nested = `[[${NAONET_B.normal.join(', ')}], [${NAONET_B.reduce.join(', ')}]]`;
    expect(parseNaoArch(nested)).toEqual(NAONET_B);
    expect(parseNaoArch(`[${B_TEXT.split(' ').join(', ')}]`)).toEqual(NAONET_B);
    expect(parseNaoArch(`\n  ${B_TEXT.replace(/ /g, ',  ')}\n`)).toEqual(NAONET_B);
    expect(resolveNaoArch(' NAONet-A ')).toEqual(NAONET_A);
    const rng = new Rng('nao-roundtrip');
    for (let i = 0; i < 200; i++) {
      const a = sampleNaoArch(rng, i % 2 ? 'random-baseline' : 'nao-paper');
      expect(parseNaoArch(formatNaoArch(a))).toEqual(a);
    }
  });

  it('refuses what is not a NAO architecture, naming line:column, cell, node and field', () => {
    const badInput = B_TEXT.replace(/^0 1 0 2 0 1 2 2/, '0 1 0 2 0 1 3 2');
    expect(errorOf(badInput).message).toBe('1:13: normal cell, node 3, y_id: input 3 is out of range: node 3 takes inputs 0–2');
    const badOp = B_TEXT.replace(/ 0 2$/, ' 0 16');
    expect(errorOf(badOp).message).toMatch(/^1:79: reduce cell, node 6, y_op: op 16 is not a NAO op \(0–15: 0 sep_conv_3x3, 1 sep_conv_5x5, /);
    expect(errorOf(B_TEXT.split(' ').slice(0, 38).join(' ')).message).toBe('1:76: expected 40 integers (2 cells × 5 nodes × 4), found 38');
    expect(errorOf(`[[${NAONET_B.normal.join(', ')}, 0], [${NAONET_B.reduce.slice(1).join(', ')}]]`).message).toBe(
      '1:1: expected 20 integers per cell (5 nodes × 4), found 21 and 19',
    );
    expect(errorOf(`${B_TEXT.slice(0, 10)}\n  0.5 ${B_TEXT.slice(10)}`).message).toBe("2:4: expected an integer, found '.5'");
    expect(errorOf('[0 1 0 2] [0]').message).toMatch(/^1:1: expected 40 integers, optionally as \[\[20 integers\], \[20 integers\]\]/);
    expect(() => resolveNaoArch('NAONet-C')).toThrow(NaoArchError);
    expect(() => validateNaoArch({ normal: NAONET_B.normal, reduce: NAONET_B.reduce.slice(0, 16) })).toThrow(/reduce cell: expected 20 integers/);
  });

  it('loose ends are the states no node reads; the key ignores the order of a node’s two branches', () => {
    expect(looseEnds(NAONET_B.normal)).toEqual([3, 5, 6]);
    expect(looseEnds(NAONET_B.reduce)).toEqual([4, 5, 6]);
    const swapped = structuredClone(NAONET_B);
    swapped.normal.splice(0, 4, 0, 2, 0, 1);
    expect(formatNaoArch(swapped)).not.toBe(B_TEXT);
    expect(naoArchitectureKey(swapped)).toBe(naoArchitectureKey(NAONET_B));
    expect(describeNaoArch(NAONET_A)).toMatchObject({ 'normal.7:conv_3x3': 5, 'reduce.14:avg_pool_3x3': 2, 'normal.loose_ends': 3 });
  });
});
