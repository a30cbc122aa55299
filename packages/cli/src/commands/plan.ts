import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { openStudy } from '../session.js';

interface PlanArgs {
  manifest: string;
  json: boolean;
}

const command: CommandModule<object, PlanArgs> = {
  command: 'plan <manifest>',
  describe: 'Print the job DAG of a manifest without running it',
  builder: (y: Argv) =>
    y
      .positional('manifest', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'JSON array of jobs' }) as Argv<PlanArgs>,
  handler: async (args: ArgumentsCamelCase<PlanArgs>) => {
    const study = await openStudy(args.manifest);
    const jobs = study.jobs;
    if (args.json) {
      process.stdout.write(
        JSON.stringify(
          jobs.map((j) => ({ id: j.id, kind: j.kind, parents: j.parents, dataset: j.dataset, method: j.method, seed: j.seed, protocol: j.protocol ?? null, index: j.index ?? null, spec: j.spec })),
          null,
          2,
        ) + '\n',
      );
      return;
    }
    const count = (k: string) => jobs.filter((j) => j.kind === k).length;
    process.stdout.write(
      `study ${study.manifest.name} (manifest ${study.manifest.hash}): ${jobs.length} jobs — ${count('search')} search, ${count('train')} train, ${count('evaluate')} evaluate\n`,
    );
    for (const j of jobs) {
      const where = `${j.dataset}/${j.method}/seed ${j.seed}${j.index !== undefined ? ` #${j.index}` : ''}${j.protocol ? ` [${j.protocol}]` : ''}`;
      process.stdout.write(`${j.id}  ${j.kind.padEnd(8)} ${where}${j.parents.length ? `  ← ${j.parents.join(', ')}` : ''}\n`);
    }
  },
};
export default command;
