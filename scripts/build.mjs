// Bundles the CLI into the files that hooks and the merge driver start with plain `node`.
//
// dist/git-strata.cjs is the entry of every command (and what install registers for the driver and the
// hooks): CommonJS, which node 20 starts without setting up its ES module loader. The merge driver runs
// once per file on every pull and on every commit of a rebase, so it is its own bundle, dist/driver.cjs,
// with the Markdown merge it loads lazily beside it, and the bytecode V8 compiled for both in warm-up
// merges (scripts/compile-cache.mjs) beside them. The commands a commit runs (CJS_COMMANDS in
// src/cli/commands.ts: the hook and check) are CommonJS bundles too, dist/cmd-<name>.cjs; every other
// command is an ES module bundle of its own (dist/cmd-<name>.mjs). dist/git-strata.mjs is the entry of
// earlier installs (hooks written before the .cjs entry existed) and still works.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The last line of the driver's bundles: their build id, which their compile caches must carry (src/cli/compiled.ts). */
const BUILD_MARK = '//# strataBuild=';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
mkdirSync(new URL('../dist', import.meta.url));

const common = {
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { STRATA_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
};

// Every command is a bundle of its own (dist/cmd-<name>.mjs, with the chunks of what it loads lazily, or
// dist/cmd-<name>.cjs): split as one build, the commands shared some twenty small chunks, and loading
// them (resolving and linking each ES module) cost a command such as check as much again as its own
// code. The command table's loaders are those files; `merge` is the driver bundle. Every output is in
// dist/ itself, so the path is right from whichever output the table lands in.
const commandsSource = readFileSync(new URL('../src/cli/commands.ts', import.meta.url), 'utf8');
const commandNames = [...commandsSource.matchAll(/import\('\.\/([\w-]+)\.js'\)/g)].map((m) => m[1]);
const cjsCommands = JSON.parse(/CJS_COMMANDS: readonly string\[\] = (\[[^\]]*\])/.exec(commandsSource)[1].replaceAll("'", '"'));
/** A dynamic import of a command module from src/cli (the command table's loaders, the hook's replay): its name. */
const commandImported = (args) => {
  const name = args.path.slice(2, -3);
  return args.kind === 'dynamic-import' && commandNames.includes(name) && /src\/cli\/[\w-]+\.ts$/.test(args.importer) ? name : undefined;
};
// In the ES module bundles, a command is its bundle's file (a CommonJS one is imported as well).
const commandsExternal = {
  name: 'commands-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      const name = commandImported(args);
      if (name === undefined) return undefined;
      return { path: name === 'merge' ? './driver.mjs' : `./cmd-${name}.${cjsCommands.includes(name) ? 'cjs' : 'mjs'}`, external: true };
    });
  },
};

