import { DEFAULT_DDOF, mean, std } from './descriptive.js';

export interface ProtocolRuns {
  /** Training-protocol name (e.g. "Cutout"). */
  protocol: string;
  /** Accuracies of the same architectures trained with this protocol. */
  values: number[];
}

export interface AblationRow {
  protocol: string;
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** mean − mean(base), in accuracy points. */
  deltaVsBase: number;
  /** 100 × (mean − mean(base)) / mean(base). */
  relativeDeltaVsBase: number;
}

export interface AblationTable {
  base: string;
  ddof: number;
  rows: AblationRow[];
}

/**
 * Protocol-ablation table: mean, std (ddof 1 by default), min, max and the
 * change of the mean relative to the `base` protocol (default: the first one).
 */
export function ablationTable(
  protocols: readonly ProtocolRuns[],
  options: { base?: string; ddof?: number } = {},
): AblationTable {
  if (protocols.length === 0) throw new Error('ablation needs at least one protocol');
  const base = options.base ?? protocols[0].protocol;
  const baseRuns = protocols.find((p) => p.protocol === base);
  if (!baseRuns) throw new Error(`base protocol "${base}" not found`);
  const ddof = options.ddof ?? DEFAULT_DDOF;
  const baseMean = mean(baseRuns.values);
  return {
    base,
    ddof,
    rows: protocols.map((p) => {
      const m = mean(p.values);
      return {
        protocol: p.protocol,
        n: p.values.length,
        mean: m,
        std: std(p.values, ddof),
        min: Math.min(...p.values),
        max: Math.max(...p.values),
        deltaVsBase: m - baseMean,
        relativeDeltaVsBase: (100 * (m - baseMean)) / baseMean,
      };
    }),
  };
}
