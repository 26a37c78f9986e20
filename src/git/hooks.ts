// The hook shims: what they look like, how install puts them in front of existing hooks and how
// uninstall puts things back. A shim is a few lines of POSIX sh that run the hook that was there before
// (moved aside to <hook>.pre-strata, bytes and mode untouched), then `node git-strata.cjs hook <name>`.
import { chmod, lstat, mkdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { shellQuote } from './shell.js';

export const HOOK_NAMES = ['pre-commit', 'pre-applypatch', 'post-merge', 'post-rewrite', 'post-checkout'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** The first comment line of every shim; how install, uninstall and doctor recognise one. */
export const SHIM_MARKER = '# git-strata hook shim';
export const BACKUP_SUFFIX = '.pre-strata';

/**
 * Hooks whose status git acts on (the others only report): pre-commit before `git commit` commits the
 * index, pre-applypatch before `git am` commits a patch it applied to the index and the work tree.
 */
const BLOCKING: ReadonlySet<string> = new Set(['pre-commit', 'pre-applypatch']);
/** Hooks git feeds on stdin; the shim keeps a copy so the previous hook and strata both read it. */
const READS_STDIN: ReadonlySet<string> = new Set(['post-rewrite']);

export interface ShimTarget {
  readonly node: string;
  readonly cli: string;
}

/**
 * How the shim runs the hook it displaced. `exec` runs it by path (any language). `source` runs a
 * POSIX sh hook that finds its helpers through `$0` (husky 9's `.husky/_/<hook>` does
 * `. "$(dirname "$0")/h"` and picks the user's hook by `basename "$0"`) in a subshell of the shim, so it
 * still sees the name git called.
 */
export type ChainMode = 'exec' | 'source';

export function chainModeFor(previous: string): ChainMode {
  const firstLine = previous.split('\n', 1)[0] ?? '';
  const posixSh = /^#!\s*(\/bin\/sh|\/usr\/bin\/env\s+sh)\s*$/.test(firstLine);
  return posixSh && /\$\{?0\b/.test(previous) ? 'source' : 'exec';
}

export function renderShim(hook: string, target: ShimTarget, chain: ChainMode = 'exec'): string {
  const blocking = BLOCKING.has(hook);
  const stdin = READS_STDIN.has(hook);
  const input = stdin ? ' <"$strata_in"' : '';
  const runPrevious = chain === 'source' ? `( . "$strata_prev" )${input}` : `"$strata_prev" "$@"${input}`;
  const lines = [
    '#!/bin/sh',
    `${SHIM_MARKER} (${hook}): written by 'git strata install', removed by 'git strata uninstall'.`,
    `# Runs the hook that was here before (${hook}${BACKUP_SUFFIX}), then strata. STRATA=0 skips strata only.`,
    `strata_node=${shellQuote(target.node)}`,
    `strata_cli=${shellQuote(target.cli)}`,
    `strata_prev="$(dirname -- "$0")/${hook}${BACKUP_SUFFIX}"`,
    'strata_status=0',
  ];
  if (stdin) {
    lines.push(
      'strata_in=$(mktemp "${TMPDIR:-/tmp}/strata-hook.XXXXXX") || exit 0',
      `trap 'rm -f "$strata_in"' EXIT`,
      'cat >"$strata_in"',
    );
  }
  lines.push(`if [ -x "$strata_prev" ]; then`);
  lines.push(blocking ? `  ${runPrevious} || exit $?` : `  ${runPrevious} || strata_status=$?`);
  lines.push('fi');
  lines.push(`[ "\${STRATA:-}" = 0 ] && exit $strata_status`);
  lines.push(
    'if [ ! -x "$strata_node" ] || [ ! -f "$strata_cli" ]; then',
    `  echo "strata: warning: $strata_node or $strata_cli is missing, so strata's ${hook} hook did not run." >&2`,
    `  echo "strata: fix: reinstall strata (./install.sh in its checkout), then run 'git strata install' here again (STRATA=0 silences this)." >&2`,
    '  exit $strata_status',
    'fi',
  );
  if (blocking) {
    // Most commits stage no typed file: two git calls tell, and node is not started at all. Should
    // either call fail, the text is not empty and strata runs (it never skips a check on an error).
    // Without rename detection a typed file renamed away shows as deleted, which the checks look at.
    // (git am runs pre-applypatch with the patch applied to the index: the same question.)
    lines.push(`strata_staged=$(git diff --cached --name-only --no-renames --diff-filter=ACMD 2>/dev/null) || strata_staged='?'`);
  }
  if (hook === 'pre-commit') {
    lines.push(
      // Concluding a merge, a typed file staged as HEAD has it may still drop what the side merged in
      // settled: the files that differ from MERGE_HEAD count too. The index git names lies in the git
      // directory, beside MERGE_HEAD, so a commit outside a merge asks git nothing more.
      'strata_gitdir=${GIT_INDEX_FILE%/*}',
      `[ -n "\${GIT_INDEX_FILE:-}" ] && [ -f "$strata_gitdir/HEAD" ] || strata_gitdir=$(git rev-parse --git-dir 2>/dev/null) || strata_gitdir=.git`,
      'if [ -f "$strata_gitdir/MERGE_HEAD" ]; then',
      `  strata_merged=$(git diff --cached --name-only --no-renames --diff-filter=ACMD MERGE_HEAD -- 2>/dev/null) || strata_merged='?'`,
      // Nothing staged against HEAD while concluding a merge: strata asks whether anything was merged
      // at all (git 2.39 leaves such a merge when it cannot take the index lock).
      `  [ -z "$strata_staged" ] && [ -n "$strata_merged" ] && exec "$strata_node" "$strata_cli" hook ${hook} "$@"`,
      `  strata_staged=$(printf '%s\\n%s' "$strata_staged" "$strata_merged")`,
      'fi',
    );
  }
  if (blocking) {
    lines.push(
      '[ -z "$strata_staged" ] && exit $strata_status',
      `strata_attrs=$(printf '%s\\n' "$strata_staged" | git check-attr --stdin strata 2>/dev/null) || strata_attrs='?'`,
      `printf '%s\\n' "$strata_attrs" | grep -qv -e ': strata: unspecified$' -e ': strata: unset$' ||`,
      // A staged .gitattributes may take a typed file out of its type: strata looks at that too.
      `  printf '%s\\n' "$strata_staged" | grep -q -e '^\\.gitattributes$' -e '/\\.gitattributes$' || exit $strata_status`,
      `exec "$strata_node" "$strata_cli" hook ${hook} "$@"`,
    );
  } else {
    // Git ignores these hooks' status except post-checkout, whose status becomes checkout's: strata's
    // own trouble is reported on stderr and never turns a successful checkout into a failed one.
    lines.push(`"$strata_node" "$strata_cli" hook ${hook} "$@"${input}`, 'exit $strata_status');
  }
  return `${lines.join('\n')}\n`;
}

export function isShim(text: string): boolean {
  return text.split('\n', 3).some((line) => line.startsWith(SHIM_MARKER));
}

/** The node and script a shim starts, or undefined if `text` is not a shim. */
export function shimTarget(text: string): ShimTarget | undefined {
  if (!isShim(text)) return undefined;
  const node = /^strata_node='((?:[^']|'\\'')*)'$/m.exec(text)?.[1];
  const cli = /^strata_cli='((?:[^']|'\\'')*)'$/m.exec(text)?.[1];
  if (node === undefined || cli === undefined) return undefined;
  const unquote = (s: string) => s.replace(/'\\''/g, "'");
  return { node: unquote(node), cli: unquote(cli) };
}

/**
 * The line to add to a hook git tracks (a team's .githooks/, .husky/<hook>), which install never
 * rewrites: a teammate without strata skips it, as the shims do when strata is gone.
 */
export function trackedHookLine(hook: string): string {
  return `if command -v git-strata >/dev/null 2>&1; then git strata hook ${hook} "$@" || exit $?; fi`;
}

/** A hook someone wired to strata by hand (e.g. a line in .husky/pre-commit) counts as installed. */
export function callsStrata(text: string): boolean {
  // Line by line: a commented-out call (`# git strata hook …`, a line left for later) runs nothing.
  return text.split('\n').some((line) => !/^\s*#/.test(line) && /\bgit[ -]strata(\.[cm]js)?['"]?\s+hook\b/.test(line));
}

export type HookAction =
  | { readonly hook: string; readonly kind: 'unchanged' | 'written' | 'updated' | 'calls-strata' }
  | { readonly hook: string; readonly kind: 'chained'; readonly backup: string }
  | { readonly hook: string; readonly kind: 'tracked'; readonly path: string }
  | { readonly hook: string; readonly kind: 'backup-conflict'; readonly backup: string }
  | { readonly hook: string; readonly kind: 'backup-replaced'; readonly backup: string };

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether there is something at `path` (a dangling symlink counts: it is a hook someone put there). */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` next to `path` first, so a hook is never half-written; returns the temp file. */
async function stage(path: string, text: string): Promise<string> {
  const temp = `${path}.strata-${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o755 });
  await chmod(temp, 0o755);
  return temp;
}

export interface InstallHooksOptions {
  readonly force: boolean;
  /** True when git tracks `path`: strata then never moves or rewrites it (it belongs to the team). */
  readonly isTracked: (path: string) => Promise<boolean>;
}

/** Where a hook that is a symlink points, as written (undefined: not a symlink, or no hook). */
async function linkOf(path: string): Promise<string | undefined> {
  try {
    return (await lstat(path)).isSymbolicLink() ? await readlink(path) : undefined;
  } catch {
    return undefined;
  }
}

/** Next to the backup of a symlink install had to re-point: the link as it was, for uninstall. */
const LINK_SUFFIX = '.pre-strata-link';

/**
 * The other strata hook a symlinked hook ends up at in the same directory (`post-merge -> pre-commit`,
 * absolute or through other links, as setups that share one script do), or undefined.
 */
async function siblingHook(dir: string, hook: string): Promise<string | undefined> {
  const [real, home] = await Promise.all([realpath(join(dir, hook)).catch(() => undefined), realpath(dir).catch(() => dir)]);
  if (real === undefined || dirname(real) !== home) return undefined;
  const name = basename(real);
  return name !== hook ? HOOK_NAMES.find((h) => h === name) : undefined;
}

/** Puts a shim for every strata hook into `dir`; running it twice changes nothing. */
export async function installHooks(dir: string, target: ShimTarget, options: InstallHooksOptions): Promise<HookAction[]> {
  await mkdir(dir, { recursive: true });
  const actions: HookAction[] = [];
  // Every hook as it was before this install moves any of them: a hook that is a symlink to another
  // (post-merge -> pre-commit) must chain to what that one was, not to the shim that replaces it.
  const before = new Map<string, string | undefined>();
  const links = new Map<string, string | undefined>();
  const siblings = new Map<string, string | undefined>();
  for (const hook of HOOK_NAMES) {
    before.set(hook, await readIfExists(join(dir, hook)));
    links.set(hook, await linkOf(join(dir, hook)));
    siblings.set(hook, await siblingHook(dir, hook));
  }
  // Symlinks last, so the hook one points to has been moved aside (or not) when it is handled.
  const order = [...HOOK_NAMES].sort((a, b) => Number(links.get(a) !== undefined) - Number(links.get(b) !== undefined));
  const movedAside = (hook: string): boolean => actions.some((a) => a.hook === hook && (a.kind === 'chained' || a.kind === 'backup-replaced'));
  for (const hook of order) {
    const path = join(dir, hook);
    const backup = path + BACKUP_SUFFIX;
    // A dangling symlink is a hook someone put there too (its target may come back): moved aside.
    const current = before.get(hook) ?? (links.get(hook) !== undefined ? '' : undefined);
    let backupText = await readIfExists(backup);
    // A shim must never chain to a shim: a stale one left as backup is dropped.
    if (backupText !== undefined && isShim(backupText)) {
      await rm(backup);
      backupText = undefined;
    }
    if (current !== undefined && !isShim(current)) {
      if (callsStrata(current)) {
        actions.push({ hook, kind: 'calls-strata' });
        continue;
      }
      if (await options.isTracked(path)) {
        actions.push({ hook, kind: 'tracked', path });
        continue;
      }
      if (backupText !== undefined && backupText !== current) {
        if (!options.force) {
          actions.push({ hook, kind: 'backup-conflict', backup });
          continue;
        }
        actions.push({ hook, kind: 'backup-replaced', backup });
      } else {
        actions.push({ hook, kind: 'chained', backup });
      }
      // The shim is written before the hook moves, so a failure never leaves the hook missing.
      // rename keeps the bytes, the mode and a symlink as they were; uninstall renames it back. A
      // symlink to a sibling hook is pointed at that hook's backup (uninstall points it back).
      const temp = await stage(path, renderShim(hook, target, chainModeFor(current)));
      const link = links.get(hook);
      const sibling = siblings.get(hook);
      if (sibling !== undefined && link !== undefined && movedAside(sibling)) {
        await rm(backup, { force: true });
        await writeFile(backup + LINK_SUFFIX, link);
        await symlink(sibling + BACKUP_SUFFIX, backup);
        await rm(path);
      } else {
        await rename(path, backup);
      }
      await rename(temp, path);
      continue;
    }
    const shim = renderShim(hook, target, backupText === undefined ? 'exec' : chainModeFor(backupText));
    if (current === shim) {
      // Git runs no hook without its execute bit (and says nothing): put it back.
      if (((await stat(path)).mode & 0o111) === 0o111) {
        actions.push({ hook, kind: 'unchanged' });
      } else {
        await chmod(path, 0o755);
        actions.push({ hook, kind: 'updated' });
      }
      continue;
    }
    await rename(await stage(path, shim), path);
    actions.push({ hook, kind: current === undefined ? 'written' : 'updated' });
  }
  return actions;
}

export type UninstallAction =
  | { readonly hook: string; readonly kind: 'removed' | 'restored' | 'absent' | 'foreign' | 'stale-backup-removed' }
  | { readonly hook: string; readonly kind: 'backup-left'; readonly backup: string };

/** Removes strata's shims from `dir` and moves displaced hooks back, byte for byte. */
export async function uninstallHooks(dir: string): Promise<UninstallAction[]> {
  const actions: UninstallAction[] = [];
  for (const hook of HOOK_NAMES) {
    const path = join(dir, hook);
    const backup = path + BACKUP_SUFFIX;
    const current = await readIfExists(path);
    const hasBackup = await exists(backup);
    if (current !== undefined && isShim(current)) {
      if (hasBackup) {
        const original = await readIfExists(backup + LINK_SUFFIX);
        if (original !== undefined) {
          // Install pointed this symlink at its sibling's backup; put the link back as it was written.
          await rm(path);
          await symlink(original, path);
          await rm(backup);
          await rm(backup + LINK_SUFFIX);
        } else {
          await rename(backup, path);
        }
        actions.push({ hook, kind: 'restored' });
      } else {
        await rm(path);
        actions.push({ hook, kind: 'removed' });
      }
    } else if (hasBackup) {
      // Something replaced the shim (husky regenerates .husky/_ on npm install). If it equals the
      // backup the backup is redundant; otherwise both are kept for the user to decide.
      if (current !== undefined && current === (await readIfExists(backup))) {
        await rm(backup);
        actions.push({ hook, kind: 'stale-backup-removed' });
      } else {
        actions.push({ hook, kind: 'backup-left', backup });
      }
    } else {
      actions.push({ hook, kind: current === undefined ? 'absent' : 'foreign' });
    }
  }
  return actions;
}
