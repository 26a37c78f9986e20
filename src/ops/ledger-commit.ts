// Ledger records become commits that touch only `.strata/ledger.md`, built with plumbing (hash-object,
// mktree, commit-tree) on top of HEAD, so the user's index and other work stay as they are and no
// commit hook runs. HEAD moves by compare-and-swap (`update-ref HEAD new old`); then the ledger's index
// entry and work tree file follow.
//
// With a claim remote, the remote's atomic ref update is the linearisation point: a claim commit is
// pushed *before* HEAD moves, and only an accepted push counts. A rejected push leaves nothing behind
// locally; the caller fetches, merges (the driver merges the ledger) and plans again.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StrataError } from '../core/errors.js';
import { type ClaimRemoteChoice, NO_CLAIM_REMOTE, chooseClaimRemote } from '../core/replay/config.js';
import { LEDGER_PATH } from '../core/replay/write.js';
import { gitTry } from '../git/exec.js';
import { mergeHeadsIn, stoppedOperation } from '../git/operation.js';

import { gitOnIndex } from './index-lock.js';
import { REPLAY_ACTIVE_ENV } from './probe.js';

export { REPLAY_ACTIVE_ENV };

export interface Repo {
  readonly top: string;
  /** Identity for commits when git config has none (a fresh executor machine). */
  readonly env: NodeJS.ProcessEnv;
}

async function run(repo: Repo, args: string[], input?: string): Promise<string> {
  const result = await gitTry(repo.top, args, input);
  if (result.exitCode !== 0) {
    throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
  return result.stdout;
}

/**
 * Refuses when the ledger has local changes: replay only ever appends to the committed ledger. One case
 * is repaired instead: a git command killed while it wrote the ledger (a replay's fetch-and-merge under
 * SIGKILL) leaves a file whose every record is already in a commit (HEAD, FETCH_HEAD or a remote
 * branch). Nothing is lost by putting HEAD's ledger back, and until then every `git pull` fails.
 */
export async function assertLedgerClean(repo: Repo, warn: (line: string) => void = () => {}): Promise<void> {
  const status = await ledgerStatus(repo);
  if (status === '' || (await recoverLedgerLeftover(repo, warn))) return;
  const untracked = status.startsWith('??');
  throw new StrataError(
    'BAD_INPUT',
    `${LEDGER_PATH} has uncommitted changes`,
    untracked
      ? `the ledger is written by strata only, and this one is not committed: move it aside (mv ${LEDGER_PATH} /tmp/), then run git strata replay`
      : `the ledger is written by strata only: git restore --staged --worktree ${LEDGER_PATH} (or commit it), then run git strata replay`,
  );
}

async function ledgerStatus(repo: Repo): Promise<string> {
  return (await run(repo, ['status', '--porcelain', '--untracked-files=all', '--', LEDGER_PATH])).trim();
}

/** Puts HEAD's ledger back where the work tree's is a leftover of a killed git (see above); true if it did. */
async function recoverLedgerLeftover(repo: Repo, warn: (line: string) => void): Promise<boolean> {
  if ((await ledgerStatus(repo)) === '' || !(await leftoverOfKilledGit(repo))) return false;
  await gitTry(repo.top, ['reset', '-q', '--', LEDGER_PATH]);
  const inHead = (await gitTry(repo.top, ['cat-file', '-e', `HEAD:${LEDGER_PATH}`])).exitCode === 0;
  if (inHead) await run(repo, ['checkout', '-q', 'HEAD', '--', LEDGER_PATH]);
  else await rm(join(repo.top, LEDGER_PATH), { force: true });
  warn(`strata: ${LEDGER_PATH} was left behind by an interrupted git command; every record in it is already committed, so it was put back as HEAD has it`);
  return true;
}

/** Whether every record line of the work tree's ledger is in the ledger of HEAD, FETCH_HEAD or a remote branch. */
async function leftoverOfKilledGit(repo: Repo): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(repo.top, LEDGER_PATH), 'utf8');
  } catch {
    return false; // removed: a change of the user's, not a leftover
  }
  const records = (t: string): string[] => t.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => /^[-*+] \[op:/.test(l));
  const mine = records(text);
  // A torn line is not a record of any commit: such a file stays for a person to look at.
  if (!text.endsWith('\n')) return false;
  const refs = ['HEAD', 'FETCH_HEAD', ...(await run(repo, ['for-each-ref', '--format=%(refname)', 'refs/remotes'])).split('\n').filter(Boolean)];
  const known = new Set<string>();
  for (const ref of refs) {
    const blob = await gitTry(repo.top, ['cat-file', '-p', `${ref}:${LEDGER_PATH}`]);
    if (blob.exitCode === 0) for (const r of records(blob.stdout)) known.add(r);
  }
  return mine.every((r) => known.has(r));
}

