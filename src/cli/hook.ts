// git strata hook <name> [args]: the entry point the hook shims call.
//
// Every commit pays for pre-commit, so this module imports no option parser and runs git through
// node:child_process spawnSync: execa's own start-up (it loads a few dozen modules) would cost more
// than the two git calls the common "no typed file staged" case needs. The checks themselves are
// imported only once a typed file turns out to be staged.
import { spawnSync } from 'node:child_process';
import { rawChange } from '../git/raw-diff.js';
import { EXIT } from './exit.js';

type HookHandler = (args: string[]) => Promise<number> | number;

/**
 * One handler per hook. Replay of pending ops runs after a pull: post-merge after a merge or
 * fast-forward, post-rewrite after pull --rebase (which runs no post-merge). Replay is imported only
 * there, so pre-commit never loads it.
 */
export const HOOKS: Readonly<Record<string, HookHandler>> = {
  'pre-commit': () => preCommit(),
  'post-merge': async (args) => (await import('./replay.js')).replayFromHook('post-merge', args),
  'post-rewrite': async (args) => (await import('./replay.js')).replayFromHook('post-rewrite', args),
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
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

export interface Staged {
  readonly path: string;
  readonly mode: string;
  /** The staged blob, or undefined for a file the commit deletes. */
  readonly blob: string | undefined;
  /** The blob at HEAD, or undefined for a file HEAD does not have. */
  readonly head: string | undefined;
}

/**
 * Regular files the index adds, modifies or deletes against HEAD (a rename is a deletion and an
 * addition), with their staged and HEAD blob ids.
 */
function stagedFiles(): Staged[] {
  // --raw gives the blob ids, so the staged content (not the work tree's) is what gets checked, and
  // HEAD's version comes from the same call.
  const out = gitSync(['diff', '--cached', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=AMTD', '--no-ext-diff']);
  const fields = out.split('\0');
  const staged: Staged[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const change = rawChange(fields[i]!);
    if (change) staged.push({ path: fields[i + 1]!, mode: change.mode, blob: change.after, head: change.before });
  }
  return staged;
}

/** The staged files that carry a strata attribute (any value but unspecified/unset), with its value. */
function typedFiles(staged: readonly Staged[]): { file: Staged; type: string }[] {
  const out = gitSync(['check-attr', '-z', '--stdin', 'strata'], staged.map((s) => `${s.path}\0`).join(''));
  const fields = out.split('\0');
  const types = new Map<string, string>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const value = fields[i + 2]!;
    if (value !== 'unspecified' && value !== 'unset') types.set(fields[i]!, value);
  }
  return staged.filter((s) => types.has(s.path)).map((file) => ({ file, type: types.get(file.path)! }));
}

async function preCommit(): Promise<number> {
  const staged = stagedFiles();
  if (staged.length === 0) return EXIT.ok;
  const typed = typedFiles(staged);
  const attributes = staged.some((s) => s.path === '.gitattributes' || s.path.endsWith('/.gitattributes'));
  if (typed.length === 0 && !attributes) return EXIT.ok;
  return checkStaged(typed, attributes);
}

/**
 * Files HEAD types that the staged .gitattributes type otherwise (or not at all): what the old type
 * kept in them loses its protection, as if they had been renamed away.
 */
async function retypedFindings(typed: readonly { file: Staged; type: string }[]): Promise<ReturnType<typeof import('./check.js').retypedSince>> {
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD']).status !== 0) return [];
  const { retypedSince, typesOf } = await import('./check.js');
  // Files the loop in checkStaged already checked by their HEAD type are not looked at twice.
  const checked = new Map(typed.map((t) => [t.file.path, t.type]));
  return retypedSince('.', 'HEAD', (paths) => typesOf('.', paths, true), (path, was) => checked.get(path) === was);
}

/**
 * The slow path: stamp ids on hand-written queue entries (and stage them), then check every staged
 * typed file against HEAD. The checks and their git plumbing load only here.
 */
async function checkStaged(typed: readonly { file: Staged; type: string }[], attributes = false): Promise<number> {
  const [{ checkDeleted, checkFile, findConflictMarkers, formatText, reusingBase, sameAs, stampIds, untaggedTasks }, { catTexts }, { stoppedOperation }, { isFileType }, { newId }, { randomBytes }, { readFileSync }, { withFileLock }, { writeFileAtomicSync }] =
    await Promise.all([
      import('../core/check/index.js'),
      import('./check.js'),
      import('../git/operation.js'),
      import('../core/file-types.js'),
      import('../core/ids.js'),
      import('node:crypto'),
      import('node:fs'),
      import('../ops/lock.js'),
      import('../git/atomic-write.js'),
    ]);
  const blobs = typed.flatMap(({ file }) => [file.blob, file.head].filter((b): b is string => b !== undefined));
  const texts = new Map(catTexts('.', blobs).map((text, n) => [blobs[n]!, text]));
  const fresh = (taken: ReadonlySet<string>): string => newId((n) => randomBytes(n), taken);

  const findings: ReturnType<typeof checkFile> = [];
  const inMerge = stoppedOperation('.') !== undefined;
  // Files of a type new in this commit: where a typed file went when it was renamed (git mv).
  const added = (type: string): string[] =>
    typed.filter((t) => t.type === type && t.file.head === undefined && t.file.blob !== undefined).map((t) => texts.get(t.file.blob!) ?? '');
  for (const { file, type } of typed) {
    const fileType = isFileType(type) ? type : 'markdown';
    const base = file.head ? texts.get(file.head) : undefined;
    if (file.blob === undefined) {
      if (base !== undefined) findings.push(...checkDeleted(fileType, file.path, base, `git restore --staged --worktree -- ${quote(file.path)}`, added(fileType)));
      continue;
    }
    let text = texts.get(file.blob);
    if (text === undefined) continue;
    // One set of line reads for every parse of this file (stamping, the check, the base).
    const reads = new Map();
    if (fileType === 'queue') {
      // A file with conflict markers holds two versions at once: it is refused below, never stamped.
      const stamp = findConflictMarkers(text).length === 0 ? stampIds(text, reusingBase(base, fresh, reads), reads) : { text, stamped: [] };
      if (stamp.stamped.length > 0) {
        const which = stamp.stamped.map((s) => (s.seq !== undefined ? `seq ${s.seq}` : `line ${s.line}`)).join(', ');
        const count = stamp.stamped.length === 1 ? '1 entry' : `${stamp.stamped.length} entries`;
        // Under the writers' lock: a `queue add` running meanwhile in this clone must neither be
        // overwritten by the stamped copy nor overwrite it.
        const stampedWorktree = await withFileLock('.', file.path, async (held) => {
          const clean = spawnSync('git', ['diff', '--quiet', '--no-ext-diff', '--', file.path]).status === 0;
          if (!clean) return false;
          // Work tree and index agree: stamp the work tree the same way and stage it, so both keep the ids.
          const worktree = stampIds(readFileSync(file.path, 'utf8'), sameAs(stamp.stamped, fresh));
          // The writers' own atomic write: a hook that lost the lock while stalled writes nothing.
          writeFileAtomicSync(file.path, worktree.text, () => held.assertHeld());
          gitSync(['add', '--', file.path]);
          return true;
        });
        if (stampedWorktree) {
          text = catTexts('.', [`:${file.path}`])[0] ?? stamp.text;
          process.stderr.write(`strata: stamped [id:…] on ${count} of ${file.path} (${which}) and staged it again\n`);
        } else {
          // Partly staged: only the staged version gets the ids; the work tree's unstaged changes stay untouched.
          const blob = gitSync(['hash-object', '-w', '--stdin', '--no-filters'], stamp.text).trim();
          gitSync(['update-index', '--cacheinfo', `${file.mode},${blob},${file.path}`]);
          text = stamp.text;
          process.stderr.write(
            `strata: stamped [id:…] on ${count} of ${file.path} (${which}) in the index only: the file has unstaged changes, which were left alone.\n` +
              `strata: the work tree copy still lacks these ids; the next commit of the file gives the same entries the same ids back.\n`,
          );
        }
      }
    }
    findings.push(...checkFile(fileType, file.path, text, base, { inMerge, lines: reads }));
    if (fileType === 'queue') {
      for (const task of untaggedTasks(text)) {
        process.stderr.write(
          `strata: note: ${file.path}:${task.line}: '${task.text.slice(0, 60)}' has no tags, so it is not a task (queue next will not list it): ` +
            `add it with git strata queue add, or write [seq:N] after the box and the hook stamps an id\n`,
        );
      }
    }
  }
  if (attributes) findings.push(...(await retypedFindings(typed)));
  if (findings.length === 0) return EXIT.ok;

  process.stderr.write(formatText(findings));
  const paths = [...new Set(findings.map((f) => f.path))].map(quote).join(' ');
  const problems = findings.length === 1 ? '1 problem' : `${findings.length} problems`;
  process.stderr.write(`strata: commit refused: ${problems} in the staged ${paths} (see above).\n`);
  if (findings.some((f) => f.rule === 'conflict-markers')) {
    process.stderr.write(`hint: resolve the conflicts ('git strata resolve ${paths}' merges what a merge without the driver left), then 'git add ${paths}' and commit again.\n`);
  } else {
    process.stderr.write(`hint: fix them, 'git add ${paths}' and commit again ('git strata check --staged --base HEAD' shows them again).\n`);
  }
  process.stderr.write(
    `hint: to commit anyway, once: STRATA=0 git commit … (or git commit --no-verify); CI's 'git strata verify' still checks the commit.\n`,
  );
  return EXIT.findings;
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
