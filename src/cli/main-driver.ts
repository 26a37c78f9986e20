// dist/git-strata.cjs: the entry git starts the merge driver with (`git strata install` registers it).
// CommonJS, because node 20 starts a CommonJS script about 10 ms sooner than an ES module (it need not
// set up its ES module loader), and the driver runs once per file on every pull. Anything but `merge`
// goes on to the ES module entry, dist/git-strata.mjs, which reads the same arguments.
import { runDriver } from './driver.js';

const argv = process.argv.slice(2);
if (argv[0] === 'merge') {
  void runDriver(argv.slice(1)).then((code) => {
    process.exitCode = code;
  });
} else {
  // (A name TypeScript does not resolve: the ES module entry exists in dist/ only.)
  const entry = './git-strata.mjs';
  void import(entry);
}