/**
 * Whether a merge, rebase, cherry-pick or revert is in progress (replay waits for it to finish).
 * `finishingRebase`: called from post-rewrite, which git runs at the end of a rebase, after the branch
 * is updated and HEAD is back on it, before it removes its state: a rebase with nothing left to do
 * and HEAD on a branch is over for replay's purposes (else an executor that pulls with --rebase would
 * never run ops from its hook).
 */
export async function operationInProgress(repo: Repo, opts: { finishingRebase?: boolean } = {}): Promise<string | undefined> {
  const stopped = stoppedOperation(repo.top);
  if (stopped?.name === 'rebase-merge' && opts.finishingRebase && (await rebaseFinished(repo, stopped.path))) return undefined;
  if (stopped?.name === 'MERGE_HEAD' && (await mergeConcluded(repo, stopped.path))) {
    // What git removes right after post-merge, removed now: replay's own merge of the remote's work (a
    // rejected claim push) would otherwise stop at "You have not concluded your merge".
    await Promise.all(['MERGE_HEAD', 'MERGE_MSG', 'MERGE_MODE'].map((name) => rm(join(dirname(stopped.path), name), { force: true })));
    return undefined;
  }
  return stopped?.what;
}

/**
 * Whether the merge MERGE_HEAD names is already committed: git runs post-merge after it made the merge
 * commit and before it removes MERGE_HEAD, so the hook sees a merge "in progress" whose commits HEAD
 * already contains (as do the claim and result commits replay adds on top). A merge that is really in
 * progress has a HEAD from before it, which does not contain them: git makes no MERGE_HEAD for a
 * commit HEAD has.
 */
async function mergeConcluded(repo: Repo, mergeHead: string): Promise<boolean> {
  let merged: string[];
  try {
    merged = mergeHeadsIn(await readFile(mergeHead, 'utf8'));
  } catch {
    return false;
  }
  if (merged.length === 0) return false;
  for (const sha of merged) {
    if ((await gitTry(repo.top, ['merge-base', '--is-ancestor', sha, 'HEAD'])).exitCode !== 0) return false;
  }
  return true;
}

async function rebaseFinished(repo: Repo, stateDir: string): Promise<boolean> {
  let todo: string;
  try {
    todo = await readFile(join(stateDir, 'git-rebase-todo'), 'utf8');
  } catch {
    return false;
  }
  const left = todo.split('\n').some((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return !left && (await gitTry(repo.top, ['symbolic-ref', '-q', 'HEAD'])).exitCode === 0;
}

interface TreeEntry {
  mode: string;
  type: string;
  id: string;
  name: string;
}

async function lsTree(repo: Repo, treeish: string): Promise<TreeEntry[]> {
  const result = await gitTry(repo.top, ['ls-tree', '-z', treeish]);
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, id] = line.slice(0, tab).split(' ');
      return { mode: mode!, type: type!, id: id!, name: line.slice(tab + 1) };
    });
}

