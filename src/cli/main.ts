// The entry point: `node dist/git-strata.mjs <command>`. It imports nothing itself. The merge driver runs
// once per file on every pull and every commit of a rebase, so it is built as its own bundle
// (dist/driver.mjs, see scripts/build.mjs) and loaded straight from here; every other command goes
// through the command table, which loads only the command that runs.
const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  let run: ((args: string[]) => Promise<number>) | undefined;
  try {
    ({ run } = await import('./merge.js'));
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
 * `git merge-file` in place on the driver's arguments (%O %A %B [%L] …). Never exits above 128 (git would
 * abort the whole merge): where even that fails, %A (the user's version) stays and the file conflicts.
 */
async function lineMergeWithoutDriver(args: string[], error: unknown): Promise<number> {
  const why = error instanceof Error ? error.message : String(error);
  process.stderr.write(`strata: the merge driver failed to start (${why}); using git's line merge\nhint: reinstall strata (./install.sh), then check with 'git strata doctor'\n`);
  const positional = args.filter((arg, k) => !arg.startsWith('--type') && args[k - 1] !== '--type');
  const [base, ours, theirs, size] = positional;
  if (!base || !ours || !theirs) return 1;
  const markerSize = size && /^\d+$/.test(size) ? size : '7';
  try {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync('git', ['merge-file', `--marker-size=${markerSize}`, '-L', 'ours', '-L', 'base', '-L', 'theirs', ours, base, theirs], { stdio: ['ignore', 'ignore', 'inherit'] });
    const status = result.status ?? 255;
    return status === 0 ? 0 : 1;
  } catch {
    return 1;
  }
}

export {};
