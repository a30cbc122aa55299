import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFingerprint, interruptedSinceProgress } from './checkpoint-progress.js';

describe('interruptedSinceProgress', () => {
  it('counts every interrupted attempt while no checkpoint appears', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-progress-'));
    expect([1, 2, 3].map((n) => interruptedSinceProgress(dir, n))).toEqual([1, 2, 3]);
  });

  it('starts counting again from the attempt after a newer checkpoint, and only then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-progress-'));
    writeFileSync(join(dir, 'checkpoint.json'), '{"epoch":1}');
    // The first claim after the checkpoint appeared sees progress.
    expect(interruptedSinceProgress(dir, 1)).toBe(0);
    // Two attempts die before writing anything new.
    expect(interruptedSinceProgress(dir, 2)).toBe(1);
    expect(interruptedSinceProgress(dir, 3)).toBe(2);
    // One rewrites the checkpoint further on (bytes differ): progress again.
    writeFileSync(join(dir, 'checkpoint.json'), '{"epoch":12}');
    expect(interruptedSinceProgress(dir, 4)).toBe(0);
    expect(interruptedSinceProgress(dir, 5)).toBe(1);
  });

  it('a count reset (--retry-failed) starts the mark over; the mark itself is no checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-progress-'));
    writeFileSync(join(dir, 'weights.bin'), 'x');
    expect(interruptedSinceProgress(dir, 7)).toBe(0);
    const before = checkpointFingerprint(dir);
    expect(interruptedSinceProgress(dir, 1)).toBe(0);
    expect(checkpointFingerprint(dir)).toBe(before);
    expect(interruptedSinceProgress(dir, 3)).toBe(2);
  });
});
