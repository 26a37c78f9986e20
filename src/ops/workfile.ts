// The shell around the pure writers: find the file, name the agent, read the time, and apply an edit
// under the file's lock and git's index lock with an atomic write (temp file + rename), so a reader
// never sees half a file and no git command writes the file in between.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, realpath, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { unreadable } from '../core/check/encoding.js';
import { firstConflict } from '../core/check/markers.js';
import { parseStamp } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { type FileType, isFileType } from '../core/file-types.js';
import type { RandomSource } from '../core/ids.js';
import { writeFileAtomicSync } from '../git/atomic-write.js';
import { strataTypes } from '../git/conflicts.js';
import { configGet, gitTry } from '../git/exec.js';
import { type IndexLockOptions, underGitIndexLock, withIndexLock } from './index-lock.js';
import { type Held, lockPaths, withFileLock } from './lock.js';

export interface WorkFile {
  /** The repository's top level. */
  readonly top: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** Path relative to the top level, with `/`. */
  readonly rel: string;
  /**
   * The type the command reads the file as. With a type, reading or editing the file is refused while
   * it holds a merge conflict (readWorkFile, editFile).
   */
  readonly type?: FileType;
}

export async function repoTop(cwd: string): Promise<string> {
  const result = await gitTry(cwd, ['rev-parse', '--show-toplevel']);
  if (result.exitCode !== 0) {
    throw new StrataError('NOT_A_REPO', 'not inside a git work tree', 'run this in a clone of the coordination repository');
  }
  return result.stdout.trim();
}

/**
 * `file` (relative to `cwd`) or `fallback` (relative to the top level); it must stay in the repository.
 * With `type`, a file .gitattributes types otherwise is refused: a task written into HEARTBEAT.md (or
 * into a plain Markdown file) would be merged by that type's rules, not the queue's. A file with no
 * strata attribute is allowed (a repository that has not set them up yet). Without `file`, where no file
 * is at `fallback` yet, the repository's one file of the type and of that name elsewhere is the file meant.
 */
export async function workFile(cwd: string, file: string | undefined, fallback: string, type?: FileType, option = '--file'): Promise<WorkFile> {
  const picked = await pickWorkFile(cwd, file, fallback, type, option);
  await refuseLinkOutside(picked.top, picked.path, picked.rel);
  return picked;
}

async function pickWorkFile(cwd: string, file: string | undefined, fallback: string, type: FileType | undefined, option: string): Promise<WorkFile> {
  const top = await repoTop(cwd);
  const path = file !== undefined ? resolve(cwd, file) : resolve(top, fallback);
  const rel = relative(top, path).split('\\').join('/');
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new StrataError('PATH_ESCAPES_REPO', `${file ?? fallback} is outside the repository ${top}`, 'pick a file inside the work tree');
  }
  if (type !== undefined) {
    const attr = await gitTry(top, ['check-attr', '-z', 'strata', '--', rel]);
    const value = attr.exitCode === 0 ? attr.stdout.split('\0')[2] : undefined;
    if (value !== undefined && isFileType(value) && value !== type) {
      // The conventional name typed otherwise (OpenClaw keeps HEARTBEAT.md as a prompt): the one
      // tracked file the attributes give this type is the file meant.
      const others = file === undefined ? await filesOfType(top, type) : [];
      if (others.length === 1) return { top, path: resolve(top, others[0]!), rel: others[0]!, type };
      const hint =
        others.length > 1
          ? `several files are '${type}' files (${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''}): pick one with ${option}`
          : `pick a ${type} file with ${option} (see .gitattributes), or give ${rel} the attribute strata=${type}`;
      throw new StrataError('USAGE', `${rel} is a '${value}' file (its strata attribute), not a '${type}' file`, hint);
    }
    // No file at the conventional path, but the repository keeps its one file of this type and name
    // elsewhere (team/QUEUE.md): that is the file meant, not a second one to create at the top. Among
    // several, none is the obvious one. Files of other names (a channel queues/deploy.md, one heartbeat
    // file per agent) are never taken for the conventional one.
    if (file === undefined && !existsSync(path)) {
      const others = (await filesOfType(top, type)).filter((other) => other !== rel && basename(other) === basename(rel) && existsSync(resolve(top, other)));
      if (others.length === 1) return { top, path: resolve(top, others[0]!), rel: others[0]!, type };
      if (others.length > 1) {
        throw new StrataError('USAGE', `there is no ${rel}, and several files are '${type}' files (${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''})`, `pick one with ${option}`);
      }
    }
  }
  return { top, path, rel, ...(type !== undefined ? { type } : {}) };
}

/**
 * A file (or a directory on its way) that is a symlink leading out of the work tree is refused: a
 * committed `HEARTBEAT.md -> ../../somewhere` would otherwise make every writer that pulled it rewrite a
 * file outside the repository (the atomic write follows links). Links inside the work tree stay allowed.
 */
