// git strata verify --range A..B [--format text|json|github]: the CI side of the pre-commit hook.
// Every commit of the range is checked against its first parent (a merge also against its others), for
// every typed file it changed, typed by that commit's own .gitattributes, so a bad commit in the middle
// of a branch is caught even when a later one repaired or retyped the file (and a commit made with
// --no-verify is caught at all).
//
// Pipeline: list the commits (rev-list) → what each changed against each parent (diff-tree --stdin) →
// which paths are typed (check-attr on a temporary index of the commit) → every blob in one cat-file
// --batch → check (pure) → print, each finding naming its commit.
import { type CommitRef, type Finding, type InParent, type Reported, checkDeleted, checkFile, decodeText, format, isFormat, mergeFindings, type Format, unreadable, unseenFindings } from '../core/check/index.js';
import { StrataError } from '../core/errors.js';
import { rawChange } from '../git/raw-diff.js';
import { command, parse } from './args.js';
import { basename } from 'node:path';
import type { FileType } from '../core/file-types.js';
import { catBlobs, gitOut, gitRun, repoInfo, retypedSince, typesAt } from './check.js';
import { EXIT, reportError } from './exit.js';

// For the post-rewrite check (rewritten.ts), which loads this bundle for it.
export { formatText } from '../core/check/index.js';

interface Options {
  range?: string;
  format?: string;
}

