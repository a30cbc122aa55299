/** Manifest text → raw value, with a locator from field paths to line:column. */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { InputError } from './errors.js';
import type { ManifestSource } from './manifest-types.js';

/** Deepest nesting of mappings and lists a manifest may have (a study needs under 10). */
export const MAX_NESTING = 64;
/** Alias expansions a manifest may make (a "billion laughs" document makes billions). */
const MAX_ALIAS_COUNT = 100;

/** Parse YAML text, keeping where every node is. */
export function yamlSource(file: string, text: string): ManifestSource & { raw: unknown } {
  const tooDeep = flowNesting(text);
  if (tooDeep) throw new InputError({ file, ...tooDeep, message: `invalid YAML: nested more than ${MAX_NESTING} levels deep` });
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // Duplicate keys are found below in one pass: the library's own check is quadratic in a mapping's size.
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (e) {
    // The parser recurses per level: a deep block nesting overflows the stack.
    if (e instanceof RangeError) throw new InputError({ file, line: 1, column: 1, message: `invalid YAML: nested too deeply (more than ${MAX_NESTING} levels)` });
    throw e;
  }
  // A tag the YAML core schema does not know (`!!binary`, `!!python/object`, `!custom`) is a warning to
  // the library, which then reads the value as a string; a manifest has no use for it.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) {
    throw new InputError(
      problems.slice(0, 20).map((e) => {
        const pos = e.linePos?.[0];
        const message = /call stack/i.test(e.message) ? `nested too deeply (more than ${MAX_NESTING} levels)` : e.message.split('\n')[0];
        const key = e.code === 'DUPLICATE_KEY' ? keyAt(text, e.pos[0]) : undefined;
        return { file, line: pos?.line, column: pos?.col, message: `invalid YAML: ${message}${key ? ` (the key "${key}" appears twice)` : ''}` };
      }),
    );
  }
  const duplicate = duplicateKey(doc, lineCounter);
  if (duplicate) {
    throw new InputError({ file, line: duplicate.line, column: duplicate.column, message: `invalid YAML: map keys must be unique (the key "${duplicate.key}" appears twice)` });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = (e as Error).message;
    const at = aliasProblemAt(doc, lineCounter);
    if (/alias count/i.test(message)) {
      throw new InputError({ file, ...at, message: `invalid YAML: aliases expand to too much (more than ${MAX_ALIAS_COUNT} alias expansions); write the values out` });
    }
    if (e instanceof ReferenceError || /alias/i.test(message)) throw new InputError({ file, ...at, message: `invalid YAML: ${message.split('\n')[0]}` });
    if (e instanceof RangeError) throw new InputError({ file, line: 1, column: 1, message: `invalid YAML: nested too deeply (more than ${MAX_NESTING} levels)` });
    throw e;
  }
  const deep = valueNesting(raw);
  if (deep) {
    throw new InputError({ file, ...locateInYaml(doc, lineCounter, deep), message: `invalid YAML: nested more than ${MAX_NESTING} levels deep` });
  }
  const locate = (path: (string | number)[]) => locateInYaml(doc, lineCounter, path);
  return { file, raw, locate };
}

/** The first key that appears twice in one mapping, and where its second appearance is. */
function duplicateKey(doc: Document, lc: LineCounter): { key: string; line?: number; column?: number } | undefined {
  let found: { key: string; line?: number; column?: number } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const pos = pair.key.range ? lc.linePos(pair.key.range[0]) : undefined;
          found = { key: key.length > 80 ? `${key.slice(0, 77)}...` : key, line: pos?.line, column: pos?.col };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** The key written at `offset` of the text (for a duplicate-key error). */
function keyAt(text: string, offset: number): string | undefined {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#\n,{}[\]]+?))\s*:/.exec(text.slice(offset, offset + 300));
  const key = m?.[1] ?? m?.[2] ?? m?.[3];
  return key === undefined ? undefined : key.length > 80 ? `${key.slice(0, 77)}...` : key;
}

/** Where the first alias of a document is (undefined aliases and alias bombs are reported there). */
function aliasProblemAt(doc: Document, lc: LineCounter): { line?: number; column?: number } {
  let at: { line?: number; column?: number } = {};
  visit(doc, {
    Alias(_, node) {
      if (node.range) {
        const pos = lc.linePos(node.range[0]);
        at = { line: pos.line, column: pos.col };
      }
      return visit.BREAK;
    },
  });
  return at;
}

/** Line and column where flow brackets (`[`, `{`) nest deeper than MAX_NESTING, if they do. */
function flowNesting(text: string): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let col = 0;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    col++;
    if (c === '\n') {
      line++;
      col = 0;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return { line, column: col };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/** Path to a value nested deeper than MAX_NESTING, if any (iterative: no recursion to overflow). */
function valueNesting(raw: unknown): (string | number)[] | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: raw, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (path.length >= MAX_NESTING) return path;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    else for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: [...path, k] });
  }
  return undefined;
}

/** Each mapping's pairs by key, built once (locating 10,000 keys one by one must not be quadratic). */
const pairIndex = new WeakMap<object, Map<string, Pair>>();
function pairOf(map: YAMLMap, key: string | number): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p as Pair);
    pairIndex.set(map, index);
  }
  return index.get(String(key));
}

/** The deepest node along `path` that exists (a missing field points at its parent). */
function locateInYaml(doc: Document, lc: LineCounter, path: (string | number)[]) {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = pairOf(node, key);
      if (!pair) break;
      node = pair.value;
      const keyNode = pair.key as Node;
      best = isNodeWithRange(node) ? node : keyNode;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!isNodeWithRange(node)) break;
      best = node;
    } else break;
  }
  if (!best?.range) return {};
  const pos = lc.linePos(best.range[0]);
  return { line: pos.line, column: pos.col };
}

/** `a.b[2].c` → ['a', 'b', 2, 'c'] (inverse of formatPath). */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function isNodeWithRange(node: unknown): node is Node {
  return !!node && typeof node === 'object' && 'range' in node;
}

