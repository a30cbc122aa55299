import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Module, ModuleList, type ForwardContext } from './module.js';
import { concatChannels, sumBranchPairs, TwoInputCell } from './two-input-cell.js';

/** Multiplies by a constant, so each branch's contribution can be read off the sum. */
class Scale extends Module {
  constructor(private readonly k: number) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.k);
  }
}

const ctx: ForwardContext = { training: false };

describe('sumBranchPairs', () => {
  it('appends one state per node: branch 2i on inputs[2i] plus branch 2i+1 on inputs[2i+1]', () => {
    const s0 = tf.fill([1, 1, 1, 1], 1);
    const s1 = tf.fill([1, 1, 1, 1], 10);
    // node 2 = 2·s0 + 3·s1 = 32; node 3 = 5·node2 + 7·s0 = 167
    const states = sumBranchPairs([s0, s1], [new Scale(2), new Scale(3), new Scale(5), new Scale(7)], [0, 1, 2, 0], ctx);
    expect(states.map((t) => t.dataSync()[0])).toEqual([1, 10, 32, 167]);
  });

  it('concatChannels joins along channels and passes a single part through', () => {
    const a = tf.zeros([1, 2, 2, 3]);
    const b = tf.ones([1, 2, 2, 5]);
    expect(concatChannels([a, b]).shape).toEqual([1, 2, 2, 8]);
    expect(concatChannels([a])).toBe(a);
  });
});

describe('TwoInputCell and ModuleList', () => {
  it('a two-input cell refuses forward, naming itself; a module list numbers its children', () => {
    class PairCell extends TwoInputCell {
      forward2(s0: tf.Tensor, s1: tf.Tensor): tf.Tensor {
        return tf.add(s0, s1);
      }
    }
    expect(() => new PairCell().forward()).toThrow('PairCell takes two inputs: use forward2');
    const list = new ModuleList();
    list.add(new Scale(1));
    list.addAt(3, new Scale(2));
    expect(list.children().map(([name]) => name)).toEqual(['0', '3']);
    expect(() => list.forward()).toThrow('container');
  });
});
