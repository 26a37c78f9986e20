// dist/git-strata.cjs: the entry of every command, the one install registers for the merge driver and
// the hooks and install.sh puts on the PATH. CommonJS, because node 20 starts a CommonJS script about
// 10 ms sooner than an ES module (it need not set up its ES module loader): the driver runs once per
// file on every pull, the hook on every commit that stages a typed file, and `check` in both.
//
// `merge` loads the driver's own bundle (driver.ts). Every other command goes through the command table
// (dispatch.ts, bundled in here): `check` and `hook` are CommonJS bundles required from here
// (dist/cmd-check.cjs, dist/cmd-hook.cjs), so that a commit's checks never wake the ES module loader;
// the rest are ES module bundles (dist/cmd-<name>.mjs), imported.
import { runDriver } from './driver.js';

const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  void runDriver(argv.slice(1)).then((code) => {
    process.exitCode = code;
  });
} else {
  void import('./dispatch.js').then(async ({ dispatch }) => {
    process.exitCode = await dispatch(argv);
  });
}
