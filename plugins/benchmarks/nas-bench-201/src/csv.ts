import { readFileSync } from 'node:fs';
import { readableFileProblem } from '@naslab/core';
import { NB201_SIZE, NasBench201Space } from '@naslab/space-nas-bench-201';
import { emptyRowOfIndex, TableFormatError, type Nb201Table } from './table.js';

const REQUIRED = ['index', 'arch_str'] as const;

/** Split one CSV line; quotes are handled only when the line has any (rare in these tables). */
function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parse an NB201 CSV laid out as `index, arch_str, ops, <dataset>_<split>_acc…, params_m`
 * (any further columns are kept: numeric ones as float64, others as text). Each row's
 * `arch_str` must match its official `index` (and `ops`, when present). Errors name the file,
 * the line and the column.
 */
export function parseNb201Csv(text: string, source: string): Nb201Table {
  const space = new NasBench201Space();
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    lines.push(line);
    start = end + 1;
  }
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (!lines.length) throw new TableFormatError(source, 1, 'empty file (expected a header line: index,arch_str,ops,…)');
  const header = splitLine(lines[0]!.replace(/^\uFEFF/, '')).map((h) => h.trim());
  for (const r of REQUIRED) {
    if (!header.includes(r)) throw new TableFormatError(source, 1, `missing column "${r}" in the header (found: ${header.join(', ')})`);
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new TableFormatError(source, 1, `column "${h}" appears twice`);
    seen.add(h);
  }
  const iIndex = header.indexOf('index');
  const iArch = header.indexOf('arch_str');
  const iOps = header.indexOf('ops');
  const rows = lines.length - 1;
  const first = rows > 0 ? splitLine(lines[1]!) : [];

  // Accuracy and size columns are numeric by name; other columns when their first value is.
  const numericByName = /(_acc|_m|_ms|_latency|_seeds)$/;
  const numericCols: { name: string; at: number; data: Float64Array }[] = [];
  const textCols: { name: string; at: number; data: string[] }[] = [];
  header.forEach((name, at) => {
    if (at === iIndex || at === iArch || at === iOps) return;
    const v = first[at]?.trim() ?? '';
    if (numericByName.test(name) || v === '' || Number.isFinite(Number(v))) numericCols.push({ name, at, data: new Float64Array(rows) });
    else textCols.push({ name, at, data: new Array<string>(rows) });
  });

  const index = new Int32Array(rows);
  const rowOfIndex = emptyRowOfIndex();
  for (let r = 0; r < rows; r++) {
    const lineNo = r + 2;
    const f = splitLine(lines[r + 1]!);
    if (f.length !== header.length) throw new TableFormatError(source, lineNo, `expected ${header.length} fields (${header.join(',')}), found ${f.length}`);
    const idx = Number(f[iIndex]);
    if (!Number.isInteger(idx) || idx < 0 || idx >= NB201_SIZE) throw new TableFormatError(source, lineNo, `column "index": expected an integer in 0..${NB201_SIZE - 1}, found "${f[iIndex]}"`);
    if (rowOfIndex[idx] !== -1) throw new TableFormatError(source, lineNo, `index ${idx} appears twice (first on line ${rowOfIndex[idx]! + 2})`);
    let arch: ReturnType<typeof space.parse>;
    try {
      arch = space.parse(f[iArch]!);
    } catch (e) {
      throw new TableFormatError(source, lineNo, `column "arch_str": ${(e as Error).message}`);
    }
    if (space.index(arch) !== idx) {
      throw new TableFormatError(source, lineNo, `arch_str ${f[iArch]} has official index ${space.index(arch)}, but the row says ${idx}`);
    }
    if (iOps >= 0 && f[iOps] !== arch.join('-')) {
      throw new TableFormatError(source, lineNo, `column "ops": "${f[iOps]}" does not match arch_str (expected ${arch.join('-')})`);
    }
    index[r] = idx;
    rowOfIndex[idx] = r;
    for (const c of numericCols) {
      const s = f[c.at]!;
      // An accuracy is a percentage or an error: a missing or impossible one is never data.
      if (c.name.endsWith('_acc')) {
        const v = s.trim() === '' ? Number.NaN : Number(s);
        if (!Number.isFinite(v)) throw new TableFormatError(source, lineNo, `column "${c.name}": expected an accuracy in % (0..100), found "${s}"`);
        if (v < 0 || v > 100) throw new TableFormatError(source, lineNo, `column "${c.name}": accuracy ${v} is outside 0..100 (%)`);
        c.data[r] = v;
        continue;
      }
      if (s === '' || s === 'nan' || s === 'NaN') {
        c.data[r] = Number.NaN;
        continue;
      }
      const v = Number(s);
      if (!Number.isFinite(v)) throw new TableFormatError(source, lineNo, `column "${c.name}": expected a number, found "${s}"`);
      c.data[r] = v;
    }
    for (const c of textCols) c.data[r] = f[c.at]!;
  }
  return {
    source,
    rows,
    index,
    rowOfIndex,
    columns: new Map(numericCols.map((c) => [c.name, c.data])),
    textColumns: new Map(textCols.map((c) => [c.name, c.data])),
  };
}

/** Largest table file read (the full NB201 tables are 2–9 MB). */
const MAX_TABLE_BYTES = 256 * 1024 * 1024;

export function loadNb201Csv(file: string): Nb201Table {
  const unreadable = readableFileProblem(file, { maxBytes: MAX_TABLE_BYTES, what: 'table' });
  if (unreadable) throw new TableFormatError(file, undefined, unreadable);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TableFormatError(file, undefined, `cannot read the table: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  if (text.includes('\0')) throw new TableFormatError(file, 1, 'the table is binary (it contains NUL bytes), not CSV text');
  return parseNb201Csv(text, file);
}
