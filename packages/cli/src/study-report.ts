import { join } from 'node:path';
import { analyzeRelativeImprovement, formatRiAnalysis } from '@naslab/analysis';
import { hasCapability, InputError, isRandomBaseline, methodSpace, randomBaselineOf, searchesSeveralSpaces, writableFolderProblem, type ResultStore, type SearchSpace, type Study } from '@naslab/core';
import {
  ablationTableView,
  architecturesTrainedOf,
  buildStudyReport,
  genotypeCellGraphs,
  isDartsFamilyGenotype,
  rankAgreementStudies,
  rankAgreementTable,
  spaceComparisonStudies,
  spaceComparisonTable,
  supernetParametersOf,
  reportFolderProblem,
  tableToMarkdown,
  writeReport,
  type ArchitectureCells,
  type SearchJobCost,
  type StudyReportInput,
  type StudyRun as ReportRun,
} from '@naslab/report';
import { collectDiverged, collectRuns, type StudyRun } from './results.js';

/**
 * A stored study as report input. The random-sampling baseline of a space is shared by every
 * method of a dataset that searched that space, so its runs are listed once per such method (the
 * paper's layout pairs a `Random X` column with each method `X`): a method on its own space is
 * compared with random sampling of that space, never of another. RI uses the first protocol;
 * several protocols make an ablation section.
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
  // Every method the manifest lists but its baselines; each with the method its random runs come from.
  const several = searchesSeveralSpaces(manifest);
  const searched = manifest.methods.filter((m) => !isRandomBaseline(manifest, m.label)).map((m) => ({ label: m.label, baseline: randomBaselineOf(manifest, m.label) }));
  const curveOf = (r: StudyRun) => {
    if (!r.trainJobId) return undefined;
    const curve = store.epochs(r.trainJobId).map((e) => e.testAccuracy).filter((a): a is number => typeof a === 'number');
    return curve.length ? curve : undefined;
  };
  const reportRuns: ReportRun[] = [];
  for (const r of runs.filter((x) => x.protocol === baseProtocol)) {
    const latencyMs = latencyOf?.(r.arch);
    const base = { dataset: r.dataset, run: `seed ${r.seed} #${r.index}`, accuracy: r.accuracy, curve: curveOf(r), ...(latencyMs === undefined ? {} : { latencyMs, arch: r.arch }) };
    if (r.kind === 'searched') reportRuns.push({ ...base, method: r.method, kind: 'searched' });
    // A method that samples its own space as the baseline does is that space's baseline: no RI of its own.
    for (const m of searched) if (m.baseline === r.method && m.label !== r.method) reportRuns.push({ ...base, method: m.label, kind: 'random', ...(several ? { baseline: r.method } : {}) });
  }
  const protocols = [...new Set(runs.map((r) => r.protocol))];
  const ablation =
    protocols.length > 1
      ? {
          title: `Training protocols (${manifest.baseline} architectures)`,
          base: baseProtocol,
          protocols: protocols.map((p) => ({
            protocol: p,
            values: runs.filter((r) => r.protocol === p && r.method === manifest.baseline).map((r) => r.accuracy),
          })),
        }
      : undefined;
  // The evaluation of a query-based search records its incumbent's test accuracy after every
  // query (the search itself never sees test accuracy).
  const anytime: NonNullable<StudyReportInput['anytime']> = [];
  for (const d of manifest.datasets) {
    for (const m of manifest.methods) {
      const curves: number[][] = [];
      for (const job of study.jobs) {
        if (job.kind !== 'evaluate' || (job.index ?? 0) !== 0 || job.dataset !== d.label || job.method !== m.label) continue;
        const curve = (store.getJob(job.id)?.result as { anytime?: unknown } | undefined)?.anytime;
        if (Array.isArray(curve) && curve.length && curve.every((v) => typeof v === 'number')) curves.push(curve as number[]);
      }
      if (curves.length) anytime.push({ dataset: d.label, method: m.label, curves });
    }
  }
  // The same architectures (search job × index) under every protocol: how far their ranks agree.
  const protocolRuns =
    protocols.length > 1
      ? manifest.datasets.map((d) => ({
          dataset: d.label,
          protocols: [...study.protocols.map((p) => p.name).filter((p) => protocols.includes(p)), ...protocols.filter((p) => !study.protocols.some((q) => q.name === p))],
          runs: runs.filter((r) => r.dataset === d.label).map((r) => ({ protocol: r.protocol, architecture: `${r.method}/seed${r.seed}#${r.index}`, accuracy: r.accuracy })),
        }))
      : undefined;
  const otherBaselines = budgetMatchedBaselines(study, runs.filter((r) => r.protocol === baseProtocol), curveOf);
  const spaceRuns = randomRunsBySpace(study, runs.filter((r) => r.protocol === baseProtocol));
  const diverged = collectDiverged(study, store);
  return {
    ...(diverged.length
      ? {
          diverged: {
            // Counted at chance only where `runs` holds them so (the dataset said its classes).
            counted: runs.some((r) => r.diverged) ? ('chance' as const) : ('exclude' as const),
            runs: diverged.map(({ jobId: _j, kind: _k, ...r }) => r),
          },
        }
      : {}),
    title: `naslab study ${manifest.name}`,
    ...(spaceRuns.length ? { spaceRuns } : {}),
    ...(otherBaselines.length ? { otherBaselines } : {}),
    ...(protocolRuns ? { protocolRuns } : {}),
    anytime,
    searchCosts: searchCosts(study, store),
    datasets: manifest.datasets.map((d) => d.label),
    runs: reportRuns,
    ablation,
    options: { curveScoring: manifest.scoring },
  };
}

/** GPU backends by name; every other search ran on the CPU. */
const GPU_BACKEND = /gpu|cuda/i;

