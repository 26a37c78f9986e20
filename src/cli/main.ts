// The entry point: `node dist/git-strata.mjs <command>`. It imports nothing of its own. The merge driver
// runs once per file on every pull and every commit of a rebase, so it is built as its own bundle
// (dist/driver.cjs, see scripts/build.mjs) and loaded straight from here, synchronously and with the
// code V8 compiled for it at build time (driver.ts, compiled.ts); every other command goes through the
// command table, which loads only the command that runs.
import { loadDriver } from './driver.js';

const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  let run: ((args: string[]) => Promise<number>) | undefined;
  try {
    ({ run } = loadDriver());
  } catch (error) {
    // A broken install (the driver bundle missing or unreadable): git's own merge, so the user gets
    // markers to resolve instead of a conflict that shows only their side.
    process.exitCode = await lineMergeWithoutDriver(argv.slice(1), error);
  }
  if (run) process.exitCode = await run(argv.slice(1));
} else {
  const { dispatch } = await import('./dispatch.js');
  process.exitCode = await dispatch(argv);
}

/**
 * git's line merge of the driver's arguments (%O %A %B [%L] …) into %A, as the driver's own fallback
 * does (line-merge.ts, atomic-write.ts; both are in the main build too). Never exits above 128 (git
 * would abort the whole merge): where even that fails, %A (the user's version) stays and the file
 * conflicts.
 */
async function lineMergeWithoutDriver(args: string[], error: unknown): Promise<number> {
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

