import { loadManifest, prepareStudy } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { cliDir, DEFAULT_TRAINER } from '../session.js';

interface ValidateArgs {
  manifest: string;
}

const command: CommandModule<object, ValidateArgs> = {
  command: 'validate <manifest>',
  describe: "Check a manifest and its plugins' options (exit 2 with file:line:field on errors)",
  builder: (y: Argv) => y.positional('manifest', { type: 'string', demandOption: true }) as Argv<ValidateArgs>,
  handler: async (args: ArgumentsCamelCase<ValidateArgs>) => {
    const manifest = await loadManifest(args.manifest);
    const study = await prepareStudy(manifest, { searchFrom: [cliDir], defaultTrainer: DEFAULT_TRAINER });
    const plugins = study.host.all().map((b) => `${b.loaded.packageName}@${b.loaded.version}`);
    process.stdout.write(`${args.manifest}: valid (${plugins.length} plugins: ${plugins.join(', ')})\n`);
  },
};
export default command;