/** Wall time (the job's, as stored) and device of every finished search job. */
export function searchCosts(study: Study, store: ResultStore): SearchJobCost[] {
  const costs: SearchJobCost[] = [];
  for (const job of study.jobs) {
    if (job.kind !== 'search') continue;
    const rec = store.getJob(job.id);
    if (rec?.status !== 'done') continue;
    const result = rec.result as { cost?: { wallSeconds?: number }; history?: { backend?: unknown } } | undefined;
    const wallSeconds = rec.seconds ?? result?.cost?.wallSeconds;
    if (typeof wallSeconds !== 'number') continue;
    const backend = rec.provenance?.backend ?? (typeof result?.history?.backend === 'string' ? result.history.backend : undefined);
    const supernet = supernetParametersOf(result?.history);
    const random = isRandomBaseline(study.manifest, job.method);
    const trained = architecturesTrainedOf(rec.result, random);
    const published = study.host.get('method', job.method).loaded.definition.publishedSearchCost;
    costs.push({
      dataset: job.dataset,
      method: job.method,
      kind: random ? 'random' : 'searched',
      seed: job.seed,
      wallSeconds,
      device: backend && GPU_BACKEND.test(backend) ? 'GPU' : 'CPU',
      ...(backend ? { backend } : {}),
      ...(supernet === undefined ? {} : { supernetParameters: supernet }),
      ...(trained ? { trained } : {}),
      ...(published ? { published: { ...published } } : {}),
    });
  }
  return costs;
}

/**
 * Cells of every architecture the study's searches produced (random samples included): the
 * space's own `cellGraphs` where it has one, else the DARTS-family genotype's cells; none for
 * other spaces.
 */
export async function studyArchitectures(study: Study, store: ResultStore, runs: StudyRun[] = collectRuns(study, store)): Promise<ArchitectureCells[]> {
  const { manifest } = study;
  // Each architecture is read by the space its search searched (a method's own, or the manifest's).
  const spaces = new Map<string, SearchSpace<unknown>>();
  const spaceOf = async (method: string) => {
    const label = methodSpace(manifest, method).label;
    if (!spaces.has(label)) spaces.set(label, (await study.host.instantiate(study.container.createChildContainer(), 'space', label)) as SearchSpace<unknown>);
    return spaces.get(label)!;
  };
  const baseProtocol = study.protocols[0]?.name;
  const out: ArchitectureCells[] = [];
  for (const job of study.jobs) {
    if (job.kind !== 'search') continue;
    const rec = store.getJob(job.id);
    if (rec?.status !== 'done') continue;
    const texts = (rec.result as { architectures?: unknown } | undefined)?.architectures;
    if (!Array.isArray(texts)) continue;
    const space = await spaceOf(job.method);
    for (const [index, text] of texts.entries()) {
      if (typeof text !== 'string') continue;
      const where = `${job.dataset} / ${job.method} / seed ${job.seed} #${index}`;
      let cells: ArchitectureCells['cells'] | undefined;
      try {
        const arch = space.parse(text);
        cells = space.cellGraphs ? space.cellGraphs(arch) : isDartsFamilyGenotype(arch) ? genotypeCellGraphs(arch) : undefined;
      } catch (e) {
        // A diagram is not worth losing the report over: say which architecture, draw none.
        process.stderr.write(`warning: report without cell diagrams: ${where}: ${(e as Error).message}\n`);
        return [];
      }
      if (!cells) return [];
      const run = runs.find((r) => r.dataset === job.dataset && r.method === job.method && r.seed === job.seed && r.index === index && (r.protocol === baseProtocol || !baseProtocol));
      out.push({
        title: where,
        dataset: job.dataset,
        method: job.method,
        kind: isRandomBaseline(manifest, job.method) ? 'random' : 'searched',
        ...(run ? { accuracy: run.accuracy } : {}),
        cells,
      });
    }
  }
  return out;
}

/**
 * A study with both the paper's baseline (random sampling) and budget-matched random search gets
 * RI against each: here the second, `random-search` runs as the reference of every other searched
 * method of the study.
 */
