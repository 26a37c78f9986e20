// The entry point: `node dist/git-strata.mjs <command>`. It imports nothing itself. The merge driver runs
// once per file on every pull and every commit of a rebase, so it is built as its own bundle
// (dist/driver.mjs, see scripts/build.mjs) and loaded straight from here; every other command goes
// through the command table, which loads only the command that runs.
const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  try {
    const { run } = await import('./merge.js');
    process.exitCode = await run(argv.slice(1));
  } catch (error) {
    // The driver catches what a merge throws; this is a bundle that failed to load. Never exit above
    // 128 (git would abort the whole merge): a conflict leaves %A, the user's version, in place.
    process.stderr.write(`strata: the merge driver failed to start (${error instanceof Error ? error.message : String(error)}); the file is left as yours, marked conflicted\nhint: run 'git strata doctor'\n`);
    process.exitCode = 1;
  }
} else {
  const { dispatch } = await import('./dispatch.js');
  process.exitCode = await dispatch(argv);
}
export {};