async function refuseLinkOutside(top: string, path: string, rel: string): Promise<void> {
  const realTop = await realpath(top).catch(() => top);
  // The deepest part of the path that exists: the file, else its nearest existing directory.
  let probe = path;
  let real: string | undefined;
  for (;;) {
    real = await realpath(probe).catch(() => undefined);
    if (real !== undefined || probe === dirname(probe)) break;
    probe = dirname(probe);
  }
  if (real === undefined) return;
  const inside = relative(realTop, real).split('\\').join('/');
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new StrataError('PATH_ESCAPES_REPO', `${rel} is a symlink to ${real}, outside the repository ${top}`, 'point the link at a file inside the work tree, or replace it with the file itself');
  }
}

/**
 * Files whose strata attribute is `type`: those git lists (tracked, or new and not ignored), and the
 * literal paths the top-level .gitattributes names for it (the file a first write creates).
 */
async function filesOfType(top: string, type: FileType): Promise<string[]> {
  const listed = await gitTry(top, ['ls-files', '-z', '--full-name', '--cached', '--others', '--exclude-standard']);
  if (listed.exitCode !== 0) return [];
  const named = ((await readText(resolve(top, '.gitattributes'))) ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pattern, ...attrs]) => pattern && !/[*?[\\!#]/.test(pattern) && attrs.includes(`strata=${type}`))
    .map(([pattern]) => pattern!.replace(/^\//, ''));
  const paths = [...new Set([...listed.stdout.split('\0').filter(Boolean), ...named])];
  const types = await strataTypes(top, paths);
  return paths.filter((path) => types.get(path) === type);
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What to do about a file with a merge conflict in it. */
function resolveHint(rel: string): string {
  return `run git strata resolve ${rel} (or finish the merge: resolve the conflict by hand, then git add ${rel}), then run this command again`;
}

/**
 * Refuses the text of a typed file that holds conflict markers: it is two versions at once, so a reader
 * would see tasks of both sides (one finished on ours offered as ready, a seq twice) and a writer would
 * put its line inside one side of the conflict.
 */
function refuseConflict(file: WorkFile, text: string | undefined): void {
  if (file.type === undefined || text === undefined) return;
  const conflict = firstConflict(text, file.type);
  if (conflict === undefined) return;
  throw new StrataError('BAD_INPUT', `${file.rel}:${conflict.line}: ${conflict.message}; strata reads and writes no file with a merge conflict in it`, resolveHint(file.rel));
}

/**
 * Refuses files (relative to the top level) git stopped a merge on — unmerged in the index — markers or
 * not: a driver that could not run leaves ours without markers, and the other side's version is only in
 * the index.
 */
export async function refuseUnmerged(top: string, rels: readonly string[]): Promise<void> {
  if (rels.length === 0) return;
  const listed = await gitTry(top, ['ls-files', '-u', '-z', '--full-name', '--', ...rels.map((rel) => `:(top,literal)${rel}`)]);
  const rel = listed.exitCode === 0 ? /^\d+ [0-9a-f]+ [123]\t([^\0]*)/.exec(listed.stdout)?.[1] : undefined;
  if (rel === undefined) return;
  throw new StrataError('BAD_INPUT', `${rel} is unmerged: git stopped a merge with a conflict in it, and the other side's version is only in the index`, resolveHint(rel));
}

/**
 * The text of a file a command reads as a type: refused when its bytes are not UTF-8 (decoding would
 * replace them, and a write would lose them) or it starts with a byte order mark (the first entry would
 * read as prose). Undefined when it does not exist.
 */
async function readTyped(file: WorkFile): Promise<string | undefined> {
  if (file.type === undefined) return readText(file.path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const problem = unreadable(file.rel, bytes);
  if (problem) throw new StrataError('BAD_INPUT', `${file.rel}:${problem.line}: ${problem.message}`, problem.hint);
  return bytes.toString('utf8');
}

/** The file's text (undefined when it does not exist); refused while it holds a merge conflict. */
export async function readWorkFile(file: WorkFile): Promise<string | undefined> {
  const text = await readTyped(file);
  // Markers first: their message names the line.
  refuseConflict(file, text);
  if (file.type !== undefined) await refuseUnmerged(file.top, [file.rel]);
  return text;
}

/** What a writer plans from the files it read: the text to write (none: nothing to write), and its answer. */
export interface Planned<R> {
  readonly write: string | undefined;
  readonly result: R;
}

export interface PlanOptions extends IndexLockOptions {
  /**
   * Other files (absolute paths) the plan reads and decides on (the leases `queue claim` reads): one
   * written meanwhile makes the plan be made again under the lock, as the file itself and the index do.
   */
  readonly reads?: readonly string[];
}

/**
 * Reads the file (or `header` when it does not exist), lets `edit` plan the change, and writes the new
 * text atomically if it differs, as writePlanned writes. A file with a merge conflict is refused. What
 * else `edit` reads to decide, it reads itself (each time it plans), and names in `options.reads`.
 */
export async function editFile<R extends { text: string }>(cwd: string, file: WorkFile, header: string, edit: (text: string) => R | Promise<R>, options: PlanOptions = {}): Promise<R> {
  return writePlanned(
    cwd,
    file,
    async () => {
      const before = await readWorkFile(file);
      const result = await edit(before ?? header);
      return { write: result.text === before ? undefined : result.text, result };
    },
    options,
  );
}

/**
 * Lets `plan` read the file (and whatever else it needs) and plan a write, and makes the write
 * atomically, under the file's lock. The write is made under git's index lock too, as git's own commands
 * write the work tree, so a pull's merge cannot write the file right after it and drop the change. The
 * plan comes before that lock (planning an edit of a 10k-entry file takes a few hundred milliseconds,
 * and a git command that starts while the lock is held fails); if git wrote the file or the index
 * meanwhile (or something wrote one of the other files the plan `reads`), or the plan was refused, it is
 * made again under the lock: a merge result written in between is not dropped, a decision is made on
 * what is there when the write is made, and a refusal stands only if the file as git left it earns it.
 */
export async function writePlanned<R>(cwd: string, file: WorkFile, plan: () => Promise<Planned<R>>, options: PlanOptions = {}): Promise<R> {
  const { dir, index } = await lockPaths(cwd);
  const watched = [file.path, ...(options.reads ?? []), index];
  const change = async (held?: Held): Promise<R> => {
    const seen = stamps(watched);
    let planned: Planned<R> | undefined;
    try {
      planned = await plan();
      if (planned.write === undefined) return planned.result;
    } catch {
      // Said, if it still holds, from the file as it is under the lock: read while git wrote it, the
      // file may have been half written, or a task still missing that the merge brings.
      planned = undefined;
    }
    await removeDeadTemps(await realpath(file.path).catch(() => file.path));
    return withIndexLock(
      index,
      file.rel,
      async () => {
        const { write, result } = planned === undefined || stamps(watched) !== seen ? await plan() : planned;
        if (write === undefined) return result;
        // What git wrote meanwhile may be a link out of the work tree (a pull that brought one): refused
        // here as workFile refuses it, since the write follows links.
        await refuseLinkOutside(file.top, file.path, file.rel);
        await mkdir(dirname(file.path), { recursive: true });
        publish(file.path, write, () => held?.assertHeld());
        return result;
      },
      options,
    );
  };
  // In a hook of git commit -a, git holds the index lock until the hook returns, and a writer outside
  // may hold the file's lock while it waits for git: taking the file's lock here would wait for that
  // writer, which waits for this hook. git's lock already keeps every other writer from writing.
  if (underGitIndexLock(index)) return change();
  return withFileLock(cwd, file.rel, change, dir);
}

/**
 * What changes whenever something writes one of `paths` — the file, the other files the plan reads, the
 * index (git renames a new index into place, so its inode changes too): equal before a read and under
 * the lock, nothing wrote any of them in between, so the plan made from that read (and the unmerged
 * check, which read the index) holds.
 */
function stamps(paths: readonly string[]): string {
  const of = (p: string): string => {
    try {
      const st = statSync(p, { bigint: true });
      return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      return 'none';
    }
  };
  return paths.map(of).join(' ');
}

/**
 * Temp files a writer killed before its rename left next to `target` (`<name>.strata-<pid>-<hex>.tmp`),
 * whose process is gone: removed, so a later `git add -A` does not commit them.
 */
async function removeDeadTemps(target: string): Promise<void> {
  const name = basename(target);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.strata-`)) continue;
    const m = /^\.strata-(\d+)-[0-9a-f]+\.tmp$/.exec(entry.slice(name.length));
    if (!m || isAlive(Number(m[1]))) continue;
    await rm(resolve(dirname(target), entry), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The atomic write (atomic-write.ts: temp file, fsync, rename, through a symlink, mode and owner kept)
 * that asks `ready` between the fsync and the rename, so a writer that lost its lock while stalled
 * leaves the file as the lock's new holder wrote it.
 */
function publish(path: string, text: string, ready: () => void): void {
  try {
    writeFileAtomicSync(path, text, ready);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EDQUOT') {
      throw new StrataError('GIT_FAILED', `cannot write ${path}: ${(error as Error).message}; the file is unchanged`, code === 'ENOSPC' || code === 'EDQUOT' ? 'free some disk space and run the command again' : 'check the permissions of the file and its directory, then run the command again');
    }
    throw error;
  }
}

/** `--agent`, else STRATA_AGENT, else `git config user.name`. */
export async function agentName(cwd: string, option: string | undefined): Promise<string> {
  const name = option?.trim() || process.env.STRATA_AGENT?.trim() || (await configGet(cwd, 'user.name'))?.trim();
  if (!name) {
    throw new StrataError('USAGE', 'no agent name', 'pass --agent NAME, set STRATA_AGENT, or set git config user.name');
  }
  return name;
}

/** The wall clock, or STRATA_NOW (an ISO-8601 stamp) for reproducible runs and tests. */
export function now(): number {
  const fixed = process.env.STRATA_NOW;
  if (fixed) {
    const ms = parseStamp(fixed);
    if (ms === undefined) throw new StrataError('CONFIG', `STRATA_NOW='${fixed}' is not a UTC ISO-8601 stamp`, 'write it like 2026-11-27T10:00:00.000Z');
    return ms;
  }
  return Date.now();
}

export const random: RandomSource = (n) => randomBytes(n);
