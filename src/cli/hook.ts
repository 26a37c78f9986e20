// git strata hook <name> [args]: the entry point the hook shims call.
//
// Every commit pays for pre-commit, so this module imports no option parser and runs git through
// node:child_process spawnSync: execa's own start-up (it loads a few dozen modules) would cost more
// than the two git calls the common "no typed file staged" case needs. The checks themselves are
// imported only once a typed file turns out to be staged.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Finding, InParent, Stamp } from '../core/check/index.js';
import type { FileType } from '../core/file-types.js';
import type { Held } from '../ops/lock.js';
import { mergeHeadsIn } from '../git/operation.js';
import { rawChange } from '../git/raw-diff.js';
import { shellWord } from '../git/shell.js';
import { StrataError } from '../core/errors.js';
import { EXIT } from './exit.js';

type HookHandler = (args: string[]) => Promise<number> | number;

/**
 * One handler per hook. Replay of pending ops runs after a pull: post-merge after a merge or
 * fast-forward, post-rewrite after pull --rebase (which runs no post-merge). Replay is imported only
 * there, so pre-commit never loads it.
 */
export const HOOKS: Readonly<Record<string, HookHandler>> = {
  'pre-commit': () => preCommit(),
  'pre-applypatch': () => preApplypatch(),
  'post-merge': async (args) => (await import('./replay.js')).replayFromHook('post-merge', args),
  'post-rewrite': async (args) => {
    // A rebase's commits ran no pre-commit hook: check them now (a warning), then replay.
    if (args[0] === 'rebase') {
      try {
        await (await import('./rewritten.js')).checkRewrittenFromHook(process.cwd());
      } catch (error) {
        process.stderr.write(`strata: could not check the rebased commits: ${(error as Error).message}\n`);
      }
    }
    return (await import('./replay.js')).replayFromHook('post-rewrite', args);
  },
  'post-checkout': () => EXIT.ok,
};

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(
      `usage: git strata hook <name> [args]\n\nThe entry point of strata's hook shims (see 'git strata install'). Hooks: ${Object.keys(HOOKS).join(', ')}.\nSTRATA=0 in the environment turns every hook into a no-op.\n`,
    );
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const handler = HOOKS[name];
  if (!handler) {
    // A shim from a newer strata may call a hook this one does not know: never block git for that.
    process.stderr.write(`strata: no hook named '${name}' in this version of strata; ignored\n`);
    return EXIT.ok;
  }
  if (process.env.STRATA === '0') return EXIT.ok;
  return handler(rest);
}

