import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { describeLibtorch, discoverLibtorch, type PythonTorch } from '../scripts/libtorch-discovery.mjs';

const base = mkdtempSync(join(tmpdir(), 'naslab-libtorch-layout-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

// A mangled c10 symbol as each ABI spells std::string (what libraryAbi looks for).
const CXX11_SYMBOL = '_ZN3c105ErrorC2ENS_14SourceLocationENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE';
const OLD_SYMBOL = '_ZN3c105ErrorC2ENS_14SourceLocationESs';

function file(path: string, text = ''): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A libtorch folder as libtorch zips, pip and conda lay it out: include/ and lib/. */
function layout(name: string, opts: { abi: 0 | 1; cmakeAbi?: 0 | 1; version?: [number, number, number]; noLibc10?: boolean }): string {
  const dir = join(base, name);
  file(join(dir, 'include', 'ATen', 'ATen.h'), '#pragma once\n');
  const [major, minor, patch] = opts.version ?? [2, 1, 0];
  file(
    join(dir, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'),
    `#define TORCH_VERSION_MAJOR ${major}\n#define TORCH_VERSION_MINOR ${minor}\n#define TORCH_VERSION_PATCH ${patch}\n`,
  );
  file(join(dir, 'lib', 'libtorch.so'));
  file(join(dir, 'lib', 'libtorch_cpu.so'));
  if (!opts.noLibc10) file(join(dir, 'lib', 'libc10.so'), `\0ELF…\0${opts.abi ? CXX11_SYMBOL : OLD_SYMBOL}\0`);
  if (opts.cmakeAbi !== undefined) file(join(dir, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'), `set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=${opts.cmakeAbi}")\n`);
  return dir;
}

/** A root with Debian's libtorch-dev: /usr/include/ATen, /usr/lib/<triplet>/libtorch_cpu.so. */
function debianRoot(name: string): string {
  const root = join(base, name);
  file(join(root, 'usr', 'include', 'ATen', 'ATen.h'));
  file(join(root, 'usr', 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'), '#define TORCH_VERSION_MAJOR 1\n#define TORCH_VERSION_MINOR 13\n#define TORCH_VERSION_PATCH 0\n');
  const lib = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  file(join(lib, 'libtorch_cpu.so'));
  file(join(lib, 'libc10.so'), CXX11_SYMBOL);
  file(join(lib, 'cmake', 'Torch', 'TorchConfig.cmake'), 'set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")\n');
  return root;
}

const emptyRoot = join(base, 'empty-root');
mkdirSync(emptyRoot);
const noPython = (): PythonTorch => ({ problem: 'no Python with torch found (python3: not found)' });
const pythonAt =
  (dir: string, cxx11Abi: 0 | 1, version = '2.1.0+cpu') =>
  (): PythonTorch => ({ dir, version, cxx11Abi, python: 'python3' });

describe('libtorch discovery', () => {
  const debian = debianRoot('debian-root');
  const unpacked = layout('libtorch-zip', { abi: 1, cmakeAbi: 1, version: [2, 2, 1] });
  const pip = layout('site-packages/torch', { abi: 0 });
  const conda = layout('conda/lib/python3.11/site-packages/torch', { abi: 1 });

  it('finds Debian libtorch-dev under /usr, linked without an rpath, cxx11 ABI from its TorchConfig.cmake', () => {
    const { libtorch } = discoverLibtorch({ env: {}, root: debian, python: noPython });
    expect(libtorch).toMatchObject({ source: 'debian', dir: join(debian, 'usr'), libDir: join(debian, 'usr', 'lib', 'x86_64-linux-gnu'), rpath: false });
    expect(libtorch).toMatchObject({ torchVersion: '1.13.0', cxx11Abi: 1, defines: ['_GLIBCXX_USE_CXX11_ABI=1'] });
    expect(libtorch!.includeDirs).toEqual([join(debian, 'usr', 'include'), join(debian, 'usr', 'include', 'torch', 'csrc', 'api', 'include')]);
    expect(describeLibtorch(libtorch!)).toBe(`libtorch 1.13.0 from Debian's libtorch-dev (${join(debian, 'usr')})`);
  });

  it('prefers LIBTORCH_DIR over Debian, with an rpath to its lib/', () => {
    const { libtorch } = discoverLibtorch({ env: { LIBTORCH_DIR: unpacked }, root: debian, python: noPython });
    expect(libtorch).toMatchObject({ source: 'LIBTORCH_DIR', dir: unpacked, libDir: join(unpacked, 'lib'), rpath: true, torchVersion: '2.2.1', cxx11Abi: 1 });
    expect(libtorch!.problem).toBeUndefined();
  });

  it('does not replace a LIBTORCH_DIR that has no libtorch by another one', () => {
    const r = discoverLibtorch({ env: { LIBTORCH_DIR: join(base, 'nothing') }, root: debian, python: noPython });
    expect(r.libtorch).toBeUndefined();
    expect(r.tried.join('\n')).toMatch(/LIBTORCH_DIR=.*nothing has no include\/ATen\/ATen.h/);
  });

  it('falls back to PyTorch when Debian has none, and never asks Python when Debian has one', () => {
    let asked = 0;
    const python = () => {
      asked++;
      return pythonAt(pip, 0)();
    };
    expect(discoverLibtorch({ env: {}, root: debian, python }).libtorch!.source).toBe('debian');
    expect(asked).toBe(0);
    const r = discoverLibtorch({ env: {}, root: emptyRoot, python });
    expect(asked).toBe(1);
    expect(r.tried[0]).toMatch(/Debian's libtorch-dev .* has no include\/ATen\/ATen.h/);
    expect(r.libtorch).toMatchObject({ source: 'pytorch', dir: pip, libDir: join(pip, 'lib'), rpath: true, torchVersion: '2.1.0+cpu' });
  });

  it("takes the ABI define from torch._C._GLIBCXX_USE_CXX11_ABI: pip's pre-cxx11 wheels get 0, conda's cxx11 builds 1", () => {
    const fromPip = discoverLibtorch({ env: {}, root: emptyRoot, python: pythonAt(pip, 0) }).libtorch!;
    expect(fromPip).toMatchObject({ cxx11Abi: 0, defines: ['_GLIBCXX_USE_CXX11_ABI=0'] });
    expect(fromPip.problem).toBeUndefined();
    const fromConda = discoverLibtorch({ env: {}, root: emptyRoot, python: pythonAt(conda, 1) }).libtorch!;
    expect(fromConda).toMatchObject({ cxx11Abi: 1, defines: ['_GLIBCXX_USE_CXX11_ABI=1'] });
  });

  it('reports an ABI mismatch between what torch declares and what libc10 exports, instead of building', () => {
    // Python says cxx11, the library was compiled with the old ABI: the addon would not load.
    const r = discoverLibtorch({ env: {}, root: emptyRoot, python: pythonAt(pip, 1) }).libtorch!;
    expect(r.defines).toBeUndefined();
    expect(r.problem).toMatch(/C\+\+ ABI mismatch: torch\._C\._GLIBCXX_USE_CXX11_ABI \(python3\) says the cxx11 ABI .*libc10\.so was built with the pre-cxx11 ABI/);
    // So does forcing the other value by hand.
    const forced = discoverLibtorch({ env: { LIBTORCH_DIR: unpacked, NASLAB_LIBTORCH_CXX11_ABI: '0' }, root: emptyRoot, python: noPython }).libtorch!;
    expect(forced.problem).toMatch(/NASLAB_LIBTORCH_CXX11_ABI says the pre-cxx11 ABI/);
    const bad = discoverLibtorch({ env: { LIBTORCH_DIR: unpacked, NASLAB_LIBTORCH_CXX11_ABI: 'yes' }, root: emptyRoot, python: noPython }).libtorch!;
    expect(bad.problem).toMatch(/NASLAB_LIBTORCH_CXX11_ABI=yes is neither 0 nor 1/);
  });

  it('decides the ABI from the library when nothing declares one', () => {
    const old = layout('zip-old-abi', { abi: 0 });
    expect(discoverLibtorch({ env: { LIBTORCH_DIR: old }, root: emptyRoot, python: noPython }).libtorch).toMatchObject({ cxx11Abi: 0, defines: ['_GLIBCXX_USE_CXX11_ABI=0'] });
  });

  it('NASLAB_LIBTORCH_SOURCE forces one source, even over a preferred one that is there', () => {
    const env = { LIBTORCH_DIR: unpacked, NASLAB_LIBTORCH_SOURCE: 'pytorch' };
    expect(discoverLibtorch({ env, root: debian, python: pythonAt(conda, 1) }).libtorch!.source).toBe('pytorch');
    expect(discoverLibtorch({ env: { NASLAB_LIBTORCH_SOURCE: 'debian' }, root: debian, python: pythonAt(conda, 1) }).libtorch!.source).toBe('debian');
    const none = discoverLibtorch({ env: { NASLAB_LIBTORCH_SOURCE: 'pytorch' }, root: debian, python: noPython });
    expect(none.libtorch).toBeUndefined();
    expect(none.tried).toEqual(['PyTorch: no Python with torch found (python3: not found)']);
    expect(discoverLibtorch({ env: { NASLAB_LIBTORCH_SOURCE: 'homebrew' }, root: debian, python: noPython }).tried[0]).toMatch(
      /NASLAB_LIBTORCH_SOURCE=homebrew is not one of LIBTORCH_DIR, debian, pytorch/,
    );
  });

  it('names the missing library of an incomplete installation', () => {
    const partial = layout('partial', { abi: 1, noLibc10: true });
    const r = discoverLibtorch({ env: {}, root: emptyRoot, python: pythonAt(partial, 1) });
    expect(r.libtorch).toBeUndefined();
    expect(r.tried[1]).toMatch(/the PyTorch installation \(.*partial\) has no lib\/libc10\.so/);
  });
});
