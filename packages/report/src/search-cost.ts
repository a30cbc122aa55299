/**
 * Search cost beside accuracy, as the paper's Figure 2 sets each method's search cost (GPU-days)
 * against its accuracy. naslab measures wall time per search job; GPU-hours are given only for
 * searches that ran on a GPU backend, the others are marked CPU.
 */
import { mean, std, type RunKind } from '@naslab/analysis';
import type { TopLevelSpec } from 'vega-lite';

export type SearchDevice = 'CPU' | 'GPU';

/** One finished search job: what the CLI reads from the store. */
export interface SearchJobCost {
  dataset: string;
  method: string;
  /** `random` for the baseline's sampling "search", whose architectures are the random runs. */
  kind: RunKind;
  seed: number | string;
  wallSeconds: number;
  device: SearchDevice;
  /** Compute backend of the search, where it used one (e.g. libtorch, tfjs-node-gpu). */
  backend?: string;
  /** Weights of the largest supernet the search trained, where its history records it. */
  supernetParameters?: number;
  /** What the search trained to rank architectures (one supernet, N sampled children, N candidates, N queries). */
  trained?: ArchitecturesTrained;
  /** The method's search cost as a paper reports it. */
  published?: PublishedSearchCost;
}

/** What one search trained; the same shape as core's contract (the report depends on analysis only). */
export interface ArchitecturesTrained {
  count: number;
  unit: 'supernet' | 'children' | 'candidates' | 'queries' | 'sampled';
}

export interface PublishedSearchCost {
  gpuDays: number;
  source: string;
}

/** Search cost and final accuracy of one dataset × method. */
export interface SearchCostRow {
  dataset: string;
  method: string;
  kind: RunKind;
  /** Search jobs measured; null for a cost taken from a paper. */
  searches: number | null;
  meanSeconds: number;
  totalSeconds: number;
  device: SearchDevice | 'CPU+GPU';
  /** Total GPU-hours of the searches that ran on a GPU; null when none did. */
  gpuHours: number | null;
  backends: string[];
  /** Largest supernet over the group's searches (weights), where a history records one. */
  supernetParameters?: number;
  /** Architectures trained per search (mean over the group's searches that record it). */
  trained?: ArchitecturesTrained;
  /** GPU-days a paper reports for the method's search. */
  published?: PublishedSearchCost;
  /** Runs trained from the method's architectures, and their accuracy (mean ± std). */
  n: number;
  accuracyMean: number | null;
  accuracyStd: number | null;
}

interface ScoredRun {
  dataset: string;
  method: string;
  kind: RunKind;
  /** Random runs: the baseline method that sampled them, where a study has one per space. */
  baseline?: string;
  run: number | string;
  accuracy: number;
}

/**
 * Groups search jobs by dataset × method and pairs each group with the accuracy of the
 * architectures it produced: a searched method's own runs, or for a random baseline its random
 * runs of the dataset (counted once, however many methods they are paired with; with a baseline
 * per space, those that name it as their `baseline`).
 */
