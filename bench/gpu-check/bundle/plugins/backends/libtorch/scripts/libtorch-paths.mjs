// Prints include dirs, linker flags or preprocessor defines for binding.gyp:
//   node scripts/libtorch-paths.mjs include|libs|defines
// build-addon.mjs passes the libtorch it found in NASLAB_LIBTORCH_RESOLVED (so Python is asked
// once per build); run by hand, it discovers one itself.
import { discoverLibtorch } from './libtorch-discovery.mjs';

const what = process.argv[2];
const libtorch = process.env.NASLAB_LIBTORCH_RESOLVED ? JSON.parse(process.env.NASLAB_LIBTORCH_RESOLVED) : discoverLibtorch().libtorch;
const out = [];
if (libtorch) {
  if (what === 'include') out.push(...libtorch.includeDirs);
  else if (what === 'defines') out.push(...(libtorch.defines ?? []));
  else if (what === 'libs') {
    // Outside the system's library path the addon finds libtorch through an rpath.
    if (libtorch.rpath) out.push(`-L${libtorch.libDir}`, `-Wl,-rpath,${libtorch.libDir}`);
    out.push('-ltorch_cpu', '-lc10');
    // --no-as-needed: nothing in the addon references libtorch_cuda's symbols directly, but loading
    // it is what registers ATen's CUDA backend.
    if (libtorch.cuda) out.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  }
}
process.stdout.write(out.map((s) => JSON.stringify(s).slice(1, -1)).join(' '));
