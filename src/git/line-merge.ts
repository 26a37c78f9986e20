// The real `git merge-file` as the core's line merge, so "clean where git is clean" holds to the byte.
// node:child_process rather than execa: this runs on the driver's hot path, where execa's load time
// would be a large share of the whole merge. Even node:child_process (with net, stream and dgram behind
// it) is loaded only when a merge needs git: a clean typed merge runs none.
import type { SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrataError } from '../core/errors.js';
import type { LineMerge } from '../core/result.js';
import { type ConflictStyle, isConflictStyle } from '../core/merge/conflict-style.js';

const MAX_OUTPUT = 1024 * 1024 * 1024;

/** `child_process.spawnSync`, loaded on first use. */
export function spawnSync(command: string, args: readonly string[], options: SpawnSyncOptions & { encoding: BufferEncoding }): SpawnSyncReturns<string>;
export function spawnSync(command: string, args: readonly string[], options: SpawnSyncOptions): SpawnSyncReturns<Buffer>;
export function spawnSync(command: string, args: readonly string[], options: SpawnSyncOptions): SpawnSyncReturns<string | Buffer> {
  const load = createRequire(import.meta.url) as (id: 'node:child_process') => typeof import('node:child_process');
  return load('node:child_process').spawnSync(command, args, options);
}

/**
 * merge.conflictStyle as git reads it where the driver runs (the repository's config, then the user's):
 * strata writes its own conflicts as git's line merge, which reads the same setting, writes its own.
 */
export function gitConflictStyle(): ConflictStyle {
  const result = spawnSync('git', ['config', '--get', 'merge.conflictStyle'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  // As git reads it: the names are case-sensitive there too.
  const value = result.status === 0 ? result.stdout.trim() : '';
  return isConflictStyle(value) ? value : 'merge';
}

/** Runs `git merge-file -p` on three texts; returns the merged text and git's conflict count. */
export const gitLineMerge: LineMerge = ({ base, ours, theirs, markerSize, labels }) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-merge-'));
  try {
    const files = { ours: join(dir, 'ours'), base: join(dir, 'base'), theirs: join(dir, 'theirs') };
    writeFileSync(files.ours, ours);
    writeFileSync(files.base, base);
    writeFileSync(files.theirs, theirs);
    const result = mergeFiles(files.ours, files.base, files.theirs, markerSize, labels ?? ['ours', 'base', 'theirs']);
    return { text: result.bytes.toString('utf8'), conflicts: result.conflicts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * `git merge-file -p` on files already on disk. The result stays bytes: a file that is not UTF-8 must
 * come back exactly as git merged it.
 */
export function mergeFiles(
  ours: string,
  base: string,
  theirs: string,
  markerSize: number,
  labels: readonly [string, string, string],
): { bytes: Buffer; conflicts: number } {
  const result = spawnSync(
    'git',
    ['merge-file', '-p', `--marker-size=${markerSize}`, '-L', labels[0], '-L', labels[1], '-L', labels[2], ours, base, theirs],
    { maxBuffer: MAX_OUTPUT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.error) {
    throw new StrataError('GIT_FAILED', `cannot run git merge-file: ${result.error.message}`, 'is git on the PATH?');
  }
  const status = result.status ?? 255;
  if (status < 0 || status > 127) {
    throw new StrataError('GIT_FAILED', `git merge-file failed (exit ${status}): ${result.stderr.toString('utf8').trim()}`);
  }
  return { bytes: result.stdout, conflicts: status };
}
