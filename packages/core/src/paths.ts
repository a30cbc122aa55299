/**
 * Paths a manifest names (its store, a plugin's data files): one rule everywhere. `$VAR` and
 * `${VAR}` expand from the environment (an unset variable is an error, never a literal folder
 * name), and a relative path is relative to the manifest's folder. Special files are refused by
 * their type before anything reads them: a FIFO or `/dev/zero` would hang a reader, `/proc`
 * files lie about their size.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath, sep } from 'node:path';
import { z } from 'zod';

/** `$VAR` / `${VAR}` from `env`; throws (a message for the user) when one is not set. */
export function expandVariables(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`the path names $${name}, which is not set in the environment`);
    return v;
  });
}

/** A manifest's path, variables expanded, absolute (relative ones against `baseDir`, the manifest's folder). */
export function resolveManifestPath(path: string, baseDir: string): string {
  const expanded = expandVariables(path);
  return isAbsolute(expanded) ? resolvePath(expanded) : resolvePath(baseDir, expanded);
}

const SYSTEM_ROOTS = ['/proc', '/sys', '/dev'];

/** Why `path` is a system folder naslab must not read or write (`/proc`, `/sys`, `/dev`), or undefined. */
export function systemPathProblem(path: string): string | undefined {
  const abs = resolvePath(path);
  const root = SYSTEM_ROOTS.find((r) => abs === r || abs.startsWith(`${r}${sep}`));
  return root ? `${abs} is under ${root}, a system folder, not a place for naslab's files` : undefined;
}

/** `a FIFO`, `a character device`, … for a stat that is not a regular file or a folder. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Why a folder naslab creates or writes into (a store, a report folder) cannot be used, or
 * undefined: it is a system folder, it exists and is not a folder, or it would have to be created
 * under something that is not a folder.
 */
export function writableFolderProblem(path: string): string | undefined {
  const abs = resolvePath(path);
  const system = systemPathProblem(abs);
  if (system) return system;
  try {
    const st = statOrUndefined(abs);
    if (st) return st.isDirectory() ? undefined : `${abs} is ${fileKind(st)}, not a folder`;
    for (let dir = dirname(abs); ; dir = dirname(dir)) {
      const up = statOrUndefined(dir);
      if (up) return up.isDirectory() ? undefined : `${abs} cannot be created: ${dir} is ${fileKind(up)}, not a folder`;
      if (dirname(dir) === dir) return undefined;
    }
  } catch (e) {
    return `${abs} cannot be used: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

/**
 * Why a data file cannot be read, or undefined: missing, a folder, a special file, a system
 * path, or larger than `maxBytes`. Checked by type before the file is opened.
 */
export function readableFileProblem(path: string, options: { maxBytes?: number; what?: string } = {}): string | undefined {
  const abs = resolvePath(path);
  const what = options.what ?? 'file';
  const system = systemPathProblem(abs);
  if (system) return system;
  let st: Stats;
  try {
    lstatSync(abs);
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${what} ${abs} does not exist`;
    return `cannot read ${what} ${abs}: ${code ?? (e as Error).message}`;
  }
  if (!st.isFile()) return `${what} ${abs} is ${fileKind(st)}, not a regular file`;
  if (options.maxBytes !== undefined && st.size > options.maxBytes) {
    return `${what} ${abs} is ${st.size.toLocaleString('en-US')} bytes; at most ${options.maxBytes.toLocaleString('en-US')} are read`;
  }
  return undefined;
}

/**
 * Marks schemas made by `pathOption` (the plugin host resolves these options by the rule above).
 * A registered symbol, not a module-level set: a plugin may load another copy of core.
 */
const PATH_OPTION = Symbol.for('naslab.pathOption');

/**
 * A plugin option that is a path: the plugin receives it with `$VAR` expanded and made absolute
 * against the manifest's folder (an unset variable is an input error at the option's line).
 */
export function pathOption(description?: string): z.ZodString {
  const schema = z.string().min(1);
  const described = description ? schema.describe(description) : schema;
  Object.defineProperty(described, PATH_OPTION, { value: true });
  return described;
}

/** Whether `schema` (optional/default wrappers removed) was made by `pathOption`. */
export function isPathOption(schema: unknown): boolean {
  let s = schema as { def?: { innerType?: unknown; type?: string } } | undefined;
  for (let i = 0; s && i < 8; i++) {
    if ((s as Record<symbol, unknown>)[PATH_OPTION] === true) return true;
    s = s.def?.innerType as typeof s;
  }
  return false;
}
