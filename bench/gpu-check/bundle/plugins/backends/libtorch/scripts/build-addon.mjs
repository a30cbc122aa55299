#!/usr/bin/env node
// Install script: builds the optional native addon with node-gyp against the libtorch that
// scripts/libtorch-discovery.mjs finds (LIBTORCH_DIR, Debian's libtorch-dev, or a PyTorch
// installation). It never fails the install: on any problem it writes addon-status.json with the
// reason and exits 0; probeLibtorch() reports that reason. The status also records which libtorch
// was found (source, folder, version, C++ ABI), for `naslab plugins`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLibtorch, discoverLibtorch } from './libtorch-discovery.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const statusFile = join(root, 'addon-status.json');
const addon = join(root, 'build', 'Release', 'naslab_libtorch.node');
const require = createRequire(import.meta.url);

/** What addon-status.json says about the libtorch found (not the compiler flags). */
let found;

function done(built, reason, extra = {}) {
  // An addon left from an earlier build would load although this one says why it cannot.
  if (!built && extra.stale) rmSync(addon, { force: true });
  delete extra.stale;
  writeFileSync(statusFile, JSON.stringify({ built, reason, at: new Date().toISOString(), libtorch: found, ...extra }, null, 2) + '\n');
  const what = found ? ` against ${describeLibtorch(found)}` : '';
  console.log(built ? `@naslab/backend-libtorch: native addon built${what} (${addon})` : `@naslab/backend-libtorch: native addon not built, the libtorch backend will be unavailable: ${reason}`);
  process.exit(0);
}

try {
  if (process.env.NASLAB_LIBTORCH_SKIP_BUILD === '1') done(false, 'build skipped (NASLAB_LIBTORCH_SKIP_BUILD=1)');

  const { libtorch, tried } = discoverLibtorch();
  if (!libtorch) {
    done(
      false,
      `libtorch not found (${process.env.NASLAB_LIBTORCH_SOURCE ? `NASLAB_LIBTORCH_SOURCE=${process.env.NASLAB_LIBTORCH_SOURCE}: ` : ''}${tried.join('; ')}). Install one: \`apt-get install -y libtorch-dev\`, or \`pip install torch\`, or set LIBTORCH_DIR to an unpacked libtorch; then \`npm rebuild @naslab/backend-libtorch\``,
      { tried, stale: true },
    );
  }
  found = { source: libtorch.source, dir: libtorch.dir, torchVersion: libtorch.torchVersion, cxx11Abi: libtorch.cxx11Abi, libDir: libtorch.libDir, cuda: libtorch.cuda };
  if (libtorch.problem) done(false, `${describeLibtorch(libtorch)}: ${libtorch.problem}`, { stale: true });
  const header = join(libtorch.includeDirs[0], 'ATen', 'ATen.h');
  let nodeAddonApi;
  try {
    nodeAddonApi = require('node-addon-api').include_dir;
  } catch {
    done(false, 'node-addon-api is not installed');
  }

  // node-gyp: the one npm runs scripts with, a local one, or the one bundled with npm.
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => { try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { return undefined; } })(),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter((p) => p && existsSync(p));
  if (candidates.length === 0) done(false, 'node-gyp not found (it ships with npm; or `npm install -g node-gyp`)');

  // Skip the (≈15 s) rebuild when the same sources were already built against the same libtorch
  // and Node: every `npm install` in the monorepo reruns this script.
  const key = createHash('sha256')
    .update(readFileSync(join(root, 'native', 'addon.cc')))
    .update(readFileSync(join(root, 'binding.gyp')))
    .update(`${JSON.stringify(libtorch)}|${process.version}|${process.arch}|${readFileSync(header).length}`)
    .digest('hex')
    .slice(0, 16);
  if (process.env.NASLAB_LIBTORCH_FORCE_BUILD !== '1' && existsSync(addon) && existsSync(statusFile)) {
    try {
      const prev = JSON.parse(readFileSync(statusFile, 'utf8'));
      if (prev.built && prev.key === key) {
        const ok = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
        if (ok.status === 0) {
          console.log('@naslab/backend-libtorch: native addon up to date');
          process.exit(0);
        }
      }
    } catch {
      // rebuild
    }
  }

  const args = [candidates[0], 'rebuild'];
  // Build against the local Node headers: never download them (no internet in jobs).
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  rmSync(statusFile, { force: true });
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 15 * 60_000, env: { ...process.env, NASLAB_LIBTORCH_RESOLVED: JSON.stringify(libtorch) } });
  if (r.error || r.status !== 0) {
    const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const errs = log.split('\n').filter((l) => /error|not found|No such file/i.test(l)).slice(0, 8).join(' | ');
    done(false, `node-gyp failed (${r.error ? r.error.message : `exit ${r.status}`}): ${errs || log.slice(-800)}`, { nodeAddonApi });
  }
  // Load it once in a child: a missing libtorch_cpu.so shows up here, not at compile time.
  const check = spawnSync(process.execPath, ['-e', `const a=require(${JSON.stringify(addon)});console.log(JSON.stringify(a.info()))`], { encoding: 'utf8' });
  if (check.status !== 0) {
    const first = (check.stderr || '').split('\n').find((l) => l.trim()) ?? 'unknown error';
    // An undefined std::__cxx11 (or plain std::string) symbol is the classic sign of a C++ ABI mismatch.
    const abi = /undefined symbol/.test(first) ? ` (a C++ ABI mismatch? it was built with _GLIBCXX_USE_CXX11_ABI=${libtorch.cxx11Abi}; set NASLAB_LIBTORCH_CXX11_ABI to the other value and rebuild)` : '';
    done(false, `the addon was built against ${describeLibtorch(libtorch)} but cannot be loaded: ${first}${abi}`, { stale: true });
  }
  const info = JSON.parse(check.stdout);
  done(true, undefined, { key, torchVersion: info.torchVersion, mkldnn: info.mkldnn, cudaLinked: info.cudaLinked });
} catch (e) {
  done(false, `build script error: ${e?.message ?? e}`);
}
