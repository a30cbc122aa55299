import { mean, relativeImprovement, std } from '@naslab/analysis';
import { divergedAt, isRandomBaseline, randomBaselineOf, searchesSeveralSpaces, type Dataset, type EvaluateJobResult, type Manifest, type ResultStore, type Study } from '@naslab/core';

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
  /** Counted at chance accuracy because its training diverged (`report.diverged: chance`). */
  readonly diverged?: true;
}

/** A training that diverged: its evaluate job, and where the loss became NaN or ∞. */
export interface DivergedStudyRun extends Pick<StudyRun, 'jobId' | 'dataset' | 'method' | 'kind' | 'seed' | 'index' | 'protocol'> {
  /** 1-based, as the stored message says them. */
  readonly epoch?: number;
  readonly step?: number;
  readonly detail: string;
}

/** Every evaluate job of the study whose training diverged. */
export function collectDiverged(study: Study, store: ResultStore): DivergedStudyRun[] {
  const out: DivergedStudyRun[] = [];
  for (const job of study.jobs) {
    if (job.kind !== 'evaluate') continue;
    const rec = store.getJob(job.id);
    if (rec?.status !== 'diverged') continue;
    const detail = rec.error ?? 'training diverged';
    out.push({
      jobId: job.id,
      dataset: job.dataset,
      method: job.method,
      kind: job.method === study.manifest.baseline ? 'random' : 'searched',
      seed: job.seed,
      index: job.index ?? 0,
      protocol: job.protocol ?? 'base',
      ...divergedAt(detail),
      detail,
    });
  }
  return out;
}

/**
 * Chance accuracy (100 / classes, %) of each dataset of the study, for `report.diverged: chance`;
 * a dataset whose plugin cannot say its classes is missing from the map (its runs stay excluded).
 */
export async function chanceAccuracies(study: Study): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const d of study.manifest.datasets) {
    try {
      const dataset = (await study.host.instantiate(study.container.createChildContainer(), 'dataset', d.label)) as Dataset;
      if (Number.isInteger(dataset.info.classes) && dataset.info.classes > 0) out.set(d.label, 100 / dataset.info.classes);
    } catch {
      // Left out of the map: the caller says these runs stay excluded.
    }
  }
  return out;
}

/** Every diverged run, and the chance accuracies that count them, as the manifest's `report.diverged` asks. */
export async function divergedPolicy(study: Study, store: ResultStore): Promise<{ diverged: DivergedStudyRun[]; chance?: Map<string, number>; warnings: string[] }> {
  const diverged = collectDiverged(study, store);
  if (study.manifest.report.diverged !== 'chance' || diverged.length === 0) return { diverged, warnings: [] };
  const chance = await chanceAccuracies(study);
  const unknown = [...new Set(diverged.map((r) => r.dataset).filter((d) => !chance.has(d)))];
  const warnings = unknown.map((d) => `report.diverged: chance: dataset ${d} does not say its number of classes; its diverged runs are left out instead`);
  return { diverged, chance, warnings };
}

/**
 * Every finished evaluate job of the study, as rows; with `chance` (dataset → chance accuracy,
 * `report.diverged: chance`), diverged runs too, at that accuracy.
 */
export function collectRuns(study: Study, store: ResultStore, chance?: ReadonlyMap<string, number>): StudyRun[] {
  const runs: StudyRun[] = [];
  for (const job of study.jobs) {
    if (job.kind !== 'evaluate') continue;
    const rec = store.getJob(job.id);
    const at = chance?.get(job.dataset);
    if (rec?.status === 'diverged' && at !== undefined) {
      runs.push({
        jobId: job.id,
        trainJobId: job.parents[0],
        dataset: job.dataset,
        method: job.method,
        kind: job.method === study.manifest.baseline ? 'random' : 'searched',
        seed: job.seed,
        index: job.index ?? 0,
        protocol: job.protocol ?? 'base',
        accuracy: at,
        finalAccuracy: at,
        bestAccuracy: at,
        arch: searchedArchitecture(store, job.parents[0]!, job.index ?? 0),
        diverged: true,
      });
      continue;
    }
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

/** The architecture text a train job trained (from its search job's result); '' if not found. */
function searchedArchitecture(store: ResultStore, trainJobId: string, index: number): string {
  const search = (store.getJob(trainJobId)?.spec as { search?: string } | undefined)?.search;
  const archs = search ? (store.getJob(search)?.result as { architectures?: unknown } | undefined)?.architectures : undefined;
  return Array.isArray(archs) && typeof archs[index] === 'string' ? archs[index] : '';
}

/** The lines `naslab run` and `naslab report` print about diverged runs (none without any). */
export function formatDiverged(study: Study, diverged: readonly DivergedStudyRun[]): string {
  if (diverged.length === 0) return '';
  const counted = study.manifest.report.diverged === 'chance';
  const head = `${diverged.length} run${diverged.length === 1 ? '' : 's'} diverged (${counted ? 'counted at chance accuracy in the means and the RI, report.diverged: chance' : 'left out of the means and the RI'}):`;
  const lines = diverged.map(
    (r) => `  ${r.dataset}/${r.method}/seed ${r.seed} #${r.index} (${r.protocol})${r.epoch !== undefined ? `: epoch ${r.epoch}, step ${r.step}` : ''} — ${r.detail}`,
  );
  return [head, ...lines].join('\n');
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
