import { describe, expect, it } from 'vitest';
import { naslab, tempDir, writeManifest } from './helpers/cli.js';

const study = (protocol: string, name = 'p') => `name: ${name}
seeds: 1
datasets: [fashion-mnist]
space: darts
methods:
  - { id: random-sampling, options: { samples: 2 } }
  - darts
protocol:
${protocol}
`;

describe('protocol presets through the CLI', () => {
  const dir = tempDir();
  const plan = (file: string) => {
    const r = naslab(['plan', file]);
    return { ...r, hash: /\(manifest ([0-9a-f]+)\)/.exec(r.stdout)?.[1], ids: r.stdout.split('\n').filter((l) => /^[ste]-/.test(l)).map((l) => l.split(' ')[0]) };
  };

  it('plans `preset: darts-paper` as the DARTS recipe spelt out: the same jobs, the same manifest hash', () => {
    const preset = plan(writeManifest(dir, 'preset.yaml', study('  preset: darts-paper\n  epochs: 10')));
    const spelt = plan(
      writeManifest(
        dir,
        'spelt.yaml',
        study(`  epochs: 10
  batchSize: 96
  learningRate: 0.025
  channels: 36
  cells: 20
  tricks:
    - crop-flip
    - { id: cutout, options: { length: 16 } }
    - { id: drop-path, options: { probability: 0.2, schedule: linear } }
    - { id: auxiliary-tower, options: { weight: 0.4 } }`),
      ),
    );
    expect(preset.stderr).toBe('');
    expect(preset.code).toBe(0);
    expect(preset.ids).toHaveLength(2 + 2 * 3);
    expect(preset.ids).toEqual(spelt.ids);
    expect(preset.hash).toBe(spelt.hash);
    const longer = plan(writeManifest(dir, 'longer.yaml', study('  preset: darts-paper\n  epochs: 11')));
    expect(longer.hash).not.toBe(preset.hash);
  });

  it('refuses an unknown preset at its line with exit code 2', () => {
    const r = naslab(['validate', writeManifest(dir, 'bad.yaml', study('  preset: dart-paper'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:9:\d+: protocol\.preset: unknown protocol preset "dart-paper"; the study's methods export: darts-paper \(darts\) \(did you mean "darts-paper"\?\)/);
  });
});
