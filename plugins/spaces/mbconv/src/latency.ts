/**
 * The latency model of Single-Path NAS (dstamoulis/single-path-nas, `nas-search/superkernel.py`,
 * `singlepath_supernet.py`): a per-layer look-up table measured on a device (the reference's
 * `pixel1_runtime_model.json`, Pixel 1, ms), read through the superkernel's decisions:
 *
 *   R_ch    = d50c · (R_50c + d100c · (R_100c − R_50c))
 *   R_layer = R_ch · (R3x3 / R5x5) + R_ch · (1 − R3x3 / R5x5) · d5x5
 *   R_total = 19.5999 ms (stem, head, first and last block) + Σ R_layer
 *
 * with R_50c = column 2 (5×5, expansion 3), R_100c = R5x5 = column 3 (5×5, expansion 6) and
 * R3x3 = column 1 (3×3, expansion 6) of the layer's row. Column 0 (3×3, expansion 3) is not read
 * by the formula: a 3×3/e3 layer costs R_50c · R3x3 / R5x5. Layers that may be skipped get a fifth
 * entry, the 0.7 ms placeholder, which the reference uses only to mark them (the formula's d50c = 0
 * makes a skipped layer cost 0).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@naslab/core';
import { parseDocument } from 'yaml';
import { BACKBONE_LAYERS, SEARCHABLE_LAYERS } from './backbone.js';
import { isMbconvArch, type LayerChoice, type MbconvArch } from './arch.js';

/** The reference's constant: stem, head, logits, block 0 and block 21 (ms). */
export const REFERENCE_CONSTANT_MS = 19.5999;
/** The reference's entry appended to skippable layers ("negligible value for skip-op"). */
export const SKIP_PLACEHOLDER_MS = 0.7;

/** A device's look-up table: per backbone block (0..21), the four columns in ms. */
export interface LatencyTable {
  /** Row per block index: [k3e3, k3e6, k5e3, k5e6] in ms. */
  readonly rows: ReadonlyArray<readonly [number, number, number, number]>;
  /** Where it was read from. */
  readonly source: string;
}

/** The three decisions of a layer's superkernel, as 0/1. */
export interface Decisions {
  readonly d5x5: number;
  readonly d50c: number;
  readonly d100c: number;
}

/** The decisions that select `choice` (the inverse of the reference's `encode_single_path_nas_arch`). */
export function decisionsOf(choice: LayerChoice): Decisions {
  switch (choice) {
    case 'k3e3':
      return { d5x5: 0, d50c: 1, d100c: 0 };
    case 'k3e6':
      return { d5x5: 0, d50c: 1, d100c: 1 };
    case 'k5e3':
      return { d5x5: 1, d50c: 1, d100c: 0 };
    case 'k5e6':
      return { d5x5: 1, d50c: 1, d100c: 1 };
    case 'skip':
      return { d5x5: 0, d50c: 0, d100c: 0 };
  }
}

/** The choice hard decisions select (`encode_single_path_nas_arch`): d50c = 0 is a skip. */
export function choiceOf(d: Decisions): LayerChoice {
  if (d.d50c < 0.5) return 'skip';
  if (d.d5x5 >= 0.5) return d.d100c >= 0.5 ? 'k5e6' : 'k5e3';
  return d.d100c >= 0.5 ? 'k3e6' : 'k3e3';
}

/** The runtimes list the reference gives searchable layer `i` (4 entries, plus the placeholder if skippable). */
export function layerRuntimes(table: LatencyTable, i: number): number[] {
  const layer = SEARCHABLE_LAYERS[i]!;
  const row = table.rows[layer.block]!;
  return layer.skippable ? [...row, SKIP_PLACEHOLDER_MS] : [...row];
}

/** One layer's latency from its runtimes and decisions (the formula of `DepthwiseConv2DMasked.build`). */
export function layerLatency(runtimes: readonly number[], d: Decisions): number {
  const [, r3x3, r50c, r100c] = runtimes as [number, number, number, number];
  const r5x5 = r100c;
  const ratio = r3x3 / r5x5;
  const channels = d.d50c * (r50c + d.d100c * (r100c - r50c));
  return channels * ratio + channels * (1 - ratio) * d.d5x5;
}

/** Predicted latency (ms) of an architecture: the constant plus each searchable layer's term. */
export function predictLatency(arch: MbconvArch, table: LatencyTable, constantMs = REFERENCE_CONSTANT_MS): number {
  if (!isMbconvArch(arch)) throw new Error(`not an MBConv-space architecture: ${JSON.stringify(arch)}`);
  let total = constantMs;
  arch.forEach((choice, i) => {
    total += layerLatency(layerRuntimes(table, i), decisionsOf(choice));
  });
  return total;
}

function lineColumnOf(message: string, text: string): { line?: number; column?: number } {
  const pos = /position (\d+)/.exec(message);
  if (!pos) return {};
  const before = text.slice(0, Number(pos[1])).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/**
 * Parse a table in the reference's format: a JSON object with one key per backbone block ("0" to
 * "21"), each an object with keys "0".."3" (k3e3, k3e6, k5e3, k5e6) holding positive ms. Bad input
 * is an `InputError` at the file (line:column for JSON syntax) and the field.
 */
export function parseLatencyTable(text: string, file = '<latency table>'): LatencyTable {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // JSON is YAML: its parser says where the first syntax error is.
    const first = parseDocument(text).errors[0];
    const at = first?.linePos?.[0] ? { line: first.linePos[0].line, column: first.linePos[0].col } : lineColumnOf((err as Error).message, text);
    throw new InputError({ file, ...at, message: `not valid JSON: ${(err as Error).message}` });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError({ file, message: 'expected an object with one entry per layer ("0" … "21")' });
  }
  const obj = data as Record<string, unknown>;
  const rows: Array<[number, number, number, number]> = [];
  for (const layer of BACKBONE_LAYERS) {
    const key = String(layer.block);
    const row = obj[key];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new InputError({ file, path: key, message: `missing layer ${key}: expected {"0": ms, "1": ms, "2": ms, "3": ms} (k3e3, k3e6, k5e3, k5e6)` });
    }
    const values: number[] = [];
    for (let c = 0; c < 4; c++) {
      const v = (row as Record<string, unknown>)[String(c)];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new InputError({ file, path: `${key}.${c}`, message: `expected a positive latency in ms, got ${JSON.stringify(v)}` });
      }
      values.push(v);
    }
    rows.push(values as [number, number, number, number]);
  }
  const extra = Object.keys(obj).filter((k) => !/^\d+$/.test(k) || Number(k) >= BACKBONE_LAYERS.length);
  if (extra.length) throw new InputError({ file, path: extra[0], message: `unknown layer "${extra[0]}": the backbone has layers 0 … ${BACKBONE_LAYERS.length - 1}` });
  return { rows, source: file };
}

/** Read a table file (see `parseLatencyTable`). */
export function readLatencyTable(file: string): LatencyTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError({ file, message: `cannot read the latency table: ${(err as Error).message}` });
  }
  return parseLatencyTable(text, file);
}
