// git strata check [--base REF] [--format text|json|github] [--staged] [--type T] [paths…]
//
// Pipeline: find the typed files (git ls-files + git check-attr, as the driver does) → read them (the
// work tree, or the index with --staged) → read their base versions (isomorphic-git, no checkout) →
// check (pure, src/core/check) → print. Runs in pre-commit-like loops and on 10k-entry queues, so it
// parses its few options by hand and spawns git synchronously: commander and execa cost more to load
// than the whole check.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Finding, type Format, checkDeleted, checkFile, checkOpsWithLedger, decodeText, format, isFormat, unreadable } from '../core/check/index.js';
import { parseStamp } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { type GitRun, gitRun } from '../git/exec.js';
import { STATE_PATH_ARGS, type StoppedOperation, stoppedIn } from '../git/operation.js';
import { type FileType, isFileType } from '../core/file-types.js';
import { EXIT, reportError } from './exit.js';

const USAGE = `usage: git strata check [--base REF] [--format text|json|github] [--staged] [--type T] [paths…]

Checks the typed files (QUEUE.md, HEARTBEAT.md, MEMORY.md, … as .gitattributes types them) for the
causal integrity rules: malformed entries, conflict markers, duplicate seq or id, dangling depends,
cycles, work done before its dependencies. With --base, also against that commit: settled entries
removed, ids/seqs/agents changed, status moved back, heartbeats going backwards, facts edited or removed,
and stamps new since then more than 15m ahead of now (STRATA_NOW), which only a wrong clock writes.

  --base REF     also compare each file with its version at REF (read without a checkout)
  --format F     text (default), json, or github (workflow annotations)
  --staged       check the staged versions (the index) instead of the work tree
  --type T       check the given paths as type T (markdown, queue, heartbeat, facts, ops, ledger),
                 whatever their attributes say; works outside a repository too
  paths          files or directories to check (default: every typed file of the repository)

Exit status: 0 no findings, 1 findings, 2 usage error (also a path or REF that names nothing), 3 not a
repository or git failed.
`;

interface Options {
  readonly base: string | undefined;
  readonly format: Format;
  readonly staged: boolean;
  readonly type: FileType | undefined;
  readonly paths: readonly string[];
}

