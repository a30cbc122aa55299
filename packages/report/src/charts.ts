import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { CurveStudy, DistributionPoint, GroupStudy, RankStudy } from './report-data.js';
import type { AblationTable, RiRow } from '@naslab/analysis';

const KIND_COLORS = { domain: ['random', 'searched'], range: ['#7f7f7f', '#1f77b4'] };
// Sized to be read on a laptop screen without zooming: 13-px labels, 14-px titles.
const BASE_CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 13, titleFontSize: 14, titlePadding: 8 },
  legend: { labelFontSize: 13, titleFontSize: 13 },
  header: { labelFontSize: 14 },
  title: { fontSize: 16, anchor: 'start', offset: 10 },
};

/** An x axis over whole steps (epochs, queries): ticks only at integers, never 1.5 or 1.1. */
function integerAxis(field: string, title: string, last: number): Record<string, unknown> {
  return {
    field,
    type: 'quantitative',
    title,
    scale: { domain: [1, Math.max(2, last)], nice: false },
    axis: { tickMinStep: 1, format: 'd', ...(last <= 12 ? { values: Array.from({ length: Math.max(2, last) }, (_, i) => i + 1) } : {}) },
  };
}

/** Renders a Vega-Lite spec to an SVG string in Node (headless view, renderer 'none'). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile({ config: BASE_CONFIG, ...spec } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Axis domain around the values with half a point of margin, on whole/half units (bars then need `clip`). */
function paddedDomain(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 100];
  return [Math.floor((Math.min(...finite) - 0.25) * 2) / 2, Math.ceil((Math.max(...finite) + 0.25) * 2) / 2];
}

