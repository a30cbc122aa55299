import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  hasCapability,
  InputError,
  instantiatePlugin,
  loadPlugin,
  ParseError,
  type ArchitectureSize,
  type CostSpace,
  type SearchSpace,
} from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { cliDir } from '../session.js';

interface ArchArgs {
  architecture: string;
  space: string;
  cells?: number;
  channels?: number;
  classes?: number;
  input?: string;
  variant?: string;
  flops: boolean;
  json: boolean;
}

export interface ArchReport {
  space: string;
  /** The space's `variant` option, when one was given (e.g. DARTS' `pt.darts`). */
  variant?: string;
  /** Canonical text of the architecture (the space's `format`). */
  architecture: string;
  cells: number;
  channels: number;
  classes: number;
  input: [number, number, number];
  /** Trainable parameters, auxiliary heads excluded (as DARTS counts). */
  params: number;
  paramsM: number;
  /**
   * Multiply-adds of one forward pass at `input` (what NAS papers report as FLOPs); absent with
   * `--no-flops` (counting may build and run the network once: DARTS at L=20, C=36 ≈ 15 s).
   */
  flops?: number;
  flopsM?: number;
}

/** `32x32x3`, `32,32,3` or `32` (square, 3 channels) → [h, w, c]. */
export function parseInputShape(text: string): [number, number, number] {
  const parts = text.split(/[x×,]/).map((s) => Number(s.trim()));
  const shape = parts.length === 1 ? [parts[0]!, parts[0]!, 3] : parts;
  if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InputError({ file: '<arguments>', path: 'input', message: `expected HxWxC (e.g. 32x32x3), got '${text}'` });
  }
  return shape as [number, number, number];
}

/**
 * The space a `--space` id names (any installed space plugin, by short id, package or path),
 * created with its default options (plus `variant`, when given); it must have the `cost` capability.
 */
export async function openCostSpace(id: string, o: { variant?: string } = {}): Promise<CostSpace<unknown>> {
  const where = { file: '<arguments>', path: 'space' };
  const loaded = await loadPlugin('space', id, { searchFrom: [process.cwd(), cliDir], where });
  const options = o.variant === undefined ? {} : { variant: o.variant };
  const checked = loaded.definition.options?.safeParse(options);
  if (o.variant !== undefined && !checked?.success) {
    const issue = checked && !checked.success ? checked.error.issues[0]?.message : 'the space takes no options';
    throw new InputError({ file: '<arguments>', path: 'variant', message: `space "${id}" (${loaded.packageName}) has no variant "${o.variant}": ${issue}` });
  }
  const space = (await instantiatePlugin(loaded.definition, options)) as SearchSpace<unknown>;
  if (!(loaded.definition.capabilities ?? []).includes('cost') || !hasCapability(space, 'cost')) {
    throw new InputError({ ...where, message: `space "${id}" (${loaded.packageName}) has no cost capability: it cannot count parameters or FLOPs` });
  }
  return space;
}

/**
 * The architecture argument: a file holding its text, or the text itself (DARTS also takes a name
 * such as `DARTS_V2`), parsed by the space. A `ParseError` becomes an `InputError` at its place
 * (`file:line:column: where: reason`), which the CLI prints and exits 2 on.
 */
export function readArchitecture(space: SearchSpace<unknown>, arg: string): unknown {
  const isFile = existsSync(arg) && statSync(arg).isFile();
  const file = isFile ? arg : '<architecture>';
  const text = isFile ? readFileSync(arg, 'utf8') : arg;
  try {
    return space.parse(text);
  } catch (err) {
    if (ParseError.is(err)) throw new InputError({ file, line: err.line, column: err.column, path: err.where, message: err.reason });
    throw new InputError({ file, message: `not a ${space.id} architecture: ${err instanceof Error ? err.message : String(err)}` });
  }
}

