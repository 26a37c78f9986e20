// The cheap look at a clone that decides whether replay has anything to do: a few git calls through
// spawnSync and no execa, so a post-merge hook with nothing pending costs little more than node's start.
// Files are read at HEAD (what was committed and merged), never from the work tree.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { type ReplaySettings, cleanName, parseConfigDump, readSettings } from '../core/replay/config.js';
import { LEDGER_PATH } from '../core/replay/write.js';
import { type Row, rowsOf } from '../core/replay/plan.js';
import { StrataError } from '../core/errors.js';
import { parseStamp } from '../core/clock.js';
import { gitRun } from '../git/exec.js';

/** Set in the environment of git commands replay runs, so the hooks they trigger do not replay again. */
export const REPLAY_ACTIVE_ENV = 'STRATA_REPLAY_ACTIVE';

export interface Snapshot {
  readonly top: string;
  readonly commonDir: string;
  /** HEAD's commit id, or undefined on an unborn branch. */
  readonly head: string | undefined;
  readonly settings: ReplaySettings;
  /** This executor's [by:…] name. */
  readonly executor: string;
  /** The requests files (typed `strata=ops`) and their texts at HEAD. */
  readonly opsPaths: readonly string[];
  readonly opsTexts: readonly string[];
  readonly ledger: string;
}

/** This clone's replay settings (every config scope: none of them comes from a pulled file). */
export function readLocalSettings(cwd: string): ReplaySettings {
  const dump = gitRun(cwd, ['config', '-z', '--get-regexp', '^(strata|user)\\.']);
  return readSettings(parseConfigDump(dump.status === 0 ? dump.stdout : ''));
}

/**
 * The executor's [by:…] name: strata.executorName, else user@host plus a tag of this clone, so two
 * clones on one machine never mistake each other's claims for their own.
 */
/**
 * This clone's executor name: `strata.executorName`, else user@host and a hash of the git directory
 * of this work tree — a linked worktree's own, so two worktrees of one clone are two executors (each
 * replays its own branch; with a claim remote they run an op once between them, as two clones do).
 * For the main work tree that directory is the common one, as before.
 */
export function executorNameOf(settings: ReplaySettings, gitDir: string): string {
  if (settings.executorName) return cleanName(settings.executorName);
  let user = 'executor';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host name alone still tells executors apart.
  }
  return cleanName(`${user}@${hostname()}+${createHash('sha256').update(gitDir).digest('hex').slice(0, 6)}`);
}

