import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, type Json, type Logger, type RngState } from '@naslab/core';
import type { QueryBudget, QueryBudgetSnapshot } from './query-budget.js';

/** The file a query search keeps its checkpoint in, inside the job's checkpoint folder. */
export const SEARCH_CHECKPOINT_FILE = 'query-search-checkpoint.json';
const FORMAT = 'naslab/query-search-checkpoint';
const VERSION = 1;

/**
 * What a query method sees of its checkpoint. `resume` (once, before any query) gives back the
 * method state saved with the last checkpoint and takes over its queries into the budget; `save`
 * writes the budget and the method's state now (iteration boundaries), `saveIfDue` only when the
 * cadence says so (cheap methods call it after every query).
 */
export interface SearchCheckpoint {
  /**
   * The decoded method state of the checkpoint, with its queries now spent in the budget; or
   * undefined (no checkpoint, or one that does not fit: then the budget stays unused). A `decode`
   * that throws marks the checkpoint as corrupt: it is ignored with a warning.
   */
  resume<T>(decode: (state: Json) => T): T | undefined;
  save(state: Json): void;
  saveIfDue(state: () => Json): void;
}

/** When `saveIfDue` writes: after `everyQueries` new queries, or `everyMs` of wall time (widened to 20× the last write's time, so writing costs at most ~5%). */
export interface CheckpointCadence {
  readonly everyMs?: number;
  readonly everyQueries?: number;
}

/** The stream a benchmark's stochastic observations draw from (`SearchContext.queryStream`): its position is part of the checkpoint. */
export interface ResumableStream {
  state(): RngState;
  restore(state: RngState): void;
}

export interface SearchCheckpointOptions<A> {
  /** The job's checkpoint folder (`SearchContext.checkpointDir`). */
  readonly dir: string;
  readonly method: string;
  /** What must be equal for a checkpoint to belong to this search (the options, the method's seed): digested. */
  readonly identity: Json;
  readonly budget: QueryBudget<A>;
  /** The space's text form back to an architecture (the best of a restored trajectory). */
  readonly parse: (text: string) => A;
  readonly logger?: Logger;
  readonly cadence?: CheckpointCadence;
  readonly queryStream?: ResumableStream;
  /** Called after every write (tests use it to cut a search right after a checkpoint). */
  readonly afterSave?: (file: string, saves: number) => void;
}

/** A checkpoint file's content (JSON). */
export interface SearchCheckpointFile {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly method: string;
  readonly digest: string;
  readonly budget: QueryBudgetSnapshot;
  readonly queryStream: RngState | null;
  readonly state: Json;
}

