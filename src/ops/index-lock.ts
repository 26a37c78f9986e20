// git's own lock on the index, taken by a writer around its read-modify-write of a work tree file. Each
// git command that updates the work tree (merge and so pull, checkout, reset, stash, a rebase step,
// commit -a) creates `<git dir>/index.lock` with O_EXCL for the whole of its step, and fails at once
// when the file exists: that is how git's commands are exclusive with each other. Without it a writer
// was not exclusive with them: a `git pull` whose merge wrote QUEUE.md after a `queue add` wrote it
// dropped the task the command had reported as added, and a writer that read the file before the merge
// wrote it, and wrote after, dropped what the merge brought in.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { StrataError } from '../core/errors.js';
import { gitTry } from '../git/exec.js';

/** How long a writer waits for a git command to end: a pull's merge takes seconds at most. */
const WAIT_MS = 30_000;
/** A writer holds the lock for milliseconds: a wait longer than this is a git command, and is said. */
const SAY_AFTER_MS = 1_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface IndexLockOptions {
  /** How long to wait for the lock (tests shorten it). */
  readonly waitMs?: number;
}

/**
 * True when `index` (the path `git rev-parse --git-path index` gives) is itself a lock file: a hook of
 * `git commit -a` or `git commit PATH…` runs with GIT_INDEX_FILE naming the index.lock (or
 * next-index-*.lock) git created and holds until the hook returns. There no git command can start and
 * no writer outside the hook can take the lock, so the hook's writes are already exclusive with them;
 * the lock a writer then takes, `<that>.lock`, is the one git's own commands run by the hook take.
 */
export function underGitIndexLock(index: string): boolean {
  return basename(index).endsWith('.lock');
}

/**
 * Runs `fn` holding `<index>.lock`, created as git creates it. While a git command holds it, waits (up
 * to 30 s, saying so once after a second), then refuses with git's own advice for a lock a killed
 * process left. Removed when `fn` ends, and on SIGINT, SIGTERM or SIGHUP (then the process dies of the
 * signal, as git does); a SIGKILL leaves it behind, as it does git's.
 */
export async function withIndexLock<T>(index: string, what: string, fn: () => Promise<T>, options: IndexLockOptions = {}): Promise<T> {
  const lock = `${index}.lock`;
  await acquire(lock, what, options.waitMs ?? WAIT_MS);
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    try {
      unlinkSync(lock);
    } catch {
      // Removed by hand meanwhile: nothing of ours is left.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    release();
    stopListening();
    // The next delivery finds the listeners left before this one (proper-lockfile's cleanup) or none:
    // the process dies of the signal, as it would have without this listener.
    process.kill(process.pid, signal);
  };
  const stopListening = (): void => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', release);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', release);
  try {
    return await fn();
  } finally {
    release();
    stopListening();
  }
}

async function acquire(lock: string, what: string, waitMs: number): Promise<void> {
  const start = Date.now();
  let delay = 5;
  let said = false;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new StrataError('GIT_FAILED', `cannot create ${lock}: ${(error as Error).message}; ${what} is unchanged`, 'check the permissions of the git directory, then run the command again');
      }
    }
    const waited = Date.now() - start;
    if (waited >= waitMs) {
      throw new StrataError(
        'GIT_FAILED',
        `cannot write ${what}: ${lock} exists, so a git command is running in this clone (an editor opened by git commit -a?) or one was killed; waited ${Math.round(waited / 1000)} s and wrote nothing`,
        `run the command again once the git command has ended; if no git process is running, remove ${lock}`,
      );
    }
    if (!said && waited >= SAY_AFTER_MS) {
      said = true;
      process.stderr.write(`strata: ${what}: waiting for the git command running in this clone (${lock} exists; up to ${Math.round(waitMs / 1000)} s)\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, waitMs - waited) * (0.5 + Math.random() / 2)));
    delay = Math.min(delay * 1.5, 100);
  }
}

/**
 * Runs a git command in `top` that takes the index lock itself (`git add`, `update-index`), again while
 * it fails on the lock (up to 30 s): a writer in this clone holds the lock for its write (milliseconds),
 * a git command for its step. Any other failure throws at once.
 */
export async function gitOnIndex(top: string, args: readonly string[]): Promise<string> {
  const start = Date.now();
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const result = await gitTry(top, args);
    if (result.exitCode === 0) return result.stdout;
    // The lock's path is in git's message in every language.
    if (!/index\.lock/.test(result.stderr) || Date.now() - start > WAIT_MS) {
      throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
