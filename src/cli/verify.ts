// git strata verify --range A..B [--format text|json|github]: the CI side of the pre-commit hook.
// Every commit of the range is checked against its first parent, for every typed file it changed, so
// a bad commit in the middle of a branch is caught even when a later one repaired the file (and a
// commit made with --no-verify is caught at all).
//
// Pipeline: list the commits (rev-list) → what each changed (one diff-tree --stdin) → which paths are
// typed (check-attr, the work tree's attributes) → every blob in one cat-file --batch → check (pure) →
// print, each finding naming its commit.
import { type CommitRef, type Finding, type Reported, checkDeleted, checkFile, format, isFormat, type Format } from '../core/check/index.js';
import { StrataError } from '../core/errors.js';
import { rawChange } from '../git/raw-diff.js';
import { command, parse } from './args.js';
import { catTexts, gitOut, gitRun, repoInfo, typesOf } from './check.js';
import { EXIT, reportError } from './exit.js';

interface Options {
  range?: string;
  format?: string;
}

interface Change {
  readonly commit: CommitRef;
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
  const repo = repoInfo(cwd);
  if (!repo) throw new StrataError('NOT_A_REPO', 'not inside a git repository', 'run git strata verify inside a clone that has both ends of the range (in CI: fetch-depth: 0)');
  const commits = listCommits(repo.top, range);
  const changes = changedFiles(repo.top, commits);
  const merges = new Set(commits.filter((c) => c.merge).map((c) => c.ref.sha));
  const types = typesOf(repo.top, [...new Set(changes.map((c) => c.path))]);
  const typed = changes.filter((c) => types.has(c.path));

  const blobs = [...new Set(typed.flatMap((c) => [c.before, c.after].filter((b): b is string => b !== undefined)))];
  const texts = new Map(catTexts(repo.top, blobs).map((text, n) => [blobs[n]!, text]));
  const findings: Reported[] = [];
  const bad = new Set<string>();
  for (const change of typed) {
    const base = change.before ? texts.get(change.before) : undefined;
    const type = types.get(change.path)!;
    let found: Finding[];
    if (change.after === undefined) {
      if (base === undefined) continue;
      // Files of the same type this commit added: where a renamed file went.
      const successors = typed
        .filter((c) => c.commit === change.commit && c.before === undefined && c.after !== undefined && types.get(c.path) === type)
        .map((c) => texts.get(c.after!) ?? '');
      found = checkDeleted(type, change.path, base, `git checkout ${change.commit.short}^ -- ${change.path}, in a new commit`, successors);
    } else {
      const text = texts.get(change.after);
      if (text === undefined) continue;
      found = checkFile(type, change.path, text, base, { inMerge: merges.has(change.commit.sha) });
    }
    for (const finding of found) {
      findings.push({ ...finding, commit: change.commit });
      bad.add(change.commit.sha);
    }
  }

  process.stdout.write(format(findings, as, { range, commits: commits.length }));
  if (as === 'text') {
    const summary =
      findings.length === 0
        ? `${commits.length} commit${commits.length === 1 ? '' : 's'} checked, no findings`
        : `${findings.length} finding${findings.length === 1 ? '' : 's'} in ${bad.size} of ${commits.length} commits`;
    process.stderr.write(`strata verify ${range}: ${summary}\n`);
    if (findings.length > 0) {
      process.stderr.write(
        "hint: fix the files in a new commit and, where a bad commit must not land as it is, rewrite the branch (git rebase -i); 'git strata install' adds the pre-commit hook that refuses such commits\n",
      );
    }
  }
  return findings.length > 0 ? EXIT.findings : EXIT.ok;
}

interface Listed {
  readonly ref: CommitRef;
  /** The first parent (what the commit is checked against). */
  readonly parent: string | undefined;
  /** A merge commit: conflict markers count even inside Markdown code blocks. */
  readonly merge: boolean;
}

function listCommits(top: string, range: string): Listed[] {
  const result = gitRun(top, ['rev-list', '--reverse', '--parents', '--format=%h %s', range, '--']);
  if (result.status !== 0) {
    throw new StrataError('USAGE', `cannot list the commits of ${range}: ${result.stderr.trim().split('\n')[0]}`, 'both ends must be commits this clone has (in CI, check out with fetch-depth: 0)');
  }
  const lines = result.stdout.split('\n');
  const commits: Listed[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [, sha, parent, ...others] = lines[i]!.split(' ');
    const line = lines[i + 1]!;
    const space = line.indexOf(' ');
    commits.push({ ref: { sha: sha!, short: line.slice(0, space), subject: line.slice(space + 1) }, parent, merge: others.length > 0 });
  }
  return commits;
}

/** Regular files each commit added, modified or deleted against its first parent (the whole tree for a root). */
function changedFiles(top: string, commits: readonly Listed[]): Change[] {
  if (commits.length === 0) return [];
  const bySha = new Map(commits.map((c) => [c.ref.sha, c.ref]));
  const input = commits.map((c) => (c.parent ? `${c.ref.sha} ${c.parent}\n` : `${c.ref.sha}\n`)).join('');
  const out = gitOut(top, ['diff-tree', '--stdin', '--root', '-r', '-z', '--raw', '--no-abbrev', '--no-renames', '--diff-filter=AMTD'], input);
  const fields = out.split('\0');
  const changes: Change[] = [];
  let commit: CommitRef | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') continue;
    if (!field.startsWith(':')) {
      // diff-tree --stdin names the commit before its changes.
      commit = bySha.get(field.trim());
      continue;
    }
    const change = rawChange(field);
    const path = fields[++i]!;
    if (!commit || !change) continue;
    changes.push({ commit, path, before: change.before, after: change.after });
  }
  return changes;
}
