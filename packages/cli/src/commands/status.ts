import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, InputError, isExecutableManifest, loadManifest, loadPlugin, PluginHost, rootContainer, type Executor, type IngestReport, type Manifest, type ResultStore } from '@naslab/core';
import { SqliteResultStore } from '@naslab/store';
import { cliDir } from '../session.js';
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
    if (isExecutableManifest(target)) throw new InputError(readOnlyRefusal(target, 'status'));
    if (/\.(ya?ml|json)$/i.test(target)) {
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
      // Executors that run jobs elsewhere (slurm) bring in what finished since the last look.
      const ingested = new Map<string, IngestReport>();
      for (const s of studies) {
        // A manifest that is code (.mjs) runs only when the user named it here.
        if (!only && !/\.(ya?ml|json)$/i.test(s.manifestFile)) continue;
        const r = await ingestFor(s.manifestFile, store);
        if (r) ingested.set(s.name, r);
      }
      const report = studies.map((s) => {
        const counts = { done: 0, running: 0, pending: 0, failed: 0, skipped: 0, diverged: 0 };
        const failures: { id: string; error: string }[] = [];
        // Attempts cut short by the death of their runner (kill -9, out of memory), since the last reset.
        let interrupted = 0;
        for (const id of s.jobIds) {
          const rec = store.getJob(id);
          const st = rec?.status ?? 'pending';
          counts[st]++;
          interrupted += rec?.interrupted ?? 0;
          if (st === 'failed') failures.push({ id, error: rec?.error?.split('\n')[0] ?? '' });
        }
        const ingest = ingested.get(s.name);
        return {
          name: s.name,
          manifest: s.manifestFile,
          manifestHash: s.manifestHash,
          total: s.jobIds.length,
          ...counts,
          interrupted,
          failures,
          ...(ingest ? { ingested: ingest.ingested } : {}),
        };
      });
      if (args.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      if (!report.length) process.stdout.write(`no studies in ${storeDir}\n`);
      for (const r of report) {
        for (const note of ingested.get(r.name)?.notes ?? []) process.stdout.write(`${note}\n`);
        process.stdout.write(
          `${r.name}: ${r.done}/${r.total} done, ${r.running} running/interrupted, ${r.pending} pending, ${r.failed} failed, ${r.skipped} skipped${r.diverged ? `, ${r.diverged} diverged` : ''}${r.interrupted ? `; ${r.interrupted} attempt${r.interrupted === 1 ? '' : 's'} interrupted (runner killed), not counted as failures` : ''}  (${r.manifest})\n`,
        );
        for (const f of r.failures) process.stdout.write(`  failed ${f.id}: ${f.error}\n`);
      }
    } finally {
      store.close();
    }
  },
};

/**
 * Let the study's executor ingest what its jobs left elsewhere, if it is that kind of executor.
 * Only the executor plugin is loaded (no data is read). A manifest that moved or no longer loads
 * is reported and skipped: the store's counts are still printed.
 */
async function ingestFor(manifestFile: string, store: ResultStore): Promise<IngestReport | undefined> {
  if (!existsSync(manifestFile)) return undefined;
  if (isExecutableManifest(manifestFile)) {
    process.stderr.write(`note: ${manifestFile} is code; \`naslab status\` does not run it, so results its executor left elsewhere are not ingested (\`naslab run\` ingests them)\n`);
    return undefined;
  }
  let manifest: Manifest;
  try {
    manifest = await loadManifest(manifestFile);
  } catch (e) {
    process.stderr.write(`warning: ${manifestFile} no longer loads, results its executor left elsewhere are not ingested: ${(e as Error).message}\n`);
    return undefined;
  }
  const ref = manifest.executor;
  let executor: Executor;
  try {
    const loaded = await loadPlugin('executor', ref.id, { searchFrom: [manifest.dir, cliDir, process.cwd()], where: { file: manifest.file, ...manifest.locate(ref.path) } });
    const container = rootContainer.createChildContainer();
    const host = new PluginHost(container);
    host.bind('executor', loaded, ref, manifest);
    executor = await host.instantiate(container, 'executor', ref.label);
  } catch (e) {
    process.stderr.write(`warning: the executor of ${manifestFile} does not load here, results it left elsewhere are not ingested: ${(e as Error).message}\n`);
    return undefined;
  }
  if (typeof executor.ingest !== 'function') return undefined;
  try {
    return await executor.ingest({ store, logger: createLogger({ level: 'warn' }) });
  } catch (e) {
    process.stderr.write(`warning: ${ref.id} could not bring in results: ${(e as Error).message}\n`);
    return undefined;
  }
}

export default command;

/** Why a read-only command does not take a manifest that is code. */
export function readOnlyRefusal(file: string, command: string): { file: string; message: string } {
  return {
    file,
    message: `this manifest is code (loading it runs it), and \`naslab ${command}\` only reads results: give the study's results folder (\`naslab status <store>\`) or a YAML/JSON form of the manifest`,
  };
}