export function summarizeSearchCost(costs: readonly SearchJobCost[], runs: readonly ScoredRun[], ddof = 1): SearchCostRow[] {
  const rows: SearchCostRow[] = [];
  const keys = [...new Set(costs.map((c) => `${c.dataset}\u0000${c.method}`))];
  for (const key of keys) {
    const group = costs.filter((c) => `${c.dataset}\u0000${c.method}` === key);
    const { dataset, method, kind } = group[0]!;
    const seconds = group.map((c) => c.wallSeconds);
    const gpu = group.filter((c) => c.device === 'GPU');
    const devices = new Set(group.map((c) => c.device));
    let accuracies: number[];
    if (kind === 'random') {
      const seen = new Map<string, number>();
      for (const r of runs) if (r.dataset === dataset && r.kind === 'random' && (r.baseline ?? method) === method) seen.set(String(r.run), r.accuracy);
      accuracies = [...seen.values()];
    } else {
      accuracies = runs.filter((r) => r.dataset === dataset && r.method === method && r.kind === 'searched').map((r) => r.accuracy);
    }
    accuracies = accuracies.filter(Number.isFinite);
    rows.push({
      dataset,
      method,
      kind,
      searches: group.length,
      meanSeconds: mean(seconds),
      totalSeconds: seconds.reduce((a, b) => a + b, 0),
      device: devices.size > 1 ? 'CPU+GPU' : (group[0]!.device),
      gpuHours: gpu.length ? gpu.reduce((a, c) => a + c.wallSeconds, 0) / 3600 : null,
      backends: [...new Set(group.map((c) => c.backend).filter((b): b is string => !!b))].sort(),
      ...supernetSize(group),
      ...trainedPerSearch(group),
      ...publishedOf(group),
      n: accuracies.length,
      accuracyMean: accuracies.length ? mean(accuracies) : null,
      accuracyStd: accuracies.length > ddof ? std(accuracies, ddof) : null,
    });
  }
  return rows;
}

function supernetSize(group: readonly SearchJobCost[]): { supernetParameters?: number } {
  const sizes = group.map((c) => c.supernetParameters).filter((n): n is number => typeof n === 'number');
  return sizes.length ? { supernetParameters: Math.max(...sizes) } : {};
}

function publishedOf(group: readonly SearchJobCost[]): { published?: PublishedSearchCost } {
  const published = group.find((c) => c.published)?.published;
  return published ? { published } : {};
}

/** The mean count per search, in the unit of the group's first search that records one. */
function trainedPerSearch(group: readonly SearchJobCost[]): { trained?: ArchitecturesTrained } {
  const unit = group.find((c) => c.trained)?.trained?.unit;
  if (!unit) return {};
  const counts = group.flatMap((c) => (c.trained?.unit === unit ? [c.trained.count] : []));
  return { trained: { count: mean(counts), unit } };
}

const UNIT_NAMES: Record<ArchitecturesTrained['unit'], [string, string]> = {
  supernet: ['supernet', 'supernets'],
  children: ['sampled child', 'sampled children'],
  candidates: ['candidate', 'candidates'],
  queries: ['query', 'queries'],
  sampled: ['sampled', 'sampled'],
};

/** "1 supernet", "1,200 sampled children", "none (8 sampled)"; a mean over searches keeps one decimal. */
export function formatArchitecturesTrained(trained: ArchitecturesTrained | undefined): string {
  if (!trained) return '–';
  const n = Number.isInteger(trained.count) ? trained.count.toLocaleString('en-US') : trained.count.toFixed(1);
  if (trained.unit === 'sampled') return `none (${n} sampled)`;
  const [one, many] = UNIT_NAMES[trained.unit];
  return `${n} ${trained.count === 1 ? one : many}`;
}

/**
 * What a search trained, from its stored result: the method's own `cost.trained`; else the
 * benchmark queries core counted (`cost.queries`); else one supernet per size its history
 * records (P-DARTS and StacNAS: one per stage); else, for a random baseline, its architectures
 * as sampled (it trains none).
 */
export function architecturesTrainedOf(result: unknown, randomBaseline: boolean): ArchitecturesTrained | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as { cost?: { trained?: unknown; queries?: unknown }; history?: unknown; architectures?: unknown };
  const t = r.cost?.trained as Partial<ArchitecturesTrained> | undefined;
  if (t && typeof t.count === 'number' && typeof t.unit === 'string' && t.unit in UNIT_NAMES) return { count: t.count, unit: t.unit };
  if (typeof r.cost?.queries === 'number') return { count: r.cost.queries, unit: 'queries' };
  const supernets = supernetSizesOf(r.history).length;
  if (supernets) return { count: supernets, unit: 'supernet' };
  if (randomBaseline && Array.isArray(r.architectures)) return { count: r.architectures.length, unit: 'sampled' };
  return undefined;
}

