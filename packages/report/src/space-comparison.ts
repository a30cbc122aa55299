/**
 * Accuracy distributions of random architectures from two search spaces (or two op sets of one
 * space), trained with the same protocol: the shift of the means with a bootstrap CI, and the two
 * histograms overlaid. The seed paper's Section 5.2 compares DARTS' op set with a deliberately
 * worse one this way ("the two distributions are only shifted by 0.18 accuracy points").
 */
import { bootstrapTwoSampleCi, mean, std, type BootstrapOptions, type ConfidenceInterval } from '@naslab/analysis';
import type { TopLevelSpec } from 'vega-lite';
import type { Table } from './tables.js';

/** The finite accuracies (%) of one space's random architectures. */
export interface SpaceSample {
  readonly space: string;
  readonly accuracies: readonly number[];
}

export interface SpaceComparison {
  title: string;
  labelA: string;
  labelB: string;
  valuesA: number[];
  valuesB: number[];
  meanA: number;
  meanB: number;
  stdA: number;
  stdB: number;
  ddof: number;
  /** mean(A) − mean(B): positive when the first space's architectures are better on average. */
  shift: number;
  /** Percentile bootstrap CI of the shift, each sample resampled on its own. */
  shiftCi: ConfidenceInterval;
}

/**
 * Shift of the means of `a` and `b` with a bootstrap CI (independent resamples of each sample,
 * 10,000 by default, seeded). Non-finite accuracies (failed or diverged runs) are left out.
 */
export function compareSpaceDistributions(a: SpaceSample, b: SpaceSample, options: BootstrapOptions & { ddof?: number; title?: string } = {}): SpaceComparison {
  const valuesA = a.accuracies.filter(Number.isFinite);
  const valuesB = b.accuracies.filter(Number.isFinite);
  const ddof = options.ddof ?? 1;
  const meanA = valuesA.length ? mean(valuesA) : Number.NaN;
  const meanB = valuesB.length ? mean(valuesB) : Number.NaN;
  return {
    title: options.title ?? `${a.space} vs ${b.space}`,
    labelA: a.space,
    labelB: b.space,
    valuesA,
    valuesB,
    meanA,
    meanB,
    stdA: valuesA.length > ddof ? std(valuesA, ddof) : Number.NaN,
    stdB: valuesB.length > ddof ? std(valuesB, ddof) : Number.NaN,
    ddof,
    shift: meanA - meanB,
    shiftCi: bootstrapTwoSampleCi(valuesA, valuesB, (ma, mb) => ma - mb, options),
  };
}

/**
 * The first space (the study's reference) against each other one, per dataset; spaces with fewer
 * than 2 finite accuracies are left out.
 */
export function spaceComparisonStudies(
  groups: ReadonlyArray<{ dataset: string; spaces: readonly SpaceSample[] }>,
  options: BootstrapOptions & { ddof?: number } = {},
): SpaceComparison[] {
  const out: SpaceComparison[] = [];
  for (const g of groups) {
    const spaces = g.spaces.filter((s) => s.accuracies.filter(Number.isFinite).length >= 2);
    const [reference, ...others] = spaces;
    if (!reference) continue;
    for (const other of others) out.push(compareSpaceDistributions(reference, other, { ...options, title: `${g.dataset}: ${reference.space} vs ${other.space}` }));
  }
  return out;
}

const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function spaceComparisonTable(studies: readonly SpaceComparison[]): Table | null {
  if (!studies.length) return null;
  const ci = studies[0]!.shiftCi;
  const level = Math.round(ci.confidence * 100);
  return {
    caption: `Accuracy of random architectures per space, same training protocol; shift = mean of the first − mean of the second (${level}% CI: percentile bootstrap, each sample resampled on its own, ${ci.resamples} resamples; std ddof = ${studies[0]!.ddof}).`,
    header: ['spaces', 'n (first)', 'first: mean ± std', 'n (second)', 'second: mean ± std', 'shift of means', `shift ${level}% CI`],
    rows: studies.map((s) => [
      s.title,
      String(s.valuesA.length),
      `${f(s.meanA)} ± ${f(s.stdA)}`,
      String(s.valuesB.length),
      `${f(s.meanB)} ± ${f(s.stdB)}`,
      f(s.shift, 3),
      `${f(s.shiftCi.low, 3)} … ${f(s.shiftCi.high, 3)}`,
    ]),
  };
}

const SPACE_COLORS = ['#7f7f7f', '#ff7f0e'];

/** The two accuracy histograms overlaid (shared bins, translucent bars, not stacked) and each mean as a rule. */
export function spaceHistogramSpec(study: SpaceComparison): TopLevelSpec {
  const values = [...study.valuesA.map((accuracy) => ({ space: study.labelA, accuracy })), ...study.valuesB.map((accuracy) => ({ space: study.labelB, accuracy }))];
  const color = {
    field: 'space',
    type: 'nominal',
    title: 'space',
    sort: [study.labelA, study.labelB],
    scale: { domain: [study.labelA, study.labelB], range: SPACE_COLORS },
    legend: { labelLimit: 320, orient: 'bottom', direction: 'vertical' },
  };
  return {
    title: {
      text: study.title,
      subtitle: `shift of means ${f(study.shift, 3)} (${Math.round(study.shiftCi.confidence * 100)}% CI ${f(study.shiftCi.low, 3)} … ${f(study.shiftCi.high, 3)}); dashed: means`,
    },
    width: 420,
    height: 240,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.5, binSpacing: 0 },
        encoding: {
          x: { field: 'accuracy', type: 'quantitative', bin: { maxbins: 20 }, title: 'top-1 test accuracy (%)' },
          y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'architectures', axis: { tickMinStep: 1, format: 'd' } },
          color,
        },
      },
      {
        data: { values: [{ space: study.labelA, mean: study.meanA }, { space: study.labelB, mean: study.meanB }].filter((m) => Number.isFinite(m.mean)) },
        mark: { type: 'rule', strokeWidth: 2, strokeDash: [4, 3] },
        encoding: { x: { field: 'mean', type: 'quantitative' }, color, tooltip: [{ field: 'space' }, { field: 'mean', format: '.3f' }] },
      },
    ],
  } as TopLevelSpec;
}
