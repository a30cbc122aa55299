import { describe, expect, it } from 'vitest';
import { resourcesFor, sbatchResourceArgs, slurmOptions } from './options.js';

describe('slurm executor options', () => {
  it('per-kind resources override the common ones; extra sbatch options add up', () => {
    const o = slurmOptions.parse({
      partition: 'gpu',
      account: 'lab',
      time: '1:00:00',
      cpus: 4,
      gpus: 1,
      extraArgs: ['--exclusive'],
      train: { time: '2-00:00:00', gpus: 'a100:1', extraArgs: ['--signal=B:TERM@300'] },
      evaluate: { gpus: 0, cpus: 1, time: '10' },
    });
    expect(sbatchResourceArgs(resourcesFor(o, 'search'))).toEqual(['--partition=gpu', '--account=lab', '--time=1:00:00', '--cpus-per-task=4', '--gres=gpu:1', '--exclusive']);
    expect(sbatchResourceArgs(resourcesFor(o, 'train'))).toEqual([
      '--partition=gpu',
      '--account=lab',
      '--time=2-00:00:00',
      '--cpus-per-task=4',
      '--gres=gpu:a100:1',
      '--exclusive',
      '--signal=B:TERM@300',
    ]);
    expect(sbatchResourceArgs(resourcesFor(o, 'evaluate'))).toEqual(['--partition=gpu', '--account=lab', '--time=10', '--cpus-per-task=1', '--exclusive']);
  });

  it('accepts every Slurm time format and refuses what sbatch would', () => {
    for (const time of ['30', '30:00', '1:30:00', '2-0', '2-12:00', '7-00:00:00', 'UNLIMITED']) expect(slurmOptions.safeParse({ time }).success, time).toBe(true);
    for (const time of ['2 days', '1h', '-1', '1:2:3:4']) expect(slurmOptions.safeParse({ time }).success, time).toBe(false);
  });

  it('refuses sizes, GPU counts, unknown keys and sbatch options the executor sets itself', () => {
    const problems = (o: unknown) => {
      const r = slurmOptions.safeParse(o);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ mem: '16GB' })[0]).toMatch(/^mem: a size such as/);
    expect(problems({ gpus: -1 })[0]).toMatch(/^gpus: /);
    expect(problems({ train: { gpus: 'lots' } })[0]).toMatch(/^train\.gpus: /);
    expect(problems({ extraArgs: ['--dependency=afterok:1'] })[0]).toMatch(/^extraArgs\.0: the executor sets this itself/);
    expect(problems({ extraArgs: ['exclusive'] })[0]).toMatch(/^extraArgs\.0: an sbatch option/);
    expect(problems({ partiton: 'gpu' })[0]).toMatch(/partiton/);
    expect(problems({ search: { arrayLimit: 2 } })[0]).toMatch(/arrayLimit/);
  });
});
