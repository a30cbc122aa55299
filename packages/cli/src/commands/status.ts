import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, loadManifest } from '@naslab/core';
import { SqliteResultStore } from '@naslab/store';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

interface StatusArgs {
  target?: string;
  json: boolean;
}

const command: CommandModule<object, StatusArgs> = {
  command: 'status [target]',
  describe: 'Progress of the studies in a results store (a manifest, or a store folder; default .naslab)',
  builder: (y: Argv) =>
    y
      .positional('target', { type: 'string', describe: 'Manifest file or results folder' })
      .option('json', { type: 'boolean', default: false }) as Argv<StatusArgs>,
  handler: async (args: ArgumentsCamelCase<StatusArgs>) => {
    const target = args.target ?? '.naslab';
    let storeDir = resolve(target);
    let only: string | undefined;
    if (/\.(ya?ml|json|m?js)$/i.test(target)) {
      const manifest = await loadManifest(target);
      storeDir = manifest.store;
      only = manifest.name;
    }
    if (!existsSync(join(storeDir, 'naslab.db'))) {
      throw new InputError({ file: target, message: `no results store here (${join(storeDir, 'naslab.db')} does not exist); run a study first` });
    }
    const store = new SqliteResultStore(storeDir);
    try {
      const studies = store.listStudies().filter((s) => !only || s.name === only);
      const report = studies.map((s) => {
        const counts = { done: 0, running: 0, pending: 0, failed: 0, skipped: 0 };
        const failures: { id: string; error: string }[] = [];
        for (const id of s.jobIds) {
          const rec = store.getJob(id);
          const st = rec?.status ?? 'pending';
          counts[st]++;
          if (st === 'failed') failures.push({ id, error: rec?.error?.split('\n')[0] ?? '' });
        }
        return { name: s.name, manifest: s.manifestFile, manifestHash: s.manifestHash, total: s.jobIds.length, ...counts, failures };
      });
      if (args.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      if (!report.length) process.stdout.write(`no studies in ${storeDir}\n`);
      for (const r of report) {
        process.stdout.write(
          `${r.name}: ${r.done}/${r.total} done, ${r.running} running/interrupted, ${r.pending} pending, ${r.failed} failed, ${r.skipped} skipped  (${r.manifest})\n`,
        );
        for (const f of r.failures) process.stdout.write(`  failed ${f.id}: ${f.error}\n`);
      }
    } finally {
      store.close();
    }
  },
};
export default command;
