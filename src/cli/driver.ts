// The merge driver's bundle, dist/driver.cjs (built from merge.ts), loaded through the loader that hands
// V8 the code it compiled for it at build time (compiled.ts). The entry loads it with loadDriver for
// `merge`; the command table (`git strata help merge`) through dist/driver.mjs, this module's own bundle.
// Both live in dist/, so the paths below are dist's.
import { createRequire } from 'node:module';
import type { CacheState } from './compiled.js';

type Driver = typeof import('./merge.js');

/** The driver; `--self-check` also says whether V8 took the compiled code (doctor shows it). */
export function loadDriver(): Driver {
  const require = createRequire(import.meta.url);
  const loader = require('./compiled.cjs') as typeof import('./compiled.js');
  const driver = loader.load(require.resolve('./driver.cjs')) as Driver;
  return {
    run: async (args: string[]): Promise<number> => {
      const code = await driver.run(args);
      if (args[0] === '--self-check' && code === 0) process.stdout.write(`compile cache: ${describe(loader.cacheStates())}\n`);
      return code;
    },
  };
}

export const run: Driver['run'] = (args) => loadDriver().run(args);

function describe(states: ReadonlyArray<{ file: string; state: CacheState }>): string {
  const names = (state: CacheState): string[] => states.filter((s) => s.state === state).map((s) => s.file.replace(/^.*[\\/]/, ''));
  if (names('used').length === states.length) return 'used';
  const why: Record<Exclude<CacheState, 'used'>, string> = {
    rejected: 'refused by V8 (made by another node version or with other flags, or damaged)',
    missing: 'not built',
    stale: 'made for another build',
  };
  const parts = (Object.keys(why) as Array<keyof typeof why>).filter((s) => names(s).length > 0).map((s) => `${why[s]} (${names(s).join(', ')})`);
  return `not used: ${parts.join('; ')}; the driver compiles from source, which is slower (run ./install.sh again)`;
}
