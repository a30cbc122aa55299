/** Exit codes of the naslab command line, documented in the CLI's README (packages/cli). */
export const ExitCode = {
  ok: 0,
  jobFailures: 1,
  badInput: 2,
  /** A bug (in naslab or a plugin): the stack trace is printed. */
  internalError: 3,
} as const;

/** Where in a manifest something is wrong. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted field path, e.g. `methods[1].options.epochs`. */
  path?: string;
}

export interface InputProblem extends SourceLocation {
  message: string;
}

/**
 * Bad input from the user (manifest, plugin name, options, data file). The CLI prints
 * `file:line:column: field: message` for each problem and exits 2, never a stack trace.
 */
export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[] | InputProblem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

export function formatProblem(p: InputProblem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  const field = p.path ? ` ${p.path}:` : '';
  return `${where}:${field} ${p.message}`;
}

/** A plugin could not be found, loaded, or targets another plugin-API major version. */
export class PluginError extends InputError {
  constructor(problem: InputProblem) {
    super(problem);
    this.name = 'PluginError';
  }
}

/**
 * A malformed architecture text (what a space's `parse` throws): the reason, and where — line and
 * column in the text, and a description of the place (`normal cell, node 3 (edge 3 of 8)`). The
 * message reads `line:column: where: reason`; `naslab arch` shows it at the file's line.
 */
export class ParseError extends Error {
  readonly reason: string;
  readonly line?: number;
  readonly column?: number;
  readonly where?: string;
  constructor(reason: string, at: { line?: number; column?: number; where?: string } = {}) {
    const parts: string[] = [];
    if (at.line !== undefined && at.column !== undefined) parts.push(`${at.line}:${at.column}`);
    if (at.where) parts.push(at.where);
    super((parts.length ? parts.join(': ') + ': ' : '') + reason);
    this.name = 'ParseError';
    this.reason = reason;
    this.line = at.line;
    this.column = at.column;
    this.where = at.where;
  }

  /** True for a ParseError from any copy of core (a bundler or test runner may load two). */
  static is(e: unknown): e is ParseError {
    return e instanceof ParseError || (e instanceof Error && (e as { [PARSE_ERROR]?: boolean })[PARSE_ERROR] === true);
  }
}

const PARSE_ERROR = Symbol.for('naslab.ParseError');
Object.defineProperty(ParseError.prototype, PARSE_ERROR, { value: true });

/**
 * A training whose loss became NaN or infinite: it stops at once and its job is recorded as
 * `diverged` (with the epoch and step), a result of the protocol, not a failure to retry and not
 * an accuracy to average.
 */
export class DivergedError extends Error {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  constructor(at: { epoch: number; step: number; loss: number }) {
    super(`training diverged at epoch ${at.epoch + 1}, step ${at.step + 1}: the loss is ${String(at.loss)}`);
    this.name = 'DivergedError';
    this.epoch = at.epoch;
    this.step = at.step;
    this.loss = at.loss;
  }

  /** True for a DivergedError from any copy of core. */
  static is(e: unknown): e is DivergedError {
    return e instanceof DivergedError || (e instanceof Error && (e as { [DIVERGED_ERROR]?: boolean })[DIVERGED_ERROR] === true);
  }
}

/** Epoch and step (1-based, as the message says them) of a stored {@link DivergedError} message. */
export function divergedAt(message: string | undefined): { epoch: number; step: number } | undefined {
  const m = /diverged at epoch (\d+), step (\d+)/.exec(message ?? '');
  return m ? { epoch: Number(m[1]), step: Number(m[2]) } : undefined;
}

const DIVERGED_ERROR = Symbol.for('naslab.DivergedError');
Object.defineProperty(DivergedError.prototype, DIVERGED_ERROR, { value: true });