/** The work tree's top level, the common git directory and this work tree's own (absolute). */
export function locate(cwd: string): { top: string; commonDir: string; gitDir: string } {
  const result = gitRun(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--git-dir']);
  const [top, commonDir, gitDir] = result.stdout.split('\n');
  if (result.status !== 0 || !top || !commonDir || !gitDir) throw new StrataError('NOT_A_REPO', 'not inside a git work tree', 'run this in a clone of the repository');
  return { top, commonDir, gitDir };
}

/** Texts of `<rev>:<path>` for each path (undefined where the commit has no such file). */
export function readAt(top: string, rev: string, paths: readonly string[]): Array<string | undefined> {
  if (paths.length === 0) return [];
  const result = spawnSync('git', ['cat-file', '--batch'], { cwd: top, input: paths.map((p) => `${rev}:${p}\n`).join(''), maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new StrataError('GIT_FAILED', `could not run git: ${result.error.message}`);
  const out = result.stdout;
  const texts: Array<string | undefined> = [];
  let at = 0;
  for (let n = 0; n < paths.length; n++) {
    const headerEnd = out.indexOf(10, at);
    if (headerEnd === -1) {
      texts.push(undefined);
      continue;
    }
    const header = out.subarray(at, headerEnd).toString('utf8');
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      texts.push(undefined);
      at = headerEnd + 1;
      continue;
    }
    const parts = header.split(' ');
    const size = Number(parts[2]);
    texts.push(parts[1] === 'blob' ? out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8') : undefined);
    at = headerEnd + 1 + size + 1;
  }
  return texts;
}

/** The requests files: tracked files whose `strata` attribute is `ops` (the way the driver types them). */
export function opsPathsOf(top: string): string[] {
  const result = gitRun(top, ['ls-files', '-z', '--full-name', ':(top,attr:strata=ops)']);
  if (result.status !== 0) return [];
  return result.stdout.split('\0').filter((p) => p !== '' && p !== LEDGER_PATH);
}

export function headOf(top: string): string | undefined {
  const result = gitRun(top, ['rev-parse', '-q', '--verify', 'HEAD^{commit}']);
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export interface Place {
  readonly top: string;
  readonly commonDir: string;
  readonly gitDir: string;
  readonly settings: ReplaySettings;
}

/** Where the clone is and how it is configured: read once per command. */
export function place(cwd: string, settings?: ReplaySettings): Place {
  const { top, commonDir, gitDir } = locate(cwd);
  return { top, commonDir, gitDir, settings: settings ?? readLocalSettings(top) };
}

/** Everything replay plans from, read at HEAD (three git calls). */
export function snapshot(where: string | Place, settings?: ReplaySettings): Snapshot {
  const p = typeof where === 'string' ? place(where, settings) : where;
  const head = headOf(p.top);
  const opsPaths = head ? opsPathsOf(p.top) : [];
  const texts = head ? readAt(p.top, head, [...opsPaths, LEDGER_PATH]) : [];
  return {
    top: p.top,
    commonDir: p.commonDir,
    head,
    settings: p.settings,
    executor: executorNameOf(p.settings, p.gitDir),
    opsPaths,
    opsTexts: opsPaths.map((_, i) => texts[i] ?? ''),
    ledger: texts[opsPaths.length] ?? '',
  };
}

/**
 * Every record of `keys` that a commit in HEAD's history added to the ledger (`git log -G` on it: the
 * commits that added or removed such a line, on every branch merged in). Read only for ops about to
 * run as new, so a long history is walked once per op, not on every pull.
 */
export function ledgerHistory(top: string, keys: readonly string[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  if (keys.length === 0) return out;
  const escaped = keys.map((k) => k.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&'));
  // --full-history: a merge whose ledger is one parent's (the other side's records dropped, say by a
  // resolution that kept ours) would otherwise hide the branch that added them from a path-limited log.
  const result = gitRun(top, ['log', '-p', '--full-history', '--no-color', '--no-ext-diff', '--format=', '-G', `\\[op::?(${escaped.join('|')})\\]`, 'HEAD', '--', LEDGER_PATH]);
  if (result.status !== 0) return out;
  const added = result.stdout.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++')).map((line) => `${line.slice(1)}\n`);
  const wanted = new Set(keys);
  for (const row of rowsOf(added.join(''))) {
    if (!wanted.has(row.key)) continue;
    const rows = out.get(row.key);
    if (rows) rows.push(row);
    else out.set(row.key, [row]);
  }
  return out;
}

/**
 * Whether HEAD has ledger commits its upstream lacks (a push that failed, or a replay killed before its
 * push): other executors must see them before our claims' leases run out.
 */
export function hasUnpushedLedger(top: string, upstream = '@{upstream}'): boolean {
  const result = gitRun(top, ['rev-list', '-1', `${upstream}..HEAD`, '--', LEDGER_PATH]);
  return result.status === 0 && result.stdout.trim() !== '';
}

/** The wall clock, or STRATA_NOW (as the writer commands read it), without loading the writers' shell. */
export function clockNow(): number {
  // The same stamps the writers accept (a date alone is not one); anything else is the wall clock here,
  // and the writer commands refuse it with a message.
  const fixed = process.env.STRATA_NOW;
  return (fixed ? parseStamp(fixed) : undefined) ?? Date.now();
}