interface Change {
  readonly commit: CommitRef;
  /** The parent this change is against. */
  readonly parent: string | undefined;
  readonly path: string;
  /** Blob before (undefined: the file is new in this commit) and after (undefined: deleted). */
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export async function run(args: string[]): Promise<number> {
  const program = command('verify', 'check every commit of a range against its first parent (for CI)')
    .requiredOption('--range <A..B>', 'the commits to check, as for git rev-list (e.g. origin/main..HEAD)')
    .option('--format <format>', 'text, json or github (workflow annotations)', 'text')
    .addHelpText('after', '\nExit status: 0 every commit passes, 1 findings (each names its commit), 2 usage error (also a range that names no commits), 3 git failed.\n');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { range, format: as = 'text' } = parsed.options;
  if (!isFormat(as)) {
    process.stderr.write(`strata: unknown format '${as}' (use text, json or github)\n`);
    return EXIT.usage;
  }
  if (!range || !range.includes('..')) {
    process.stderr.write(`strata: --range takes two commits as A..B (got '${range ?? ''}')\n`);
    return EXIT.usage;
  }
  try {
    return verify(process.cwd(), range, as);
  } catch (error) {
    return reportError(error);
  }
}

function verify(cwd: string, range: string, as: Format): number {
  const repo = repoInfo(cwd, true);
  if (!repo) throw new StrataError('NOT_A_REPO', 'not inside a git repository', 'run git strata verify inside a clone that has both ends of the range (in CI: fetch-depth: 0)');
  const commits = listCommits(repo.top, [range]);
  const { findings, bad } = verifyCommits(repo.top, commits);

  process.stdout.write(format(findings, as, { range, commits: commits.length }));
  if (as === 'text') {
    const summary =
      findings.length === 0
        ? `${commits.length} commit${commits.length === 1 ? '' : 's'} checked, no findings`
        : `${findings.length} finding${findings.length === 1 ? '' : 's'} in ${bad.size} of ${commits.length} commits`;
    process.stderr.write(`strata verify ${range}: ${summary}\n`);
    if (findings.length > 0) {
      // The hook may well be installed: these commits got past it, and the hint must not claim otherwise.
      process.stderr.write(
        'hint: fix the files in a new commit and, where a bad commit must not land as it is, rewrite the branch (git rebase -i)\n' +
          "hint: the pre-commit hook ('git strata install' in each clone) refuses such commits, and pre-applypatch such patches git am applies, but only those they run for: not a commit made with --no-verify or STRATA=0, " +
          "in a clone without the hooks or with older ones ('git strata doctor' tells), nor one git makes without them (a merge that needs no resolving, -s ours included; a cherry-pick or revert; a rebase's commits, which post-rewrite only warns about) or a host's merge button\n",
      );
    }
  }
  return findings.length > 0 ? EXIT.findings : EXIT.ok;
}

/**
 * The findings of each commit against each of its parents (see the file's head), each naming its
 * commit, and the commits that have any.
 */
export function verifyCommits(top: string, commits: readonly Listed[]): { findings: Reported[]; bad: Set<string> } {
  const repo = { top };
  const findings: Reported[] = [];
  const bad = new Set<string>();
  const report = (commit: CommitRef, found: readonly Finding[]): void => {
    for (const finding of found) {
      findings.push({ ...finding, commit });
      bad.add(commit.sha);
    }
  };
  // Every commit against its first parent; a merge also against its other parents, for what a merge
  // resolved by hand (or by a host without the driver) dropped from the side it merged in.
  const first = changedFiles(repo.top, commits.map((c) => ({ commit: c.ref, parent: c.parents[0] })));
  const most = Math.max(0, ...commits.map((c) => c.parents.length));
  const others = Array.from({ length: Math.max(0, most - 1) }, (_, k) =>
    changedFiles(repo.top, commits.filter((c) => c.parents[k + 1] !== undefined).map((c) => ({ commit: c.ref, parent: c.parents[k + 1] }))),
  ).flat();
  const changes = [...first, ...others];
  const blobs = [...new Set(changes.flatMap((c) => [c.before, c.after].filter((b): b is string => b !== undefined)))];
  const bytes = new Map(catBlobs(repo.top, blobs).map((b, n) => [blobs[n]!, b]));
  const texts = new Map([...bytes].map(([blob, b]) => [blob, b === undefined ? undefined : decodeText(b)]));
  const text = (blob: string | undefined): string | undefined => (blob === undefined ? undefined : texts.get(blob));
  // Each commit is typed by its own .gitattributes, not by the work tree's (a later commit that retypes
  // a file must not hide what an earlier one did to it); a deleted file by its parent's.
  const attributes = new Map<string, Map<string, FileType>>();
  const typesAtRev = (rev: string, paths: readonly string[]): Map<string, FileType> => {
    const key = `${rev}\0${paths.join('\0')}`;
    let types = attributes.get(key);
    if (!types) attributes.set(key, (types = paths.length > 0 ? typesAt(repo.top, rev, paths) : new Map()));
    return types;
  };
  const byPair = new Map<string, Change[]>();
  for (const change of changes) {
    const key = `${change.commit.sha} ${change.parent ?? ''}`;
    byPair.set(key, [...(byPair.get(key) ?? []), change]);
  }
  for (const commit of commits) {
    const pairs = [commit.parents[0], ...commit.parents.slice(1)].map((parent, n) => ({ parent, n, changes: byPair.get(`${commit.ref.sha} ${parent ?? ''}`) ?? [] }));
    const seen = new Set<string>();
    for (const { parent, n, changes: changed } of pairs) {
      const after = typesAtRev(commit.ref.sha, changed.filter((c) => c.after !== undefined).map((c) => c.path));
      const before = parent ? typesAtRev(parent, changed.filter((c) => c.after === undefined).map((c) => c.path)) : new Map<string, FileType>();
      const found: Finding[] = [];
      for (const change of changed) {
        const base = text(change.before);
        if (change.after === undefined) {
          const type = before.get(change.path);
          if (type === undefined || base === undefined) continue;
          // Files of the same type this commit added: where a renamed file went.
          const successors = changed.filter((c) => c.before === undefined && c.after !== undefined && after.get(c.path) === type).map((c) => text(c.after) ?? '');
          found.push(...checkDeleted(type, change.path, base, `git checkout ${commit.parentNames?.[n] ?? `${change.commit.short}^${n + 1}`} -- ${change.path}, in a new commit`, successors));
        } else {
          const type = after.get(change.path);
          const now = text(change.after);
          if (type === undefined || now === undefined) continue;
          // Bytes that are not UTF-8, or a BOM: said once, as the hook and check say it.
          const problem = type === 'markdown' ? undefined : unreadable(change.path, bytes.get(change.after!)!);
          if (problem) found.push(problem);
          else {
            // A file new against this parent: all its stamps are, but those of a file of its type the
            // commit deleted, where it may have been moved from.
            const added = change.before !== undefined ? {} : { added: changed.filter((c) => c.after === undefined && c.before !== undefined && before.get(c.path) === type).map((c) => text(c.before) ?? '') };
            found.push(...checkFile(type, change.path, now, base, { inMerge: commit.merge, time: commit.time, ...added }));
          }
        }
      }
      if (parent && changed.some((c) => basename(c.path) === '.gitattributes')) {
        // A file the commit deleted was checked as deleted, by its type at the parent.
        const deleted = new Set(changed.filter((c) => c.after === undefined).map((c) => c.path));
        found.push(...retypedSince(repo.top, parent, (paths) => typesAtRev(commit.ref.sha, paths), (path) => deleted.has(path)));
      }
      // What a merge keeps from one parent is not a change against another; a finding the first
      // parent's check already made is not made again for another parent.
      const inParents = (path: string): InParent[] =>
        pairs.map((other) => {
          const change = other.changes.find((c) => c.path === path);
          // Unchanged against that parent: its version is the merge's own.
          return change === undefined ? { same: true } : { same: false, text: text(change.before) };
        });
      const fresh = unseenFindings(commit.merge ? mergeFindings(found, n, inParents) : found, seen);
      report(commit.ref, fresh);
    }
  }
  return { findings, bad };
}

export interface Listed {
  readonly ref: CommitRef;
  /** The parents, first parent first (none for a root commit). */
  readonly parents: readonly string[];
  /** How a hint names each parent (default: `<commit>^<n>`). */
  readonly parentNames?: readonly string[];
  /** A merge commit: conflict markers count even inside Markdown code blocks. */
  readonly merge: boolean;
  /** Committer time (ms): when the commit was made, which its stamps are compared with. */
  readonly time: number;
}

/** The commits of a range (`A..B`), or with `--no-walk=unsorted` first, exactly the commits named, in that order. */
export function listCommits(top: string, revs: readonly string[]): Listed[] {
  const result = gitRun(top, ['rev-list', '--reverse', '--parents', '--format=%h %ct %s', ...revs, '--']);
  if (result.status !== 0) {
    throw new StrataError('USAGE', `cannot list the commits of ${revs.join(' ')}: ${result.stderr.trim().split('\n')[0]}`, 'both ends must be commits this clone has (in CI, check out with fetch-depth: 0)');
  }
  const lines = result.stdout.split('\n');
  const commits: Listed[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [, sha, ...parents] = lines[i]!.split(' ');
    const [, short, seconds, subject] = /^(\S+) (\d+) ?(.*)$/.exec(lines[i + 1]!) ?? [];
    commits.push({ ref: { sha: sha!, short: short ?? sha!.slice(0, 7), subject: subject ?? '' }, parents, merge: parents.length > 1, time: Number(seconds) * 1000 });
  }
  return commits;
}

/** Regular files each commit added, modified or deleted against the given parent (the whole tree for a root). */
function changedFiles(top: string, pairs: ReadonlyArray<{ commit: CommitRef; parent: string | undefined }>): Change[] {
  if (pairs.length === 0) return [];
  // diff-tree --stdin names the commit before its changes, not the parent: one parent per commit a call.
  const changes: Change[] = [];
  const bySha = new Map(pairs.map((p) => [p.commit.sha, p]));
  const input = pairs.map((p) => (p.parent ? `${p.commit.sha} ${p.parent}\n` : `${p.commit.sha}\n`)).join('');
  const out = gitOut(top, ['diff-tree', '--stdin', '--root', '-r', '-z', '--raw', '--no-abbrev', '--no-renames', '--diff-filter=AMTD'], input);
  const fields = out.split('\0');
  let pair: { commit: CommitRef; parent: string | undefined } | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') continue;
    if (!field.startsWith(':')) {
      pair = bySha.get(field.trim());
      continue;
    }
    const change = rawChange(field);
    const path = fields[++i]!;
    if (!pair || !change) continue;
    changes.push({ commit: pair.commit, parent: pair.parent, path, before: change.before, after: change.after });
  }
  return changes;
}
