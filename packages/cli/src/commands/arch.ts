import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface ArchArgs {
  genotype: string;
  space: string;
  cells: number;
  channels: number;
  classes: number;
  input: string;
  flops: boolean;
  json: boolean;
}

export interface ArchReport {
  space: string;
  /** Canonical text of the genotype. */
  genotype: string;
  cells: number;
  channels: number;
  classes: number;
  input: [number, number, number];
  /** Trainable parameters, auxiliary head excluded (as DARTS counts). */
  params: number;
  paramsM: number;
  /**
   * Multiply-adds of one forward pass at `input` (what NAS papers report as FLOPs); absent
   * with `--no-flops` (counting runs the network once on the CPU backend: ≈ 15 s at L=20, C=36).
   */
  flops?: number;
  flopsM?: number;
}

export interface ArchOptions {
  cells: number;
  channels: number;
  classes: number;
  input: readonly [number, number, number];
  /** Count FLOPs (builds the network and runs one image through it); default true. */
  flops?: boolean;
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
 * The genotype argument: a file holding genotype text, a name from the space's `GENOTYPES`
 * (e.g. `DARTS_V2`), or the text itself. Parse errors become `InputError`s
 * (`file:line:column: cell, node, edge: what`), which the CLI prints and exits 2 on.
 */
export async function readDartsGenotype(arg: string) {
  const darts = await import('@naslab/space-darts');
  const isFile = existsSync(arg) && statSync(arg).isFile();
  const file = isFile ? arg : '<genotype>';
  const text = isFile ? readFileSync(arg, 'utf8') : arg;
  try {
    return darts.resolveGenotype(text);
  } catch (err) {
    if (err instanceof darts.GenotypeError) {
      const p = err.position;
      const where = err.message.slice(0, err.message.length - err.reason.length).replace(/^\d+:\d+: /, '').replace(/: $/, '');
      throw new InputError({ file, line: p.line, column: p.column, path: where || undefined, message: err.reason });
    }
    throw err;
  }
}

/** Normalised genotype, exact parameter count and multiply-adds of the DARTS network. */
export async function describeDartsArchitecture(genotypeArg: string, o: ArchOptions): Promise<ArchReport> {
  const darts = await import('@naslab/space-darts');
  const genotype = await readDartsGenotype(genotypeArg);
  // tfjs is loaded only here, not when the CLI starts.
  const { buildDartsNetwork, countDartsParameters } = await darts.loadDartsNetwork();
  const params = countDartsParameters(genotype, { channels: o.channels, cells: o.cells, classes: o.classes, inputShape: o.input });
  let flops: number | undefined;
  if (o.flops !== false) {
    const { countFlops } = await import('@naslab/engine');
    const { Rng } = await import('@naslab/core');
    const network = buildDartsNetwork(genotype, {
      channels: o.channels,
      cells: o.cells,
      classes: o.classes,
      inputShape: o.input,
      rng: new Rng('naslab-arch'),
    });
    try {
      flops = countFlops(network, o.input);
    } finally {
      network.dispose();
    }
  }
  return {
    space: 'darts',
    genotype: darts.formatGenotype(genotype),
    cells: o.cells,
    channels: o.channels,
    classes: o.classes,
    input: [...o.input],
    params,
    paramsM: params / 1e6,
    ...(flops === undefined ? {} : { flops, flopsM: flops / 1e6 }),
  };
}

export function formatArchReport(r: ArchReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `space       ${r.space}`,
    `genotype    ${r.genotype}`,
    `network     ${r.cells} cells, ${r.channels} initial channels, ${r.classes} classes`,
    `parameters  ${n(r.params)} (${r.paramsM.toFixed(2)} M; auxiliary head excluded)`,
    ...(r.flops === undefined ? [] : [`FLOPs       ${n(r.flops)} multiply-adds (${r.flopsM!.toFixed(1)} M) at ${r.input.join('×')}`]),
  ].join('\n');
}

const command: CommandModule<object, ArchArgs> = {
  command: 'arch <genotype>',
  describe: 'Normalise an architecture and count its parameters and FLOPs (genotype text, a file, or a name like DARTS_V2)',
  builder: (y: Argv) =>
    y
      .positional('genotype', { type: 'string', demandOption: true, describe: 'genotype text, a file holding it, or a known name' })
      .option('space', { type: 'string', choices: ['darts'], default: 'darts', describe: 'search space' })
      .option('cells', { type: 'number', default: 20, describe: 'cells L (DARTS evaluation: 20)' })
      .option('channels', { type: 'number', default: 36, describe: 'initial channels C (DARTS evaluation: 36)' })
      .option('classes', { type: 'number', default: 10, describe: 'output classes' })
      .option('input', { type: 'string', default: '32x32x3', describe: 'input size HxWxC for the FLOP count' })
      .option('flops', { type: 'boolean', default: true, describe: 'count FLOPs (slow for big networks; --no-flops skips)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<ArchArgs>,
  handler: async (args: ArgumentsCamelCase<ArchArgs>) => {
    for (const key of ['cells', 'channels', 'classes'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) {
        throw new InputError({ file: '<arguments>', path: key, message: `expected a positive integer, got ${args[key]}` });
      }
    }
    const report = await describeDartsArchitecture(args.genotype, {
      cells: args.cells,
      channels: args.channels,
      classes: args.classes,
      input: parseInputShape(args.input),
      flops: args.flops,
    });
    process.stdout.write((args.json ? JSON.stringify(report, null, 2) : formatArchReport(report)) + '\n');
  },
};
export default command;