async function mktree(repo: Repo, entries: TreeEntry[]): Promise<string> {
  const input = entries.map((e) => `${e.mode} ${e.type} ${e.id}\t${e.name}\0`).join('');
  return (await run(repo, ['mktree', '-z'], input)).trim();
}

function put(entries: TreeEntry[], entry: TreeEntry): TreeEntry[] {
  return [...entries.filter((e) => e.name !== entry.name), entry];
}

export interface LedgerCommit {
  readonly commit: string;
  readonly parent: string;
  readonly blob: string;
}

/** A commit on `parent` whose only change is the ledger's new text. HEAD does not move. */
export async function buildLedgerCommit(repo: Repo, parent: string, ledgerText: string, message: string): Promise<LedgerCommit> {
  const blob = (await run(repo, ['hash-object', '-w', '--stdin'], ledgerText)).trim();
  const [dir, file] = LEDGER_PATH.split('/') as [string, string];
  const inner = await mktree(repo, put(await lsTree(repo, `${parent}:${dir}`), { mode: '100644', type: 'blob', id: blob, name: file }));
  const root = await mktree(repo, put(await lsTree(repo, parent), { mode: '040000', type: 'tree', id: inner, name: dir }));
  const result = await gitTryEnv(repo, ['commit-tree', root, '-p', parent, '-m', message]);
  if (result.exitCode !== 0) throw new StrataError('GIT_FAILED', `git commit-tree failed: ${result.stderr.trim()}`);
  return { commit: result.stdout.trim(), parent, blob };
}