function gitSync(args: string[], input?: string): string {
  const result = spawnSync('git', args, { encoding: 'utf8', input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new StrataError('GIT_FAILED', `could not run git: ${result.error.message}`, 'install git and make sure it is on your PATH');
  // Run by hand outside a repository, say so, as every command does (a shim runs only inside one).
  if (result.status !== 0) throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim().split('\n')[0]}`, 'the hooks run inside a repository, from the shims git strata install writes');
  return result.stdout;
}

export interface Staged {
  readonly path: string;
  readonly mode: string;
  /** The staged blob, or undefined for a file the commit deletes. */
  readonly blob: string | undefined;
  /** The blob in the commit compared with (HEAD, or a MERGE_HEAD), or undefined where it lacks the file. */
  readonly head: string | undefined;
}

/**
 * Regular files the index adds, modifies or deletes against `commit` (a rename is a deletion and an
 * addition), with their staged blob ids and the commit's.
 */
function stagedFiles(commit?: string): Staged[] {
  // --raw gives the blob ids, so the staged content (not the work tree's) is what gets checked, and
  // the commit's version comes from the same call.
  const out = gitSync(['diff', '--cached', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=AMTD', '--no-ext-diff', ...(commit ? [commit, '--'] : [])]);
  const fields = out.split('\0');
  const staged: Staged[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const change = rawChange(fields[i]!);
    if (change) staged.push({ path: fields[i + 1]!, mode: change.mode, blob: change.after, head: change.before });
  }
  return staged;
}

/**
 * The commits a merge in progress merges in (MERGE_HEAD), none outside one. Under `git commit` the index
 * git names in GIT_INDEX_FILE (index, index.lock, next-index-*.lock) lies in the git directory, beside
 * MERGE_HEAD, so the common commit asks git nothing more.
 */
function mergeHeads(): string[] {
  const index = process.env.GIT_INDEX_FILE;
  let dir = index ? dirname(resolve(index)) : undefined;
  if (dir === undefined || !existsSync(join(dir, 'HEAD'))) dir = gitSync(['rev-parse', '--absolute-git-dir']).trim();
  let text: string;
  try {
    text = readFileSync(join(dir, 'MERGE_HEAD'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return mergeHeadsIn(text);
}

/** The strata attribute of each path that has one (any value but unspecified/unset). */
function typesOfPaths(paths: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  if (paths.length === 0) return types;
  const out = gitSync(['check-attr', '-z', '--stdin', 'strata'], paths.map((p) => `${p}\0`).join(''));
  const fields = out.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const value = fields[i + 2]!;
    if (value !== 'unspecified' && value !== 'unset') types.set(fields[i]!, value);
  }
  return types;
}

type Typed = { file: Staged; type: string };

/** A side a commit concluding a merge merges in, and the typed files the index has otherwise than it. */
interface MergedSide {
  readonly commit: string;
  readonly typed: readonly Typed[];
  /** A .gitattributes differs from this side's: a file it typed may have lost its type. */
  readonly attributes: boolean;
}

const isAttributes = (path: string): boolean => path === '.gitattributes' || path.endsWith('/.gitattributes');

/**
 * What differs between the commits the hooks check before git makes them: `git commit`'s (pre-commit)
 * and the one `git am` makes of each patch (pre-applypatch).
 */
interface Committing {
  /**
   * Stamp ids on entries written without one, and stage them. `git commit` commits the index as the
   * hook left it; `git am` (2.39) commits the index it holds in memory and writes it back over
   * whatever a hook staged, so there a stamped copy would only be left behind in the work tree.
   */
  readonly stamps: boolean;
  /**
   * Whether git stopped in a merge, rebase, cherry-pick or revert makes a conflict in a Markdown code
   * sample count (checkFile's `inMerge`). git am is stopped in its own state (rebase-apply) while it
   * commits every patch, each the commit its author made, which verify reads as a plain commit; so
   * a new conflict sample in a Markdown document passes there, also one left after an `am -3` conflict
   * (conflict markers in a queue, heartbeat, facts, ops or ledger file are refused all the same).
   */
  readonly stoppedOperations: boolean;
  /** For messages: what is refused, the files it holds, what to run once they are fixed, how to skip. */
  readonly refused: string;
  readonly files: string;
  readonly again: string;
  readonly anyway: string;
  /** Where things stand once it is refused, and the other ways on, where git says nothing of them. */
  readonly stopped?: string;
  readonly otherWays?: string;
}

const COMMIT: Committing = {
  stamps: true,
  stoppedOperations: true,
  refused: 'commit refused',
  files: 'the staged',
  again: 'commit again',
  anyway: 'to commit anyway, once: STRATA=0 git commit … (or git commit --no-verify)',
};

const PATCH: Committing = {
  stamps: false,
  stoppedOperations: false,
  refused: 'patch refused',
  files: 'the patched',
  again: 'run git am --continue',
  // (git am --no-verify came with git 2.40.)
  anyway: 'to apply it anyway, once: STRATA=0 git am --continue',
  stopped: 'git am stopped before it committed the patch, which is applied to the index and the work tree',
  otherWays: 'or leave this patch out with git am --skip, or go back to where git am started with git am --abort',
};

async function preCommit(): Promise<number> {
  const staged = stagedFiles();
  // Concluding a merge, a typed file staged just as HEAD has it may still drop what the side merged in
  // settled (a conflict resolved with git checkout --ours): the files that differ from it count too.
  const sides = mergeHeads().map((commit) => ({ commit, files: stagedFiles(commit) }));
  const status = await checkIndex(staged, sides, COMMIT);
  if (status !== EXIT.ok || staged.length > 0) return status;
  return nothingMerged(sides.map((side) => side.commit));
}

/**
 * `git am` has applied a patch to the index and the work tree and commits it once this hook passes:
 * the pre-commit check, on what the patch stages against HEAD. No merge is concluded here. git am
 * leaves the patch applied when this fails, so fixing the files and `git am --continue` runs it again.
 */
async function preApplypatch(): Promise<number> {
  // `git rebase --apply` replays its commits through git am too. A rebase is checked by post-rewrite
  // once it is done, as warnings, also against the commit each one replaced (a finding the replaced
  // commit's old parent already had is not the rebase's): never stopped half-way here.
  if (existsSync(gitSync(['rev-parse', '--path-format=absolute', '--git-path', 'rebase-apply/rebasing']).trim())) return EXIT.ok;
  return checkIndex(stagedFiles(), [], PATCH);
}

/**
 * The typed files the index changes against HEAD (and, concluding a merge, against each side merged
 * in) go to checkStaged; an index without one is passed without loading the checks.
 */
async function checkIndex(staged: readonly Staged[], sides: readonly { commit: string; files: readonly Staged[] }[], how: Committing): Promise<number> {
  if (staged.length === 0 && sides.every((side) => side.files.length === 0)) return EXIT.ok;
  const types = typesOfPaths([...new Set([...staged, ...sides.flatMap((side) => side.files)].map((s) => s.path))]);
  const typedOf = (files: readonly Staged[]): Typed[] => files.filter((s) => types.has(s.path)).map((file) => ({ file, type: types.get(file.path)! }));
  const typed = typedOf(staged);
  const attributes = staged.some((s) => isAttributes(s.path));
  const merged: MergedSide[] = sides
    .map((side) => ({ commit: side.commit, typed: typedOf(side.files), attributes: side.files.some((s) => isAttributes(s.path)) }))
    .filter((side) => side.typed.length > 0 || side.attributes);
  return typed.length === 0 && !attributes && merged.length === 0 ? EXIT.ok : checkStaged(typed, attributes, merged, how);
}

/**
 * A merge concluded with nothing of the side merged in: the index is HEAD's, and that side has commits
 * HEAD lacks. A person who resolved every conflict by taking ours would still have the side's other
 * changes staged; this is what git 2.39's `git merge` (so `git pull`) leaves when it cannot take the
 * index lock another process holds — a strata writer's, an editor's `git status` — "Automatic merge
 * failed" with MERGE_HEAD written and nothing merged. Committed, the merge drops the other side's
 * changes, every file's, for good: refused, with the way out.
 */
function nothingMerged(heads: readonly string[]): number {
  const unmerged = heads.filter((head) => spawnSync('git', ['merge-base', '--is-ancestor', head, 'HEAD']).status === 1);
  if (unmerged.length === 0) return EXIT.ok;
  process.stderr.write(
    `strata: this commit concludes a merge of ${unmerged.map((head) => head.slice(0, 12)).join(', ')} but takes nothing from it: the staged files are exactly HEAD's\n` +
      "hint: if the merge stopped with 'Unable to write index' (another process held .git/index.lock), git merged nothing: run 'git merge --abort', then pull (or merge) again\n" +
      "hint: to record such a merge on purpose, use 'git merge -s ours', or commit with --no-verify\n",
  );
  return EXIT.findings;
}

