/** Manifest text → raw value, with a locator from field paths to line:column. */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError } from './errors.js';
import type { ManifestSource } from './manifest-types.js';

/** Parse YAML text, keeping where every node is. */
export function yamlSource(file: string, text: string): ManifestSource & { raw: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { file, line: pos?.line, column: pos?.col, message: `invalid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const locate = (path: (string | number)[]) => locateInYaml(doc, lineCounter, path);
  return { file, raw: doc.toJS({ maxAliasCount: 100 }), locate };
}

/** The deepest node along `path` that exists (a missing field points at its parent). */
function locateInYaml(doc: Document, lc: LineCounter, path: (string | number)[]) {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
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

