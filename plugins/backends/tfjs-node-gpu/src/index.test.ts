import { describe, expect, it } from 'vitest';
import plugin, { createTfjsNodeGpuBackend } from './index.js';

describe('@naslab/backend-tfjs-node-gpu', () => {
  it('probes without throwing; when the package is absent it says why and how to fix it', async () => {
    const b = await plugin.create({ options: {}, label: 'tfjs-node-gpu', resolve: () => undefined as never });
    expect(b.name).toBe('tfjs-node-gpu');
    const p = await b.probe();
    if (!p.available) {
      expect(p.reason).toMatch(/@tensorflow\/tfjs-node-gpu is (not installed|installed but)/);
      expect(p.fix).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    }
  });
  it('ranks above tfjs-node', () => {
    expect(createTfjsNodeGpuBackend().priority).toBe(40);
  });
});
