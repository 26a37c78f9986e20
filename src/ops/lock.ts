// A per-file lock for the writer commands, so agents that share one clone can run `queue add` at the
// same time: each read-modify-write of a coordination file happens under the lock. The lock lives
// under the git directory (`.git/strata/locks/`), never in the work tree, so it is never committed.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StrataError } from '../core/errors.js';
import { git } from '../git/exec.js';

/** How long a dead process's lock blocks others (proper-lockfile refreshes a live one's mtime). */
const STALE_MS = 10_000;

/** Where `cwd`'s repository keeps strata's locks (absolute; linked worktrees get their own). */
export async function lockDir(cwd: string): Promise<string> {
  return (await lockPaths(cwd)).dir;
}

/**
 * strata's lock directory and git's index (absolute; a linked worktree has its own of both, and
 * GIT_INDEX_FILE names the index, as for git), from one git call.
 */
export async function lockPaths(cwd: string): Promise<{ dir: string; index: string }> {
  const out = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'strata/locks', '--git-path', 'index']);
  const [dir, index] = out.split('\n');
  return { dir: dir!.trim(), index: index!.trim() };
}

/** What a lock holder can ask while it holds the lock. */
export interface Held {
  /**
   * Throws unless this process still holds the lock. A holder stalled past the stale time (SIGSTOP, a
   * suspended VM) may find another command took the lock over meanwhile: it must then write nothing,
   * or it would overwrite what that command wrote. Call it right before the write that publishes.
   */
  assertHeld(): void;
}

/**
 * Runs `fn` while holding the lock named after `relPath` (a repository-relative path). Waits up to about
 * 30 s for another holder, saying so once; a lock left by a killed process is taken over once it is
 * stale (10 s without its holder's refresh). `dir`: lockDir's answer, when the caller has it.
 */
export async function withFileLock<T>(cwd: string, relPath: string, fn: (held: Held) => Promise<T>, dir?: string): Promise<T> {
  dir ??= await lockDir(cwd);
  await mkdir(dir, { recursive: true });
  const name = encodeURIComponent(relPath.replace(/\\/g, '/'));
  const target = join(dir, name);
  let compromised: Error | undefined;
  const options = {
    realpath: false,
    lockfilePath: `${target}.lock`,
    stale: STALE_MS,
    onCompromised: (error: Error) => {
      compromised = error;
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, { ...options, retries: 0 }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ELOCKED') throw error;
      process.stderr.write(`strata: ${relPath} is locked by another strata command; waiting (a lock whose holder died is taken over after ${STALE_MS / 1000} s)\n`);
      return lockfile.lock(target, { ...options, retries: { retries: 300, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true } });
    });
  } catch (error) {
    throw new StrataError(
      'GIT_FAILED',
      `cannot lock ${relPath}: ${(error as Error).message}`,
      `another strata command holds ${target}.lock; if none runs, remove that directory`,
    );
  }
  // proper-lockfile takes a stale lock over without telling the old holder before its next refresh:
  // a token of our own, next to the lock, says whose it is now.
  const owner = `${target}.owner`;
  const token = `${process.pid}-${randomBytes(8).toString('hex')}`;
  try {
    writeFileSync(owner, token);
  } catch (error) {
    await release().catch(() => undefined);
    throw new StrataError('GIT_FAILED', `cannot lock ${relPath}: ${(error as Error).message}`, 'free some disk space (or fix the permissions of .git/strata), then run the command again');
  }
  const held: Held = {
    assertHeld() {
      let current: string | undefined;
      try {
        current = readFileSync(owner, 'utf8');
      } catch {
        current = undefined;
      }
      if (compromised || current !== token) {
        throw new StrataError(
          'LOCK_LOST',
          `the lock on ${relPath} was taken over by another strata command while this one was stalled (over ${STALE_MS / 1000} s); nothing was written`,
          'run the command again: it reads the file as the other command left it',
        );
      }
    },
  };
  try {
    return await fn(held);
  } finally {
    await release().catch(() => undefined);
    if (compromised) process.stderr.write(`strata: warning: the lock on ${relPath} was lost while it was held (${compromised.message})\n`);
  }
}
