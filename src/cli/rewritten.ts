// The post-rewrite step after a rebase: git makes a rebase's commits without the pre-commit hook —
// every commit it replays, and the one `git rebase --continue` makes from a conflict resolved by hand
// (the way each `git pull --rebase` conflict ends). A resolution that took one side's QUEUE.md could
// drop the other side's done task, and no later check sees it: no commit of the new history ever had
// the task done. So each new commit is checked here as `verify` checks one, against its parent, and
// against the commit it replaced as a merge is checked against the side it merged in. The commits are
// made by now: this only warns, and never fails the rebase.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isFileType } from '../core/file-types.js';
import { gitRun } from '../git/exec.js';
import type { Listed } from './verify.js';

/** `old new [extra]` lines, as git gives post-rewrite on stdin: per new commit, the commits it replaced. */
export function rewrittenPairs(input: string): Map<string, string[]> {
  const replaced = new Map<string, string[]>();
  for (const line of input.split('\n')) {
    const [old, now] = line.trim().split(/\s+/);
    if (!old || !now || !/^[0-9a-f]{40,64}$/.test(old) || !/^[0-9a-f]{40,64}$/.test(now)) continue;
    replaced.set(now, [...(replaced.get(now) ?? []), old]);
  }
  return replaced;
}

/** git's output, or undefined where it failed. */
function git(top: string, args: string[], input?: string): string | undefined {
  const result = gitRun(top, args, input);
  return result.status === 0 ? result.stdout : undefined;
}

/**
 * Whether the new commits change a typed file (by the work tree's attributes) against their parents
 * or the commits they replaced, or any .gitattributes: the one question every rebase pays for.
 */
function touchesTypedFiles(top: string, replaced: ReadonlyMap<string, readonly string[]>): boolean {
  const input = [...replaced].flatMap(([now, olds]) => [now, ...olds.map((old) => `${now} ${old}`)]).join('\n');
  const out = git(top, ['diff-tree', '--stdin', '--root', '-r', '-z', '--name-only', '--no-commit-id'], `${input}\n`);
  if (out === undefined) return true;
  const paths = [...new Set(out.split('\0').filter(Boolean))];
  if (paths.length === 0) return false;
  if (paths.some((path) => basename(path) === '.gitattributes')) return true;
  const attrs = git(top, ['check-attr', '-z', '--stdin', 'strata'], `${paths.join('\0')}\0`);
  if (attrs === undefined) return true;
  const fields = attrs.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) if (isFileType(fields[i + 2]!)) return true;
  return false;
}

/**
 * Checks the commits a rebase made (post-rewrite's stdin) and warns about what it finds. The checks
 * (verify's bundle) load only once a new commit turns out to touch a typed file.
 */
export async function checkRewritten(top: string, input: string, err: (line: string) => void): Promise<void> {
  const replaced = rewrittenPairs(input);
  if (replaced.size === 0 || !touchesTypedFiles(top, replaced)) return;
  const { listCommits, verifyCommits, formatText } = await import('./verify.js');
  const listed = listCommits(top, ['--no-walk=unsorted', ...replaced.keys()]);
  const commits: Listed[] = listed.map((commit) => {
    const olds = replaced.get(commit.ref.sha) ?? [];
    return {
      ...commit,
      parents: [...commit.parents, ...olds],
      parentNames: [...commit.parents.map((_, k) => `${commit.ref.short}^${k + 1}`), ...olds.map((old) => old.slice(0, 12))],
      // A rebase step concluded by hand is a merge's conclusion: markers in a code block count.
      merge: true,
    };
  });
  const checked = verifyCommits(top, commits);
  if (checked.findings.length === 0) return;
  const { findings, bad } = notFromTheOldBase(top, listed, replaced, checked.findings, verifyCommits, listCommits);
  if (findings.length === 0) return;
  err(
    `strata: the rebase made ${bad.size} commit${bad.size === 1 ? '' : 's'} that fail${bad.size === 1 ? 's' : ''} strata's checks: git runs no pre-commit hook for the commits a rebase makes, git rebase --continue included. ` +
      'Checked now, against each commit\'s parent and against the commit it replaced:',
  );
  for (const line of formatText(findings).trimEnd().split('\n')) err(line);
  err('strata: the commits are made; fix the files in a new commit (git show <replaced commit>:<path> has what it had), before you push');
}

type Verify = typeof import('./verify.js').verifyCommits;
type List = typeof import('./verify.js').listCommits;
type Reported = ReturnType<Verify>['findings'][number];

/**
 * The findings against a replaced commit that the commit itself did not bring: where the old commit's
 * parent already differs so from the new commit's parent (`rebase -i` that reorders or drops commits,
 * `rebase --onto`), the difference is the old base's, and the commit that brought it is checked (if
 * rewritten) or was meant to go (if dropped). A finding against the new commit's own parent always
 * stays. Keyed by path, rule and message: lines move between versions.
 */
function notFromTheOldBase(
  top: string,
  listed: readonly Listed[],
  replaced: ReadonlyMap<string, readonly string[]>,
  findings: readonly Reported[],
  verifyCommits: Verify,
  listCommits: List,
): { findings: Reported[]; bad: Set<string> } {
  const key = (sha: string, f: { path: string; rule: string; message: string }): string => `${sha}\0${f.path}\0${f.rule}\0${f.message}`;
  const olds = [...new Set([...replaced.values()].flat())];
  const oldParent = new Map(listCommits(top, ['--no-walk=unsorted', ...olds]).map((c) => [c.ref.sha, c.parents[0]]));
  const own = new Set<string>();
  for (const f of verifyCommits(top, listed.map((c) => ({ ...c, parents: c.parents.slice(0, 1), merge: true }))).findings) own.add(key(f.commit?.sha ?? '', f));
  const fromOldBase = new Set<string>();
  for (const commit of listed) {
    const parent = commit.parents[0];
    const pairs = (replaced.get(commit.ref.sha) ?? []).flatMap((old) => {
      const before = oldParent.get(old);
      return parent !== undefined && before !== undefined && before !== parent ? [before] : [];
    });
    if (parent === undefined || pairs.length === 0) continue;
    const pseudo: Listed = { ref: { sha: parent, short: parent.slice(0, 12), subject: '' }, parents: pairs, merge: true, time: commit.time };
    for (const f of verifyCommits(top, [pseudo]).findings) fromOldBase.add(key(commit.ref.sha, f));
  }
  const kept = findings.filter((f) => own.has(key(f.commit?.sha ?? '', f)) || !fromOldBase.has(key(f.commit?.sha ?? '', f)));
  return { findings: kept, bad: new Set(kept.flatMap((f) => (f.commit ? [f.commit.sha] : []))) };
}

/** The hook's entry: never fails the rebase. */
export async function checkRewrittenFromHook(cwd: string): Promise<void> {
  let input = '';
  try {
    input = readFileSync(0, 'utf8');
  } catch {
    return;
  }
  const top = git(cwd, ['rev-parse', '--show-toplevel'])?.trim();
  if (!top) return;
  await checkRewritten(top, input, (line) => void process.stderr.write(`${line}\n`));
}
