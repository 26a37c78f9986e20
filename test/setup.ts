// FC_SEED=<n> replays a failing fast-check run (fast-check prints the seed and path of every failure).
import fc from 'fast-check';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

// git run by the code under test without an environment of its own (the line merge, the conflict
// style) must not read the developer's settings: a global merge.conflictStyle would change the markers.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';
