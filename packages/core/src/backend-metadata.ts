/**
 * What a backend package says about itself in its package.json, so that `backend: auto` can rank
 * and pre-check backends without importing them (importing one loads its native addon or tfjs):
 *
 *     "naslab": { "kind": "backend", "backend": { "id": "libtorch", "priority": 100,
 *       "speed": { "vsPyTorch": [0.8, 1.05], "measured": "…" },
 *       "requires": { "file": "addon-status.json", "field": "built", "resolves": "…", "fix": "…" } } }
 *
 * `requires` is the light check: a file in the package that must exist (with `field` true), a
 * module that must resolve from the package. A backend that fails it is reported unavailable and
 * never imported; one that passes is imported when probed, and its own probe has the last word.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BackendProbe, BackendSpeed } from './contracts.js';

export interface DeclaredBackend {
  readonly id: string;
  readonly priority: number;
  readonly speed?: BackendSpeed;
  readonly requires?: { readonly file?: string; readonly field?: string; readonly resolves?: string; readonly fix?: string };
}

/** The backend metadata of a package.json, or undefined when it declares none (or not in this form). */
export function declaredBackend(pkg: Record<string, any>): DeclaredBackend | undefined {
  const b = pkg?.naslab?.backend;
  if (!b || typeof b.id !== 'string' || !b.id || typeof b.priority !== 'number' || !Number.isFinite(b.priority)) return undefined;
  const speed = b.speed && Array.isArray(b.speed.vsPyTorch) && b.speed.vsPyTorch.length === 2 && typeof b.speed.measured === 'string' ? (b.speed as BackendSpeed) : undefined;
  const r = b.requires && typeof b.requires === 'object' ? b.requires : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const requires = r ? { file: str(r.file), field: str(r.field), resolves: str(r.resolves), fix: str(r.fix) } : undefined;
  return { id: b.id, priority: b.priority, ...(speed ? { speed } : {}), ...(requires ? { requires } : {}) };
}

/** The light check of a declared backend in package folder `dir`: undefined when it passes. */
export function declaredBackendProblem(dir: string, declared: DeclaredBackend): BackendProbe | undefined {
  const r = declared.requires;
  if (!r) return undefined;
  const unavailable = (reason: string): BackendProbe => ({ available: false, reason, ...(r.fix ? { fix: r.fix } : {}) });
  if (r.file) {
    const file = join(dir, r.file);
    if (!existsSync(file)) return unavailable(`${declared.id}: ${r.file} is missing (not built on this machine)`);
    if (r.field) {
      let value: unknown;
      try {
        value = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[r.field];
      } catch (e) {
        return unavailable(`${declared.id}: ${r.file} is not readable JSON: ${(e as Error).message}`);
      }
      if (value !== true) return unavailable(`${declared.id}: ${r.file} says ${r.field} is ${JSON.stringify(value)}`);
    }
  }
  if (r.resolves) {
    try {
      createRequire(join(dir, 'package.json')).resolve(r.resolves);
    } catch {
      return unavailable(`${declared.id}: ${r.resolves} is not installed`);
    }
  }
  return undefined;
}
