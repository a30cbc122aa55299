import { NB201_SIZE } from '@naslab/space-nas-bench-201';

/**
 * A NAS-Bench-201 results table held column by column in typed arrays (15,625 rows × a few
 * float64 columns ≈ 1 MB), so loading and look-ups stay cheap.
 */
export interface Nb201Table {
  /** File the table came from (for messages). */
  readonly source: string;
  readonly rows: number;
  /** Official NB201 index of each row. */
  readonly index: Int32Array;
  /** Row holding each official index (length 15,625), -1 where the table lacks it. */
  readonly rowOfIndex: Int32Array;
  /** Numeric columns by name (accuracies in %, `params_m`, …); NaN marks a missing value. */
  readonly columns: ReadonlyMap<string, Float64Array>;
  /** Non-numeric extra columns, kept as text. */
  readonly textColumns: ReadonlyMap<string, readonly string[]>;
}

export class TableFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'TableFormatError';
  }
}

export function emptyRowOfIndex(): Int32Array {
  return new Int32Array(NB201_SIZE).fill(-1);
}

/** The column, or an error naming the file and the columns it does have. */
export function requireColumn(table: Nb201Table, name: string, why: string): Float64Array {
  const col = table.columns.get(name);
  if (!col) {
    throw new TableFormatError(table.source, undefined, `missing column "${name}" (${why}); numeric columns present: ${[...table.columns.keys()].join(', ')}`);
  }
  return col;
}
