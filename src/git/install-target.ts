// What install registers and where strata's own files are: the node binary and the bundled script
// that git and the hooks start, by absolute path, and the files shipped next to dist/.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { StrataError } from '../core/errors.js';
import { gitTry, repoPaths, type RepoPaths } from './exec.js';
import type { ShimTarget } from './hooks.js';

export const DRIVER_NAME = 'strata: lossless merge of agent coordination Markdown';

/**
 * The node running now and the real path of the bundled entry it runs: dist/git-strata.cjs, also when
 * started through dist/git-strata.mjs (a launcher of an earlier install), since node starts the .cjs
 * one sooner (main-cjs.ts).
 */
export function currentTarget(): ShimTarget {
  const script = process.argv[1];
  if (!script) throw new StrataError('CONFIG', 'cannot tell which script is running', 'run strata as `node dist/git-strata.cjs` or through `git strata`');
  // The script's realpath, so a symlink on PATH can move without breaking the driver.
  // The node path is kept as given: /usr/bin/node is usually a stable link to a versioned binary.
  return { node: process.execPath, cli: driverScript(realpathSync(script)) };
}

/**
 * Where install/uninstall act: the repository around `cwd` (undefined outside one, which only a
 * `--global` run may be) and the git config scope.
 */
export async function installScope(cwd: string, verb: 'install' | 'uninstall', global: boolean): Promise<{ repo: RepoPaths | undefined; scope: 'global' | 'local' }> {
  const repo = await repoPaths(cwd);
  if (!repo && !global) {
    throw new StrataError('NOT_A_REPO', 'not inside a git repository', `run 'git strata ${verb}' inside a repository, or 'git strata ${verb} --global'`);
  }
  return { repo, scope: global ? 'global' : 'local' };
}

/**
 * The script git starts the merge driver and the hooks with: dist/git-strata.cjs beside an .mjs entry,
 * which node starts without its ES module loader (main-cjs.ts); the entry itself where there is none.
 */
export function driverScript(cli: string): string {
  const cjs = join(dirname(cli), 'git-strata.cjs');
  return cli.endsWith('.mjs') && existsSync(cjs) ? cjs : cli;
}

/** The package root: dist/git-strata.cjs lives in <root>/dist. */
export function packageRoot(cli: string): string {
  return dirname(dirname(cli));
}

const FALLBACK_ATTRIBUTES = `# strata: merge agent coordination files losslessly (see README.md).
*.md                merge=strata strata=markdown
QUEUE.md            merge=strata strata=queue
queues/*.md         merge=strata strata=queue
HEARTBEAT.md        merge=strata strata=heartbeat
MEMORY.md           merge=strata strata=facts
OPS.md              merge=strata strata=ops
.strata/ledger.md   merge=strata strata=ledger
`;

/**
 * The `.gitattributes` block shipped as .gitattributes.example next to dist/, for install to print or
 * append. Without the example's "copy this block, then run git strata install" line: install has just
 * run, and the line does not belong in a repository's .gitattributes either.
 */
export function attributesBlock(cli: string): string {
  const path = join(packageRoot(cli), '.gitattributes.example');
  const example = existsSync(path) ? readFileSync(path, 'utf8') : FALLBACK_ATTRIBUTES;
  return example.replace(/^# Copy this block.*\n/m, '');
}

/** Paths a repository typically types, asked of `git check-attr` to see whether strata attributes are set. */
export const SAMPLE_PATHS = ['QUEUE.md', 'HEARTBEAT.md', 'MEMORY.md', 'OPS.md', '.strata/ledger.md', 'queues/a.md', 'README.md', 'notes.md'];

/**
 * The tracked files, then those of SAMPLE_PATHS not tracked, that have `merge=strata` in `top` (asked
 * of git, so .gitattributes, info/attributes and core.attributesFile all count). A sample path shows
 * the attributes are set before any such file exists; `tracked` tells which is which.
 */
export async function pathsWithStrataMerge(top: string): Promise<Array<{ path: string; tracked: boolean }>> {
  const listed = await gitTry(top, ['ls-files', '-z']);
  const tracked = listed.exitCode === 0 ? listed.stdout.split('\0').filter(Boolean).slice(0, 5000) : [];
  const isTracked = new Set(tracked);
  const paths = [...new Set([...tracked, ...SAMPLE_PATHS])];
  const result = await gitTry(top, ['check-attr', '-z', '--stdin', 'merge'], paths.map((path) => `${path}\0`).join(''));
  if (result.exitCode !== 0) return [];
  const fields = result.stdout.split('\0');
  const found: Array<{ path: string; tracked: boolean }> = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    if (fields[i + 2] === 'strata') found.push({ path: fields[i]!, tracked: isTracked.has(fields[i]!) });
  }
  return found;
}

/** Whether git tracks the file at `path` (absolute) in `repo`: a team's hook, which strata never rewrites. */
export async function isTracked(repo: RepoPaths, path: string): Promise<boolean> {
  if (!repo.top) return false;
  const rel = relative(repo.top, path);
  if (rel.startsWith('..')) return false;
  const result = await gitTry(repo.top, ['--literal-pathspecs', 'ls-files', '--error-unmatch', '--', rel]);
  return result.exitCode === 0;
}
