// FC_SEED=<n> replays a failing fast-check run (fast-check prints the seed and path of every failure).
import fc from 'fast-check';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });
