import type { CommandModule } from 'yargs';

/**
 * One `naslab` command: its usage and description (enough for `naslab --help`), and its module,
 * imported only when the command runs or its own `--help` is asked for, so starting the CLI
 * loads one command's dependencies, never all of them. `command` and `describe` repeat the
 * module's own (a test checks that they agree).
 */
export interface CommandEntry {
  /** yargs usage: the name, then its positionals (`run <manifest>`). */
  readonly command: string;
  readonly describe: string;
  readonly load: () => Promise<{ default: CommandModule<object, any> }>;
}

/** Every `naslab` command, in the order `naslab --help` lists them; each lives in its own module. */
export const commands: readonly CommandEntry[] = [
  { command: 'run <manifest>', describe: 'Run a study: every job not yet done (a rerun resumes where it stopped)', load: () => import('./run.js') },
  { command: 'plan <manifest>', describe: 'Print the job DAG of a manifest without running it', load: () => import('./plan.js') },
  {
    command: 'validate <manifest>',
    describe: "Check a manifest, its plugins' options, the protocol, the space's capabilities and the tricks' hooks (exit 2 with file:line:field on errors)",
    load: () => import('./validate.js'),
  },
  { command: 'status [target]', describe: 'Progress of the studies in a results store (a manifest, or a store folder; default .naslab)', load: () => import('./status.js') },
  {
    command: 'report [manifest]',
    describe: "Write a study's report (HTML with inline SVG charts, Markdown, CSV) from stored results, or re-analyse the paper's released data with --paper",
    load: () => import('./report.js'),
  },
  {
    command: 'analyze',
    describe: 'Relative improvement over random sampling, with bootstrap CI, Welch and permutation tests, from result CSVs',
    load: () => import('./analyze.js'),
  },
  {
    command: 'arch <architecture>',
    describe: "Normalise an architecture and count its parameters and FLOPs with its space's cost (text, a file, or a name like DARTS_V2)",
    load: () => import('./arch.js'),
  },
  {
    command: 'plugins',
    describe: 'List installed plugins: kind, id, package, version, the core they are built for; whether each backend can run here',
    load: () => import('./plugins.js'),
  },
  { command: 'new <kind> <name>', describe: 'Scaffold a plugin package (kinds: space, method, dataset, trick, backend, executor, benchmark, trainer) that builds, tests and runs as it is', load: () => import('./new.js') },
  {
    command: 'schema',
    describe: "Print (or write) the JSON Schema of experiment manifests, for editor completion (protocol knobs: the engine trainer's)",
    load: () => import('./schema.js'),
  },
  { command: 'worker <manifest> <job>', describe: 'Run exactly one job of a study (what executors start; see the executor READMEs)', load: () => import('./worker.js') },
];

/** The command a name (the first word of the arguments) selects, if any. */
export function commandNamed(name: string | undefined): CommandEntry | undefined {
  return name === undefined ? undefined : commands.find((c) => c.command.split(' ')[0] === name);
}
