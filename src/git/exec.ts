// Running git from the commands (install, doctor, the agent commands, replay). node:child_process rather
// than execa: agents run these commands many times a minute on large files, and execa with its
// dependencies was half of a command's bundle (about 230 KB to load) for what is one spawn of git.
// The merge driver and the pre-commit hook spawn git synchronously, to stay cheaper still.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StrataError } from '../core/errors.js';

export interface GitResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a synchronous git run gave. */
export interface GitRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `gitTry`, synchronously (the hooks, check, verify and replay's probes, where each git call is on the
 * way of a git command): the output whatever the exit code. Throws only if git cannot start.
 */
export function gitRun(cwd: string, args: readonly string[], input?: string): GitRun {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw new StrataError('GIT_FAILED', `could not run git: ${result.error.message}`, 'install git and make sure it is on your PATH');
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

/** Runs git in `cwd` and returns its output whatever the exit code. Throws only if git cannot start. */
export function gitTry(cwd: string, args: readonly string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const cannot = (error: Error): void =>
      reject(
        existsSync(cwd)
          ? new StrataError('GIT_FAILED', `could not run git: ${error.message}`, 'install git and make sure it is on your PATH')
          : new StrataError('USAGE', `no such directory: ${cwd}`, 'run the command in a repository that exists'),
      );
    let child;
    try {
      child = spawn('git', [...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      cannot(error as Error);
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', cannot);
    child.on('close', (code) => resolve({ exitCode: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    // git may exit before it reads its input (a usage error): that is its answer, not a crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Runs git in `cwd`; a non-zero exit becomes a GIT_FAILED error carrying git's message. */
export async function git(cwd: string, args: readonly string[], input?: string): Promise<string> {
  const result = await gitTry(cwd, args, input);
  if (result.exitCode !== 0) {
    throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
  return result.stdout;
}

/** The value of a config key in the given scope (or the effective one), or undefined when unset. */
export async function configGet(cwd: string, key: string, scope?: 'local' | 'global'): Promise<string | undefined> {
  const args = ['config', ...(scope ? [`--${scope}`] : []), '--get', key];
  const result = await gitTry(cwd, args);
  if (result.exitCode === 1) return undefined;
  if (result.exitCode !== 0) {
    throw new StrataError('GIT_FAILED', `git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  }
  return result.stdout.replace(/\n$/, '');
}

export interface RepoPaths {
  /** The working tree's top level; undefined in a bare repository. */
  readonly top: string | undefined;
  /** Absolute path of the directory git runs hooks from (core.hooksPath, linked worktrees respected). */
  readonly hooks: string;
  /** Absolute path of the common git directory (shared by linked worktrees). */
  readonly commonDir: string;
  /** Absolute path of the index (a linked worktree's own, or GIT_INDEX_FILE). */
  readonly index: string;
}

/** Where `cwd`'s repository keeps things, or undefined outside a repository. */
export async function repoPaths(cwd: string): Promise<RepoPaths | undefined> {
  const result = await gitTry(cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks', '--git-common-dir', '--is-bare-repository', '--git-path', 'index']);
  if (result.exitCode !== 0) return undefined;
  const [hooks, commonDir, bare, index] = result.stdout.split('\n');
  if (!hooks || !commonDir || !index) return undefined;
  // Inside .git itself there is no work tree to speak of: treat it like a bare repository.
  const shown = bare === 'true' ? undefined : await gitTry(cwd, ['rev-parse', '--show-toplevel']);
  const top = shown && shown.exitCode === 0 ? shown.stdout.replace(/\n$/, '') : undefined;
  return { top, hooks, commonDir, index };
}
