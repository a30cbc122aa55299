import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Hex sha256 of the canonical JSON of `value`, cut to `length` characters. */
export function contentHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/**
 * Hex sha256 of the bytes of `files`, in order (each file's length is hashed too, so the split
 * between files matters), cut to `length` characters: what a dataset or benchmark plugin returns
 * from `dataIdentity`. Reads every byte each time (CIFAR-10's 178 MB: about half a second), so
 * that a file rewritten in place is never mistaken for the old one.
 */
export async function fileDigest(files: readonly string[], length = 16): Promise<string> {
  const whole = createHash('sha256');
  for (const file of files) {
    const h = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    whole.update(`${size}:${h.digest('hex')}\n`);
  }
  return whole.digest('hex').slice(0, length);
}
