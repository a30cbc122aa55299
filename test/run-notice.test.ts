import { describe, expect, it } from 'vitest';
import { naslab, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

describe('naslab run: one backend notice per run, and the time per job kind', () => {
  it('prints the fallback notice once at the start and once in the summary, not per job', () => {
    const dir = tempDir();
    // libtorch first, but disabled: the cpu backend is the fallback the notice is about.
    const file = writeManifest(dir, 'fallback.yaml', `${toyManifest({ seeds: 2, outputs: 2 })}backend: [libtorch, cpu]\n`);
    const env = { NASLAB_LIBTORCH_DISABLE: '1' };
    const r = naslab(['run', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const notices = r.stderr.match(/^notice: training runs on the cpu backend .*$/gm) ?? [];
    expect(notices).toEqual([
      "notice: training runs on the cpu backend (≈ 0.1 % of PyTorch's training speed), a fallback; libtorch (1.09–1.46× PyTorch's training speed) would train about 1090–1460× faster.",
    ]);
    // Before the first job's line, with the reason and the fix.
    expect(r.stderr.indexOf('notice:')).toBeLessThan(r.stderr.indexOf('[1/'));
    expect(r.stderr).toMatch(/^ {2}libtorch is unavailable: disabled by NASLAB_LIBTORCH_DISABLE=1$/m);
    // Turned off by a variable: the fix is that variable, not an install of libtorch.
    expect(r.stderr).toMatch(/^ {2}fix: unset NASLAB_LIBTORCH_DISABLE \(set to 1, it turns the libtorch backend off\)/m);
    expect(r.stderr).not.toMatch(/apt-get|pip install/);
    expect(r.stderr).not.toMatch(/backend \S+ unavailable/);
    expect(r.stdout.match(/^backend: cpu, about 1090–1460× slower than libtorch; fix: unset NASLAB_LIBTORCH_DISABLE /gm)).toHaveLength(1);
    // The summary's wall time per kind: 4 searches (2 methods × 2 seeds), 6 trainings (2 + 1 architectures per seed), 6 evaluations.
    expect(r.stdout).toMatch(/^wall time /m);
    expect(r.stdout).toMatch(/^ {2}search\s+4 jobs\s+total .+ mean .+$/m);
    expect(r.stdout).toMatch(/^ {2}train\s+6 jobs\s+total .+ mean .+$/m);
    expect(r.stdout).toMatch(/^ {2}evaluate\s+6 jobs\s+total .+ mean .+$/m);
    // Each finished job's line (not a terminal) carries the elapsed time and an ETA.
    expect(r.stderr).toMatch(/^\[1\/16\] done {4}search .*\(\d+\.\d s; elapsed .+, ETA .+\)$/m);

    // Nothing left to run: no notice, no time table.
    const again = naslab(['run', file], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/notice:/);
    expect(again.stdout).not.toMatch(/^backend: |^wall time/m);
  });

  it('prints no notice when the best backend of the list runs', () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'cpu.yaml', `${toyManifest({ seeds: 1, outputs: 1 })}backend: cpu\n`);
    const r = naslab(['run', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/notice:/);
    expect(r.stdout).not.toMatch(/^backend: /m);
  });
});
