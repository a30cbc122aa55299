// Types of libtorch-discovery.mjs (plain JavaScript: it runs at install time, before tsc).
export type LibtorchSource = 'LIBTORCH_DIR' | 'debian' | 'pytorch';

export const SOURCES: readonly LibtorchSource[];

export interface FoundLibtorch {
  source: LibtorchSource;
  /** The libtorch folder (LIBTORCH_DIR, /usr, or dirname(torch.__file__)). */
  dir: string;
  includeDirs: string[];
  libDir: string;
  /** Link with an rpath to libDir (not on the system's library path). */
  rpath: boolean;
  torchVersion?: string;
  /** The _GLIBCXX_USE_CXX11_ABI value the addon is compiled with. */
  cxx11Abi?: 0 | 1;
  defines?: string[];
  /** libtorch_cuda and libc10_cuda are there (and NASLAB_LIBTORCH_CUDA is not 0): the addon links them. */
  cuda?: boolean;
  /** Why this libtorch cannot be used (an ABI mismatch…); absent when it can. */
  problem?: string;
}

export interface PythonTorch {
  dir?: string;
  version?: string;
  cxx11Abi?: 0 | 1;
  python?: string;
  problem?: string;
}

export function queryPython(env?: NodeJS.ProcessEnv): PythonTorch;
export function libraryAbi(libDir: string): 0 | 1 | undefined;
export function discoverLibtorch(options?: {
  env?: NodeJS.ProcessEnv;
  root?: string;
  python?: (env: NodeJS.ProcessEnv) => PythonTorch;
}): { libtorch: FoundLibtorch | undefined; tried: string[] };
export function describeLibtorch(l: Pick<FoundLibtorch, 'source' | 'dir' | 'torchVersion' | 'cuda'>): string;