function parseArgs(args: readonly string[]): Options | number {
  let base: string | undefined;
  let as: Format = 'text';
  let staged = false;
  let type: FileType | undefined;
  const paths: string[] = [];
  const value = (arg: string, i: number): [string | undefined, number] => {
    const eq = arg.indexOf('=');
    return eq !== -1 ? [arg.slice(eq + 1), i] : [args[i + 1], i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      paths.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const name = arg.split('=', 1)[0]!;
    if (name === '--base' || name === '--format' || name === '--type') {
      const [v, next] = value(arg, i);
      i = next;
      if (v === undefined || v === '') return usageError(`${name} needs a value`);
      if (name === '--base') base = v;
      else if (name === '--format') {
        if (!isFormat(v)) return usageError(`unknown format '${v}' (use text, json or github)`);
        as = v;
      } else {
        if (!isFileType(v)) return usageError(`unknown type '${v}' (use markdown, queue, heartbeat, facts, ops or ledger)`);
        type = v;
      }
    } else if (arg === '--staged' || arg === '--cached') staged = true;
    else if (arg.startsWith('-') && arg !== '-') return usageError(`unknown option '${arg}'`);
    else paths.push(arg);
  }
  return { base, format: as, staged, type, paths };
}

function usageError(message: string): number {
  process.stderr.write(`strata: ${message}\n\n${USAGE}`);
  return EXIT.usage;
}

export async function run(args: string[]): Promise<number> {
  const options = parseArgs(args);
  if (typeof options === 'number') return options;
  try {
    const { findings, files } = await checkRepository(process.cwd(), options);
    process.stdout.write(format(findings, options.format, { files }));
    if (options.format === 'text') {
      const problems = findings.length === 1 ? '1 finding' : `${findings.length} findings`;
      process.stderr.write(`strata check: ${files} typed file${files === 1 ? '' : 's'}, ${problems}${options.base ? ` (against ${options.base})` : ''}\n`);
    }
    return findings.length > 0 ? EXIT.findings : EXIT.ok;
  } catch (error) {
    return reportError(error);
  }
}

async function checkRepository(cwd: string, options: Options): Promise<{ findings: Finding[]; files: number }> {
  const repo = repoInfo(cwd);
  if (!repo) {
    if (options.type && options.paths.length > 0 && !options.base && !options.staged) return checkLoose(cwd, options.type, options.paths);
    throw new StrataError('NOT_A_REPO', 'not inside a git repository', "run git strata check inside a repository (or give --type T and file paths to check loose files)");
  }
  // Without paths, the whole repository (like git diff), wherever in it the command runs.
  const listed = listFiles(options.paths.length > 0 ? cwd : repo.top, options.paths, options.staged);
  const types = options.type ? new Map(listed.map((f) => [f.path, options.type!])) : typesOf(repo.top, listed.map((f) => f.path));
  if (options.paths.length > 0 && !options.type) {
    for (const f of listed) if (!types.has(f.path)) process.stderr.write(`strata: ${f.path} has no strata attribute: not checked (give --type T to check it anyway)\n`);
  }
  const files = listed.filter((f) => types.has(f.path));

  let bytes: (Buffer | undefined)[];
  if (options.staged) bytes = catBlobs(repo.top, files.map((f) => f.blob!));
  else {
    bytes = files.map((f) => {
      try {
        return readFileSync(join(repo.top, f.path));
      } catch (error) {
        // Listed by the index but deleted in the work tree: nothing to check.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    });
  }
  const texts = bytes.map((b) => (b === undefined ? undefined : decodeText(b)));
  const bases = options.base ? await baseTexts(repo, options.base, files.map((f) => f.path)) : undefined;

  // Typed files the base had and the work tree (or index) has not: deleted, or renamed away.
  const present = files.flatMap((f, n) => (texts[n] !== undefined ? [{ path: f.path, type: types.get(f.path)!, text: texts[n]! }] : []));
  const gone = options.base && options.paths.length === 0 ? goneSince(repo.top, options.base, present) : [];

  const findings: Finding[] = [];
  let checked = 0;
  const inMerge = repo.stopped !== undefined;
  // The work tree (or the index) is what a commit made now would hold. (A CI job checking commits
  // already made runs verify, which takes each commit's own time.)
  const time = commitTime();
  // Concluding a merge, a conflict a Markdown document shows in a code block passes if HEAD had it: with
  // no --base, HEAD is where to look (as the hook does).
  const samplesFrom = (path: string, text: string): string | undefined => {
    if (!inMerge || options.base || types.get(path) !== 'markdown' || !text.includes('<<<<<<<')) return undefined;
    return catTexts(repo.top, [`HEAD:${path}`])[0];
  };
  files.forEach((file, n) => {
    const text = texts[n];
    if (text === undefined) return;
    checked++;
    // Bytes that are not UTF-8, or a BOM before the first entry: said once, instead of what misreading
    // them would report.
    const problem = types.get(file.path) === 'markdown' ? undefined : unreadable(file.path, bytes[n]!);
    if (problem) {
      findings.push(problem);
      return;
    }
    const type = types.get(file.path)!;
    // A file the base lacks: all its stamps are new, but those of a file of its type gone since (moved).
    const added = bases !== undefined && bases.get(file.path) === undefined ? { added: gone.filter((g) => g.type === type).map((g) => g.text) } : {};
    findings.push(...checkFile(type, file.path, text, bases?.get(file.path) ?? samplesFrom(file.path, text), { inMerge, time, ...added }));
  });
  // Files of the same type the base did not have: where a renamed file went.
  const successors = (type: FileType): string[] => present.filter((f) => f.type === type && bases?.get(f.path) === undefined).map((f) => f.text);
  for (const g of gone) findings.push(...checkDeleted(g.type, g.path, g.text, `git checkout ${options.base} -- ${g.path}`, successors(g.type)));
  // Requests and the ledger are checked together: a key reused with other parameters, an op run twice.
  const ofType = (type: FileType) => files.map((f, n) => ({ path: f.path, text: texts[n] })).filter((f) => types.get(f.path) === type && f.text !== undefined);
  const ledgers = ofType('ledger');
  const ledger = ledgers[0] ?? { path: '.strata/ledger.md', text: '' };
  for (const ops of ofType('ops')) findings.push(...checkOpsWithLedger(ops.path, ops.text!, ledger.path, ledger.text!));
  if (ofType('ops').length === 0 && ledgers.length > 0) findings.push(...checkOpsWithLedger('OPS.md', '', ledger.path, ledger.text!));
  return { findings, files: checked };
}

/**
 * The time of a commit made now, for the checks that compare stamps with it: the wall clock, or
 * STRATA_NOW as the writers read it (a value that is no stamp is the wall clock here; the writers
 * refuse it).
 */
export function commitTime(): number {
  const fixed = process.env.STRATA_NOW;
  return (fixed ? parseStamp(fixed) : undefined) ?? Date.now();
}

/** Typed files (by the work tree's attributes) that `ref` has and `present` lacks: deleted, or renamed away; with their text at `ref`. */
function goneSince(top: string, ref: string, present: ReadonlyArray<{ path: string }>): Array<{ path: string; type: FileType; text: string }> {
  const commit = resolveCommit(top, ref);
  const atBase = gitOut(top, ['ls-tree', '-r', '-z', '--name-only', commit]).split('\0').filter((p) => p !== '');
  const here = new Set(present.map((f) => f.path));
  const gone = atBase.filter((p) => !here.has(p));
  const types = typesOf(top, gone);
  const paths = gone.filter((p) => types.has(p));
  const texts = catTexts(top, paths.map((p) => `${commit}:${p}`));
  return paths.flatMap((path, n) => (texts[n] === undefined ? [] : [{ path, type: types.get(path)!, text: texts[n]! }]));
}

function checkLoose(cwd: string, type: FileType, paths: readonly string[]): { findings: Finding[]; files: number } {
  const findings: Finding[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, path), 'utf8');
    } catch (error) {
      throw new StrataError('USAGE', `cannot read ${path}: ${(error as Error).message}`);
    }
    findings.push(...checkFile(type, path, text));
  }
  return { findings, files: paths.length };
}

async function baseTexts(repo: RepoInfo, ref: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const commit = resolveCommit(repo.top, ref);
  if (paths.length === 0) return new Map();
  const { readFilesAt } = await import('../git/history.js');
  try {
    return await readFilesAt(repo.commonDir, commit, paths);
  } catch {
    // An object store isomorphic-git cannot read (alternates, a promisor pack): ask git itself.
    const texts = catTexts(repo.top, paths.map((p) => `${commit}:${p}`));
    return new Map(paths.map((p, n) => [p, texts[n]]));
  }
}

// ---------------------------------------------------------------------------------------------------
// git plumbing, shared with verify and the pre-commit hook (synchronous: a handful of short calls)

export { type GitRun, gitRun };

export function gitOut(cwd: string, args: readonly string[], input?: string): string {
  const result = gitRun(cwd, args, input);
  if (result.status !== 0) throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.status}`}`);
  return result.stdout;
}

