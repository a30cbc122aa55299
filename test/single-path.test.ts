import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { singlePathOptions } from '@naslab/method-single-path';
import sharp from 'sharp';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir, writeManifest } from './helpers/cli.js';

/**
 * The full-size Single-Path NAS manifest (ImageNet at 224 px, the reference's search settings) is
 * validated and planned as committed, with its ImageNet root pointed at a two-class folder of
 * generated images: what a user changes is that one line.
 */
describe('experiments/single-path-imagenet.yaml', () => {
  const dir = tempDir('naslab-single-path-');
  let manifest: string;

  beforeAll(async () => {
    const root = join(dir, 'imagenet');
    for (const split of ['train', 'test'])
      for (const wnid of ['n01440764', 'n01443537'])
        for (let i = 0; i < 2; i++) {
          mkdirSync(join(root, split, wnid), { recursive: true });
          const pixels = Buffer.alloc(32 * 32 * 3, 40 + 50 * i + (wnid.endsWith('4') ? 100 : 0));
          await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(root, split, wnid, `img${i}.png`));
        }
    const text = readFileSync(join(repoRoot, 'experiments/single-path-imagenet.yaml'), 'utf8');
    expect(text).toContain('path: /data/imagenet');
    manifest = writeManifest(dir, 'single-path-imagenet.yaml', text.replace('path: /data/imagenet', `path: ${root}`));
  });

  it('validates', () => {
    const r = naslab(['validate', manifest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(\d+ plugins: /);
    for (const plugin of ['@naslab/method-single-path@', '@naslab/space-mbconv@', '@naslab/dataset-image-folder@', '@naslab/trick-label-smoothing@']) expect(r.stdout).toContain(plugin);
  });

  it('plans one search per method, 8 random samples and the found net, each trained and evaluated, with the reference settings', () => {
    const r = naslab(['plan', manifest, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as Array<Record<string, unknown> & { kind: string; method: string }>;
    const count = (kind: string, method: string) => jobs.filter((j) => j.kind === kind && j.method === method).length;
    expect([count('search', 'random-sampling'), count('train', 'random-sampling'), count('evaluate', 'random-sampling')]).toEqual([1, 8, 8]);
    expect([count('search', 'single-path'), count('train', 'single-path'), count('evaluate', 'single-path')]).toEqual([1, 1, 1]);
    // The search's options spelt out in the manifest are the method's defaults, the reference's settings.
    const study = parse(readFileSync(manifest, 'utf8')) as {
      methods: Array<{ id: string; options?: Record<string, unknown> }>;
      space: { options: Record<string, unknown> };
      datasets: Array<{ id: string; options: Record<string, unknown> }>;
    };
    const options = study.methods.find((m) => m.id === 'single-path')!.options!;
    expect(singlePathOptions.parse(options)).toEqual(singlePathOptions.parse({}));
    expect(options).toMatchObject({ epochs: 8, warmupEpochs: 5, batchSize: 1024, learningRate: 0.016, runtimeLambda: 0.02 });
    expect(study.space.options).toMatchObject({ widthMultiplier: 1, headChannels: 1280 });
    // The space's BatchNorm momentum is the reference's (TensorFlow's 0.99) at full size.
    expect(study.space.options.batchNormMomentum).toBeUndefined();
    // The search's augmentation is the reference's: crop 224 (test: resize 256), flip, no colour jitter.
    expect(study.datasets[0]!.options).toMatchObject({ size: 224, resize: 256, colorJitter: { brightness: 0, contrast: 0, saturation: 0, hue: 0 } });
    expect(study.datasets[0]!.options.flip).not.toBe(false);
  });

  it('refuses the manifest when the ImageNet root is not there, at its line, with exit code 2', () => {
    const text = readFileSync(join(repoRoot, 'experiments/single-path-imagenet.yaml'), 'utf8');
    const bad = writeManifest(dir, 'missing-root.yaml', text.replace('path: /data/imagenet', `path: ${join(dir, 'no-such-folder')}`));
    const r = naslab(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing-root\.yaml:\d+:\d+: .*no-such-folder/);
  });
});
