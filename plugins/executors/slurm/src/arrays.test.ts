import { describe, expect, it } from 'vitest';
import type { PlannedJob } from '@naslab/core';
import { arraySpec, layOutArrays } from './arrays.js';

const job = (id: string, kind: PlannedJob['kind'], parents: string[] = []): PlannedJob => ({ id, kind, parents, dataset: 'd', method: 'm', seed: 0, spec: null });
const done = () => 'done' as const;

describe('layOutArrays', () => {
  it('puts independent jobs of a kind in one array and each child at its parent\'s task index (aftercorr)', () => {
    const jobs = [
      job('s0', 'search'),
      job('s1', 'search'),
      job('s2', 'search'),
      // s0 returned 2 architectures, s1 one, s2 two: siblings need separate arrays.
      job('t00', 'train', ['s0']),
      job('e00', 'evaluate', ['t00']),
      job('t01', 'train', ['s0']),
      job('e01', 'evaluate', ['t01']),
      job('t10', 'train', ['s1']),
      job('e10', 'evaluate', ['t10']),
      job('t20', 'train', ['s2']),
      job('e20', 'evaluate', ['t20']),
      job('t21', 'train', ['s2']),
      job('e21', 'evaluate', ['t21']),
    ];
    const groups = layOutArrays(jobs, () => undefined, 1000);
    const view = groups.map((g) => ({ kind: g.kind, tasks: g.tasks.map((t) => `${t.index}:${t.job.id}`), dependency: g.dependency }));
    expect(view).toEqual([
      { kind: 'search', tasks: ['0:s0', '1:s1', '2:s2'], dependency: undefined },
      { kind: 'train', tasks: ['0:t00', '1:t10', '2:t20'], dependency: { kind: 'aftercorr', on: { group: 0 } } },
      { kind: 'evaluate', tasks: ['0:e00', '1:e10', '2:e20'], dependency: { kind: 'aftercorr', on: { group: 1 } } },
      { kind: 'train', tasks: ['0:t01', '2:t21'], dependency: { kind: 'aftercorr', on: { group: 0 } } },
      { kind: 'evaluate', tasks: ['0:e01', '2:e21'], dependency: { kind: 'aftercorr', on: { group: 3 } } },
    ]);
  });

  it('children of done parents need no dependency; of parents queued earlier, aftercorr on that array', () => {
    const groups = layOutArrays(
      [job('t0', 'train', ['s0']), job('t1', 'train', ['s1']), job('t2', 'train', ['s2'])],
      (id) => (id === 's1' ? { array: '41', index: 7 } : 'done'),
      1000,
    );
    expect(groups.map((g) => [g.tasks.map((t) => `${t.index}:${t.job.id}`), g.dependency])).toEqual([
      [['0:t0', '1:t2'], undefined],
      [['7:t1'], { kind: 'aftercorr', on: { array: '41' } }],
    ]);
  });

  it('a job with several parents to wait for is a one-task array with afterok on each', () => {
    const groups = layOutArrays([job('a', 'search'), job('b', 'search'), job('c', 'train', ['a', 'b'])], () => undefined, 1000);
    expect(groups[1]).toMatchObject({ tasks: [{ index: 0 }], dependency: { kind: 'afterok', on: [{ group: 0, index: 0 }, { group: 0, index: 1 }] } });
  });

  it('splits arrays at the cluster\'s array size', () => {
    const groups = layOutArrays(Array.from({ length: 5 }, (_, i) => job(`s${i}`, 'search')), done, 2);
    expect(groups.map((g) => g.tasks.map((t) => t.index))).toEqual([[0, 1], [0, 1], [0]]);
  });

  it('refuses a parent that is neither done, queued nor laid out (its child would start early)', () => {
    expect(() => layOutArrays([job('t', 'train', ['s'])], () => undefined, 10)).toThrow(/job s is neither done, queued nor being submitted/);
  });
});

describe('arraySpec', () => {
  it('writes ranges and the concurrency limit', () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(arraySpec([3], 4)).toBe('3%4');
  });
});
