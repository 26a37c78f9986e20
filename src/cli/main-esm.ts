// dist/git-strata.mjs: the entry earlier installs wrote into hooks and the driver line, before
// dist/git-strata.cjs existed. It runs that entry. Where it is missing (a half-copied or half-built
// dist), it does what the old entry did without its bundles, rather than fail with node's error: git's
// line merge for `merge` (markers to resolve, not a conflict that shows one side), a warning that lets
// git go on for a hook, and the fix for anything else.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineMergeWithoutDriver } from './driver.js';
import { EXIT } from './exit.js';

const load = createRequire(import.meta.url);
const entry = join(dirname(fileURLToPath(import.meta.url)), 'git-strata.cjs');

try {
  load(entry);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'MODULE_NOT_FOUND' || !(error as Error).message.includes(entry)) throw error;
  const [name, ...rest] = process.argv.slice(2);
  const missing = new Error(`${entry} is missing`);
  if (name === 'merge') process.exitCode = await lineMergeWithoutDriver(rest, missing);
  else {
    const fix = 'reinstall strata (./install.sh in its checkout), then check with git strata doctor';
    if (name === 'hook') {
      process.stderr.write(`strata: warning: ${entry} is missing, so strata's ${rest[0] ?? ''} hook did not run; git goes on without it\nhint: ${fix}\n`);
      process.exitCode = EXIT.ok;
    } else {
      process.stderr.write(`strata: ${entry} is missing: this install of strata is incomplete\nhint: ${fix}\n`);
      process.exitCode = EXIT.environment;
    }
  }
}
