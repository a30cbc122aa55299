/** zod issues → located input problems, with "did you mean" suggestions. */
import type { z } from 'zod';
import { formatPath, type InputProblem } from './errors.js';
import type { ManifestSource } from './manifest-types.js';

/**
 * Turn zod issues into located problems. Union failures are unwrapped to the branch that
 * matches the input's shape, so a bad option inside `{ id, options }` is reported there.
 */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  source: ManifestSource,
  prefix: (string | number)[],
  knownKeys: (path: (string | number)[]) => readonly string[] | undefined = () => undefined,
): InputProblem[] {
  const out: InputProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
      const branches = issue.errors as z.core.$ZodIssue[][];
      // The branch whose type matched the input (e.g. the mapping form of a plugin reference)
      // explains the error best; if none matched, say which types were expected.
      const matched = branches.find((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (matched) {
        out.push(...zodProblems(matched, source, path, knownKeys));
        continue;
      }
      const value = valueAt(source.raw, path);
      const message =
        value === undefined
          ? `required field is missing (expected ${describeUnion(branches)})`
          : `expected ${describeUnion(branches)}, got ${typeName(value)}`;
      out.push({ file: source.file, ...source.locate(path), path: formatPath(path), message });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      // The first few, and a count: 10,000 unknown keys are one mistake, not 10,000 messages.
      const shown = issue.keys.slice(0, MAX_UNKNOWN_KEYS);
      const known = knownKeys(path) ?? [];
      // Beside a plugin's `id`, an unknown key is most often one of the plugin's own options written one level too high.
      const pluginRef = known.includes('id') && known.includes('options');
      for (const key of shown) {
        const hint = suggest(key, known);
        const misplaced = pluginRef && !hint.startsWith(' (did you mean') ? `; a plugin's own options go under its \`options:\`` : '';
        out.push({
          file: source.file,
          ...source.locate([...path, key]),
          path: formatPath([...path, key]),
          message: `unknown field "${printableKey(key)}"${hint}${misplaced}${valueAt(source.raw, [...path, key]) === null ? ' (its value is empty: null)' : ''}`,
        });
      }
      if (issue.keys.length > shown.length) {
        out.push({ file: source.file, ...source.locate(path), path: formatPath(path), message: `… and ${issue.keys.length - shown.length} more unknown fields` });
      }
      continue;
    }
    out.push({ file: source.file, ...source.locate(path), path: formatPath(path), message: issueMessage(issue, valueAt(source.raw, path)) });
  }
  return out;
}

const MAX_UNKNOWN_KEYS = 10;

function printableKey(key: string): string {
  const shown = JSON.stringify(key).slice(1, -1);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    if (typeof value === 'number' && !Number.isFinite(value)) return `expected a finite ${issue.expected}, got ${String(value)}`;
    return value === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${typeName(value)}`;
  }
  return issue.message;
}

function describeUnion(branches: z.core.$ZodIssue[][]): string {
  const kinds = branches.map((b) => (b[0]?.code === 'invalid_type' && b[0].path.length === 0 ? b[0].expected : 'object'));
  return [...new Set(kinds)].join(' or ');
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  // JSON has no NaN or infinities: print numbers as numbers (.nan, .inf, 1e309 read as NaN, Infinity).
  if (typeof v === 'number') return `number ${String(v)}`;
  const text = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** The value at a field path of a raw (parsed, unvalidated) manifest. */
export function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v && typeof v === 'object') v = (v as Record<string | number, unknown>)[k];
    else return undefined;
  }
  return v;
}

/** ` (did you mean "x"?)` for a near miss, else the list of known keys. */
export function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  // An edit distance is quadratic in the key's length: a long key is no near miss of a short one.
  for (const k of key.length > 64 ? [] : known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  if (best) return ` (did you mean "${best}"?)`;
  return known.length ? ` (known: ${known.join(', ')})` : '';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}

