// Shared pieces of the end-to-end scenarios (pull, history, robustness): agent-shaped coordination
// files, git with extra environment, and a logging wrapper around the registered merge driver.
// Everything runs inside a makeSandbox() sandbox (private HOME and global git config).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, makeRemoteWithClones, type RunResult, type Sandbox } from './git.js';

/**
 * A private copy of the built package (dist/ and .gitattributes.example) inside the sandbox, so that a
 * rebuild of dist/ while the tests run (build.mjs deletes dist/ first, and the driver loads chunks
 * lazily) cannot make a merge fail half-way. Returns the copied CLI's path.
 */
export function snapshotCli(sandbox: Sandbox): string {
  const pkg = join(sandbox.dir, 'strata-pkg');
  const meta = join(ROOT, 'dist/meta.json'); // build.mjs writes it last
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = existsSync(meta) ? statSync(meta).mtimeMs : undefined;
    if (before !== undefined) {
      try {
        rmSync(pkg, { recursive: true, force: true });
        cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
        cpSync(join(ROOT, '.gitattributes.example'), join(pkg, '.gitattributes.example'));
        if (existsSync(meta) && statSync(meta).mtimeMs === before) return join(pkg, 'dist/git-strata.cjs');
      } catch {
        // dist/ changed under us: try again.
      }
    }
    spawnSync('sleep', ['0.2']);
  }
  throw new Error('dist/ is missing or keeps changing: run npm run build');
}

/** `git strata install` in `dir` with the given copy of the CLI. */
export function installWith(sandbox: Sandbox, dir: string, cli: string): RunResult {
  const r = spawnSync(process.execPath, [cli, 'install'], { cwd: dir, env: sandbox.env, encoding: 'utf8' });
  const out = { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (out.status !== 0) throw new Error(`git strata install in ${dir} exited ${out.status}\n${out.stderr}`);
  return out;
}

/** makeRemoteWithClones, with strata installed in every clone from a sandbox-private copy of dist/. */
export function clonesWithStrata(
  sandbox: Sandbox,
  names: string[],
  options: { attributes?: string; files?: Record<string, string | Buffer> } = {},
): { clones: Record<string, string>; cli: string } {
  const cli = snapshotCli(sandbox);
  const clones = makeRemoteWithClones(sandbox, names, { ...options, install: false });
  for (const dir of Object.values(clones)) installWith(sandbox, dir, cli);
  return { clones, cli };
}

/** Runs git with extra environment on top of the sandbox's (the sandbox helper takes none). */
export function gitEnv(sandbox: Sandbox, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync('git', args, { cwd, env: { ...sandbox.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Writes `files` (path → text) under `dir`, stages everything, commits. Returns the new commit id. */
export function commitFiles(sandbox: Sandbox, dir: string, files: Record<string, string | Buffer>, message: string, extraArgs: string[] = []): string {
  for (const [path, text] of Object.entries(files)) sandbox.write(join(dir, path), text as string);
  sandbox.git(dir, ['add', '-A']);
  sandbox.git(dir, ['commit', '-q', ...extraArgs, '-m', message]);
  return sandbox.git(dir, ['rev-parse', 'HEAD']).stdout.trim();
}

export function readBytes(dir: string, path: string): Buffer {
  return readFileSync(join(dir, path));
}

/** The lines of a text (without line endings), for order-insensitive comparisons. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
}

export function sortedLines(text: string): string[] {
  return [...linesOf(text)].sort();
}

/** Paths git still reports as unmerged. */
export function unmerged(sandbox: Sandbox, dir: string): string[] {
  return sandbox.git(dir, ['diff', '--name-only', '--diff-filter=U']).stdout.split('\n').filter(Boolean);
}

export function hasConflictMarkers(text: string): boolean {
  return /^<{7,}( |$)/m.test(text) && /^>{7,}( |$)/m.test(text);
}

/** The driver command strata registered in `dir` (local config). */
export function registeredDriver(sandbox: Sandbox, dir: string): string {
  return sandbox.git(dir, ['config', '--local', 'merge.strata.driver']).stdout.trim();
}

/**
 * Replaces the registered driver with a sh wrapper that appends one line per call to `logFile`
 * ("<%L> <%P> <number of conflict-marker lines (<<<<<<<…) in %O>") and then runs the real driver
 * line. Returns the wrapper path.
 */
export function wrapDriverWithLog(sandbox: Sandbox, dir: string, logFile: string, scriptPath = join(sandbox.dir, 'driver-log.sh')): string {
  const real = registeredDriver(sandbox, dir);
  // git expands %O %A %B %L %P before running the line through sh; in the wrapper they are $1..$5.
  const realArgs = real.replace(/ merge %O %A %B %L %P$/, ' merge "$1" "$2" "$3" "$4" "$5"');
  if (realArgs === real) throw new Error(`unexpected driver line: ${real}`);
  const script = `#!/bin/sh\nprintf '%s %s %s\\n' "$4" "$5" "$(grep -c '^<<<<<<<' "$1")" >> '${logFile}'\nexec ${realArgs.replace(/%%/g, '%')}\n`;
  sandbox.write(scriptPath, script);
  chmodSync(scriptPath, 0o755);
  sandbox.git(dir, ['config', '--local', 'merge.strata.driver', `'${scriptPath}' %O %A %B %L %P`]);
  return scriptPath;
}

export const T = (hhmm: string): string => `2026-11-27T${hhmm}:00.000Z`;

export function hb(agent: string, at: string, status: string, text: string): string {
  return `- [agent:${agent}] [at:${at}] [status:${status}] [ttl:10m] ${text}`;
}

export function fact(entity: string, attr: string, at: string, agent: string, value: string): string {
  return `- [entity:${entity}] [attr:${attr}] [at:${at}] [agent:${agent}] ${value}`;
}

export const HEARTBEAT_HEAD = [
  '# Heartbeat',
  '',
  'Every agent keeps one line here and refreshes it at least every 5 minutes.',
  '',
  '## Checklist',
  '',
  '- [ ] read QUEUE.md before taking work',
  '- [ ] refresh your line before the ttl runs out',
  '- [x] never edit another agent\'s line',
  '',
  '## Agents',
  '',
];

export function heartbeatFile(agentLines: string[]): string {
  return [...HEARTBEAT_HEAD, ...agentLines, ''].join('\n');
}

export const MEMORY_HEAD = ['# Memory', '', 'Facts supersede, never delete.', '', '## Facts', ''];

export function memoryFile(factLines: string[]): string {
  return [...MEMORY_HEAD, ...factLines, ''].join('\n');
}

/** NOTES.md with named sections of bullet items (prose, merged as markdown). */
export function notesFile(sections: Record<string, string[]>): string {
  const out = ['# Notes', '', 'Shared scratchpad; append, do not rewrite.', ''];
  for (const [title, items] of Object.entries(sections)) {
    out.push(`## ${title}`, '', ...items.map((i) => `- ${i}`), '');
  }
  return out.join('\n');
}