function supernetSizesOf(history: unknown): number[] {
  if (!history || typeof history !== 'object') return [];
  const h = history as { supernetParameters?: unknown; stages?: unknown };
  const values = [h.supernetParameters, ...(Array.isArray(h.stages) ? h.stages.map((s) => (s as { supernetParameters?: unknown } | null)?.supernetParameters) : [])].flat();
  return values.filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
}

/**
 * The supernet size a search's history records: `supernetParameters` as a number or one per
 * stage (StacNAS), or per stage under `stages[].supernetParameters` (P-DARTS); the largest.
 */
export function supernetParametersOf(history: unknown): number | undefined {
  const sizes = supernetSizesOf(history);
  return sizes.length ? Math.max(...sizes) : undefined;
}

/** "4.2 s", "3 min 05 s", "2 h 07 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The cost cell of a row: wall time per search, and GPU-hours or "CPU". */
export function formatSearchCost(row: SearchCostRow): string {
  const where = row.gpuHours === null ? 'CPU' : `${row.gpuHours.toFixed(row.gpuHours < 0.1 ? 3 : 2)} GPU-h${row.device === 'CPU+GPU' ? ' + CPU' : ''}`;
  return `${formatDuration(row.meanSeconds)} (${where})`;
}

const SHAPES = { CPU: 'circle', GPU: 'square', 'CPU+GPU': 'diamond' } as const;

/** Seconds, minutes or hours: whichever keeps the largest value readable. */
function timeUnit(maxSeconds: number): { name: string; divisor: number } {
  if (maxSeconds < 120) return { name: 's', divisor: 1 };
  if (maxSeconds < 7200) return { name: 'min', divisor: 60 };
  return { name: 'h', divisor: 3600 };
}

/**
 * Accuracy vs search cost per method for one dataset (the paper's Figure 2 reads cost beside
 * accuracy): mean wall time per search on x (log scale when the costs span more than 20×), mean
 * accuracy ± std on y, the device as the mark's shape.
 */
export function searchCostSpec(dataset: string, rows: readonly SearchCostRow[]): TopLevelSpec {
  const own = rows.filter((r) => r.dataset === dataset && r.accuracyMean !== null);
  const unit = timeUnit(Math.max(1, ...own.map((r) => r.meanSeconds)));
  const values = own.map((r) => {
    const std = r.accuracyStd ?? 0;
    return {
      method: r.method,
      cost: Math.max(r.meanSeconds, 0.01) / unit.divisor,
      accuracy: r.accuracyMean,
      lo: r.accuracyMean! - std,
      hi: r.accuracyMean! + std,
      device: r.device,
      label: `${r.method} (${formatSearchCost(r)})`,
    };
  });
  const devices = (['CPU', 'GPU', 'CPU+GPU'] as const).filter((d) => own.some((r) => r.device === d));
  const costs = values.map((v) => v.cost);
  const log = costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20;
  const x = {
    field: 'cost',
    type: 'quantitative',
    title: `search wall time per search (${unit.name}${log ? ', log scale' : ''})`,
    scale: log ? { type: 'log' } : { zero: true, nice: true },
  };
  return {
    title: `${dataset}: test accuracy vs search cost`,
    data: { values },
    width: 560,
    height: 320,
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'method', type: 'nominal' } } },
      {
        mark: { type: 'point', filled: true, size: 140 },
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'top-1 test accuracy (%), mean ± std' },
          color: { field: 'method', type: 'nominal', title: 'method', legend: { orient: 'bottom', columns: 4 } },
          shape: { field: 'device', type: 'nominal', title: 'device', legend: { orient: 'bottom' }, scale: { domain: devices, range: devices.map((d) => SHAPES[d]) } },
          tooltip: [{ field: 'label' }, { field: 'accuracy', format: '.2f' }],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 10, dy: -10, fontSize: 13, clip: false },
        encoding: { x, y: { field: 'accuracy', type: 'quantitative' }, text: { field: 'method' } },
      },
    ],
  } as TopLevelSpec;
}
