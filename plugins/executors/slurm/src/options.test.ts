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

  it('gpusPerTask asks for GPUs per task, with a type if given; 0 or none asks for none', () => {
    const o = slurmOptions.parse({
      partition: 'gpu',
      gpusPerTask: 1,
      gpuType: 'h100',
      search: { gpusPerTask: 2, gpuType: 'a100_80g' },
      train: { gpuType: 'v100s-pcie.2' },
      evaluate: { gpusPerTask: 0 },
    });
    expect(sbatchResourceArgs(resourcesFor(o, 'search'))).toEqual(['--partition=gpu', '--ntasks=1', '--gpus-per-task=a100_80g:2']);
    expect(sbatchResourceArgs(resourcesFor(o, 'train'))).toEqual(['--partition=gpu', '--ntasks=1', '--gpus-per-task=v100s-pcie.2:1']);
    expect(sbatchResourceArgs(resourcesFor(o, 'evaluate'))).toEqual(['--partition=gpu']);
    expect(sbatchResourceArgs(resourcesFor(slurmOptions.parse({ gpusPerTask: 1 }), 'train'))).toEqual(['--ntasks=1', '--gpus-per-task=1']);
    // Default: no GPU line at all.
    expect(sbatchResourceArgs(resourcesFor(slurmOptions.parse({ cpus: 2 }), 'train'))).toEqual(['--cpus-per-task=2']);
    expect(sbatchResourceArgs(resourcesFor(slurmOptions.parse({ gpusPerTask: 0 }), 'train'))).toEqual([]);
  });

  it('refuses GPU types sbatch would split, a type without GPUs, and GPUs asked for twice', () => {
    const problems = (o: unknown) => {
      const r = slurmOptions.safeParse(o);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ gpusPerTask: 1, gpuType: 'h100' })).toEqual([]);
    expect(problems({ gpusPerTask: -1 })).toEqual(['gpusPerTask: a GPU count, 0 or more']);
    expect(problems({ gpusPerTask: 1.5 })).toEqual(['gpusPerTask: a whole number of GPUs']);
    for (const gpuType of ['h100:2', 'a 100', '', 'gpu,h100']) {
      expect(problems({ gpusPerTask: 1, gpuType })[0], gpuType).toMatch(/^gpuType: a GPU type: letters, digits/);
    }
    expect(problems({ gpuType: 'h100' })).toEqual([
      'gpuType: gpuType names the type of the GPUs gpusPerTask asks for: give gpusPerTask > 0 too (or gpus: "<type>:<count>" for --gres)',
    ]);
    expect(problems({ gpuType: 'h100', gpusPerTask: 0 })[0]).toMatch(/^gpuType: .*give gpusPerTask > 0 too/);
    expect(problems({ train: { gpuType: 'h100' } })).toEqual(['train.gpuType: gpuType names the type of the GPUs gpusPerTask asks for: train jobs ask for none (give gpusPerTask > 0 too)']);
    // A common type used by the kinds that ask for GPUs; evaluate jobs turning them off is fine.
    expect(problems({ gpuType: 'h100', train: { gpusPerTask: 1 }, evaluate: { gpusPerTask: 0 } })).toEqual([]);
    expect(problems({ gpus: 1, gpusPerTask: 1 })).toEqual([
      'gpusPerTask: search jobs would ask for GPUs twice (gpus: --gres=gpu:1, and gpusPerTask: 1): give one of them (gpus: 0 or gpusPerTask: 0 under a job kind turns a common one off)',
      'gpusPerTask: train jobs would ask for GPUs twice (gpus: --gres=gpu:1, and gpusPerTask: 1): give one of them (gpus: 0 or gpusPerTask: 0 under a job kind turns a common one off)',
      'gpusPerTask: evaluate jobs would ask for GPUs twice (gpus: --gres=gpu:1, and gpusPerTask: 1): give one of them (gpus: 0 or gpusPerTask: 0 under a job kind turns a common one off)',
    ]);
    expect(problems({ gpus: 1, train: { gpusPerTask: 1 } })).toEqual([
      'train.gpusPerTask: train jobs would ask for GPUs twice (gpus: --gres=gpu:1, and gpusPerTask: 1): give one of them (gpus: 0 or gpusPerTask: 0 under a job kind turns a common one off)',
    ]);
    expect(problems({ gpus: 1, train: { gpus: 0, gpusPerTask: 1 } })).toEqual([]);
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
