/** One trained architecture: the unit every import format is converted to. */
export type RunKind = 'random' | 'searched';

export interface RunRecord {
  dataset: string;
  /** Search method the run belongs to; random runs carry the method they are the baseline of. */
  method: string;
  kind: RunKind;
  /** Run / seed identifier within dataset × method × kind. */
  run: number | string;
  /** Top-1 test accuracy in %. */
  accuracy: number;
  /** Optional per-epoch test accuracy curve (%), epoch 1 first. */
  curve?: number[];
}

/** Distinct values in first-seen order. */
export function uniqueInOrder<T>(values: Iterable<T>): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  for (const v of values) {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}
