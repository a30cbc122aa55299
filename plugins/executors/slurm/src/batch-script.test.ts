import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderBatchScript, shellQuote } from './batch-script.js';

const script = (node: string) =>
  renderBatchScript({
    kind: 'train',
    jobName: 'naslab-train',
    array: '0,3%2',
    tasks: [
      { index: 0, jobId: 't-aaa' },
      { index: 3, jobId: 't-bbb' },
    ],
    dependency: 'aftercorr:41',
    resources: { partition: 'gpu', gpus: 1, time: '2-00:00:00', cpus: 4 },
    output: '/store with space/slurm/logs/%A_%a.out',
    chdir: '/work dir',
    setup: ['export FROM_SETUP=yes'],
    node,
    worker: { entry: "/opt/naslab/worker's.js", args: ['/studies/s.yaml'] },
  });

describe('renderBatchScript', () => {
  it('writes every option as an #SBATCH line, quoting paths with blanks', () => {
    const text = script('/usr/bin/node');
    expect(text.split('\n').filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=naslab-train',
      '#SBATCH --array=0,3%2',
      '#SBATCH --output="/store with space/slurm/logs/%A_%a.out"',
      '#SBATCH --open-mode=append',
      '#SBATCH --chdir="/work dir"',
      '#SBATCH --dependency=aftercorr:41',
      '#SBATCH --kill-on-invalid-dep=yes',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=2-00:00:00',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --gres=gpu:1',
    ]);
  });

  it('asks for GPUs per task among the other #SBATCH lines', () => {
    const text = renderBatchScript({
      kind: 'train',
      jobName: 'naslab-train',
      array: '0-1',
      tasks: [
        { index: 0, jobId: 't-aaa' },
        { index: 1, jobId: 't-bbb' },
      ],
      resources: { partition: 'gpu', cpus: 8, gpusPerTask: 1, gpuType: 'h100', mem: '32G', extraArgs: ['--requeue'] },
      output: '/store/slurm/logs/%A_%a.out',
      chdir: '/work',
      setup: [],
      node: '/usr/bin/node',
      worker: { entry: '/opt/naslab/worker.js', args: ['/studies/s.yaml'] },
    });
    const lines = text.split('\n');
    const sbatch = lines.filter((l) => l.startsWith('#SBATCH'));
    expect(sbatch.slice(5)).toEqual(['#SBATCH --partition=gpu', '#SBATCH --cpus-per-task=8', '#SBATCH --ntasks=1', '#SBATCH --gpus-per-task=h100:1', '#SBATCH --mem=32G', '#SBATCH --requeue']);
    // sbatch reads #SBATCH lines only up to the first command: all of them come before it.
    expect(lines.findIndex((l) => l.startsWith('#SBATCH --gpus-per-task'))).toBeLessThan(lines.indexOf('set -eu'));
    expect(text).not.toMatch(/--gres/);
  });

  it('runs the worker on the job of its array task, with the allocation\'s threads', () => {
    // Run the script as Slurm would for task 3, with a stand-in for node that prints what it got.
    const dir = mkdtempSync(join(tmpdir(), 'naslab-batch-'));
    const fakeNode = join(dir, 'node');
    writeFileSync(fakeNode, '#!/bin/bash\necho "threads=$NASLAB_THREADS setup=$FROM_SETUP"; printf "%s\\n" "$@"\n', { mode: 0o755 });
    const file = join(dir, 'job.sh');
    writeFileSync(file, script(fakeNode), { mode: 0o755 });
    const r = spawnSync('bash', [file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_JOB_ID: '42', SLURM_CPUS_PER_TASK: '4', SLURM_RESTART_COUNT: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual([
      'threads=4 setup=yes',
      "/opt/naslab/worker's.js",
      '/studies/s.yaml',
      't-bbb',
      '--job-folder',
      '--attempt',
      '42_3.1',
    ]);
  });

  it('quotes for bash', () => {
    expect(shellQuote('/a/b-c.js')).toBe('/a/b-c.js');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
