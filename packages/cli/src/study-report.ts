import { join } from 'node:path';
import { analyzeRelativeImprovement, formatRiAnalysis } from '@naslab/analysis';
import { hasCapability, type ResultStore, type SearchSpace, type Study } from '@naslab/core';
import { ablationTableView, buildStudyReport, tableToMarkdown, writeReport, type StudyReportInput, type StudyRun as ReportRun } from '@naslab/report';
import { collectRuns, type StudyRun } from './results.js';

/**
 * A stored study as report input. The random-sampling baseline is shared by every searched
 * method of a dataset, so its runs are listed once per searched method (the paper's layout
 * pairs a `Random X` column with each method `X`). RI uses the first protocol; several
 * protocols make an ablation section.
 */
export function studyReportInput(
  study: Study,
  store: ResultStore,
  runs: StudyRun[] = collectRuns(study, store),
  /** Predicted latency of an architecture text (`studyLatency`): runs then carry it into the report. */
  latencyOf?: (arch: string) => number | undefined,
): StudyReportInput {
  const { manifest } = study;
  const baseProtocol = runs.find((r) => r.protocol === study.protocols[0]?.name) ? study.protocols[0]!.name : runs[0]?.protocol;
  const searched = manifest.methods.map((m) => m.label).filter((m) => m !== manifest.baseline);
  const curveOf = (r: StudyRun) => {
    if (!r.trainJobId) return undefined;
    const curve = store.epochs(r.trainJobId).map((e) => e.testAccuracy).filter((a): a is number => typeof a === 'number');
    return curve.length ? curve : undefined;
  };
  const reportRuns: ReportRun[] = [];
  for (const r of runs.filter((x) => x.protocol === baseProtocol)) {
    const latencyMs = latencyOf?.(r.arch);
    const base = { dataset: r.dataset, run: `seed ${r.seed} #${r.index}`, accuracy: r.accuracy, curve: curveOf(r), ...(latencyMs === undefined ? {} : { latencyMs, arch: r.arch }) };
    if (r.kind === 'random') for (const m of searched) reportRuns.push({ ...base, method: m, kind: 'random' });
    else reportRuns.push({ ...base, method: r.method, kind: 'searched' });
  }
  const protocols = [...new Set(runs.map((r) => r.protocol))];
  const ablation =
    protocols.length > 1
      ? {
          title: `Training protocols (${manifest.baseline} architectures)`,
          base: baseProtocol,
          protocols: protocols.map((p) => ({
            protocol: p,
            values: runs.filter((r) => r.protocol === p && r.kind === 'random').map((r) => r.accuracy),
          })),
        }
      : undefined;
  // Query-based searches record the incumbent's test accuracy after every query.
  const anytime: NonNullable<StudyReportInput['anytime']> = [];
  for (const d of manifest.datasets) {
    for (const m of manifest.methods) {
      const curves: number[][] = [];
      for (const job of study.jobs) {
        if (job.kind !== 'search' || job.dataset !== d.label || job.method !== m.label) continue;
        const history = (store.getJob(job.id)?.result as { history?: { trajectory?: { bestTest?: number }[] } } | undefined)?.history;
        const curve = history?.trajectory?.map((t) => t.bestTest).filter((v): v is number => typeof v === 'number');
        if (curve?.length) curves.push(curve);
      }
      if (curves.length) anytime.push({ dataset: d.label, method: m.label, curves });
    }
  }
  return {
    title: `naslab study ${manifest.name}`,
    anytime,
    datasets: manifest.datasets.map((d) => d.label),
    runs: reportRuns,
    ablation,
    options: { curveScoring: manifest.scoring },
  };
}

/**
 * The latency model of the study's space, when its space declares the `latency` capability (the
 * MBConv space with a device's table): architecture text → predicted ms. Undefined otherwise.
 */
export async function studyLatency(study: Study): Promise<((arch: string) => number | undefined) | undefined> {
  const label = study.manifest.space.label;
  if (!study.host.get('space', label).loaded.definition.capabilities?.includes('latency')) return undefined;
  const space = (await study.host.instantiate(study.container.createChildContainer(), 'space', label)) as SearchSpace<unknown>;
  if (!hasCapability(space, 'latency')) return undefined;
  return (arch) => space.latencyMs(space.parse(arch));
}

/** The RI table (Markdown) with bootstrap CIs and p-values, or undefined without searched runs. */
export function riTable(input: StudyReportInput): string | undefined {
  if (!input.runs.some((r) => r.kind === 'searched')) return undefined;
  return formatRiAnalysis(analyzeRelativeImprovement(input.runs, input.options), 'md');
}

/** Write the study's HTML/Markdown/CSV report into `<store>/reports/<study>/`; returns the HTML path. */
export async function writeStudyReport(
  study: Study,
  store: ResultStore,
  input: StudyReportInput = studyReportInput(study, store),
): Promise<{ html: string; warnings: string[]; ablation?: string }> {
  const data = buildStudyReport(input);
  const written = await writeReport(join(store.location, 'reports', study.manifest.name), data);
  const ablation = ablationTableView(data);
  return { html: written.html, warnings: data.warnings, ablation: ablation ? `${ablation.caption}\n${tableToMarkdown(ablation)}` : undefined };
}
