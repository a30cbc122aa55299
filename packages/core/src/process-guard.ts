/**
 * Plugin code that ends or breaks the process from inside a job — `process.exit`, an exception
 * thrown from a timer, a promise rejection nobody handles — would otherwise kill the whole study
 * and leave the job `running` with no error stored. Executors that run jobs in this process run
 * each one through a {@link ProcessGuard}: the job fails with what happened, the study goes on.
 */

/** `process.exit` called by plugin code while a job ran (it throws this instead of exiting). */
export class PluginExitError extends Error {
  readonly exitCode: string | number | null | undefined;
  constructor(exitCode: string | number | null | undefined) {
    super(`plugin code called process.exit(${exitCode ?? ''}) during the job (a plugin must throw an error, not end the process)`);
    this.name = 'PluginExitError';
    this.exitCode = exitCode;
  }
}

/** What a guarded run came to: its value, or the process-level failure that ended it. */
export type GuardedOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** The job's failure, for the store: what happened, and its stack when there is one. */
      readonly error: string;
      /** The run's own promise, which may still settle (its code was not stopped). */
      readonly late: Promise<T>;
    };

interface ActiveRun {
  readonly label: string;
  fail(error: string): void;
  exitCalled?: PluginExitError;
}

export interface ProcessGuardOptions {
  /** An async error while no guarded run is active (a stray timer of a job that ended): said, never fatal. */
  readonly onStray?: (error: string, lastLabel: string | undefined) => void;
}

function describe(kind: string, e: unknown): string {
  if (e instanceof PluginExitError) return e.message;
  if (e instanceof Error) return `${kind}: ${e.message}\n${e.stack ?? ''}`;
  return `${kind}: ${String(e)}`;
}

/**
 * Between `install()` and `dispose()`, `process.exit` throws a {@link PluginExitError} and
 * uncaught exceptions and unhandled rejections are attributed to the run active when they
 * happen (`run`), instead of ending the process. Runs of one guard may overlap; an error then
 * fails every run active at that moment, since the process cannot tell whose code it was.
 */
export class ProcessGuard {
  private readonly active = new Set<ActiveRun>();
  private lastLabel: string | undefined;
  private originalExit: typeof process.exit | undefined;
  private readonly onUncaught = (e: unknown) => this.attribute(describe('uncaught exception thrown asynchronously by plugin code', e));
  private readonly onRejection = (e: unknown) => this.attribute(describe('unhandled promise rejection in plugin code', e));

  constructor(private readonly options: ProcessGuardOptions = {}) {}

  install(): this {
    if (this.originalExit) return this;
    this.originalExit = process.exit;
    const exit = (code?: string | number | null) => {
      const error = new PluginExitError(code);
      // Noted on every active run, so that a plugin catching the throw still fails its job.
      for (const run of this.active) run.exitCalled ??= error;
      if (this.active.size === 0) this.options.onStray?.(error.message, this.lastLabel);
      throw error;
    };
    process.exit = exit as typeof process.exit;
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onRejection);
    return this;
  }

  dispose(): void {
    if (!this.originalExit) return;
    process.exit = this.originalExit;
    this.originalExit = undefined;
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onRejection);
  }

  /** Run `fn` (one job); the guard must be installed. */
  async run<T>(label: string, fn: () => Promise<T>): Promise<GuardedOutcome<T>> {
    if (!this.originalExit) throw new Error('ProcessGuard.run before install()');
    let failed!: (error: string) => void;
    const failure = new Promise<string>((resolve) => (failed = resolve));
    const entry: ActiveRun = { label, fail: (e) => failed(e) };
    this.active.add(entry);
    this.lastLabel = label;
    const late = fn();
    // Its rejection after the guard gave up on it is the caller's to see, not a stray error.
    late.catch(() => undefined);
    try {
      const first = await Promise.race([late.then((value) => ({ value })), failure.then((error) => ({ error }))]);
      if ('error' in first) return { ok: false, error: first.error, late };
      if (entry.exitCalled) return { ok: false, error: entry.exitCalled.message, late };
      return { ok: true, value: first.value };
    } finally {
      this.active.delete(entry);
    }
  }

  private attribute(error: string): void {
    if (this.active.size === 0) {
      this.options.onStray?.(error, this.lastLabel);
      return;
    }
    for (const run of this.active) run.fail(error);
  }
}
