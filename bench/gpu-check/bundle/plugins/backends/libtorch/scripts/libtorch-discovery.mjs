// Finds the libtorch the native addon is built against. Plain JavaScript: it runs at install time,
// before any TypeScript is built. Three places, in this order of preference:
//   LIBTORCH_DIR  an unpacked libtorch folder (include/, lib/), named by the user
//   debian        Debian/Ubuntu's libtorch-dev (/usr/include/ATen, /usr/lib/<triplet>/libtorch_cpu.so)
//   pytorch       the libtorch inside a PyTorch installation (pip, conda, Debian's python3-torch):
//                 <dirname(torch.__file__)>/include and /lib
// NASLAB_LIBTORCH_SOURCE forces one of them (for tests, or to pick PyTorch's over Debian's).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const SOURCES = ['LIBTORCH_DIR', 'debian', 'pytorch'];

const LABEL = {
  LIBTORCH_DIR: 'LIBTORCH_DIR',
  debian: "Debian's libtorch-dev",
  pytorch: 'the PyTorch installation',
};

/** Printed by Python: where torch lives, its version and the C++ ABI its libraries were built with. */
const PYTHON_QUERY =
  'import json, os, torch; print(json.dumps({"dir": os.path.dirname(torch.__file__), "version": torch.__version__, ' +
  '"cxx11Abi": int(bool(torch._C._GLIBCXX_USE_CXX11_ABI))}))';

/**
 * Asks each Python in turn (NASLAB_PYTHON alone when set; else python3, python, /usr/bin/python3)
 * where torch is. Returns `{ dir, version, cxx11Abi, python }` or `{ problem }`.
 */
export function queryPython(env = process.env) {
  const candidates = env.NASLAB_PYTHON ? [env.NASLAB_PYTHON] : [...new Set(['python3', 'python', '/usr/bin/python3'])];
  const problems = [];
  for (const python of candidates) {
    // Importing torch takes a few seconds; a broken installation must not hang the install.
    const r = spawnSync(python, ['-c', PYTHON_QUERY], { encoding: 'utf8', timeout: 120_000, env });
    if (r.error) {
      problems.push(`${python}: ${r.error.code === 'ENOENT' ? 'not found' : r.error.message}`);
      continue;
    }
    if (r.status !== 0) {
      const last = (r.stderr ?? '').trim().split('\n').pop() ?? `exit ${r.status}`;
      problems.push(`${python}: ${last}`);
      continue;
    }
    try {
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      return { dir: out.dir, version: out.version, cxx11Abi: out.cxx11Abi, python };
    } catch {
      problems.push(`${python}: unexpected output ${JSON.stringify(r.stdout.slice(0, 200))}`);
    }
  }
  return { problem: `no Python with torch found (${problems.join('; ')})` };
}