async function gitTryEnv(repo: Repo, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  const r = await execa('git', args, { cwd: repo.top, reject: false, env: repo.env, extendEnv: true, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? 128, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Moves HEAD from `c.parent` to `c.commit` (compare-and-swap) and brings the ledger's index entry and
 * work tree file along. False when HEAD moved meanwhile.
 */
export async function advanceHead(repo: Repo, c: LedgerCommit, reason: string): Promise<boolean> {
  const moved = await gitTry(repo.top, ['update-ref', '-m', `strata: ${reason}`, 'HEAD', c.commit, c.parent]);
  if (moved.exitCode !== 0) return false;
  // Once HEAD has moved these must not be given up on while a writer or a git command holds the index
  // lock (gitOnIndex runs them again): the index and the work tree would keep the ledger as it was before
  // the record, and the next commit would take the record out.
  await gitOnIndex(repo.top, ['update-index', '--add', '--cacheinfo', `100644,${c.blob},${LEDGER_PATH}`]);
  await mkdir(dirname(join(repo.top, LEDGER_PATH)), { recursive: true });
  await gitOnIndex(repo.top, ['checkout-index', '-f', '--', LEDGER_PATH]);
  return true;
}

export interface Remote {
  readonly name: string;
  readonly branch: string;
}

/** Pushes `rev` to the remote branch; true when the remote accepted it (a fast-forward). */
export async function push(repo: Repo, remote: Remote, rev: string): Promise<{ accepted: boolean; message: string }> {
  const result = await gitTryEnv(repo, ['push', '--porcelain', '--quiet', remote.name, `${rev}:refs/heads/${remote.branch}`]);
  return { accepted: result.exitCode === 0, message: (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-2).join(' ') };
}

/**
 * After `push` was rejected: fetches the remote branch and merges it into HEAD, as `git pull` would (the
 * driver merges the ledger and OPS.md). Throws, after aborting the merge, when it does not merge
 * cleanly — and when HEAD already had everything the remote has: the push would have been a
 * fast-forward, so no other executor got there first; the remote refused it for a reason of its own
 * (a hook, permissions, a protected branch), which pushing again cannot change.
 */
export async function fetchAndMerge(repo: Repo, remote: Remote, rejection: string): Promise<void> {
  const fetched = await gitTryEnv(repo, ['fetch', '--quiet', remote.name, `refs/heads/${remote.branch}`]);
  if (fetched.exitCode !== 0) throw new StrataError('GIT_FAILED', `git fetch ${remote.name} ${remote.branch} failed: ${fetched.stderr.trim()}`, 'check the remote, then run git strata replay again');
  if ((await gitTry(repo.top, ['merge-base', '--is-ancestor', 'FETCH_HEAD', 'HEAD'])).exitCode === 0) {
    throw new StrataError(
      'GIT_FAILED',
      `${remote.name} refused the push to ${remote.branch}, and not because it moved: ${rejection}`,
      `fix what the remote says (permissions, a protected branch, a hook), or name the branch records go to (git config strata.claimBranch BRANCH); then run git strata replay again`,
    );
  }
  const merged = await gitTryEnv(repo, ['merge', '--no-edit', '--quiet', '-m', `strata replay: merge ${remote.name}/${remote.branch}`, 'FETCH_HEAD']);
  if (merged.exitCode !== 0) {
    await gitTry(repo.top, ['merge', '--abort']);
    throw new StrataError(
      'GIT_FAILED',
      `could not merge ${remote.name}/${remote.branch} into this clone: ${(merged.stderr.trim() || merged.stdout.trim()).split('\n').slice(0, 3).join(' ')}`,
      'pull and resolve by hand (or commit/stash local changes), then run git strata replay again',
    );
  }
}

/**
 * The remote claims go through (see chooseClaimRemote): asks git about the current branch's remote and
 * the remotes there are only when strata.claimRemote is not set.
 */
export async function claimRemoteOf(repo: Repo, configured: string | undefined): Promise<ClaimRemoteChoice> {
  if (configured !== undefined) {
    const choice = chooseClaimRemote(configured, undefined, []);
    // A configured name that is no remote of this clone (a typo) is said here, not by a failing fetch.
    if (choice.remote !== undefined) {
      const remotes = await remoteNames(repo);
      if (!remotes.includes(choice.remote)) {
        throw new StrataError(
          'CONFIG',
          `strata.claimRemote is '${choice.remote}', which is no remote of this clone${remotes.length > 0 ? ` (it has ${remotes.join(', ')})` : ''}`,
          remotes.length > 0 ? `git config strata.claimRemote ${remotes.includes('origin') ? 'origin' : remotes[0]}` : `add the shared remote (git remote add ${choice.remote} URL), or git config strata.claimRemote ${NO_CLAIM_REMOTE}`,
        );
      }
    }
    return choice;
  }
  const current = await gitTry(repo.top, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const branch = current.exitCode === 0 ? current.stdout.trim() : '';
  const tracked = branch === '' ? undefined : await gitTry(repo.top, ['config', '--get', `branch.${branch}.remote`]);
  return chooseClaimRemote(undefined, tracked?.exitCode === 0 ? tracked.stdout.trim() : undefined, await remoteNames(repo));
}

async function remoteNames(repo: Repo): Promise<string[]> {
  const remotes = await gitTry(repo.top, ['remote']);
  return remotes.exitCode === 0 ? remotes.stdout.split('\n').map((r) => r.trim()).filter(Boolean) : [];
}

/** The branch claims go to: strata.claimBranch, else the current branch's upstream on that remote, else its name. */
export async function claimBranchOf(repo: Repo, remoteName: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const upstream = await gitTry(repo.top, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
  const name = upstream.stdout.trim();
  if (upstream.exitCode === 0 && name.startsWith(`${remoteName}/`)) return name.slice(remoteName.length + 1);
  const current = await gitTry(repo.top, ['symbolic-ref', '--short', '-q', 'HEAD']);
  if (current.exitCode !== 0) {
    throw new StrataError(
      'CONFIG',
      `HEAD is detached: replay cannot tell which branch of ${remoteName} claims go to`,
      `check out a branch, or name the branch claims go to (git config strata.claimBranch main), or keep claims in this clone (git config strata.claimRemote ${NO_CLAIM_REMOTE})`,
    );
  }
  return current.stdout.trim();
}
