/** Worker thread of the batch pipeline: reads images from the cache and transforms a batch. */
import { parentPort } from 'node:worker_threads';
import { CacheReader } from './decoded-cache.js';
import { produceBatch, type BatchJob } from './pipeline.js';

const readers = new Map<string, CacheReader>();

parentPort?.on('message', (m: { id: number; job: BatchJob }) => {
  try {
    let reader = readers.get(m.job.cacheDir);
    if (!reader) {
      reader = new CacheReader(m.job.cacheDir);
      readers.set(m.job.cacheDir, reader);
    }
    const pixels = produceBatch(reader, m.job);
    parentPort!.postMessage({ id: m.id, pixels }, [pixels.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});
