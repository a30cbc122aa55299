import { mkdirSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CORE_VERSION, InputError, PLUGIN_KINDS, writableFolderProblem, type PluginKind } from '@naslab/core';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { EXTRA_FILES, TEMPLATES } from '../scaffold/templates.js';

interface NewArgs {
  kind: string;
  name: string;
  dir?: string;
}

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;

/** `my-search` → package `naslab-method-my-search`, id `my-search`; a scoped name is the package name. */
export function namesFor(kind: PluginKind, name: string): { packageName: string; id: string } {
  if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(name)) throw new Error(`"${name}" is not a package name (lower-case letters, digits, ".", "_", "-", optionally @scope/)`);
  const packageName = name.includes('/') || name.startsWith(`naslab-${kind}-`) ? name : `naslab-${kind}-${name}`;
  const id = basename(packageName).replace(new RegExp(`^(naslab-)?(${kind}-)?`), '') || basename(packageName);
  return { packageName, id };
}

/**
 * Write a plugin package: package.json (the `naslab-plugin` keyword, its kind, the peer range of
 * the running core), a typed `src/index.ts`, a test with `@naslab/core/testing`, tsconfig files and
 * a README. It builds (`npm run build`), tests (`npm test`) and runs in a manifest as it is.
 */
export function scaffoldPlugin(kind: PluginKind, name: string, dir: string): string[] {
  const t = TEMPLATES[kind];
  const { packageName, id } = namesFor(kind, name);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} exists and is not empty`);
  const engine = versionOf('@naslab/engine');
  const peers: Record<string, string> = { '@naslab/core': `^${CORE_VERSION}`, ...(t.engine ? { '@naslab/engine': `^${engine}`, '@tensorflow/tfjs': '4.22.0' } : {}) };
  const pkg = {
    name: packageName,
    version: '0.1.0',
    description: `naslab ${kind} plugin: ${t.summary.replace(/^an? [^:]+: /, '')}`,
    type: 'module',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', 'README.md'],
    keywords: ['naslab-plugin', `naslab-${kind}`],
    naslab: { kind },
    scripts: { build: 'tsc -p tsconfig.build.json', test: 'vitest run' },
    peerDependencies: peers,
    devDependencies: { ...peers, '@types/node': '^20.19.0', typescript: '~5.9.3', vitest: '^4.1.0' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022'],
      types: ['node'],
      strict: true,
      declaration: true,
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'dist',
      // tsyringe (core's container) needs these wherever decorators appear.
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
    },
    include: ['src'],
  };
  const sub = (text: string) => text.replaceAll('ID', id);
  const files: Record<string, string> = {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'tsconfig.json': JSON.stringify(tsconfig, null, 2) + '\n',
    'tsconfig.build.json': JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] }, null, 2) + '\n',
    '.gitignore': 'node_modules/\ndist/\n',
    'src/index.ts': sub(t.index),
    'src/index.test.ts': sub(t.test),
    ...Object.fromEntries(Object.entries(EXTRA_FILES[kind] ?? {}).map(([f, text]) => [f, sub(text)])),
    'README.md': readme(kind, packageName, id, t.summary, sub(t.manifest)),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return Object.keys(files);
}

function readme(kind: PluginKind, packageName: string, id: string, summary: string, manifest: string): string {
  return `# ${packageName}

A naslab \`${kind}\` plugin (id \`${id}\`): ${summary}.

## Develop

\`\`\`sh
npm install        # @naslab/core${TEMPLATES[kind].engine ? ', @naslab/engine' : ''}, TypeScript, vitest
npm run build      # tsc → dist/
npm test           # vitest, with @naslab/core/testing
\`\`\`

## Use it in a manifest

By path while you develop it (job ids then include a digest of \`dist/\`, so a rebuilt plugin is
rerun), by package name once it is installed or published:

\`\`\`yaml
${manifest.replaceAll('PATH', relative('.', `./${basename(packageName)}`).replace(/^\.\//, ''))}
\`\`\`

\`naslab validate <manifest>\` checks its options, and \`naslab plugins\` lists it once installed
(the \`naslab-plugin\` keyword). The contract it implements is \`@naslab/core\`'s (see its README).
`;
}

const command: CommandModule<object, NewArgs> = {
  command: 'new <kind> <name>',
  describe: `Scaffold a plugin package (kinds: ${PLUGIN_KINDS.join(', ')}) that builds, tests and runs as it is`,
  builder: (y: Argv) =>
    y
      .positional('kind', { type: 'string', choices: [...PLUGIN_KINDS], demandOption: true })
      .positional('name', { type: 'string', demandOption: true, describe: 'package name (my-search → naslab-<kind>-my-search) or @scope/name' })
      .option('dir', { type: 'string', describe: 'folder to write (default: ./<package name without scope>)' }) as unknown as Argv<NewArgs>,
  handler: (args: ArgumentsCamelCase<NewArgs>) => {
    const kind = args.kind as PluginKind;
    let packageName: string;
    try {
      packageName = namesFor(kind, args.name).packageName;
    } catch (e) {
      throw new InputError({ file: '<arguments>', path: 'name', message: (e as Error).message });
    }
    const dir = resolve(args.dir ?? basename(packageName));
    // Checked before anything is created: a system folder (recursive mkdir under /proc never returns) or a file in the way.
    const problem = writableFolderProblem(dir) ?? (existsSync(dir) && readdirSync(dir).length > 0 ? `${dir} exists and is not empty` : undefined);
    if (problem) throw new InputError({ file: '<arguments>', path: 'dir', message: problem });
    let written: string[];
    try {
      written = scaffoldPlugin(kind, args.name, dir);
    } catch (e) {
      throw new InputError({ file: '<arguments>', path: 'dir', message: (e as Error).message });
    }
    process.stdout.write(`${kind} plugin in ${dir}: ${written.join(', ')}\nnext: cd ${relative(process.cwd(), dir) || '.'} && npm install && npm run build && npm test\n`);
  },
};
export default command;
