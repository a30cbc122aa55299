import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { compatibilityProblem, isPluginDefinition } from '@naslab/core';
import * as tf from '@tensorflow/tfjs';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_core } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import plugin, { createLibtorchBackend, CUDA_FIX, cudaDevices, describeDevices, libtorchBackend, probeLibtorch, resolveDevice, TESTED_TFJS_VERSION } from './index.js';
import { loadAddon, probeNative } from './native.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('plugin definition', () => {
  it('is the default export, a backend plugin for the core API', () => {
    expect(plugin).toBe(libtorchBackend);
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('backend');
    expect(plugin.id).toBe('libtorch');
    expect(compatibilityProblem(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')))).toBeUndefined();
    expect(plugin.priority).toBe(100);
    expect(plugin.options!.parse({})).toEqual({ device: 'cpu', mixedPrecision: false, cudnnBenchmark: false, tf32: false });
    expect(() => plugin.options!.parse({ device: 'gpu' })).toThrow(/cpu, cuda, cuda:N or auto/);
  });

  it('creates a backend whose probe agrees with the addon', async () => {
    const backend = await plugin.create({ options: plugin.options!.parse({ minElements: 4096 }), label: 'libtorch', resolve: () => undefined as never });
    expect(backend.name).toBe('libtorch');
    expect(backend.priority).toBe(100);
    const p = await backend.probe();
    const full = await probeLibtorch();
    expect(p.available).toBe(full.available);
    expect(p.available).toBe(loadAddon() !== undefined);
    if (!p.available) {
      expect(p.reason).toMatch(/libtorch backend unavailable/);
      expect(p.fix).toMatch(/apt-get install -y libtorch-dev/);
      await expect(backend.activate({ threads: 1 })).rejects.toThrow(/libtorch backend unavailable/);
    } else {
      await backend.activate({ threads: 1 });
      expect(tf.getBackend()).toBe('libtorch');
      expect(loadAddon()!.getNumThreads()).toBe(1);
      const y = tf.conv2d(tf.ones([2, 32, 32, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 4]) as tf.Tensor4D, 1, 'same');
      expect(y.dataSync()[32 * 4 + 4]).toBe(72);
      tf.dispose(y);
      await tf.setBackend('cpu');
    }
  });
});

describe('devices', () => {
  const addon = loadAddon();
  it('resolves device names, and says why CUDA is not usable where it is not', async () => {
    if (!addon) return expect(probeNative().available).toBe(false);
    expect(resolveDevice(undefined, addon)).toBe('cpu');
    expect(resolveDevice('cuda', addon)).toBe('cuda:0');
    expect(resolveDevice('cuda:3', addon)).toBe('cuda:3');
    expect(() => resolveDevice('gpu' as never, addon)).toThrow(/cpu, cuda, cuda:N or auto/);
    const info = addon.info();
    const gpus = cudaDevices();
    expect(gpus.usable).toBe(info.cuda && info.cudaDevices > 0);
    expect(resolveDevice('auto', addon)).toBe(gpus.usable ? 'cuda:0' : 'cpu');
    const backend = createLibtorchBackend({ device: 'cuda:7' });
    const p = await backend.probe();
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/libtorch backend on cuda:7 unavailable: /);
    expect(p.detail).toMatch(/libtorch/);
    if (!gpus.usable) {
      expect(p.reason).toContain(gpus.reason!);
      expect(p.fix).toBe(CUDA_FIX);
      // The addon itself refuses, with the reason, rather than crashing.
      expect(() => addon.setDevice('cuda:0')).toThrow(info.cudaLinked ? /no usable CUDA runtime or GPU/ : /CPU-only libtorch/);
      expect(() => addon.setDevice('mps')).toThrow(/only cpu and cuda/);
      expect(describeDevices()).toMatch(/^cpu \(no CUDA: /);
    }
    expect(addon.info().device).toBe('cpu');
  });
});

describe('tfjs pin', () => {
  it('runs on exactly the tfjs version it reads internals of', () => {
    expect(version_core).toBe(TESTED_TFJS_VERSION);
    expect(version_cpu).toBe(TESTED_TFJS_VERSION);
    expect(tf.version.tfjs).toBe(TESTED_TFJS_VERSION);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const dep of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu']) {
      expect(pkg.dependencies[dep], dep).toBe(TESTED_TFJS_VERSION);
    }
  });
});

describe('install script', () => {
  it('never fails the install: without libtorch it exits 0 and records why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-libtorch-'));
    try {
      for (const p of ['scripts', 'native', 'binding.gyp', 'package.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
      const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-addon.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, LIBTORCH_DIR: join(dir, 'no-libtorch-here') },
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/native addon not built/);
      const status = JSON.parse(readFileSync(join(dir, 'addon-status.json'), 'utf8'));
      expect(status.built).toBe(false);
      expect(status.reason).toMatch(/LIBTORCH_DIR=.*no-libtorch-here has no include\/ATen\/ATen.h/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records the libtorch it found and refuses a C++ ABI mismatch, removing a stale addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-libtorch-'));
    try {
      for (const p of ['scripts', 'native', 'binding.gyp', 'package.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
      // A libtorch folder whose TorchConfig.cmake says cxx11 but whose libc10 has the old ABI's strings.
      const lt = join(dir, 'libtorch');
      for (const [f, text] of [
        ['include/ATen/ATen.h', ''],
        ['lib/libtorch_cpu.so', ''],
        ['lib/libc10.so', '_ZN3c105ErrorC2ENS_14SourceLocationESs'],
        ['share/cmake/Torch/TorchConfig.cmake', 'set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")'],
        ['../build/Release/naslab_libtorch.node', 'an addon of an earlier build'],
      ] as const) {
        mkdirSync(dirname(join(lt, f)), { recursive: true });
        writeFileSync(join(lt, f), text);
      }
      const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-addon.mjs')], { encoding: 'utf8', env: { ...process.env, LIBTORCH_DIR: lt } });
      expect(r.status).toBe(0);
      const status = JSON.parse(readFileSync(join(dir, 'addon-status.json'), 'utf8'));
      expect(status).toMatchObject({ built: false, libtorch: { source: 'LIBTORCH_DIR', dir: lt, cxx11Abi: 1, libDir: join(lt, 'lib') } });
      expect(status.reason).toMatch(/C\+\+ ABI mismatch: its TorchConfig\.cmake says the cxx11 ABI .* was built with the pre-cxx11 ABI/);
      expect(existsSync(join(dir, 'build', 'Release', 'naslab_libtorch.node'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
