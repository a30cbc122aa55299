#!/usr/bin/env node
// Install script: builds the optional native addon with node-gyp against libtorch (Debian
// `libtorch-dev`, or the folder named by LIBTORCH_DIR). It never fails the install: on any problem
// it writes addon-status.json with the reason and exits 0; probeLibtorch() reports that reason.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const statusFile = join(root, 'addon-status.json');
const addon = join(root, 'build', 'Release', 'naslab_libtorch.node');
const require = createRequire(import.meta.url);

function done(built, reason, extra = {}) {
  writeFileSync(statusFile, JSON.stringify({ built, reason, at: new Date().toISOString(), ...extra }, null, 2) + '\n');
  console.log(built ? `@naslab/backend-libtorch: native addon built (${addon})` : `@naslab/backend-libtorch: native addon not built, the libtorch backend will be unavailable: ${reason}`);
  process.exit(0);
}

try {
  if (process.env.NASLAB_LIBTORCH_SKIP_BUILD === '1') done(false, 'build skipped (NASLAB_LIBTORCH_SKIP_BUILD=1)');

  const dir = process.env.LIBTORCH_DIR;
  const header = dir ? join(dir, 'include', 'ATen', 'ATen.h') : '/usr/include/ATen/ATen.h';
  if (!existsSync(header)) {
    done(false, dir ? `LIBTORCH_DIR=${dir} has no include/ATen/ATen.h` : 'libtorch is not installed (no /usr/include/ATen/ATen.h; `apt-get install -y libtorch-dev` or set LIBTORCH_DIR)');
  }
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
    .update(`${dir ?? ''}|${process.version}|${process.arch}|${existsSync(header) ? readFileSync(header).length : 0}`)
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
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 15 * 60_000, env: process.env });
  if (r.error || r.status !== 0) {
    const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const errs = log.split('\n').filter((l) => /error|not found|No such file/i.test(l)).slice(0, 8).join(' | ');
    done(false, `node-gyp failed (${r.error ? r.error.message : `exit ${r.status}`}): ${errs || log.slice(-800)}`, { nodeAddonApi });
  }
  // Load it once in a child: a missing libtorch_cpu.so shows up here, not at compile time.
  const check = spawnSync(process.execPath, ['-e', `const a=require(${JSON.stringify(addon)});console.log(JSON.stringify(a.info()))`], { encoding: 'utf8' });
  if (check.status !== 0) done(false, `the addon was built but cannot be loaded: ${(check.stderr || '').split('\n').find((l) => l.trim()) ?? 'unknown error'}`);
  const info = JSON.parse(check.stdout);
  done(true, undefined, { key, torchVersion: info.torchVersion, mkldnn: info.mkldnn });
} catch (e) {
  done(false, `build script error: ${e?.message ?? e}`);
}
