/** Minimal RFC 4180 CSV reading and writing (quoted fields, "" escapes, CRLF or LF). */

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < src.length) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // Drop blank lines.
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

function escapeField(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(escapeField).join(',')).join('\n') + '\n';
}

/** Parses a numeric cell; empty or non-numeric cells give NaN. */
export function parseNumber(cell: string | undefined): number {
  if (cell === undefined) return Number.NaN;
  const t = cell.trim();
  if (t === '' || /^(nan|na|null|none)$/i.test(t)) return Number.NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Numeric matrix from a CSV with a header row, optionally skipping leading id columns. */
export function parseNumericTable(text: string, options: { skipColumns?: number } = {}): { header: string[]; rows: number[][] } {
  const [header = [], ...body] = parseCsv(text);
  const skip = options.skipColumns ?? 0;
  return { header: header.slice(skip).map((h) => h.trim()), rows: body.map((r) => r.slice(skip).map(parseNumber)) };
}
