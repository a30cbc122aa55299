import type { Backend, BackendProbe, BackendSpeed } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { chooseBackend, fallbackNotice, fallbackSummary, formatSpeed, slowdown } from './backend-notice.js';

const LIBTORCH: BackendSpeed = { vsPyTorch: [0.8, 1.05], measured: 'bench' };
const WASM: BackendSpeed = { vsPyTorch: [0.07, 0.07], measured: 'bench' };
const CPU: BackendSpeed = { vsPyTorch: [0.001, 0.001], measured: 'bench' };

function backend(name: string, priority: number, probe: BackendProbe, speed?: BackendSpeed, probes?: string[]): Backend {
  return {
    name,
    priority,
    ...(speed ? { speed } : {}),
    probe: async () => {
      probes?.push(name);
      return probe;
    },
  };
}

const missing = { available: false, reason: 'libtorch backend unavailable: libtorch not found', fix: '`apt-get install -y libtorch-dev`, then `npm rebuild @naslab/backend-libtorch`' };

describe('backend notice', () => {
  it('formats measured speeds and how many times faster the better backend is', () => {
    expect(formatSpeed(LIBTORCH)).toBe("0.8–1.05× PyTorch's training speed");
    expect(formatSpeed(WASM)).toBe("≈ 7 % of PyTorch's training speed");
    expect(formatSpeed(CPU)).toBe("≈ 0.1 % of PyTorch's training speed");
    expect(slowdown(WASM, LIBTORCH)).toBe('11–15×');
    expect(slowdown(CPU, LIBTORCH)).toBe('800–1050×');
    expect(slowdown(LIBTORCH, LIBTORCH)).toBe('0.76–1.3×');
  });

  it('picks what the trainer would pick, probing by priority and stopping at the first that runs', async () => {
    const probes: string[] = [];
    const cpu = backend('cpu', 0, { available: true }, CPU, probes);
    const choice = await chooseBackend(
      [backend('wasm', 20, { available: true }, WASM, probes), backend('libtorch', 100, missing, LIBTORCH, probes), backend('tfjs-node', 30, { available: false, reason: 'not installed' }, undefined, probes)],
      cpu,
    );
    expect(probes).toEqual(['libtorch', 'tfjs-node', 'wasm']);
    expect(choice.chosen).toEqual({ name: 'wasm', speed: WASM });
    expect(choice.skipped.map((s) => s.name)).toEqual(['libtorch', 'tfjs-node']);
    // `ordered` keeps the list's order; the engine's cpu is the last resort.
    expect((await chooseBackend([backend('libtorch', 100, missing, LIBTORCH)], cpu, 'ordered')).chosen.name).toBe('cpu');
  });

  it('says which backend runs, how much slower than the one it replaces, why and the fix; nothing without a fallback', async () => {
    const cpu = backend('cpu', 0, { available: true }, CPU);
    const choice = await chooseBackend([backend('libtorch', 100, missing, LIBTORCH), backend('wasm', 20, { available: true }, WASM)], cpu);
    expect(fallbackNotice(choice)).toBe(
      [
        "notice: training runs on the wasm backend (≈ 7 % of PyTorch's training speed), a fallback; libtorch (0.8–1.05× PyTorch's training speed) would train about 11–15× faster.",
        '  libtorch is unavailable: libtorch not found',
        '  fix: `apt-get install -y libtorch-dev`, then `npm rebuild @naslab/backend-libtorch`',
      ].join('\n'),
    );
    expect(fallbackSummary(choice)).toBe('backend: wasm, about 11–15× slower than libtorch; fix: `apt-get install -y libtorch-dev`, then `npm rebuild @naslab/backend-libtorch`');
    const best = await chooseBackend([backend('libtorch', 100, { available: true }, LIBTORCH), backend('wasm', 20, { available: true }, WASM)], cpu);
    expect(fallbackNotice(best)).toBeUndefined();
    expect(fallbackSummary(best)).toBeUndefined();
  });
});
