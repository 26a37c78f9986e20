// Bundles the CLI into ESM files that hooks and the merge driver start with plain `node`.
//
// The merge driver runs once per file on every pull and on every commit of a rebase, so it is its own
// bundle, dist/driver.mjs: one module and the chunk it shares with the lazily loaded Markdown merge, no
// CommonJS shims. Every other command is a bundle of its own too (dist/cmd-<name>.mjs), loaded by the
// command table of the main build. dist/git-strata.mjs, the entry all start from, imports nothing
// itself and loads dist/driver.mjs for `merge`.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

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

/** In the entry, `import('./merge.js')` is the driver bundle, loaded as a file of its own. */
const driverFromEntry = {
  name: 'driver-from-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/merge\.js$/ }, (args) =>
      args.importer.endsWith('src/cli/main.ts') ? { path: './driver.mjs', external: true } : undefined,
    );
  },
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
  plugins: [driverFromEntry, commandsExternal],
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

const driver = await build({
  ...common,
  entryPoints: { driver: 'src/cli/merge.ts' },
  chunkNames: 'driver-chunks/[name]-[hash]',
});
// The driver has no CommonJS shims: a dependency that needs `require` would fail only when it runs.
for (const out of Object.keys(driver.metafile.outputs)) {
  if (out.endsWith('.mjs') && /\b__require\(|\b__filename\b|\b__dirname\b/.test(readFileSync(out, 'utf8'))) {
    throw new Error(`build: ${out} needs CommonJS require/__filename/__dirname; the driver bundle has no shims for them`);
  }
}

chmodSync(new URL('../dist/git-strata.mjs', import.meta.url), 0o755);
// The module graph of both builds, so a test can prove the driver's hot path loads no Markdown parser.
writeFileSync(
  new URL('../dist/meta.json', import.meta.url),
  JSON.stringify({
    inputs: Object.assign({}, ...[main, driver, ...commands].map((b) => b.metafile.inputs)),
    outputs: Object.assign({}, ...[main, driver, ...commands].map((b) => b.metafile.outputs)),
  }),
);