/** RI with its bootstrap CI per method, one panel per dataset. */
export function riChartSpec(rows: readonly RiRow[], confidence: number): TopLevelSpec {
  const values = rows
    .filter((r) => r.ri !== null)
    .map((r) => ({
      dataset: r.dataset,
      method: r.method,
      ri: r.ri,
      lo: r.ciLow,
      hi: r.ciHigh,
      significant: r.pWelch !== null && r.pWelch < 0.05 ? 'p < 0.05 (Welch, one-sided)' : 'not significant',
    }));
  return {
    title: `Relative improvement over random sampling (%) with ${Math.round(confidence * 100)}% bootstrap CI`,
    data: { values },
    facet: { column: { field: 'dataset', type: 'nominal', sort: [...new Set(rows.map((r) => r.dataset))], title: null } },
    spec: {
      width: 220,
      height: { step: 24 },
      layer: [
        { mark: { type: 'rule', color: '#999', strokeDash: [3, 3] }, encoding: { x: { datum: 0 } } },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y: { field: 'method', type: 'nominal', sort: null, title: null },
            x: { field: 'lo', type: 'quantitative', title: 'RI (%)' },
            x2: { field: 'hi' },
            color: { field: 'significant', type: 'nominal', title: null, legend: { labelLimit: 260 }, scale: { range: ['#d62728', '#7f7f7f'], domain: ['p < 0.05 (Welch, one-sided)', 'not significant'] } },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 40 },
          encoding: {
            y: { field: 'method', type: 'nominal', sort: null },
            x: { field: 'ri', type: 'quantitative' },
            color: { field: 'significant', type: 'nominal' },
            tooltip: [{ field: 'method' }, { field: 'ri', format: '.2f' }, { field: 'lo', format: '.2f' }, { field: 'hi', format: '.2f' }],
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}

/** Strip plot of every run's accuracy, random vs searched, per method for one dataset. */
export function distributionSpec(dataset: string, points: readonly DistributionPoint[]): TopLevelSpec {
  return {
    title: `${dataset}: accuracy of random vs searched architectures`,
    data: { values: points.filter((p) => p.dataset === dataset) },
    width: { step: 64 },
    height: 300,
    layer: [
      {
        mark: { type: 'tick', thickness: 2, size: 14 },
        encoding: {
          x: { field: 'method', type: 'nominal', sort: null, title: null, axis: { labelAngle: -30 } },
          xOffset: { field: 'kind', type: 'nominal', scale: { domain: KIND_COLORS.domain } },
          y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative' },
          color: { field: 'kind', type: 'nominal', scale: KIND_COLORS, title: 'architectures' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 22, opacity: 0.55 },
        encoding: {
          x: { field: 'method', type: 'nominal', sort: null },
          xOffset: { field: 'kind', type: 'nominal', scale: { domain: KIND_COLORS.domain } },
          y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'top-1 test accuracy (%)' },
          color: { field: 'kind', type: 'nominal', scale: KIND_COLORS },
          tooltip: [{ field: 'method' }, { field: 'kind' }, { field: 'accuracy', format: '.2f' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Mean accuracy per protocol with ±1 std error bars and the best run as a dot. */
export function ablationSpec(title: string, table: AblationTable): TopLevelSpec {
  const values = table.rows.map((r) => ({ ...r, lo: r.mean - r.std, hi: r.mean + r.std }));
  const x = { field: 'protocol', type: 'nominal', sort: null, title: null, axis: { labelAngle: -35 } };
  const domain = paddedDomain(values.flatMap((v) => [v.lo, v.hi, v.max]));
  return {
    title,
    data: { values },
    width: { step: 60 },
    height: 320,
    layer: [
      {
        mark: { type: 'bar', color: '#9ecae1', clip: true },
        encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { domain, zero: false }, title: `top-1 accuracy (%), mean ± std (ddof ${table.ddof})` } },
      },
      { mark: { type: 'rule', color: '#333' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, color: '#d62728' }, encoding: { x, y: { field: 'max', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

/** Slope chart of ranks (1 = best) under two conditions, one line per architecture. */
export function slopeSpec(study: RankStudy): TopLevelSpec {
  const values = study.comparison.ranksA.flatMap((ra, i) => [
    { item: i, condition: study.labelA, rank: ra, shift: Math.abs(ra - study.comparison.ranksB[i]) },
    { item: i, condition: study.labelB, rank: study.comparison.ranksB[i], shift: Math.abs(ra - study.comparison.ranksB[i]) },
  ]);
  const enc = {
    x: { field: 'condition', type: 'ordinal', sort: [study.labelA, study.labelB], title: null, scale: { padding: 0.3 }, axis: { labelAngle: 0 } },
    y: { field: 'rank', type: 'quantitative', scale: { reverse: true, domain: [1, study.comparison.n] }, title: 'rank (1 = best)' },
    detail: { field: 'item', type: 'nominal' },
    color: { field: 'shift', type: 'quantitative', title: 'rank shift', scale: { scheme: 'viridis' } },
  };
  return {
    title: `${study.title}: Kendall τ-b = ${study.comparison.kendallTauB.toFixed(2)} (${study.comparison.n} architectures)`,
    data: { values },
    width: 300,
    height: 380,
    layer: [
      { mark: { type: 'line', opacity: 0.8 }, encoding: enc },
      { mark: { type: 'point', filled: true, size: 20 }, encoding: enc },
    ],
  } as TopLevelSpec;
}

/** Mean training curve with a ±1 std band and a few individual curves. */
export function curveSpec(study: CurveStudy, maxPoints = 150): TopLevelSpec {
  const n = study.aggregate.epochs;
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const mean: object[] = [];
  for (let e = 0; e < n; e += step) {
    const m = study.aggregate.mean[e];
    const s = Number.isFinite(study.aggregate.std[e]) ? study.aggregate.std[e] : 0;
    mean.push({ epoch: e + 1, mean: m, lo: study.band ? study.band.lo[e] : m - s, hi: study.band ? study.band.hi[e] : m + s });
  }
  const individual = (study.sample ?? []).flatMap((c, i) => {
    const pts: object[] = [];
    for (let e = 0; e < c.length; e += step) pts.push({ epoch: e + 1, accuracy: c[e], curve: i });
    return pts;
  });
  const x = integerAxis('epoch', study.xLabel ?? 'epoch', n);
  return {
    title: `${study.title}: mean test accuracy, ${study.band ? study.band.label : '± std'}`,
    width: 640,
    height: 340,
    layer: [
      {
        data: { values: individual },
        mark: { type: 'line', color: '#999', opacity: 0.25, strokeWidth: 1 },
        encoding: { x, y: { field: 'accuracy', type: 'quantitative' }, detail: { field: 'curve', type: 'nominal' } },
      },
      {
        data: { values: mean },
        mark: { type: 'area', color: '#1f77b4', opacity: 0.25 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'top-1 test accuracy (%)', scale: { zero: false } }, y2: { field: 'hi' } },
      },
      { data: { values: mean }, mark: { type: 'line', color: '#1f77b4' }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

/** Kendall τ between the accuracy at epoch e and the final accuracy. */
export function tauByEpochSpec(study: CurveStudy): TopLevelSpec {
  return {
    title: `${study.title}: Kendall τ-b of accuracy at epoch e vs final epoch`,
    data: { values: study.tauByEpoch ?? [] },
    width: 640,
    height: 260,
    mark: { type: 'line', color: '#2ca02c' },
    encoding: {
      x: integerAxis('epoch', 'epoch', Math.max(1, ...(study.tauByEpoch ?? []).map((t) => t.epoch))),
      y: { field: 'tau', type: 'quantitative', title: 'Kendall τ-b', scale: { domain: [-0.2, 1] } },
    },
  } as TopLevelSpec;
}

/** Mean ± std per group (e.g. number of cells) with the best run as a dot. */
export function groupSpec(study: GroupStudy): TopLevelSpec {
  const values = study.summaries.map((s) => ({ ...s, lo: s.mean - s.std, hi: s.mean + s.std }));
  const ddof = study.summaries[0]?.ddof ?? 1;
  const x = { field: 'group', type: 'ordinal', sort: null, title: study.groupLabel, axis: { labelAngle: 0 } };
  const domain = paddedDomain(values.flatMap((v) => [v.lo, v.hi, v.max]));
  return {
    title: `${study.title} (${study.scoring})`,
    data: { values },
    width: { step: 56 },
    height: 300,
    layer: [
      { mark: { type: 'bar', color: '#bdbdbd', clip: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { domain, zero: false }, title: `top-1 accuracy (%), mean ± std (ddof ${ddof})` } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, color: '#d62728' }, encoding: { x, y: { field: 'max', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}
