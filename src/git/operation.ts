// Whether git is stopped in the middle of a merge, rebase, cherry-pick or revert: the checks read the
// commit that concludes one more strictly, and replay waits for one to end. Synchronous and light:
// the pre-commit hook asks it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StrataError } from '../core/errors.js';

const STATE = ['MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'rebase-merge', 'rebase-apply'] as const;

export interface StoppedOperation {
  /** The state file or directory git keeps for it. */
  readonly name: (typeof STATE)[number];
  /** Its absolute path. */
  readonly path: string;
  /** For messages: 'a rebase', 'a merge (MERGE_HEAD)'. */
  readonly what: string;
}

/** The commits a MERGE_HEAD file names: one, or several for an octopus merge. */
export function mergeHeadsIn(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => /^[0-9a-f]{40,64}$/.test(line));
}

/** Arguments of `git rev-parse --path-format=absolute` that print the state paths, one a line, in order. */
export const STATE_PATH_ARGS: readonly string[] = STATE.flatMap((n) => ['--git-path', n]);

/** The operation git is stopped in, read from the lines `STATE_PATH_ARGS` printed. */
export function stoppedIn(paths: readonly string[]): StoppedOperation | undefined {
  const at = STATE.findIndex((_, k) => paths[k] !== undefined && paths[k] !== '' && existsSync(paths[k]!));
  if (at === -1) return undefined;
  const name = STATE[at]!;
  return { name, path: paths[at]!, what: name.startsWith('rebase') ? 'a rebase' : `a merge (${name})` };
}

export function stoppedOperation(cwd: string): StoppedOperation | undefined {
  const result = spawnSync('git', ['rev-parse', '--path-format=absolute', ...STATE_PATH_ARGS], { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new StrataError('GIT_FAILED', `git rev-parse --git-path failed: ${result.error?.message ?? result.stderr.trim()}`);
  }
  return stoppedIn(result.stdout.split('\n'));
}
