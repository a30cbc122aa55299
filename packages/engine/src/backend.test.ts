import * as tf from '@tensorflow/tfjs';
import type { Backend } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { KNOWN_BACKEND_PACKAGES, selectBackend } from './backend.js';
import trainerPlugin from './trainer.js';

function fake(name: string, priority: number, available: boolean, log: string[]): Backend {
  return {
    name,
    priority,
    probe: async () => (available ? { available } : { available, reason: `${name} missing`, fix: `install ${name}` }),
    activate: async () => {
      log.push(name);
      await tf.setBackend('cpu');
    },
  };
}

describe('selectBackend', () => {
  it("'auto' probes by priority and activates the best available, recording what it skipped", async () => {
    const log: string[] = [];
    const s = await selectBackend(
      [fake('cpu', 10, true, log), fake('libtorch', 100, false, log), fake('wasm', 20, true, log), fake('tfjs-node', 30, false, log)],
      'auto',
    );
    expect(s.name).toBe('wasm');
    expect(log).toEqual(['wasm']);
    expect(s.skipped.map((x) => x.name)).toEqual(['libtorch', 'tfjs-node']);
    expect(s.skipped[0]!.reason).toBe('libtorch missing');
  });

  it("'ordered' keeps the manifest's order; tfjs cpu is the last resort", async () => {
    const log: string[] = [];
    expect((await selectBackend([fake('a', 1, true, log), fake('b', 99, true, log)], 'ordered')).name).toBe('a');
    expect((await selectBackend([fake('x', 50, false, log)], 'auto')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('knows the backend packages in the documented order', () => {
    expect(KNOWN_BACKEND_PACKAGES).toEqual([
      '@naslab/backend-libtorch',
      '@naslab/backend-tfjs-node-gpu',
      '@naslab/backend-tfjs-node',
      '@naslab/backend-wasm',
      '@naslab/backend-cpu',
    ]);
  });
});

describe('@naslab/engine/trainer', () => {
  it('is a trainer plugin whose options default sensibly and whose create returns a Trainer', async () => {
    expect(trainerPlugin.kind).toBe('trainer');
    expect(trainerPlugin.id).toBe('engine');
    const options = trainerPlugin.options!.parse({});
    expect(options).toEqual({ labelSmoothing: 0, backendPreference: 'auto' });
    const trainer = await trainerPlugin.create({ options, label: 'default', resolve: () => undefined as never });
    expect(typeof trainer.trainFromScratch).toBe('function');
  });
});
