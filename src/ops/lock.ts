// A per-file lock for the writer commands, so agents that share one clone can run `queue add` at the
// same time: each read-modify-write of a coordination file happens under the lock. The lock lives
// under the git directory (`.git/strata/locks/`), never in the work tree, so it is never committed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StrataError } from '../core/errors.js';
import { git } from '../git/exec.js';

/** How long a dead process's lock blocks others (proper-lockfile refreshes a live one's mtime). */
const STALE_MS = 10_000;

/** Where `cwd`'s repository keeps strata's locks (absolute; linked worktrees get their own). */
export async function lockDir(cwd: string): Promise<string> {
  const out = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'strata/locks']);
  return out.trim();
}

/**
 * Runs `fn` while holding the lock named after `relPath` (a repository-relative path). Waits up to about
 * 30 s for another holder; a lock left by a killed process is taken over once it is stale.
 */
export async function withFileLock<T>(cwd: string, relPath: string, fn: () => Promise<T>): Promise<T> {
  const dir = await lockDir(cwd);
  await mkdir(dir, { recursive: true });
  const name = encodeURIComponent(relPath.replace(/\\/g, '/'));
  const target = join(dir, name);
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: `${target}.lock`,
      stale: STALE_MS,
      retries: { retries: 300, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    throw new StrataError(
      'GIT_FAILED',
      `cannot lock ${relPath}: ${(error as Error).message}`,
      `another strata command holds ${target}.lock; if none runs, remove that directory`,
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
    if (compromised) process.stderr.write(`strata: warning: the lock on ${relPath} was lost while writing (${compromised.message})\n`);
  }
}
