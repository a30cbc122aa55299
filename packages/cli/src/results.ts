import { mean, relativeImprovement, std } from '@naslab/analysis';
import { isRandomBaseline, randomBaselineOf, searchesSeveralSpaces, type EvaluateJobResult, type Manifest, type ResultStore, type Study } from '@naslab/core';

/** One trained (or looked-up) architecture of a study. */
export interface StudyRun {
  /** The evaluate job, and the train job before it (absent for benchmark look-ups). */
  readonly jobId: string;
  readonly trainJobId?: string;
  readonly dataset: string;
  readonly method: string;
  readonly kind: 'random' | 'searched';
  readonly seed: number;
  readonly index: number;
  readonly protocol: string;
  /** The accuracy the manifest's `scoring` selects. */
  readonly accuracy: number;
  readonly finalAccuracy: number;
  readonly bestAccuracy: number;
  readonly params?: number;
  readonly backend?: string;
  readonly arch: string;
}

/** Every finished evaluate job of the study, as rows. */
export function collectRuns(study: Study, store: ResultStore): StudyRun[] {
  const runs: StudyRun[] = [];
  for (const job of study.jobs) {
    if (job.kind !== 'evaluate') continue;
    const rec = store.getJob(job.id);
    if (rec?.status !== 'done') continue;
    const r = rec.result as unknown as EvaluateJobResult;
    const parent = store.getJob(job.parents[0]!);
    runs.push({
      jobId: job.id,
      trainJobId: parent?.kind === 'train' ? parent.id : undefined,
      dataset: job.dataset,
      method: job.method,
      kind: isRandomBaseline(study.manifest, job.method) ? 'random' : 'searched',
      seed: job.seed,
      index: job.index ?? 0,
      protocol: job.protocol ?? 'base',
      accuracy: study.manifest.scoring === 'best' ? r.bestAccuracy : r.finalAccuracy,
      finalAccuracy: r.finalAccuracy,
      bestAccuracy: r.bestAccuracy,
      params: r.params,
      backend: r.backend,
      arch: r.arch,
    });
  }
  return runs;
}

/** Sample standard deviation (ddof = 1, the analysis package's); 0 for a single value. */
const sampleStd = (xs: number[]) => (xs.length < 2 ? 0 : std(xs));

/**
 * Plain-text summary: per dataset × protocol × method, mean ± std, min and max of the scored
 * accuracy, and the relative improvement over the random sampling of the method's space,
 * RI = 100 · (Acc_m − Acc_r) / Acc_r (confidence intervals and tests come with the analysis table).
 */
export function formatRunTable(study: Study, runs: StudyRun[]): string {
  const lines: string[] = [];
  const scoring = study.manifest.scoring === 'best' ? 'best-over-epochs' : 'final-epoch';
  lines.push(`Test accuracy (%) — ${scoring} scoring, mean ± std (ddof=1) over runs; RI vs ${baselineWords(study.manifest)}`);
  const header = ['dataset', 'protocol', 'method', 'n', 'mean ± std', 'min', 'max', 'RI (%)'];
  const rows: string[][] = [];
  const keys = [...new Set(runs.map((r) => `${r.dataset}\u0000${r.protocol}`))];
  for (const key of keys) {
    const [dataset, protocol] = key.split('\u0000') as [string, string];
    const group = runs.filter((r) => r.dataset === dataset && r.protocol === protocol);
    for (const method of study.manifest.methods.map((m) => m.label)) {
      const accs = group.filter((r) => r.method === method).map((r) => r.accuracy);
      if (!accs.length) continue;
      const m = mean(accs);
      const baselineLabel = randomBaselineOf(study.manifest, method);
      const baseline = baselineLabel === undefined || baselineLabel === method ? [] : group.filter((r) => r.method === baselineLabel).map((r) => r.accuracy);
      const ri = baseline.length ? relativeImprovement(m, mean(baseline)).toFixed(2) : '';
      rows.push([dataset, protocol, method, String(accs.length), `${m.toFixed(2)} ± ${sampleStd(accs).toFixed(2)}`, Math.min(...accs).toFixed(2), Math.max(...accs).toFixed(2), ri]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt));
  return lines.join('\n');
}

/**
 * What RI is measured against, in words: the baseline method, or with methods on several spaces
 * the baseline method on each method's own space (`random-darts on each method's space`).
 */
export function baselineWords(manifest: Manifest): string {
  return searchesSeveralSpaces(manifest) ? `${manifest.baseline} on each method's space` : manifest.baseline;
}
