import { describe, expect, it } from 'vitest';
import plugin, { createTfjsNodeBackend, nativeProbeFailure } from './index.js';

describe('@naslab/backend-tfjs-node', () => {
  it('probes without throwing; when the package is absent it says why and how to fix it', async () => {
    const b = await plugin.create({ options: {}, label: 'tfjs-node', resolve: () => undefined as never });
    expect(b.name).toBe('tfjs-node');
    const p = await b.probe();
    if (!p.available) {
      expect(p.reason).toMatch(/@tensorflow\/tfjs-node is (not installed|installed but)/);
      expect(p.fix).toContain('TFJS_NODE_CDN_STORAGE');
    }
  });
  it('words the not-installed case for users', () => {
    const p = nativeProbeFailure('@tensorflow/tfjs-node', Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND' }));
    expect(p.available).toBe(false);
    expect(p.reason).toContain('@tensorflow/tfjs-node is not installed (its install downloads libtensorflow');
    expect(p.fix).toContain('npm install @tensorflow/tfjs-node@4.22.0');
    const q = nativeProbeFailure('@tensorflow/tfjs-node', new Error('The specified module could not be found: tfjs_binding.node'));
    expect(q.reason).toContain('native addon');
  });
  it('ranks above wasm and cpu, below tfjs-node-gpu', () => {
    expect(createTfjsNodeBackend().priority).toBe(30);
  });
});