// CommonJS dependencies bundled into ESM still expect require, __filename and __dirname.
const shims = [
  "import { createRequire as __strataCreateRequire } from 'node:module';",
  "import { fileURLToPath as __strataFileURLToPath } from 'node:url';",
  'const require = __strataCreateRequire(import.meta.url);',
  'const __filename = __strataFileURLToPath(import.meta.url);',
  "const __dirname = __strataFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

// The driver's loader stays its own file, dist/compiled.cjs, in every bundle that starts the driver:
// one instance, and one record of what it loaded.
const loaderExternal = { name: 'loader-external', setup: (b) => b.onResolve({ filter: /^\.\/compiled\.cjs$/ }, () => ({ path: './compiled.cjs', external: true })) };

// The entry of earlier installs, whose hooks and driver name dist/git-strata.mjs: it runs the entry of
// today, and copes without it (src/cli/main-esm.ts). (git strata install, run again, registers
// dist/git-strata.cjs, which starts sooner.)
const esmEntry = await build({
  ...common,
  splitting: false,
  entryPoints: { 'git-strata': 'src/cli/main-esm.ts' },
  banner: { js: `#!/usr/bin/env node\n${shims}` },
  plugins: [loaderExternal],
});

const commands = await Promise.all(
  commandNames
    .filter((name) => name !== 'merge' && !cjsCommands.includes(name))
    .map((name) =>
      build({
        ...common,
        entryPoints: { [`cmd-${name}`]: `src/cli/${name}.ts` },
        chunkNames: `cmd-${name}-[name]-[hash]`,
        plugins: [commandsExternal],
        banner: { js: shims },
      }),
    ),
);

// The driver is CommonJS, so that V8's compiled code can be handed back to it (src/cli/compiled.ts):
// dist/driver.cjs (merge.ts) and dist/driver-markdown.cjs (the Markdown merge, loaded when a line merge
// conflicts), both run by the loader dist/compiled.cjs, which the entries require for `merge` (and
// dist/driver.mjs, for the command table's `merge`). The two bundles each have their own copy of the
// few small modules they share (the entry scanner, diff3): pure functions, and errors are recognised by
// a brand, not by class.
const cjs = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { STRATA_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__strataImportMetaUrl' },
  // ("use strict" first: ahead of esbuild's own, the banner would make its directive a plain string.)
  banner: { js: '"use strict";\nvar __strataImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
};
/** In the driver, `import('…/markdown.js')` is dist/driver-markdown.cjs, through the loader. */
const markdownThroughLoader = {
  name: 'markdown-through-loader',
  setup(b) {
    b.onResolve({ filter: /^(\.\/|\.\.\/core\/merge\/)markdown\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'driver-markdown', namespace: 'strata-loader' } : undefined,
    );
    b.onResolve({ filter: /^\.\/compiled\.cjs$/ }, () => ({ path: './compiled.cjs', external: true }));
    b.onLoad({ filter: /.*/, namespace: 'strata-loader' }, () => ({
      contents: "module.exports = require('./compiled.cjs').load(require('node:path').join(__dirname, 'driver-markdown.cjs'));",
      loader: 'js',
    }));
  },
};
// What the CommonJS commands load lazily that is large and not on a commit's path stays an ES module,
// imported when needed: reading history at a base (isomorphic-git, for check --base), and the checks of
// rebased commits (post-rewrite). Each is a bundle of its own, dist/lazy-<name>.mjs.
const LAZY_ESM = { '../git/history.js': 'history', './rewritten.js': 'rewritten' };
const lazy = await build({
  ...common,
  entryPoints: { 'lazy-history': 'src/git/history.ts', 'lazy-rewritten': 'src/cli/rewritten.ts' },
  chunkNames: 'lazy-[name]-[hash]',
  plugins: [commandsExternal],
  banner: { js: shims },
});
// In the CommonJS bundles: another CommonJS command is required (no ES module loader), an ES module
// command and the lazy ES modules are imported, and everything else is bundled in.
const cjsCommandsResolved = {
  name: 'cjs-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/[\w/-]+\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const lazyName = LAZY_ESM[args.path];
      if (lazyName) return { path: `./lazy-${lazyName}.mjs`, external: true };
      const name = commandImported(args);
      if (name === undefined) return undefined;
      if (cjsCommands.includes(name)) return { path: name, namespace: 'strata-cjs-command' };
      // The driver's start (the entry has it already), for `help merge`.
      if (name === 'merge') return { path: fileURLToPath(new URL('../src/cli/driver.ts', import.meta.url)) };
      return { path: `./cmd-${name}.mjs`, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'strata-cjs-command' }, (args) => ({
      contents: `module.exports = require('./cmd-${args.path}.cjs');`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/cmd-[\w-]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};
const driverBuilds = await Promise.all([
  build({ ...cjs, entryPoints: { compiled: 'src/cli/compiled.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...cjs, entryPoints: { driver: 'src/cli/merge.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, plugins: [markdownThroughLoader] }),
  build({ ...cjs, entryPoints: { 'driver-markdown': 'src/core/merge/markdown.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // git starts the driver through this CommonJS entry (no ES module loader to set up).
  // The entry of every command (git starts the driver through it; install.sh puts it on the PATH).
  build({ ...cjs, entryPoints: { 'git-strata': 'src/cli/main-cjs.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, plugins: [cjsCommandsResolved], banner: { js: `#!/usr/bin/env node\n${cjs.banner.js}` } }),
  ...cjsCommands.map((name) => build({ ...cjs, entryPoints: { [`cmd-${name}`]: `src/cli/${name}.ts` }, outdir: 'dist', outExtension: { '.js': '.cjs' }, plugins: [cjsCommandsResolved] })),
  build({ ...common, splitting: false, entryPoints: { driver: 'src/cli/driver.ts' }, plugins: [loaderExternal] }),
]);
// A CommonJS bundle may import only what the build made an ES module for: anything else it imports
// would have been bundled (or required).
for (const file of ['git-strata.cjs', ...cjsCommands.map((name) => `cmd-${name}.cjs`)]) {
  const source = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
  for (const [, target] of source.matchAll(/\bimport\("([^"]+)"\)/g)) {
    if (!existsSync(new URL(`../dist/${target}`, import.meta.url))) throw new Error(`build: dist/${file} imports ${target}, which the build did not make`);
  }
  for (const [, target] of source.matchAll(/\brequire\("(\.[^"]+)"\)/g)) {
    if (!existsSync(new URL(`../dist/${target}`, import.meta.url))) throw new Error(`build: dist/${file} requires ${target}, which the build did not make`);
  }
}
chmodSync(new URL('../dist/git-strata.cjs', import.meta.url), 0o755);
for (const name of ['driver', 'driver-markdown']) {
  const file = new URL(`../dist/${name}.cjs`, import.meta.url);
  const source = readFileSync(file, 'utf8');
  // vm.Script runs these without a dynamic-import callback: an import() left in them would throw.
  if (/\bimport\(/.test(source)) throw new Error(`build: dist/${name}.cjs has an import(); the driver's bundles must load everything with require`);
  writeFileSync(file, `${source}${BUILD_MARK}${createHash('sha256').update(source).digest('hex')}\n`);
}

// The driver's compiled code, from warm-up merges of every type (see src/cli/compiled.ts). A build without
// it works but every merge is slower, so a failure here fails the build.
const warm = spawnSync(process.execPath, [fileURLToPath(new URL('./compile-cache.mjs', import.meta.url))], { stdio: 'inherit' });
if (warm.status !== 0) throw new Error(`build: scripts/compile-cache.mjs failed (exit ${warm.status ?? warm.signal})`);

chmodSync(new URL('../dist/git-strata.mjs', import.meta.url), 0o755);
// The module graph of both builds, so a test can prove the driver's hot path loads no Markdown parser.
writeFileSync(
  new URL('../dist/meta.json', import.meta.url),
  JSON.stringify({
    inputs: Object.assign({}, ...[esmEntry, lazy, ...driverBuilds, ...commands].map((b) => b.metafile.inputs)),
    outputs: Object.assign({}, ...[esmEntry, lazy, ...driverBuilds, ...commands].map((b) => b.metafile.outputs)),
  }),
);
