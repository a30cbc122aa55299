/**
 * Plugin code that ends or breaks the process from inside a job — `process.exit`,
 * `process.abort`, `process.kill` of its own process, an exception thrown from a timer, a promise
 * rejection nobody handles — would otherwise kill the whole study and leave the job `running`
 * with no error stored. Executors that run jobs in this process run each one through a
 * {@link ProcessGuard}: the job fails with what happened, the study goes on.
 */
import { constants } from 'node:os';

/** A call by plugin code that would end this process; under the guard it throws this instead. */
export class PluginEndedProcessError extends Error {
  constructor(readonly call: string) {
    super(`plugin code called ${call} during the job (a plugin must throw an error, not end the process)`);
    this.name = 'PluginEndedProcessError';
  }
}

/** `process.exit` called by plugin code while a job ran (it throws this instead of exiting). */
export class PluginExitError extends PluginEndedProcessError {
  readonly exitCode: string | number | null | undefined;
  constructor(exitCode: string | number | null | undefined) {
    super(`process.exit(${exitCode ?? ''})`);
    this.name = 'PluginExitError';
    this.exitCode = exitCode;
  }
}

/**
 * Signals whose default action neither ends nor stops a Node process (0 only checks that the
 * process exists; Node ignores SIGPIPE and opens its inspector on SIGUSR1). Any other signal sent
 * to this process is intercepted, even one with a listener: the runner's own SIGTERM and SIGINT
 * listeners mean "stop the study", which a plugin's job must not ask for.
 */
const HARMLESS_SIGNALS = new Set(['SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH', 'SIGUSR1', 'SIGPIPE']);

/** The signal's name, `0` for the existence check, or undefined for one this system does not know. */
function signalName(signal: string | number | undefined): string | undefined {
  if (signal === undefined) return 'SIGTERM';
  if (signal === 0 || signal === '0') return '0';
  if (typeof signal === 'number') return Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
  return signal in constants.signals ? signal : undefined;
}

/**
 * Whether `process.kill(pid, signal)` would end or stop this process: aimed at it (its pid, 0 for
 * its process group, -1 for every process it may signal, or minus its pid for the group it leads)
 * with a signal that is not harmless.
 */
export function killsThisProcess(pid: number, signal: string | number | undefined): boolean {
  const target = Number(pid);
  if (target !== process.pid && target !== 0 && target !== -1 && target !== -process.pid) return false;
  const name = signalName(signal);
  return name !== undefined && name !== '0' && !HARMLESS_SIGNALS.has(name);
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
  /** The first call that would have ended the process (noted, since plugin code may catch the throw). */
  endCalled?: PluginEndedProcessError;
}

export interface ProcessGuardOptions {
  /** An async error while no guarded run is active (a stray timer of a job that ended): said, never fatal. */
  readonly onStray?: (error: string, lastLabel: string | undefined) => void;
}

function describe(kind: string, e: unknown): string {
  if (e instanceof PluginEndedProcessError) return e.message;
  if (e instanceof Error) return `${kind}: ${e.message}\n${e.stack ?? ''}`;
  return `${kind}: ${String(e)}`;
}

/**
 * Between `install()` and `dispose()`, `process.exit`, `process.abort` and a `process.kill` that
 * would end or stop this process (see {@link killsThisProcess}; other kills pass through) throw a
 * {@link PluginEndedProcessError}, and uncaught exceptions and unhandled rejections are
 * attributed to the run active when they happen (`run`), instead of ending the process. Runs of
 * one guard may overlap; an error then fails every run active at that moment, since the process
 * cannot tell whose code it was.
 */
export class ProcessGuard {
  private readonly active = new Set<ActiveRun>();
  private lastLabel: string | undefined;
  private originals: { exit: typeof process.exit; abort: typeof process.abort; kill: typeof process.kill } | undefined;
  private readonly onUncaught = (e: unknown) => this.attribute(describe('uncaught exception thrown asynchronously by plugin code', e));
  private readonly onRejection = (e: unknown) => this.attribute(describe('unhandled promise rejection in plugin code', e));

  constructor(private readonly options: ProcessGuardOptions = {}) {}

  install(): this {
    if (this.originals) return this;
    const originals = { exit: process.exit, abort: process.abort, kill: process.kill };
    this.originals = originals;
    const ended = (error: PluginEndedProcessError): never => {
      // Noted on every active run, so that a plugin catching the throw still fails its job.
      for (const run of this.active) run.endCalled ??= error;
      if (this.active.size === 0) this.options.onStray?.(error.message, this.lastLabel);
      throw error;
    };
    process.exit = ((code?: string | number | null) => ended(new PluginExitError(code))) as typeof process.exit;
    process.abort = (() => ended(new PluginEndedProcessError('process.abort()'))) as typeof process.abort;
    process.kill = ((pid: number, signal?: string | number) => {
      if (!killsThisProcess(pid, signal)) return originals.kill.call(process, pid, signal);
      return ended(new PluginEndedProcessError(`process.kill(${pid}, ${typeof signal === 'string' ? signal : (signal ?? 'SIGTERM')}) on its own process`));
    }) as typeof process.kill;
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onRejection);
    return this;
  }

  dispose(): void {
    if (!this.originals) return;
    process.exit = this.originals.exit;
    process.abort = this.originals.abort;
    process.kill = this.originals.kill;
    this.originals = undefined;
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onRejection);
  }

  /** Run `fn` (one job); the guard must be installed. */
  async run<T>(label: string, fn: () => Promise<T>): Promise<GuardedOutcome<T>> {
    if (!this.originals) throw new Error('ProcessGuard.run before install()');
    let failed!: (error: string) => void;
    const failure = new Promise<string>((resolve) => (failed = resolve));
    const entry: ActiveRun = { label, fail: (e) => failed(e) };
    this.active.add(entry);
    this.lastLabel = label;
    const late = fn();
    // Its rejection after the guard gave up on it is the caller's to see, not a stray error.
    late.catch(() => undefined);
    try {
      const first = await Promise.race([
        late.then(
          (value) => ({ value }),
          (e: unknown) => {
            // The run's own throw of a process-ending call (not caught by its code) is that call.
            if (entry.endCalled) return { error: entry.endCalled.message };
            throw e;
          },
        ),
        failure.then((error) => ({ error })),
      ]);
      if ('error' in first) return { ok: false, error: first.error, late };
      if (entry.endCalled) return { ok: false, error: entry.endCalled.message, late };
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
