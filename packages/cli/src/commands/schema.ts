import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileKind, InputError, manifestJsonSchema, systemPathProblem } from '@naslab/core';
import { engineProtocolSchema } from '@naslab/engine/protocol';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface SchemaArgs {
  out?: string;
}

/** Why the schema cannot be written to `file`: a system path, not a regular file, or no folder to hold it. */
function outFileProblem(file: string): string | undefined {
  const system = systemPathProblem(file);
  if (system) return system;
  if (existsSync(file) && !statSync(file).isFile()) return `${file} is ${fileKind(statSync(file))}, not a file to write`;
  const dir = dirname(file);
  if (!existsSync(dir)) return `${dir} does not exist (the schema is written into an existing folder)`;
  if (!statSync(dir).isDirectory()) return `${dir} is ${fileKind(statSync(dir))}, not a folder`;
  return undefined;
}

const command: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: "Print (or write) the JSON Schema of experiment manifests, for editor completion (protocol knobs: the engine trainer's)",
  builder: (y: Argv) => y.option('out', { type: 'string', describe: 'Write to this file' }) as Argv<SchemaArgs>,
  handler: (args: ArgumentsCamelCase<SchemaArgs>) => {
    const text = JSON.stringify({ $id: 'https://naslab.dev/manifest.schema.json', title: 'naslab experiment manifest', ...manifestJsonSchema({ protocol: engineProtocolSchema }) }, null, 2) + '\n';
    if (args.out) {
      const problem = outFileProblem(resolve(args.out));
      if (problem) throw new InputError({ file: '--out', message: problem });
      writeFileSync(args.out, text);
    }
    else process.stdout.write(text);
  },
};
export default command;
