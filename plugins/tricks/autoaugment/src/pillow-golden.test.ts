import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOperation, MAGNITUDES, type Operation } from './policy.js';

interface GoldenCase {
  op: Operation;
  bin: number;
  magnitude: number;
  sign: 1 | -1;
  out: string;
}
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/pillow-golden.json', import.meta.url), 'utf8')) as {
  pillow: string;
  width: number;
  height: number;
  channels: number;
  input: string;
  cases: GoldenCase[];
};
const image = {
  data: Uint8Array.from(Buffer.from(golden.input, 'hex')),
  height: golden.height,
  width: golden.width,
  channels: golden.channels,
};

describe(`byte-exact agreement with Pillow ${golden.pillow} (scripts/pillow-golden.py)`, () => {
  it.each(golden.cases.map((c) => [`${c.op} bin ${c.bin} sign ${c.sign}`, c] as const))('%s', (_name, c) => {
    expect(MAGNITUDES[c.op][c.bin]).toBeCloseTo(c.magnitude, 12);
    const out = applyOperation(image, c.op, c.magnitude, c.sign, { fill: 128, rotateBothWays: true });
    expect(Buffer.from(out.data).toString('hex')).toBe(c.out);
  });
});
