// The merge driver's bundle, dist/driver.cjs (built from merge.ts), loaded through the loader that hands
// V8 the code it compiled for it at build time (compiled.ts). Both entries run it with runDriver for
// `merge` (dist/git-strata.cjs, which git starts, and dist/git-strata.mjs); the command table
// (`git strata help merge`) through dist/driver.mjs, this module's own bundle. All live in dist/, so
// the paths below are dist's.
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
      if (args[0] === '--self-check' && code === 0) {
        const cache = describe(loader.cacheStates());
        process.stdout.write(`compile cache: ${cache}\n${cache === 'used' ? '' : 'hint: run ./install.sh again in strata\'s checkout\n'}`);
      }
      return code;
    },
  };
}

export const run: Driver['run'] = (args) => loadDriver().run(args);

/** The driver on git's arguments (%O %A %B %L %P …); git's own line merge where it does not load. */
export async function runDriver(args: string[]): Promise<number> {
  let driver: Driver;
  try {
    driver = loadDriver();
  } catch (error) {
    // A broken install (the driver bundle missing or unreadable): git's own merge, so the user gets
    // markers to resolve instead of a conflict that shows only their side.
    return lineMergeWithoutDriver(args, error);
  }
  return driver.run(args);
}

/**
 * git's line merge of the driver's arguments (%O %A %B [%L] …) into %A, as the driver's own fallback
 * does (line-merge.ts, atomic-write.ts; both are bundled with the entries). Never exits above 128 (git
 * would abort the whole merge): where even that fails, %A (the user's version) stays and the file
 * conflicts.
 */
export async function lineMergeWithoutDriver(args: string[], error: unknown): Promise<number> {
  const why = error instanceof Error ? error.message : String(error);
  process.stderr.write(`strata: the merge driver failed to start (${why}); using git's line merge\nhint: reinstall strata (./install.sh), then check with 'git strata doctor'\n`);
  const positional = args.filter((arg, k) => !arg.startsWith('--type') && args[k - 1] !== '--type');
  const [base, ours, theirs, size] = positional;
  if (!base || !ours || !theirs) return 1;
  try {
    const [{ mergeFiles }, { writeFileAtomicSync }] = await Promise.all([import('../git/line-merge.js'), import('../git/atomic-write.js')]);
    const result = mergeFiles(ours, base, theirs, size && /^\d+$/.test(size) ? Number(size) : 7, ['ours', 'base', 'theirs']);
    writeFileAtomicSync(ours, result.bytes);
    return result.conflicts > 0 ? 1 : 0;
  } catch {
    return 1;
  }
}


function describe(states: ReadonlyArray<{ file: string; state: CacheState }>): string {
  const names = (state: CacheState): string[] => states.filter((s) => s.state === state).map((s) => s.file.replace(/^.*[\\/]/, ''));
  if (names('used').length === states.length) return 'used';
  const why: Record<Exclude<CacheState, 'used'>, string> = {
    rejected: 'refused by V8 (made by another node version or with other flags, or damaged)',
    missing: 'not built',
    stale: 'made for another build',
  };
  const parts = (Object.keys(why) as Array<keyof typeof why>).filter((s) => names(s).length > 0).map((s) => `${why[s]} (${names(s).join(', ')})`);
  return `not used: ${parts.join('; ')}; the driver compiles from source, which is slower`;
}
