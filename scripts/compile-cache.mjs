// Warm-up merges for the driver's compile cache (src/cli/compiled.ts), run by scripts/build.mjs after
// bundling: one process loads dist/driver.cjs through dist/compiled.cjs, merges a file of every type
// with the real driver (clean merges, renumbered queue tasks, prose conflicts around entries, a Markdown
// merge), checks each result, then writes what V8 compiled for each bundle beside it.
//
// Run with the node the driver will run with (the build's): V8 refuses a cache made by another version.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factsScenario, heartbeatScenario, notesScenario, queueScenario } from './gen.mjs';

const require = createRequire(import.meta.url);
const loader = require('../dist/compiled.cjs');
const driver = loader.load(require.resolve('../dist/driver.cjs'));

const N = 2000;
/** Both sides reword the same opening line: a prose conflict around the entries. */
const reword = (s) => {
  const first = s.base.indexOf('\n');
  const line = (who) => `Reworded by ${who}.`;
  return { ...s, ours: line('ours') + s.ours.slice(first), theirs: line('theirs') + s.theirs.slice(first) };
};
const op = (name, at, rest) => `- [op:${name}] ${rest} [at:2026-11-27T11:${at}.000Z]`;
const opsBase = `# Ops\n\n${op('deploy-v41', '00:00', '[kind:deploy] [agent:deploy] [args:v41]')} push v41\n`;
const cases = [
  ['heartbeat', heartbeatScenario({ n: N })],
  ['facts', factsScenario({ n: N })],
  ['queue', queueScenario({ n: N })],
  ['markdown', notesScenario({ bullets: N, sections: 20 })],
  ['heartbeat', reword(heartbeatScenario({ n: 200, seed: 2 }))],
  ['facts', reword(factsScenario({ n: 200, seed: 2 }))],
  ['queue', reword(queueScenario({ n: 200, seed: 2 }))],
  [
    'ops',
    {
      base: opsBase,
      ours: `${opsBase}${op('deploy-v41', '00:03', '[state:claimed] [by:a] [lease:2026-11-27T11:10:03.000Z]')}\n`,
      theirs: `${opsBase}${op('deploy-v42', '00:05', '[kind:deploy] [agent:deploy] [args:v42]')} push v42\n`,
    },
  ],
];

const dir = mkdtempSync(join(tmpdir(), 'strata-warm-'));
try {
  // Twice over, so that nothing the first round compiled has aged out of V8's bytecode by the time the
  // cache is written.
  for (let round = 0; round < 2; round++) {
    for (const [k, [type, s]] of cases.entries()) {
      const [base, ours, theirs] = ['base', 'ours', 'theirs'].map((name) => join(dir, `${k}.${name}`));
      writeFileSync(base, s.base);
      writeFileSync(ours, s.ours);
      writeFileSync(theirs, s.theirs);
      const code = await driver.run(['--type', type, base, ours, theirs, '7', `${type}.md`]);
      const merged = readFileSync(ours, 'utf8');
      // A warm-up that failed would cache the fallback's code, not the merge's: the build must know.
      // (Theirs' last entry is in the result, give or take a renumbered seq.)
      const plain = (text) => text.replace(/ \[(seq|was|depends):[\d,]+\]/g, '');
      if (code > 1 || merged === s.ours || !plain(merged).includes(plain(s.theirs.split('\n').at(-2)))) {
        throw new Error(`compile-cache: the ${type} warm-up merge (case ${k}) did not merge (exit ${code})`);
      }
    }
  }
  for (const file of loader.writeCaches()) console.log(`compile-cache: wrote ${file.replace(/^.*[\\/]dist[\\/]/, 'dist/')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
