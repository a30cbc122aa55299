import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredBackend } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

describe('backend package metadata', () => {
  // `backend: auto` ranks by the package.json, the engine by the definition: they must agree.
  it.each(['cpu', 'wasm', 'tfjs-node', 'tfjs-node-gpu', 'libtorch'])('@naslab/backend-%s declares the id, priority and speed of its definition', async (name) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'plugins', 'backends', name, 'package.json'), 'utf8')) as Record<string, unknown>;
    const declared = declaredBackend(pkg);
    const def = ((await import(`@naslab/backend-${name}`)) as { default: { id: string; priority?: number; speed?: unknown } }).default;
    expect(declared).toMatchObject({ id: def.id, priority: def.priority });
    expect(declared?.speed).toEqual(def.speed);
  });
});
