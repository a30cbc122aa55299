import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { describeArchitecture, formatArchReport, openCostSpace, parseInputShape, readArchitecture } from './arch.js';

// The DARTS space, through the generic path: `--space darts` and its `cost` capability.
const darts = await openCostSpace('darts');
const readDartsGenotype = async (arg: string) => readArchitecture(darts, arg);
const describeDartsArchitecture = (arg: string, o: Parameters<typeof describeArchitecture>[2]) => describeArchitecture('darts', arg, o);

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";

describe('naslab arch: reading the genotype', () => {
  it('takes text, a known name, or a file', async () => {
    const fromName = await readDartsGenotype('DARTS_V2');
    expect(await readDartsGenotype(DARTS_V2_TEXT)).toEqual(fromName);
    const dir = await mkdtemp(join(tmpdir(), 'naslab-arch-'));
    try {
      const file = join(dir, 'cell.txt');
      await writeFile(file, `DARTS_V2 = ${DARTS_V2_TEXT.replace(/\), \(/g, '),\n  (')}\n`);
      expect(await readDartsGenotype(file)).toEqual(fromName);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a malformed genotype is an InputError with file:line:column and the cell/node/edge', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'naslab-arch-'));
    try {
      const file = join(dir, 'bad.txt');
      // one edge per line; the second edge (line 2) reads state 7
      const text = DARTS_V2_TEXT.replace(/\), \(/g, '),\n  (').replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', 7)");
      await writeFile(file, text);
      const err = await readDartsGenotype(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      const column = "  ('sep_conv_3x3', ".length + 1;
      expect((err as InputError).message).toBe(`${file}:2:${column}: normal cell, node 2 (edge 2 of 8): input 7 is out of range: node 2 takes inputs 0–1`);
      const inlineText = DARTS_V2_TEXT.replace("'dil_conv_3x3'", "'conv'");
      const inline = await readDartsGenotype(inlineText).catch((e: unknown) => e);
      expect((inline as InputError).message).toMatch(
        new RegExp(`^<architecture>:1:${inlineText.indexOf("'conv'") + 1}: normal cell, node 5 \\(edge 8 of 8\\): unknown op "conv"`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses input shapes', () => {
    expect(parseInputShape('32x32x3')).toEqual([32, 32, 3]);
    expect(parseInputShape('28,28,1')).toEqual([28, 28, 1]);
    expect(parseInputShape('32')).toEqual([32, 32, 3]);
    expect(() => parseInputShape('32x32')).toThrow(InputError);
  });

  it('formats a report', () => {
    const text = formatArchReport({
      space: 'darts',
      architecture: DARTS_V2_TEXT,
      cells: 20,
      channels: 36,
      classes: 10,
      input: [32, 32, 3],
      params: 3349342,
      paramsM: 3.349342,
      flops: 1,
      flopsM: 1e-6,
    });
    expect(text).toContain('parameters    3,349,342 (3.35 M; auxiliary head excluded)');
    expect(text).toContain(`architecture  ${DARTS_V2_TEXT}`);
  });
});

// Reference figures from an analytic count of the DARTS reference `NetworkCIFAR` (trainable
// parameters without the auxiliary head; multiply-adds of conv and linear layers at 32×32×3):
// DARTS V2 at L=20, C=36: 3,349,342 parameters (train.py logs "param size = 3.349342MB"),
// 528,359,040 multiply-adds (the "528M FLOPs" papers quote); at L=8, C=16: 246,106 and 43,444,736.
describe('naslab arch: counting', { timeout: 120_000 }, () => {
  it('DARTS V2 at 8 cells, 16 channels: 246,106 parameters, 43,444,736 multiply-adds', async () => {
    const r = await describeDartsArchitecture('DARTS_V2', { cells: 8, channels: 16, classes: 10, input: [32, 32, 3] });
    expect(r.architecture).toBe(DARTS_V2_TEXT);
    expect(r.params).toBe(246106);
    expect(r.flops).toBe(43444736);
  });

  it('DARTS V2 at 20 cells, 36 channels: 3,349,342 parameters (FLOPs skipped)', async () => {
    const r = await describeDartsArchitecture('DARTS_V2', { cells: 20, channels: 36, classes: 10, input: [32, 32, 3], flops: false });
    expect(r.params).toBe(3349342);
    expect(r.flops).toBeUndefined();
    expect(formatArchReport(r)).not.toContain('FLOPs');
  });

  it('--variant pt.darts: DARTS V2 at 20 cells, 36 channels counts 3,351,502 (pool + affine BN); an unknown variant is refused', async () => {
    const r = await describeArchitecture('darts', 'DARTS_V2', { flops: false, variant: 'pt.darts' });
    expect(r.params).toBe(3_351_502);
    expect(formatArchReport(r)).toMatch(/^space {9}darts \(variant pt\.darts\)\n[\s\S]*parameters {4}3,351,502 /);
    await expect(describeArchitecture('darts', 'DARTS_V2', { flops: false, variant: 'pt-darts' })).rejects.toThrow(/variant: space "darts" .* has no variant "pt-darts"/);
  });

  // An independent count of the reference AugmentCNNImageNet (pt.darts, as antoyang/NAS-Benchmark
  // builds it for Sport8/MIT67/Flowers102): 1,195,069 parameters, 178,484,832 multiply-adds.
  it('--input 224x224x3 counts the 224-px network (ImageNet stem): DARTS V2, 8 cells, 36 channels, 67 classes', async () => {
    const r = await describeDartsArchitecture('DARTS_V2', { cells: 8, channels: 36, classes: 67, input: [224, 224, 3] });
    expect(r.params).toBe(1195069);
    expect(r.flops).toBe(178484832);
    const cifar = await describeDartsArchitecture('DARTS_V2', { cells: 8, channels: 36, classes: 67, input: [32, 32, 3], flops: false });
    expect(cifar.params).not.toBe(r.params);
  });
});
