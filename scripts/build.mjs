// Bundles the CLI into one ESM file that hooks and the merge driver start with plain `node`.
// Commands stay in separate chunks (splitting) so the driver's hot path loads only what it uses.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  metafile: true,
  entryPoints: { 'git-strata': 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    // CommonJS dependencies bundled into ESM still expect require, __filename and __dirname.
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __strataCreateRequire } from 'node:module';",
      "import { fileURLToPath as __strataFileURLToPath } from 'node:url';",
      'const require = __strataCreateRequire(import.meta.url);',
      'const __filename = __strataFileURLToPath(import.meta.url);',
      "const __dirname = __strataFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  define: { STRATA_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  legalComments: 'none',
});
chmodSync(new URL('../dist/git-strata.mjs', import.meta.url), 0o755);
// The module graph, so a test can prove the driver's hot path does not load the Markdown parser.
writeFileSync(new URL('../dist/meta.json', import.meta.url), JSON.stringify(result.metafile));
