/**
 * Predicted latency beside accuracy, for studies whose space has a latency model (the MBConv
 * space of Single-Path NAS with a device's look-up table): a table of each searched
 * architecture's accuracy and latency, and an accuracy–latency scatter of every run, random
 * samples beside the searched architectures. The report knows no space: runs carry `latencyMs`
 * when the study's space predicted one.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RunKind } from '@naslab/analysis';
import type { Table } from './tables.js';

/** One trained architecture with its predicted latency. */
export interface LatencyPoint {
  dataset: string;
  method: string;
  kind: RunKind;
  run: string;
  accuracy: number;
  latencyMs: number;
  arch?: string;
}

export interface LatencyStudy {
  /** What the latency is of (e.g. "predicted latency (ms), Pixel 1 look-up table"). */
  label: string;
  points: LatencyPoint[];
}

const KIND_COLORS = { domain: ['random', 'searched'], range: ['#8c8c8c', '#d62728'] };

/** The points of the runs that have a latency (undefined when none has one). */
export function latencyStudy(
  runs: ReadonlyArray<{ dataset: string; method: string; kind: RunKind; run: number | string; accuracy: number; latencyMs?: number; arch?: string }>,
  label = 'predicted latency (ms)',
): LatencyStudy | undefined {
  const points = runs
    .filter((r) => typeof r.latencyMs === 'number' && Number.isFinite(r.latencyMs) && Number.isFinite(r.accuracy))
    .map((r) => ({ dataset: r.dataset, method: r.method, kind: r.kind, run: String(r.run), accuracy: r.accuracy, latencyMs: r.latencyMs!, ...(r.arch ? { arch: r.arch } : {}) }));
  return points.length ? { label, points } : undefined;
}

/** Each searched architecture's accuracy next to its latency, and the random samples' means. */
export function latencyTable(study: LatencyStudy): Table {
  const rows: string[][] = [];
  const keys = [...new Set(study.points.map((p) => `${p.dataset}\u0000${p.method}`))];
  for (const key of keys) {
    const [dataset, method] = key.split('\u0000') as [string, string];
    const group = study.points.filter((p) => p.dataset === dataset && p.method === method);
    for (const p of group.filter((q) => q.kind === 'searched')) rows.push([dataset, method, 'searched', p.run, p.accuracy.toFixed(2), p.latencyMs.toFixed(2), p.arch ?? '']);
    const random = group.filter((q) => q.kind === 'random');
    if (random.length) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const acc = random.map((p) => p.accuracy);
      const lat = random.map((p) => p.latencyMs);
      rows.push([dataset, method, 'random', `mean of ${random.length}`, mean(acc).toFixed(2), `${mean(lat).toFixed(2)} (${Math.min(...lat).toFixed(2)}–${Math.max(...lat).toFixed(2)})`, '']);
    }
  }
  return {
    caption: `Top-1 test accuracy (%) and ${study.label} of every searched architecture; random samples of the same space (the RI baseline) as their mean, latency range in brackets.`,
    header: ['dataset', 'method', 'architectures', 'run', 'accuracy (%)', 'latency (ms)', 'architecture'],
    rows,
  };
}

/** Accuracy against latency for one dataset: every run, random samples grey, searched red, per method. */
export function latencySpec(dataset: string, study: LatencyStudy): TopLevelSpec {
  return {
    title: `${dataset}: accuracy vs ${study.label}`,
    data: { values: study.points.filter((p) => p.dataset === dataset) },
    width: 360,
    height: 260,
    mark: { type: 'point', filled: true, size: 60, opacity: 0.75 },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', scale: { zero: false }, title: study.label },
      y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'top-1 test accuracy (%)' },
      color: { field: 'kind', type: 'nominal', scale: KIND_COLORS, title: 'architectures' },
      shape: { field: 'method', type: 'nominal', title: 'method' },
      tooltip: [{ field: 'method' }, { field: 'kind' }, { field: 'run' }, { field: 'accuracy', format: '.2f' }, { field: 'latencyMs', format: '.2f' }],
    },
  } as TopLevelSpec;
}
