import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { openStudy } from '../session.js';

interface ValidateArgs {
  manifest: string;
}

const command: CommandModule<object, ValidateArgs> = {
  command: 'validate <manifest>',
  describe: "Check a manifest, its plugins' options, the protocol, the space's capabilities and the tricks' hooks (exit 2 with file:line:field on errors)",
  builder: (y: Argv) => y.positional('manifest', { type: 'string', demandOption: true }) as Argv<ValidateArgs>,
  handler: async (args: ArgumentsCamelCase<ValidateArgs>) => {
    const study = await openStudy(args.manifest);
    // A plugin named by a path is code from a folder, not an installed package: say which.
    const plugins = study.host
      .all()
      .map((b) => `${b.loaded.packageName}@${b.loaded.version}${b.loaded.source === 'path' ? ` (from the folder ${b.loaded.dir})` : ''}`);
    process.stdout.write(`${args.manifest}: valid (${plugins.length} plugins: ${plugins.join(', ')})\n`);
  },
};
export default command;
