import { writeFileSync } from 'node:fs';
import { manifestJsonSchema } from '@naslab/core';
import { engineProtocolSchema } from '@naslab/engine/protocol';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface SchemaArgs {
  out?: string;
}

const command: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: "Print (or write) the JSON Schema of experiment manifests, for editor completion (protocol knobs: the engine trainer's)",
  builder: (y: Argv) => y.option('out', { type: 'string', describe: 'Write to this file' }) as Argv<SchemaArgs>,
  handler: (args: ArgumentsCamelCase<SchemaArgs>) => {
    const text = JSON.stringify({ $id: 'https://naslab.dev/manifest.schema.json', title: 'naslab experiment manifest', ...manifestJsonSchema({ protocol: engineProtocolSchema }) }, null, 2) + '\n';
    if (args.out) writeFileSync(args.out, text);
    else process.stdout.write(text);
  },
};
export default command;