export interface ArchOptions {
  readonly cells?: number;
  readonly channels?: number;
  readonly classes?: number;
  readonly input?: readonly [number, number, number];
  /** Count FLOPs (builds the network and runs one image through it); default true. */
  readonly flops?: boolean;
  /** The space's `variant` option (DARTS: `quark0`, the default, or `pt.darts`). */
  readonly variant?: string;
}

/** Canonical text, parameters and multiply-adds of an architecture, through its space's `cost`. */
export async function describeArchitecture(spaceId: string, arg: string, o: ArchOptions = {}): Promise<ArchReport> {
  const space = await openCostSpace(spaceId, { variant: o.variant });
  const arch = readArchitecture(space, arg);
  const d = space.evaluationSize;
  const size: ArchitectureSize = { cells: o.cells ?? d.cells, channels: o.channels ?? d.channels, classes: o.classes ?? d.classes, inputShape: o.input ?? d.inputShape };
  const { params, flops } = await space.cost(arch, size, { flops: o.flops !== false });
  return {
    space: space.id,
    ...(o.variant === undefined ? {} : { variant: o.variant }),
    architecture: space.format(arch),
    cells: size.cells,
    channels: size.channels,
    classes: size.classes,
    input: [...size.inputShape],
    params,
    paramsM: params / 1e6,
    ...(flops === undefined ? {} : { flops, flopsM: flops / 1e6 }),
  };
}

export function formatArchReport(r: ArchReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `space         ${r.space}${r.variant === undefined ? '' : ` (variant ${r.variant})`}`,
    `architecture  ${r.architecture}`,
    `network       ${r.cells} cells, ${r.channels} initial channels, ${r.classes} classes`,
    `parameters    ${n(r.params)} (${r.paramsM.toFixed(2)} M; auxiliary head excluded)`,
    ...(r.flops === undefined ? [] : [`FLOPs         ${n(r.flops)} multiply-adds (${r.flopsM!.toFixed(1)} M) at ${r.input.join('×')}`]),
  ].join('\n');
}

const command: CommandModule<object, ArchArgs> = {
  command: 'arch <architecture>',
  describe: "Normalise an architecture and count its parameters and FLOPs with its space's cost (text, a file, or a name like DARTS_V2)",
  builder: (y: Argv) =>
    y
      .positional('architecture', { type: 'string', demandOption: true, describe: 'architecture text, a file holding it, or a name the space knows' })
      .option('space', { type: 'string', default: 'darts', describe: 'search space plugin (short id, package or path) with the cost capability' })
      .option('cells', { type: 'number', describe: "cells L (default: the space's evaluation size; DARTS 20)" })
      .option('channels', { type: 'number', describe: "initial channels C (default: the space's; DARTS 36)" })
      .option('classes', { type: 'number', describe: "output classes (default: the space's; 10)" })
      .option('input', { type: 'string', describe: "input size HxWxC (default: the space's; 32x32x3)" })
      .option('variant', { type: 'string', describe: "the space's variant option (DARTS: quark0, the default, or pt.darts: pt.darts' pool + BN edges)" })
      .option('flops', { type: 'boolean', default: true, describe: 'count FLOPs (slow for big networks; --no-flops skips)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<ArchArgs>,
  handler: async (args: ArgumentsCamelCase<ArchArgs>) => {
    for (const key of ['cells', 'channels', 'classes'] as const) {
      const v = args[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
        throw new InputError({ file: '<arguments>', path: key, message: `expected a positive integer, got ${v}` });
      }
    }
    const report = await describeArchitecture(args.space, args.architecture, {
      cells: args.cells,
      channels: args.channels,
      classes: args.classes,
      input: args.input === undefined ? undefined : parseInputShape(args.input),
      flops: args.flops,
      variant: args.variant,
    });
    process.stdout.write((args.json ? JSON.stringify(report, null, 2) : formatArchReport(report)) + '\n');
  },
};
export default command;
