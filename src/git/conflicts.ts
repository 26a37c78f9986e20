// What a driverless merge left behind, read from git: unmerged index entries (stages 1–3), the blobs
// behind them, and the strata type of each path (`git check-attr`, as the driver looks it up).
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { StrataError } from '../core/errors.js';
import { type FileType, isFileType } from '../core/file-types.js';
import { git, gitTry } from './exec.js';
import { mergeHeadsIn } from './operation.js';

export interface Stages {
  /** Blob ids by stage: 1 base, 2 ours, 3 theirs. A missing stage 1 means no common ancestor. */
  readonly base?: string;
  readonly ours?: string;
  readonly theirs?: string;
}

/** Unmerged paths (relative to the top level) and their stages, from `git ls-files -u`; only those in `only`, if given. */
export async function unmergedPaths(top: string, only?: readonly string[]): Promise<Map<string, Stages>> {
  const out = await git(top, ['ls-files', '-u', '-z', '--full-name', ...(only ? ['--', ...only.map((path) => `:(top,literal)${path}`)] : [])]);
  const paths = new Map<string, { base?: string; ours?: string; theirs?: string }>();
  for (const record of out.split('\0')) {
    const m = /^(\d+) ([0-9a-f]+) ([123])\t(.*)$/s.exec(record);
    if (!m) continue;
    const [, , oid, stage, path] = m;
    const stages = paths.get(path!) ?? {};
    if (stage === '1') stages.base = oid!;
    else if (stage === '2') stages.ours = oid!;
    else stages.theirs = oid!;
    paths.set(path!, stages);
  }
  return paths;
}

/** A blob's text, or null when it is not UTF-8 (binary files are not strata's to merge). */
export function blobText(top: string, oid: string): string | null {
  const result = spawnSync('git', ['cat-file', 'blob', oid], { cwd: top, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new StrataError('GIT_FAILED', `git cat-file blob ${oid} failed: ${result.stderr?.toString().trim() || result.error?.message}`);
  }
  return decodeUtf8(result.stdout);
}

export function decodeUtf8(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The strata attribute of each path: a type, or undefined where none is set. */
export async function strataTypes(top: string, paths: readonly string[]): Promise<Map<string, FileType | undefined>> {
  const types = new Map<string, FileType | undefined>();
  if (paths.length === 0) return types;
  const out = await git(top, ['check-attr', '-z', '--stdin', 'strata'], paths.map((p) => `${p}\0`).join(''));
  const fields = out.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const value = fields[i + 2]!;
    types.set(fields[i]!, isFileType(value) ? value : value === 'unspecified' || value === 'unset' ? undefined : 'markdown');
  }
  return types;
}

/** Every tracked path (relative to the top level). */
export async function trackedPaths(top: string): Promise<string[]> {
  return (await git(top, ['ls-files', '-z', '--full-name'])).split('\0').filter(Boolean);
}

/**
 * For conflict markers committed in `path` (a web merge, a client without strata): the file as it was at
 * the merge base of the merge commit that brought them in — the base that two-way markers do not carry.
 * That commit is the newest one touching the file whose version has markers while none of its parents'
 * has; it must be a two-parent merge (markers a cherry-pick, rebase or paste committed carry no base).
 * undefined when there is no such merge within `depth` commits. '' when the base lacked the file.
 */
export async function committedMarkersBase(top: string, path: string, hasMarkers: (text: string) => boolean, depth = 50): Promise<string | undefined> {
  const listed = await gitTry(top, ['rev-list', '--parents', `--max-count=${depth}`, 'HEAD', '--', path]);
  if (listed.exitCode !== 0) return undefined;
  const show = async (rev: string): Promise<string | undefined> => {
    const result = await gitTry(top, ['cat-file', 'blob', `${rev}:${path}`]);
    return result.exitCode === 0 ? result.stdout : undefined;
  };
  for (const line of listed.stdout.split('\n')) {
    const [commit] = line.trim().split(' ');
    if (!commit) continue;
    const text = await show(commit);
    // The newest version without markers: the markers came later, from no commit found here.
    if (text === undefined || !hasMarkers(text)) return undefined;
    // rev-list --parents with a path rewrites parents; the commit's own parents decide.
    const parents = (await gitTry(top, ['rev-parse', `${commit}^@`])).stdout.split('\n').filter(Boolean);
    const before = await Promise.all(parents.map(show));
    if (before.some((t) => t !== undefined && hasMarkers(t))) continue; // carried over from a parent
    if (parents.length !== 2) return undefined;
    const base = await gitTry(top, ['merge-base', parents[0]!, parents[1]!]);
    if (base.exitCode !== 0) return undefined;
    return (await show(base.stdout.trim())) ?? '';
  }
  return undefined;
}

/** The merge git is stopped in (MERGE_HEAD exists): what it merges into HEAD, and from which base. */
export interface MergeInProgress {
  /** The commits MERGE_HEAD names: one, or several for an octopus merge. */
  readonly heads: readonly string[];
  /** The merge bases of HEAD and the head (`merge-base --all`): none for unrelated histories, several
   * for a criss-cross merge, whose base git builds as a virtual commit. Empty for an octopus. */
  readonly bases: readonly string[];
}

/** The merge in progress in the work tree at `top`, or undefined when git is not stopped in one. */
export async function mergeInProgress(top: string): Promise<MergeInProgress | undefined> {
  const file = (await git(top, ['rev-parse', '--path-format=absolute', '--git-path', 'MERGE_HEAD'])).trim();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const heads = mergeHeadsIn(text);
  if (heads.length === 0) return undefined;
  if (heads.length > 1) return { heads, bases: [] };
  const found = await gitTry(top, ['merge-base', '--all', 'HEAD', heads[0]!]);
  // Exit 1: the histories share no commit (git merges them with an empty base).
  if (found.exitCode > 1) throw new StrataError('GIT_FAILED', `git merge-base --all HEAD ${heads[0]} failed: ${found.stderr.trim()}`);
  return { heads, bases: found.stdout.split('\n').filter(Boolean) };
}

/** The blob each `<rev>:<path>` names (undefined where that commit lacks the path), in one `cat-file --batch-check`. */
export async function blobsAt(top: string, specs: readonly string[]): Promise<(string | undefined)[]> {
  if (specs.length === 0) return [];
  const out = await git(top, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], specs.map((s) => `${s}\n`).join(''));
  return out.split('\n').slice(0, specs.length).map((line) => /^([0-9a-f]{40,64}) blob$/.exec(line)?.[1]);
}

/** Tracked paths whose work tree version differs from HEAD's (a merge in progress changed them). */
export async function changedSinceHead(top: string): Promise<string[]> {
  return (await git(top, ['diff', '--name-only', '-z', '--no-renames', 'HEAD', '--'])).split('\0').filter(Boolean);
}
