// The entry point: `node dist/git-strata.mjs <command>`. It imports nothing of its own. The merge driver
// runs once per file on every pull and every commit of a rebase, so it is built as its own bundle
// (dist/driver.cjs, see scripts/build.mjs) and loaded straight from here, synchronously and with the
// code V8 compiled for it at build time (driver.ts, compiled.ts); git itself starts it through
// dist/git-strata.cjs (main-driver.ts), which spares node its ES module loader. Every other command
// goes through the command table, which loads only the command that runs.
import { runDriver } from './driver.js';

const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  process.exitCode = await runDriver(argv.slice(1));
} else {
  const { dispatch } = await import('./dispatch.js');
  process.exitCode = await dispatch(argv);
}