export interface RepoInfo {
  readonly top: string;
  /** The common git directory: where the objects are, also from a linked worktree. */
  readonly commonDir: string;
  /** The merge, rebase, cherry-pick or revert git is stopped in (none in a bare repository). */
  readonly stopped: StoppedOperation | undefined;
}

export function repoInfo(cwd: string, allowBare = false): RepoInfo | undefined {
  // One git for where the repository is and whether an operation is stopped: check runs in the hook.
  const result = gitRun(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', ...STATE_PATH_ARGS]);
  if (result.status !== 0) {
    // A bare clone (a CI mirror) has history to verify but no work tree: git runs there from its git dir.
    if (!allowBare) return undefined;
    const bare = gitRun(cwd, ['rev-parse', '--path-format=absolute', '--is-bare-repository', '--git-common-dir']);
    const [isBare, dir] = bare.stdout.split('\n');
    return bare.status === 0 && isBare === 'true' && dir ? { top: dir, commonDir: dir, stopped: undefined } : undefined;
  }
  const [top, commonDir, ...states] = result.stdout.split('\n');
  return top && commonDir ? { top, commonDir, stopped: stoppedIn(states) } : undefined;
}

/** The full id of the commit `ref` names; a USAGE error when it names none. */
export function resolveCommit(cwd: string, ref: string): string {
  const result = gitRun(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (result.status !== 0) throw new StrataError('USAGE', `'${ref}' does not name a commit`, 'give a branch, tag or commit, e.g. --base HEAD or --base origin/main');
  return result.stdout.trim();
}

interface Listed {
  /** Repository-relative path. */
  readonly path: string;
  /** The staged blob (with --staged). */
  readonly blob?: string;
}

/** Files as git lists them: the index (and untracked, not ignored files) under `pathspecs`. */
function listFiles(cwd: string, pathspecs: readonly string[], staged: boolean): Listed[] {
  const args = ['ls-files', '-z', '--full-name', ...(staged ? ['--stage'] : ['--cached', '--others', '--exclude-standard'])];
  // A path that names nothing is a mistake; a directory with no file in it is not (like git add).
  const unknown = pathspecs.filter((p) => !existsSync(resolve(cwd, p)));
  if (unknown.length > 0) {
    const known = gitRun(cwd, ['ls-files', '--error-unmatch', '--', ...unknown]);
    if (known.status !== 0) throw new StrataError('USAGE', known.stderr.trim().replace(/^error: /, '').split('\n')[0] ?? 'no such file', 'give paths of files in this repository');
  }
  if (pathspecs.length > 0) args.push('--', ...pathspecs);
  const result = gitRun(cwd, args);
  if (result.status !== 0) {
    throw new StrataError('USAGE', result.stderr.trim().replace(/^error: /, '').split('\n')[0] ?? 'git ls-files failed', 'give paths of files in this repository');
  }
  const out: Listed[] = [];
  const seen = new Set<string>();
  for (const record of result.stdout.split('\0')) {
    if (record === '') continue;
    if (!staged) {
      if (!seen.has(record)) out.push({ path: record });
      seen.add(record);
      continue;
    }
    // <mode> <blob> <stage>\t<path>; an unmerged path (stage 1-3) has no single staged version.
    const tab = record.indexOf('\t');
    const [mode, blob, stage] = record.slice(0, tab).split(' ');
    if (stage !== '0' || (mode !== '100644' && mode !== '100755')) continue;
    out.push({ path: record.slice(tab + 1), blob: blob! });
  }
  return out;
}

/** The strata type of each path that has one (as `git check-attr` sees it), by repository-relative path. */
export function typesOf(top: string, paths: readonly string[], cached = false): Map<string, FileType> {
  if (paths.length === 0) return new Map();
  return parseTypes(gitOut(top, ['check-attr', ...(cached ? ['--cached'] : []), '-z', '--stdin', 'strata'], paths.map((p) => `${p}\0`).join('')));
}

/**
 * Files commit `rev` types that `typesNow` types otherwise (or not at all), each as the removal of what
 * its old type kept in it: that loses its protection, as if the file had been renamed away. `skip`: a
 * file looked at otherwise already (deleted, or checked under its old type).
 */
export function retypedSince(top: string, rev: string, typesNow: (paths: readonly string[]) => ReadonlyMap<string, FileType>, skip: (path: string, was: FileType) => boolean): Finding[] {
  const was = typesAt(top, rev);
  const paths = [...was.keys()];
  if (paths.length === 0) return [];
  const now = typesNow(paths);
  const changed = paths.filter((p) => !skip(p, was.get(p)!) && now.get(p) !== was.get(p));
  const texts = catTexts(top, changed.map((p) => `${rev}:${p}`));
  return changed.flatMap((path, n) => (texts[n] === undefined ? [] : checkDeleted(was.get(path)!, path, texts[n]!, `give ${path} back its type in .gitattributes`)));
}

/**
 * The strata type of paths as the `.gitattributes` files of commit `rev` give them, read without a
 * checkout (through a temporary index: `check-attr --source` needs git 2.40). Without `paths`, every
 * typed file of `rev`.
 */
export function typesAt(top: string, rev: string, paths?: readonly string[]): Map<string, FileType> {
  const index = join(tmpdir(), `strata-attr-${process.pid}-${randomBytes(6).toString('hex')}.index`);
  const env = { ...process.env, GIT_INDEX_FILE: index };
  const run = (args: string[], input?: string): string => {
    const result = spawnSync('git', args, { cwd: top, env, encoding: 'utf8', input, maxBuffer: 1024 * 1024 * 1024 });
    if (result.error || result.status !== 0) throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.error?.message ?? result.stderr.trim()}`);
    return result.stdout;
  };
  try {
    run(['read-tree', rev]);
    const list = paths ?? run(['ls-files', '-z']).split('\0').filter(Boolean);
    if (list.length === 0) return new Map();
    return parseTypes(run(['check-attr', '--cached', '-z', '--stdin', 'strata'], list.map((p) => `${p}\0`).join('')));
  } finally {
    rmSync(index, { force: true });
  }
}

function parseTypes(out: string): Map<string, FileType> {
  const types = new Map<string, FileType>();
  const fields = out.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const value = fields[i + 2]!;
    if (value === 'unspecified' || value === 'unset') continue;
    // `strata` set without a value, or a type this version does not know: still a typed file, so at
    // least the conflict-marker rule applies.
    types.set(fields[i]!, isFileType(value) ? value : 'markdown');
  }
  return types;
}

/** Texts of objects (`<blob>`, `<commit>:<path>`, `:<path>`) via one `git cat-file --batch`; undefined when missing. */
export function catTexts(cwd: string, specs: readonly string[]): (string | undefined)[] {
  return catBlobs(cwd, specs).map((bytes) => (bytes === undefined ? undefined : decodeText(bytes)));
}

/** The bytes of each blob (`<rev>:<path>`, an object id, …), undefined where it names no blob; one git call. */
export function catBlobs(cwd: string, specs: readonly string[]): (Buffer | undefined)[] {
  if (specs.length === 0) return [];
  const result = spawnSync('git', ['cat-file', '--batch'], { cwd, input: specs.map((s) => `${s}\n`).join(''), maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new StrataError('GIT_FAILED', `could not run git: ${result.error.message}`);
  if (result.status !== 0) throw new StrataError('GIT_FAILED', `git cat-file --batch failed: ${String(result.stderr).trim()}`);
  const out = result.stdout;
  const blobs: (Buffer | undefined)[] = [];
  let at = 0;
  for (let n = 0; n < specs.length; n++) {
    const headerEnd = out.indexOf(10, at);
    const header = out.subarray(at, headerEnd).toString('utf8');
    at = headerEnd + 1;
    // `<oid> <type> <size>`, or `<spec> missing` / `<spec> ambiguous`.
    const m = / (blob|tree|commit|tag) (\d+)$/.exec(header);
    if (!m) {
      blobs.push(undefined);
      continue;
    }
    const size = Number(m[2]);
    blobs.push(m[1] === 'blob' ? out.subarray(at, at + size) : undefined);
    at += size + 1;
  }
  return blobs;
}