function budgetMatchedBaselines(study: Study, runs: StudyRun[], curveOf: (r: StudyRun) => number[] | undefined): NonNullable<StudyReportInput['otherBaselines']> {
  const { manifest } = study;
  const out: NonNullable<StudyReportInput['otherBaselines']> = [];
  for (const b of manifest.methods.filter((m) => (m.id === 'random-search' || m.id === '@naslab/method-random-search') && m.label !== manifest.baseline)) {
    const others = manifest.methods.map((m) => m.label).filter((m) => !isRandomBaseline(manifest, m) && m !== b.label);
    const reportRuns: ReportRun[] = [];
    for (const r of runs) {
      const base = { dataset: r.dataset, run: `seed ${r.seed} #${r.index}`, accuracy: r.accuracy, curve: curveOf(r) };
      if (r.method === b.label) for (const m of others) reportRuns.push({ ...base, method: m, kind: 'random' });
      else if (others.includes(r.method)) reportRuns.push({ ...base, method: r.method, kind: 'searched' });
    }
    if (others.length && reportRuns.some((r) => r.kind === 'random')) out.push({ baseline: b.label, description: 'budget-matched random search', runs: reportRuns });
  }
  return out;
}

/** Random-sampling methods are the ones whose accuracies describe a space as a whole. */
const isRandomSampling = (id: string) => id === 'random-sampling' || id === '@naslab/method-random-sampling';

/**
 * The random-sampling runs per space (each method's own `space`, else the manifest's), per
 * dataset, the manifest's space first: present only where a dataset has two or more spaces.
 */
export function randomRunsBySpace(study: Study, runs: readonly StudyRun[]): NonNullable<StudyReportInput['spaceRuns']> {
  const { manifest } = study;
  const samplers = manifest.methods.filter((m) => isRandomSampling(m.id));
  const spaceOf = new Map(samplers.map((m) => [m.label, methodSpace(manifest, m.label).label]));
  const out: NonNullable<StudyReportInput['spaceRuns']> = [];
  for (const d of manifest.datasets) {
    const bySpace = new Map<string, number[]>();
    if (samplers.some((m) => spaceOf.get(m.label) === manifest.space.label)) bySpace.set(manifest.space.label, []);
    for (const r of runs) {
      const space = r.dataset === d.label ? spaceOf.get(r.method) : undefined;
      if (space === undefined) continue;
      if (!bySpace.has(space)) bySpace.set(space, []);
      bySpace.get(space)!.push(r.accuracy);
    }
    const spaces = [...bySpace].filter(([, a]) => a.length > 0).map(([space, accuracies]) => ({ space, accuracies }));
    if (spaces.length >= 2) out.push({ dataset: d.label, spaces });
  }
  return out;
}

/** The distribution comparison of the study's spaces (Markdown), or undefined with one space. */
export function spaceComparisonMarkdown(input: StudyReportInput): string | undefined {
  const table = spaceComparisonTable(spaceComparisonStudies(input.spaceRuns ?? [], { seed: input.options?.seed, confidence: input.options?.confidence }));
  return table ? `${table.caption}\n${tableToMarkdown(table)}` : undefined;
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

/** The rank-agreement table (Markdown) between the study's protocols, or undefined with one protocol. */
export function rankAgreementMarkdown(input: StudyReportInput): string | undefined {
  const studies = (input.protocolRuns ?? []).flatMap((g) =>
    rankAgreementStudies(g.runs, g.protocols, { seed: input.options?.seed, confidence: input.options?.confidence }).map((s) => ({ ...s, title: `${g.dataset}: ${s.title}` })),
  );
  const table = rankAgreementTable(studies);
  return table ? `${table.caption}\n${tableToMarkdown(table)}` : undefined;
}

/** RI tables (Markdown) against the study's further baselines (budget-matched random search). */
export function otherBaselineTables(input: StudyReportInput): Array<{ baseline: string; description?: string; table: string }> {
  return (input.otherBaselines ?? [])
    .filter((b) => b.runs.some((r) => r.kind === 'searched'))
    .map((b) => ({ baseline: b.baseline, description: b.description, table: formatRiAnalysis(analyzeRelativeImprovement(b.runs, input.options), 'md') }));
}

/** Write the study's HTML/Markdown/CSV report into `<store>/reports/<study>/`; returns the HTML path. */
export async function writeStudyReport(
  study: Study,
  store: ResultStore,
  input: StudyReportInput = studyReportInput(study, store),
): Promise<{ html: string; warnings: string[]; ablation?: string }> {
  const data = buildStudyReport(input.architectures ? input : { ...input, architectures: await studyArchitectures(study, store) });
  const folder = join(store.location, 'reports', study.manifest.name);
  const problem = writableFolderProblem(folder) ?? reportFolderProblem(folder);
  if (problem) {
    throw new InputError({ file: study.manifest.file, ...study.manifest.locate(['store']), path: 'store', message: `cannot write the study's report: ${problem}` });
  }
  const written = await writeReport(folder, data);
  const ablation = ablationTableView(data);
  return { html: written.html, warnings: data.warnings, ablation: ablation ? `${ablation.caption}\n${tableToMarkdown(ablation)}` : undefined };
}