/** Canonical JSON (sorted keys), so equal identities digest equally whatever their key order. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function identityDigest(identity: Json): string {
  return createHash('sha256').update(canonical(identity)).digest('hex');
}

class FileSearchCheckpoint<A> implements SearchCheckpoint {
  private readonly file: string;
  private readonly digest: string;
  private loaded: SearchCheckpointFile | undefined;
  private resumed = false;
  private saves = 0;
  private savedAt = performance.now();
  private savedQueries = 0;
  private lastWriteMs = 0;

  constructor(private readonly o: SearchCheckpointOptions<A>) {
    this.file = join(o.dir, SEARCH_CHECKPOINT_FILE);
    this.digest = identityDigest(o.identity);
    this.loaded = this.load();
  }

  private warn(why: string): undefined {
    this.o.logger?.warn(`${this.o.method}: ignoring the search checkpoint ${this.file} (${why}); the search starts afresh`);
    return undefined;
  }

  /** The file, if it is there and is this search's; a mismatching or unreadable one is ignored with a warning. */
  private load(): SearchCheckpointFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.warn(`unreadable: ${(e as Error).message}`);
    }
    let c: SearchCheckpointFile;
    try {
      c = JSON.parse(text) as SearchCheckpointFile;
    } catch (e) {
      return this.warn(`not JSON: ${(e as Error).message}`);
    }
    if (c === null || typeof c !== 'object' || c.format !== FORMAT) return this.warn('not a query-search checkpoint');
    if (c.version !== VERSION) return this.warn(`format version ${c.version}, this code reads ${VERSION}`);
    if (c.method !== this.o.method) return this.warn(`written by ${c.method}`);
    if (c.digest !== this.digest) return this.warn('written for other options or another seed');
    if (c.budget === null || typeof c.budget !== 'object') return this.warn('no budget');
    const stream = this.o.queryStream;
    if ((c.queryStream === null) !== (stream === undefined)) return this.warn(stream ? 'no observation stream, which this benchmark draws from' : 'an observation stream this study does not have');
    if (stream && c.queryStream?.seedKey !== stream.state().seedKey) return this.warn("another job's observation stream");
    return c;
  }

  resume<T>(decode: (state: Json) => T): T | undefined {
    if (this.resumed) throw new Error('a search checkpoint is resumed once, before the first query');
    this.resumed = true;
    const c = this.loaded;
    this.loaded = undefined;
    if (!c) return undefined;
    if (this.o.budget.used > 0) throw new Error('resume a search checkpoint before the first query');
    let state: T;
    try {
      state = decode(c.state);
      // All-or-nothing: a snapshot that does not fit leaves the budget unused.
      this.o.budget.restore(c.budget, this.o.parse);
    } catch (e) {
      return this.warn(`corrupt: ${(e as Error).message}`);
    }
    if (c.queryStream) this.o.queryStream?.restore(c.queryStream);
    this.savedQueries = this.o.budget.used;
    this.o.logger?.info(`${this.o.method}: resuming after ${this.o.budget.used} queries from its checkpoint`);
    return state;
  }

  save(state: Json): void {
    const started = performance.now();
    const content: SearchCheckpointFile = {
      format: FORMAT,
      version: VERSION,
      method: this.o.method,
      digest: this.digest,
      budget: this.o.budget.snapshot(),
      queryStream: this.o.queryStream?.state() ?? null,
      state,
    };
    mkdirSync(this.o.dir, { recursive: true });
    // Temp file + rename: a kill at any moment leaves the old checkpoint or the new one, never half of one.
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(content));
    renameSync(temp, this.file);
    this.saves++;
    this.savedAt = performance.now();
    this.lastWriteMs = this.savedAt - started;
    this.savedQueries = this.o.budget.used;
    this.o.afterSave?.(this.file, this.saves);
  }

  saveIfDue(state: () => Json): void {
    const fresh = this.o.budget.used - this.savedQueries;
    if (fresh <= 0) return;
    const { everyMs = 500, everyQueries } = this.o.cadence ?? {};
    const byCount = everyQueries !== undefined && fresh >= everyQueries;
    const byTime = performance.now() - this.savedAt >= Math.max(everyMs, 20 * this.lastWriteMs);
    if (byCount || byTime) this.save(state());
  }

  /** Removes the file once the search has finished (its result goes to the store). */
  discard(): void {
    rmSync(this.file, { force: true });
  }
}

/** A checkpoint that restores and saves nothing (searches run without a checkpoint folder). */
export const inertCheckpoint: SearchCheckpoint & { discard(): void } = {
  resume: () => undefined,
  save: () => {},
  saveIfDue: () => {},
  discard: () => {},
};

/**
 * Opens the checkpoint of a query search in `dir`: reads and validates the file (format version,
 * method id, identity digest, observation stream) now; the method's `resume` restores it.
 */
export function openSearchCheckpoint<A>(o: SearchCheckpointOptions<A>): SearchCheckpoint & { discard(): void } {
  return new FileSearchCheckpoint(o);
}

/**
 * The stream a method's checkpoint state saved (`rng.state()`), validated: it must continue the
 * stream it replaces (same seed key), so a state of another stream is refused, never used.
 */
export function restoreRng(saved: Json | undefined, replaces: Rng): Rng {
  const s = saved as unknown as RngState | undefined;
  const words = s?.s;
  if (!s || s.seedKey !== replaces.seedKey || !Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
    throw new Error(`no state of the stream ${replaces.seedKey}`);
  }
  return Rng.fromState(s);
}