/**
 * Files `rev` (HEAD, or a side being merged in) types that the staged .gitattributes type otherwise (or
 * not at all): what the old type kept in them loses its protection, as if they had been renamed away.
 */
async function retypedFindings(typed: readonly Typed[], rev = 'HEAD'): Promise<ReturnType<typeof import('./hook-deps.js').retypedSince>> {
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', rev]).status !== 0) return [];
  const { retypedSince, typesOf } = await import('./hook-deps.js');
  // Files the loop in checkStaged already checked by their type at `rev` are not looked at twice.
  const checked = new Map(typed.map((t) => [t.file.path, t.type]));
  return retypedSince('.', rev, (paths) => typesOf('.', paths, true), (path, was) => checked.get(path) === was);
}

/**
 * The slow path: stamp ids on hand-written queue entries (and stage them) where the commit takes what
 * the hook stages, then check every staged typed file against HEAD and, concluding a merge, against the
 * side merged in, as verify checks a merge commit against its parents. The checks and their git
 * plumbing load only here.
 */
async function checkStaged(typed: readonly Typed[], attributes: boolean, merged: readonly MergedSide[], how: Committing): Promise<number> {
  const {
    checkDeleted, checkFile, decodeText, findConflictMarkers, formatText, mergeFindings, nestedTasks, reusingBase, sameAs, sameSeqAs, stampIds, unreadable, unseenFindings, untaggedTasks,
    catBlobs, catTexts, commitTime, stoppedOperation, isFileType, newId, randomBytes, underGitIndexLock, withFileLock, writeFileAtomicSync,
  } = await import('./hook-deps.js');
  // The commit is being made now: a stamp far ahead of now came from a wrong clock.
  const time = commitTime();
  const blobs = [...new Set([...typed, ...merged.flatMap((side) => side.typed)].flatMap(({ file }) => [file.blob, file.head].filter((b): b is string => b !== undefined)))];
  const bytes = new Map(catBlobs('.', blobs).map((b, n) => [blobs[n]!, b]));
  const texts = new Map([...bytes].map(([blob, b]) => [blob, b === undefined ? undefined : decodeText(b)]));
  const fresh = (taken: ReadonlySet<string>): string => newId((n) => randomBytes(n), taken);
  const fileTypeOf = (type: string): FileType => (isFileType(type) ? type : 'markdown');

  const inMerge = how.stoppedOperations && stoppedOperation('.') !== undefined;
  // The staged text of each file checked, as stamping left it.
  const staged = new Map<string, string>();
  // Files of a type new in this commit: where a typed file went when it was renamed (git mv).
  const added = (files: readonly Typed[], type: string): string[] =>
    files.filter((t) => fileTypeOf(t.type) === type && t.file.head === undefined && t.file.blob !== undefined).map((t) => staged.get(t.file.path) ?? texts.get(t.file.blob!) ?? '');
  // Files of a type this commit deletes, as HEAD has them: where a typed file new in it came from.
  const removed = (files: readonly Typed[], type: string): string[] =>
    files.filter((t) => fileTypeOf(t.type) === type && t.file.blob === undefined && t.file.head !== undefined).map((t) => texts.get(t.file.head!) ?? '');
  const headFindings: Finding[] = [];
  for (const { file, type } of typed) {
    const fileType = fileTypeOf(type);
    const base = file.head ? texts.get(file.head) : undefined;
    if (file.blob === undefined) {
      if (base !== undefined) headFindings.push(...checkDeleted(fileType, file.path, base, `git restore --staged --worktree -- ${shellWord(file.path)}`, added(typed, fileType)));
      continue;
    }
    let text = texts.get(file.blob);
    if (text === undefined) continue;
    // Bytes that are not UTF-8 (stamping would write U+FFFD over them), or a BOM hiding the first entry:
    // refused as they are, never rewritten.
    const problem = fileType === 'markdown' ? undefined : unreadable(file.path, bytes.get(file.blob)!);
    if (problem) {
      headFindings.push(problem);
      continue;
    }
    // One set of line reads for every parse of this file (stamping, the check, the base).
    const reads = new Map();
    if (fileType === 'queue') {
      // A file with conflict markers holds two versions at once: it is refused below, never stamped.
      let stamp = findConflictMarkers(text).length === 0 ? stampIds(text, reusingBase(base, fresh, reads), reads) : { text, stamped: [] as Stamp[] };
      const which = stamp.stamped.map((s) => (s.seq !== undefined ? `seq ${s.seq}` : `line ${s.line}`)).join(', ');
      const count = stamp.stamped.length === 1 ? '1 entry' : `${stamp.stamped.length} entries`;
      if (stamp.stamped.length > 0 && !how.stamps) {
        // Only git am's commit does not stamp: said in its terms.
        process.stderr.write(
          `strata: note: ${file.path}: ${count} (${which}) ${stamp.stamped.length === 1 ? 'has' : 'have'} no [id:…]. git am commits the patch as it is ` +
            `(it takes nothing a hook stages), so the pre-commit hook stamps ${stamp.stamped.length === 1 ? 'it' : 'them'} at the next commit that stages ${file.path}\n`,
        );
        stamp = { text, stamped: [] };
      }
      if (stamp.stamped.length > 0) {
        // Exclusive with the writers: a `queue add` running meanwhile in this clone must neither be
        // overwritten by the stamped copy nor overwrite it. Under `git commit -a` or `git commit PATH…`
        // git holds the index lock until this hook returns, and a writer writes only while it holds
        // that lock (planning again if the file changed since it read it), so that lock is enough. The
        // writers' lock is not taken then: a writer may hold it while it waits for git, so for this hook.
        // Where the ids went: staged with the work tree; also written in the work tree copy; or in the
        // index only, the copy already having them or still lacking them.
        const exclusive: <T>(fn: (held: Held) => Promise<T>) => Promise<T> = underGitIndexLock(process.env.GIT_INDEX_FILE ?? '')
          ? (fn) => fn({ assertHeld: () => {} })
          : (fn) => withFileLock('.', file.path, fn);
        const where = await exclusive(async (held): Promise<'staged' | 'worktree' | 'has' | 'lacks'> => {
          const clean = spawnSync('git', ['diff', '--quiet', '--no-ext-diff', '--', file.path]).status === 0;
          if (clean) {
            // Work tree and index agree: stamp the work tree the same way and stage it, so both keep the ids.
            const worktree = stampIds(readFileSync(file.path, 'utf8'), sameAs(stamp.stamped, fresh));
            // The writers' own atomic write: a hook that lost the lock while stalled writes nothing.
            writeFileAtomicSync(file.path, worktree.text, () => held.assertHeld());
            gitSync(['add', '--', file.path]);
            return 'staged';
          }
          // Partly staged: the work tree keeps its unstaged changes, and the entries stamped in the index
          // get the same ids there (nothing else changes), so an edit before the next commit keeps them.
          // A work tree copy stamping could damage (not UTF-8, a BOM, conflict markers) is left alone.
          if (!existsSync(file.path)) return 'lacks';
          const bytes = readFileSync(file.path);
          const current = bytes.toString('utf8');
          if (unreadable(file.path, bytes) || findConflictMarkers(current).length > 0) return 'lacks';
          const same = stampIds(current, sameAs(stamp.stamped));
          const worktree = stampIds(same.text, sameSeqAs(stamp.stamped));
          if (same.stamped.length + worktree.stamped.length > 0) {
            writeFileAtomicSync(file.path, worktree.text, () => held.assertHeld());
            return 'worktree';
          }
          // The copy may have the ids already (stamped by a commit of named paths, whose ids the index
          // lost): it has them only where none of its entries lacks an id, a reworded one included.
          return stampIds(current, sameAs(stamp.stamped, fresh)).stamped.length === 0 ? 'has' : 'lacks';
        });
        if (where === 'staged') {
          text = catTexts('.', [`:${file.path}`])[0] ?? stamp.text;
          process.stderr.write(`strata: stamped [id:…] on ${count} of ${file.path} (${which}) and staged it again\n`);
          // `git commit PATH…` commits a temporary index; the real one got the file as it was before.
          if (/^next-index-.*\.lock$/.test(basename(process.env.GIT_INDEX_FILE ?? ''))) {
            process.stderr.write(`strata: (a commit of named paths: git's own index keeps ${file.path} as it was before the ids, so git status shows it changed; git add ${shellWord(file.path)} after this commit)\n`);
          }
        } else {
          // Only the staged version is committed with the ids; the work tree's unstaged changes stay.
          const blob = gitSync(['hash-object', '-w', '--stdin', '--no-filters'], stamp.text).trim();
          gitSync(['update-index', '--cacheinfo', `${file.mode},${blob},${file.path}`]);
          text = stamp.text;
          process.stderr.write(
            `strata: stamped [id:…] on ${count} of ${file.path} (${which}) in the index; the file's unstaged changes were left as they are.\n` +
              (where === 'worktree'
                ? `strata: the work tree copy got the same ids on the same entries.\n`
                : where === 'has'
                  ? `strata: the work tree copy already has these ids.\n`
                  : `strata: the work tree copy still lacks these ids; the next commit of the same entries gives them the same ids back.\n`),
          );
        }
      }
    }
    staged.set(file.path, text);
    // A file new in this commit: all its stamps are, but those of a file it was moved from.
    const isNew = file.head === undefined ? { added: removed(typed, fileType) } : {};
    headFindings.push(...checkFile(fileType, file.path, text, base, { inMerge, lines: reads, time, ...isNew }));
    if (fileType === 'queue') {
      for (const task of untaggedTasks(text)) {
        process.stderr.write(
          `strata: note: ${file.path}:${task.line}: '${task.text.slice(0, 60)}' has no tags, so it is not a task (queue next will not list it): ` +
            `add it with git strata queue add, or write [seq:N] after the box and the hook stamps an id\n`,
        );
      }
      for (const task of nestedTasks(text)) {
        process.stderr.write(
          `strata: note: ${file.path}:${task.line}: '${task.text.slice(0, 60)}' is indented under the entry at line ${task.under}, so it is part of that entry's notes, ` +
            `not a task (queue next will not list it, and it gets no id): unindent it to make it a task of its own\n`,
        );
      }
    }
  }
  // A file retyped by the staged .gitattributes is fixed there, not in the file.
  const retyped = new Set<Finding>(attributes ? await retypedFindings(typed) : []);
  headFindings.push(...retyped);

  // Concluding a merge: the staged files against every side merged in, as verify checks a merge commit
  // against its other parents, so a conflict resolved by taking HEAD's version cannot drop what that
  // side settled. HEAD is the first parent; a file missing from a parent's list is the same there.
  const findings: Finding[] = [];
  const sides: { side: MergedSide; name: string; findings: Finding[] }[] = [];
  if (merged.length === 0) findings.push(...headFindings);
  else {
    const lists = [typed, ...merged.map((side) => side.typed)];
    const textOf = (blob: string | undefined): string | undefined => (blob === undefined ? undefined : texts.get(blob));
    // The merge's own version: as stamping left it, else the staged blob (any list names the same one).
    const mergeText = (file: Staged): string | undefined => staged.get(file.path) ?? textOf(file.blob);
    const inParents = (path: string): InParent[] => {
      const entries = lists.map((list) => list.find((t) => t.file.path === path)?.file);
      const now = entries.find((file) => file !== undefined);
      return entries.map((file) => {
        const text = file === undefined ? undefined : textOf(file.head);
        return file === undefined || (now !== undefined && text === mergeText(now)) ? { same: true } : { same: false, text };
      });
    };
    const seen = new Set<string>();
    findings.push(...unseenFindings(mergeFindings(headFindings, 0, inParents), seen));
    for (const [k, side] of merged.entries()) {
      const found: Finding[] = [];
      for (const { file, type } of side.typed) {
        const fileType = fileTypeOf(type);
        const theirs = textOf(file.head);
        const now = mergeText(file);
        if (now === undefined) {
          const restore = `git checkout ${side.commit.slice(0, 12)} -- ${shellWord(file.path)}`;
          if (theirs !== undefined) found.push(...checkDeleted(fileType, file.path, theirs, restore, added(side.typed, fileType)));
          continue;
        }
        found.push(...checkFile(fileType, file.path, now, theirs, { inMerge: true, time, ...(theirs === undefined ? { added: [] } : {}) }));
      }
      if (side.attributes) found.push(...(await retypedFindings(side.typed, side.commit)));
      const kept = unseenFindings(mergeFindings(found, k + 1, inParents), seen);
      if (kept.length > 0) sides.push({ side, name: describe(side.commit), findings: kept });
    }
  }
  const all = [...findings, ...sides.flatMap((s) => s.findings)];
  if (all.length === 0) return EXIT.ok;

  process.stderr.write(formatText(findings));
  for (const { name, findings: found } of sides) {
    process.stderr.write(`strata: against ${name}, the side this commit merges in (MERGE_HEAD):\n${formatText(found)}`);
  }
  const paths = [...new Set(all.map((f) => f.path))].map(shellWord).join(' ');
  const problems = all.length === 1 ? '1 problem' : `${all.length} problems`;
  process.stderr.write(`strata: ${how.refused}: ${problems} in ${how.files} ${paths} (see above).\n`);
  if (how.stopped) process.stderr.write(`strata: ${how.stopped}.\n`);
  if (sides.length > 0) {
    const files = [...new Set(sides.flatMap((s) => s.findings.map((f) => f.path)))].map(shellWord).join(' ');
    process.stderr.write(
      `hint: this merge drops what ${sides.map((s) => s.name).join(' and ')} settled. To merge ${files} again with the driver: ` +
        `git checkout -m -- ${files} (git keeps the conflicted versions after a git add), then git strata resolve ${files}, which stages the result; ` +
        `or start over: git merge --abort, then merge or pull again with strata installed (not STRATA=0).\n`,
    );
  }
  if (all.some((f) => f.rule === 'conflict-markers')) {
    process.stderr.write(`hint: resolve the conflicts (git strata resolve ${paths} merges what a merge without the driver left), then git add ${paths} and ${how.again}.\n`);
  } else if (findings.length > 0) {
    const fixed = [...new Set(findings.map((f) => (retyped.has(f) ? '.gitattributes' : f.path)))].map(shellWord).join(' ');
    process.stderr.write(`hint: fix them, git add ${fixed} and ${how.again} (git strata check --staged --base HEAD shows them again).\n`);
  }
  if (how.otherWays) process.stderr.write(`hint: ${how.otherWays}.\n`);
  process.stderr.write(`hint: ${how.anyway}; CI's 'git strata verify' still checks the commit.\n`);
  return EXIT.findings;
}

/** A commit as messages name it: its short id and subject. */
function describe(commit: string): string {
  const result = spawnSync('git', ['log', '-1', '--format=%h (%s)', commit, '--'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : commit.slice(0, 12);
}

