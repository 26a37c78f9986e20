// Bundles the CLI into the files that hooks and the merge driver start with plain `node`.
//
// The merge driver runs once per file on every pull and on every commit of a rebase, so it is its own
// bundle, dist/driver.cjs, with the Markdown merge it loads lazily beside it, and the bytecode V8
// compiled for both in warm-up merges (scripts/compile-cache.mjs) beside them. Every other command is a
// bundle of its own too (dist/cmd-<name>.mjs), loaded by the command table of the main build.
// dist/git-strata.mjs, the entry all start from, imports nothing itself and loads the driver for `merge`.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The last line of the driver's bundles: their build id, which their compile caches must carry (src/cli/compiled.ts). */
const BUILD_MARK = '//# strataBuild=';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

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

// Every command is a bundle of its own (dist/cmd-<name>.mjs, with the chunks of what it loads lazily):
// split as one build, the commands shared some twenty small chunks, and loading them (resolving and
// linking each ES module) cost a command such as check as much again as its own code. The command
// table's loaders are those files; `merge` is the driver bundle. Every output is in dist/ itself, so
// the path is right from whichever output the table lands in.
const commandNames = [...readFileSync(new URL('../src/cli/commands.ts', import.meta.url), 'utf8').matchAll(/import\('\.\/([\w-]+)\.js'\)/g)].map((m) => m[1]);
const commandsExternal = {
  name: 'commands-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      const name = args.path.slice(2, -3);
      // The command table's loaders, and any other lazy import of a command (the hook's replay).
      if (args.kind !== 'dynamic-import' || !commandNames.includes(name) || !/src\/cli\/[\w-]+\.ts$/.test(args.importer)) return undefined;
      return { path: name === 'merge' ? './driver.mjs' : `./cmd-${name}.mjs`, external: true };
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

const main = await build({
  ...common,
  entryPoints: { 'git-strata': 'src/cli/main.ts' },
  chunkNames: '[name]-[hash]',
  plugins: [commandsExternal],
  banner: { js: `#!/usr/bin/env node\n${shims}` },
});

const commands = await Promise.all(
  commandNames
    .filter((name) => name !== 'merge')
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
const driverBuilds = await Promise.all([
  build({ ...cjs, entryPoints: { compiled: 'src/cli/compiled.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  build({ ...cjs, entryPoints: { driver: 'src/cli/merge.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, plugins: [markdownThroughLoader] }),
  build({ ...cjs, entryPoints: { 'driver-markdown': 'src/core/merge/markdown.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' } }),
  // git starts the driver through this CommonJS entry (no ES module loader to set up).
  build({ ...cjs, entryPoints: { 'git-strata': 'src/cli/main-driver.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, banner: { js: `#!/usr/bin/env node\n${cjs.banner.js}` } }),
  build({ ...common, splitting: false, entryPoints: { driver: 'src/cli/driver.ts' }, plugins: [{ name: 'loader-external', setup: (b) => b.onResolve({ filter: /^\.\/compiled\.cjs$/ }, () => ({ path: './compiled.cjs', external: true })) }] }),
]);
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
    inputs: Object.assign({}, ...[main, ...driverBuilds, ...commands].map((b) => b.metafile.inputs)),
    outputs: Object.assign({}, ...[main, ...driverBuilds, ...commands].map((b) => b.metafile.outputs)),
  }),
);
