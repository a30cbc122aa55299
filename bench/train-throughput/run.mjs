#!/usr/bin/env node
/**
 * Train-step throughput of a DARTS network (DARTS V2 genotype, C=16, L=8, 32×32×3, batch 64)
 * on every available naslab backend, next to the same network in PyTorch.
 *
 *   npm run build && node bench/train-throughput/run.mjs [--backends wasm,cpu] [--threads 2]
 *       [--batch 64] [--steps wasm=3,cpu=1] [--cpu-batch 64] [--no-pytorch] [--runs 5]
 *       [--device cuda] [--python /usr/bin/python3]
 *
 * --device cuda trains libtorch (and PyTorch) on the GPU (cuDNN deterministic, no TF32, on both).
 *
 * Each backend runs in its own process (fresh TensorFlow.js, its own peak RSS). Prints one
 * table per run and, with --runs N, the medians; this is a benchmark, not a test.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activateBackend, dartsTrainStep } from '../lib/darts-train-step.mjs';
import { flag, option as opt } from '../lib/options.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

const ALL = ['libtorch', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
const DEFAULT_STEPS = { libtorch: 3, 'tfjs-node-gpu': 10, 'tfjs-node': 10, wasm: 3, cpu: 1 };
const GENOTYPE_CHANNELS = 16;
const CELLS = 8;

if (args[0] === '--child') await child(args[1], Number(args[2]), Number(args[3]), Number(args[4]), args[5] ?? 'cpu');
else await main();

async function main() {
  const threads = Number(opt('threads', '2'));
  const batch = Number(opt('batch', '64'));
  const cpuBatch = Number(opt('cpu-batch', String(batch)));
  const backends = opt('backends', ALL.join(',')).split(',');
  const runs = Number(opt('runs', '1'));
  const steps = { ...DEFAULT_STEPS };
  for (const kv of (opt('steps', '') || '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    steps[k] = Number(v);
  }
  const childTimeout = Number(opt('child-timeout', '1200')) * 1000;
  // A batch that overflowed a backend's memory in one run is not tried again in the next.
  const batches = Object.fromEntries(backends.map((name) => [name, name === 'cpu' ? cpuBatch : batch]));
  const notes = {};
  const all = [];
  for (let run = 1; run <= runs; run++) {
    const rows = [];
    for (const name of backends) {
      for (;;) {
        const b = batches[name];
        process.stderr.write(`… run ${run}/${runs}: ${name} (batch ${b}, ${steps[name] ?? 3} timed steps)\n`);
        const r = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', name, String(b), String(steps[name] ?? 3), String(threads), opt('device', 'cpu')], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
          timeout: childTimeout,
        });
        const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
        const row = line
          ? JSON.parse(line)
          : { backend: name, error: r.error?.code === 'ETIMEDOUT' ? `no result within ${childTimeout / 1000} s` : `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
        // The wasm32 heap is 4 GB: when a batch overflows it, measure at half the batch.
        if (row.error && /Aborted|memory/i.test(row.error) && b > 8) {
          notes[name] = `${notes[name] ?? ''}batch ${b}: ${row.error.split(' (')[0]}; `;
          batches[name] = b / 2;
          continue;
        }
        if (notes[name]) row.note = `${notes[name]}${row.note ?? ''}`;
        rows.push(row);
        break;
      }
    }
    if (!flag('no-pytorch')) rows.push(pytorch(batch, threads, Number(opt('pytorch-steps', '10'))));
    printRun(rows, threads, runs > 1 ? `run ${run}/${runs}, ` : '');
    all.push(rows);
  }
  if (runs > 1) printMedians(all, threads);
}

function ratioTo(rows, r) {
  const torch = rows.find((t) => t.backend === 'pytorch' && t.imagesPerSecond);
  return torch && r.imagesPerSecond ? r.imagesPerSecond / torch.imagesPerSecond : undefined;
}

function printRun(rows, threads, label) {
  console.log(`\n${label}DARTS V2, C=${GENOTYPE_CHANNELS}, L=${CELLS}, 32×32×3, train step (forward + backward + SGD), threads=${threads}, load average ${loadavg()[0].toFixed(2)}`);
  console.log('backend        batch  steps   img/s    vs PyTorch   peak RSS   note');
  for (const r of rows) {
    if (r.imagesPerSecond === undefined) {
      console.log(`${r.backend.padEnd(14)} ${'—'.padStart(5)}  ${'—'.padStart(5)}  ${'—'.padStart(7)}  ${''.padStart(11)}  ${''.padStart(9)}   ${r.skipped ?? r.error}`);
      continue;
    }
    const ratio = ratioTo(rows, r);
    console.log(
      `${r.backend.padEnd(14)} ${String(r.batch).padStart(5)}  ${String(r.steps).padStart(5)}  ${r.imagesPerSecond.toFixed(2).padStart(7)}  ${(ratio === undefined ? '—' : `${(100 * ratio).toFixed(1)} %`).padStart(11)}  ${(r.peakRssMB.toFixed(0) + ' MB').padStart(9)}   ${r.note ?? ''}`,
    );
  }
}

// Medians over runs; the ratio is the median of the per-run ratios (each run times a backend and
// PyTorch back to back, so a per-run ratio sees the same machine load on both sides).
function printMedians(all, threads) {
  const median = (xs) => {
    const v = [...xs].sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  console.log(`\nmedian of ${all.length} runs, threads=${threads}`);
  console.log('| backend | batch | img/s per run | median img/s | vs PyTorch per run | median vs PyTorch | peak RSS (max) |');
  console.log('|---|---|---|---|---|---|---|');
  const names = [...new Set(all.flat().map((r) => r.backend))];
  for (const name of names) {
    const mine = all.map((rows) => ({ rows, r: rows.find((x) => x.backend === name && x.imagesPerSecond) })).filter((x) => x.r);
    if (mine.length === 0) continue;
    const ips = mine.map((x) => x.r.imagesPerSecond);
    const ratios = mine.map((x) => ratioTo(x.rows, x.r)).filter((x) => x !== undefined);
    console.log(
      `| ${name} | ${mine[0].r.batch} | ${ips.map((v) => v.toFixed(2)).join(', ')} | ${median(ips).toFixed(2)} | ${ratios.map((v) => `${(100 * v).toFixed(0)} %`).join(', ')} | ${ratios.length ? `${(100 * median(ratios)).toFixed(1)} %` : '—'} | ${Math.max(...mine.map((x) => x.r.peakRssMB)).toFixed(0)} MB |`,
    );
  }
}

function pytorch(batch, threads, steps) {
  const script = join(here, 'pytorch_reference.py');
  const r = spawnSync(opt('python', '/usr/bin/python3'), [script, '--batch', String(batch), '--threads', String(threads), '--steps', String(steps), '--channels', String(GENOTYPE_CHANNELS), '--cells', String(CELLS), '--device', opt('device', 'cpu')], {
    encoding: 'utf8',
    // GNU OpenMP's default busy-waiting collapses (≈ 25× slower measured) when the cores are shared.
    env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
  });
  const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) return { backend: 'pytorch', error: `python: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' | ')} (apt-get install -y python3-torch)` };
  return JSON.parse(line);
}

async function child(name, batch, steps, threads, device) {
  const skipped = await activateBackend(name, threads, device === 'cpu' ? {} : { device });
  if (skipped) {
    console.log(JSON.stringify({ backend: name, skipped }));
    return;
  }
  const { step, rng, batches, params } = await dartsTrainStep({ seed: 'bench', channels: GENOTYPE_CHANNELS, cells: CELLS, batch });
  const { x, labels } = batches[0];
  let note = '';
  try {
    if (name !== 'cpu') step(x, labels, batch, 0.025, rng); // warm-up (kernel setup, allocation)
    else note = 'no warm-up step';
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step(x, labels, batch, 0.025, rng);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      JSON.stringify({
        backend: name,
        batch,
        steps,
        seconds,
        imagesPerSecond: (batch * steps) / seconds,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
        params,
        note,
      }),
    );
  } catch (e) {
    console.log(JSON.stringify({ backend: name, error: `${e.message.split('\n')[0]} (peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)` }));
  }
}