/** `major.minor.patch` from libtorch's version.h, if the headers have one. */
function headerVersion(includeDir) {
  const file = join(includeDir, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const part = (name) => text.match(new RegExp(`#define TORCH_VERSION_${name}\\s+(\\d+)`))?.[1];
  const [major, minor, patch] = [part('MAJOR'), part('MINOR'), part('PATCH')];
  return major && minor && patch ? `${major}.${minor}.${patch}` : undefined;
}

/** The ABI TorchConfig.cmake declares (`-D_GLIBCXX_USE_CXX11_ABI=N`), if there is one. */
function cmakeAbi(configDirs) {
  for (const d of configDirs) {
    const file = join(d, 'TorchConfig.cmake');
    if (!existsSync(file)) continue;
    const m = readFileSync(file, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=([01])/);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * The ABI libc10 was really compiled with: the cxx11 ABI mangles std::string as
 * `NSt7__cxx1112basic_string…`, the old one as `Ss`, and c10 exports functions taking strings.
 */
export function libraryAbi(libDir) {
  const file = join(libDir, 'libc10.so');
  try {
    return readFileSync(file).includes('St7__cxx11') ? 1 : 0;
  } catch {
    return undefined;
  }
}

function abiName(n) {
  return n === 1 ? 'the cxx11 ABI (_GLIBCXX_USE_CXX11_ABI=1)' : 'the pre-cxx11 ABI (_GLIBCXX_USE_CXX11_ABI=0)';
}

/**
 * Checks one candidate folder layout and decides the ABI define. Returns the libtorch found (with
 * `problem` set when it is there but cannot be used) or `{ missing }` when it is not there at all.
 */
function inspect({ source, dir, includeDir, libDir, rpath, declaredAbi, declaredBy, version, env }) {
  const who = source === 'LIBTORCH_DIR' ? `LIBTORCH_DIR=${dir}` : `${LABEL[source]} (${dir})`;
  if (!existsSync(join(includeDir, 'ATen', 'ATen.h'))) return { missing: `${who} has no ${relative(dir, join(includeDir, 'ATen', 'ATen.h'))}` };
  const libs = ['libtorch_cpu.so', 'libc10.so'].filter((l) => !existsSync(join(libDir, l)));
  if (libs.length) return { missing: `${who} has no ${libs.map((l) => relative(dir, join(libDir, l))).join(', ')}` };
  const api = join(includeDir, 'torch', 'csrc', 'api', 'include');
  const found = {
    source,
    dir,
    includeDirs: existsSync(api) ? [includeDir, api] : [includeDir],
    libDir,
    rpath,
    torchVersion: version ?? headerVersion(includeDir),
    // A CUDA build of libtorch (pip's default wheels, LibTorch "cu" archives) ships libtorch_cuda;
    // linking it registers ATen's CUDA hooks. NASLAB_LIBTORCH_CUDA=0 builds a CPU-only addon.
    cuda: env.NASLAB_LIBTORCH_CUDA !== '0' && ['libtorch_cuda.so', 'libc10_cuda.so'].every((l) => existsSync(join(libDir, l))),
  };
  // The addon must be compiled with the C++ ABI libtorch was compiled with, or it fails to load
  // (undefined symbols). Compare what is declared with what the library exports.
  const actual = libraryAbi(libDir);
  const forced = env.NASLAB_LIBTORCH_CXX11_ABI;
  if (forced !== undefined && forced !== '0' && forced !== '1') {
    return { ...found, problem: `NASLAB_LIBTORCH_CXX11_ABI=${forced} is neither 0 nor 1` };
  }
  const wanted = forced !== undefined ? Number(forced) : declaredAbi;
  const by = forced !== undefined ? 'NASLAB_LIBTORCH_CXX11_ABI' : declaredBy;
  if (wanted !== undefined && actual !== undefined && wanted !== actual) {
    return {
      ...found,
      cxx11Abi: wanted,
      problem:
        `C++ ABI mismatch: ${by} says ${abiName(wanted)}, but ${join(libDir, 'libc10.so')} was built with ${abiName(actual)}; ` +
        'an addon built that way would not load (undefined symbols)',
    };
  }
  const abi = wanted ?? actual ?? 1;
  return { ...found, cxx11Abi: abi, defines: [`_GLIBCXX_USE_CXX11_ABI=${abi}`, ...(found.cuda ? ['NASLAB_WITH_CUDA=1'] : [])] };
}

function fromLibtorchDir(dir, env) {
  const d = resolve(dir);
  return inspect({
    source: 'LIBTORCH_DIR',
    dir: d,
    includeDir: join(d, 'include'),
    libDir: join(d, 'lib'),
    rpath: true,
    declaredAbi: cmakeAbi([join(d, 'share', 'cmake', 'Torch')]),
    declaredBy: 'its TorchConfig.cmake',
    env,
  });
}

function fromDebian(root, env) {
  const usr = join(root, 'usr');
  const lib = join(usr, 'lib');
  // libtorch_cpu.so is in the multiarch folder (/usr/lib/x86_64-linux-gnu), or in /usr/lib.
  let libDir = join(lib, process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu');
  if (!existsSync(join(libDir, 'libtorch_cpu.so'))) {
    const dirs = existsSync(lib) ? readdirSync(lib).filter((n) => n.endsWith('-linux-gnu')).map((n) => join(lib, n)) : [];
    libDir = [...dirs, lib].find((d) => existsSync(join(d, 'libtorch_cpu.so'))) ?? libDir;
  }
  return inspect({
    source: 'debian',
    dir: usr,
    includeDir: join(usr, 'include'),
    libDir,
    rpath: false,
    declaredAbi: cmakeAbi([join(libDir, 'cmake', 'Torch')]),
    declaredBy: 'its TorchConfig.cmake',
    env,
  });
}

function fromPytorch(python, env) {
  const q = python(env);
  if (q.problem) return { missing: `PyTorch: ${q.problem}` };
  if (typeof q.dir !== 'string') return { missing: 'PyTorch: Python did not say where torch is' };
  return inspect({
    source: 'pytorch',
    dir: q.dir,
    includeDir: join(q.dir, 'include'),
    libDir: join(q.dir, 'lib'),
    rpath: true,
    declaredAbi: q.cxx11Abi,
    declaredBy: `torch._C._GLIBCXX_USE_CXX11_ABI (${q.python ?? 'python'})`,
    version: q.version,
    env,
  });
}

/**
 * The libtorch to build against. `env` (LIBTORCH_DIR, NASLAB_LIBTORCH_SOURCE, NASLAB_PYTHON,
 * NASLAB_LIBTORCH_CXX11_ABI), `root` (where /usr is) and `python` (asks Python about torch) are
 * parameters so tests can lay out fake installations.
 *
 * Returns `{ libtorch, tried }`: `libtorch` is the first source found (its `problem` says why it
 * cannot be used, e.g. an ABI mismatch), undefined when none is; `tried` says what each source
 * looked at.
 */
export function discoverLibtorch({ env = process.env, root = '/', python = queryPython } = {}) {
  const tried = [];
  const forced = env.NASLAB_LIBTORCH_SOURCE;
  if (forced !== undefined && forced !== '') {
    const source = SOURCES.find((s) => s.toLowerCase() === forced.toLowerCase());
    if (!source) return { libtorch: undefined, tried: [`NASLAB_LIBTORCH_SOURCE=${forced} is not one of ${SOURCES.join(', ')}`] };
    if (source === 'LIBTORCH_DIR' && !env.LIBTORCH_DIR) {
      return { libtorch: undefined, tried: ['NASLAB_LIBTORCH_SOURCE=LIBTORCH_DIR, but LIBTORCH_DIR is not set'] };
    }
  }
  const order = forced ? [SOURCES.find((s) => s.toLowerCase() === forced.toLowerCase())] : SOURCES;
  for (const source of order) {
    let r;
    if (source === 'LIBTORCH_DIR') {
      if (!env.LIBTORCH_DIR) continue;
      r = fromLibtorchDir(env.LIBTORCH_DIR, env);
      // A folder the user named explicitly is not silently replaced by another libtorch.
      if (r.missing) return { libtorch: undefined, tried: [...tried, r.missing] };
    } else if (source === 'debian') {
      r = fromDebian(root, env);
    } else {
      r = fromPytorch(python, env);
    }
    if (r.missing) {
      tried.push(r.missing);
      continue;
    }
    return { libtorch: r, tried };
  }
  return { libtorch: undefined, tried };
}

/** One line for people: `libtorch 1.13.1 from Debian's libtorch-dev (/usr)`. */
export function describeLibtorch(l) {
  return `libtorch ${l.torchVersion ?? '(version unknown)'}${l.cuda ? ' with CUDA' : ''} from ${LABEL[l.source]} (${l.dir})`;
}
