// Loads a CommonJS bundle of dist/ with the code V8 compiled for it at build time.
//
// The merge driver is a fresh node process on every file of every pull, and node 20 keeps no compiled
// code between processes (module.enableCompileCache is node 22), so each run parsed and compiled the
// same functions again (about 10 ms of a 10k-entry merge, measured). The build runs warm-up merges and
// saves the bytecode V8 made for each bundle next to it (`<bundle>.v8cache`, scripts/compile-cache.mjs);
// here it is handed back to V8 with the source.
//
// The cache only saves time; it never changes what runs. V8 refuses a cache made by another V8 version
// or with other flags (node was upgraded), and the build id refuses one made for another build of the
// bundle: then the bundle compiles from source, as it did before. `git strata doctor` says when that
// happens, and `./install.sh` makes a new one. A damaged cache must be refused too, not read: V8 reads
// a cache of the right length whatever its bytes, and aborts the process on one it cannot decode
// (SIGTRAP, exit 133, which would abort git's whole merge). So V8's own checksum of the cache is on
// while a bundle compiles, and while its cache is made at build (the flags are part of what a cache
// must match), and off again at once: with a flag changed, V8 would also refuse the code node keeps
// for its own modules, and every one loaded later (child_process, for git) would compile from source.
//
// Built as its own bundle (dist/compiled.cjs) and loaded with require, so the entry and the bundles it
// loads share one instance (and its record of what it loaded).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/** What became of a bundle's cache: used; refused by V8; none beside the bundle; made for another build. */
export type CacheState = 'used' | 'rejected' | 'missing' | 'stale';

/** The last line of every bundle this loads, written by the build: `//# strataBuild=<sha-256 of the rest>`. */
export const BUILD_MARK = '//# strataBuild=';
const HEADER = 'strata-v8cache ';

// The same wrapper as node's for CommonJS, so a bundle runs here as it would under require.
const HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const TAIL = '\n})';

interface Loaded {
  readonly file: string;
  readonly script: Script;
  readonly id: string;
  readonly state: CacheState;
  readonly exports: unknown;
}

const loaded = new Map<string, Loaded>();

/** The build id a bundle's last line carries ('' for none). */
export function buildIdOf(source: string): string {
  const at = source.lastIndexOf(BUILD_MARK);
  return at === -1 ? '' : source.slice(at + BUILD_MARK.length).trim();
}

/** The cache file of a bundle. */
export const cacheFileOf = (file: string): string => `${file}.v8cache`;

/** `run` with V8's checksum of code caches on. */
function checksummed<T>(run: () => T): T {
  setFlagsFromString('--verify-snapshot-checksum');
  try {
    return run();
  } finally {
    setFlagsFromString('--no-verify-snapshot-checksum');
  }
}

/** Runs the CommonJS bundle at `file` (absolute) once per process and returns its exports. */
export function load(file: string): unknown {
  const done = loaded.get(file);
  if (done) return done.exports;
  const source = readFileSync(file, 'utf8');
  const id = buildIdOf(source);
  let cachedData: Buffer | undefined;
  let state: CacheState = 'missing';
  try {
    const bytes = readFileSync(cacheFileOf(file));
    const header = Buffer.from(`${HEADER}${id}\n`);
    if (id !== '' && bytes.subarray(0, header.length).equals(header)) cachedData = bytes.subarray(header.length);
    else state = 'stale';
  } catch {
    // No cache: compiled from source.
  }
  const script = checksummed(() => new Script(HEAD + source + TAIL, { filename: file, ...(cachedData ? { cachedData } : {}) }));
  if (cachedData) state = script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  loaded.set(file, { file, script, id, state, exports: module.exports });
  return module.exports;
}

/** Each bundle loaded so far, with what became of its cache. */
export function cacheStates(): Array<{ file: string; state: CacheState }> {
  return [...loaded.values()].map(({ file, state }) => ({ file, state }));
}

/**
 * For the build: writes the cache of every bundle loaded so far, with what V8 has compiled of it by now
 * (run the warm-ups first). Each file is written whole or not at all. Returns the files written.
 */
export function writeCaches(): string[] {
  return [...loaded.values()].map(({ file, script, id }) => {
    if (id === '') throw new Error(`${file} has no ${BUILD_MARK} line; it was not built by scripts/build.mjs`);
    const target = cacheFileOf(file);
    const temp = `${target}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, Buffer.concat([Buffer.from(`${HEADER}${id}\n`), checksummed(() => script.createCachedData())]));
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
    return target;
  });
}
