import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { installedBackends, selectBackend } from './backend.js';
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

  it('says what it skipped at debug level only: `naslab run` tells it once per run, not once per job', async () => {
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => void lines.push(`debug ${m}`),
      info: (m: string) => void lines.push(`info ${m}`),
      warn: (m: string) => void lines.push(`warn ${m}`),
      error: (m: string) => void lines.push(`error ${m}`),
      child: () => logger,
    };
    await selectBackend([fake('libtorch', 100, false, []), fake('wasm', 20, true, [])], 'auto', { logger });
    expect(lines).toEqual(['debug backend libtorch unavailable: libtorch missing']);
  });

  it('records the device the activated backend reports', async () => {
    const gpu: Backend = { ...fake('gpu', 100, true, []), activate: async () => ({ device: 'cuda:0 (Test GPU)' }) };
    const s = await selectBackend([gpu], 'auto');
    expect(s).toMatchObject({ name: 'gpu', device: 'cuda:0 (Test GPU)' });
    expect((await selectBackend([fake('plain', 1, true, [])], 'auto')).device).toBeUndefined();
    await tf.setBackend('cpu');
  });

  it("'ordered' keeps the manifest's order; tfjs cpu is the last resort", async () => {
    const log: string[] = [];
    expect((await selectBackend([fake('a', 1, true, log), fake('b', 99, true, log)], 'ordered')).name).toBe('a');
    expect((await selectBackend([fake('x', 50, false, log)], 'auto')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('finds installed backend plugins by keyword and kind, ranks them by priority, creates none before it is probed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-backends-'));
    const fake = (name: string, id: string, priority: number) => {
      const pkg = join(dir, 'node_modules', name);
      mkdirSync(pkg, { recursive: true });
      const meta = { name, version: '1.0.0', type: 'module', keywords: ['naslab-plugin'], naslab: { kind: 'backend' }, peerDependencies: { '@naslab/core': '>=0.1.0' } };
      writeFileSync(join(pkg, 'package.json'), JSON.stringify(meta));
      writeFileSync(
        join(pkg, 'index.js'),
        `export default { kind: 'backend', id: '${id}', priority: ${priority}, create: () => { (globalThis.created ??= []).push('${id}'); return { name: '${id}', probe: async () => ({ available: false, reason: 'fake' }), activate: async () => {} }; } };`,
      );
    };
    fake('@acme/backend-fast', 'fast', 500);
    fake('slowpoke', 'slowpoke', 5);
    fake('middling', 'middling', 50);
    const found = await installedBackends([dir]);
    expect(found.map((b) => [b.name, b.priority])).toEqual([['fast', 500], ['middling', 50], ['slowpoke', 5]]);
    const created = () => (globalThis as { created?: string[] }).created ?? [];
    expect(created()).toEqual([]);
    expect(await found[0]!.probe()).toEqual({ available: false, reason: 'fake' });
    expect(created()).toEqual(['fast']);
  });
});

describe('@naslab/engine/trainer', () => {
  it('is a trainer plugin whose options default sensibly and whose create returns a Trainer', async () => {
    expect(trainerPlugin.kind).toBe('trainer');
    expect(trainerPlugin.id).toBe('engine');
    const options = trainerPlugin.options!.parse({});
    // Label smoothing is the `label-smoothing` trick's, not a trainer option.
    expect(options).toEqual({ backendPreference: 'auto' });
    const trainer = await trainerPlugin.create({ options, label: 'default', resolve: () => undefined as never });
    expect(trainerPlugin.protocol!.parse({})).toMatchObject({ epochs: 600, batchSize: 96, channels: 36, cells: 20, gradClip: 5 });
    expect(trainerPlugin.protocol!.safeParse({ cells: 2 }).error?.issues[0]?.message).toMatch(/at least 3 cells: DARTS-style networks reduce at/);
    expect(typeof trainer.trainFromScratch).toBe('function');
  });
});
