// Prints include dirs or linker flags for binding.gyp.
// LIBTORCH_DIR (an unpacked libtorch folder) wins over the system (Debian libtorch-dev) install.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const dir = process.env.LIBTORCH_DIR;
const what = process.argv[2];
const out = [];
if (dir) {
  const inc = path.resolve(dir, 'include');
  const lib = path.resolve(dir, 'lib');
  if (what === 'include') {
    out.push(inc);
    const api = path.join(inc, 'torch', 'csrc', 'api', 'include');
    if (fs.existsSync(api)) out.push(api);
  } else {
    out.push(`-L${lib}`, `-Wl,-rpath,${lib}`, '-ltorch_cpu', '-lc10');
  }
} else if (what === 'libs') {
  out.push('-ltorch_cpu', '-lc10');
}
process.stdout.write(out.map((s) => JSON.stringify(s).slice(1, -1)).join(' '));
