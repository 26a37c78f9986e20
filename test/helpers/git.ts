// Real-git sandboxes for tests: a private HOME and global config, so a developer's or CI's own git
// setup (identity, hooks, core.hooksPath) never leaks in, and tests never depend on it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/git-strata.cjs');

export interface Sandbox {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs git in `cwd`; throws with stderr on a non-zero exit unless `allowFail`. */
  git(cwd: string, args: string[], options?: { allowFail?: boolean; input?: string }): RunResult;
  /** Runs the bundled CLI (`node dist/git-strata.cjs`). */
  strata(cwd: string, args: string[], options?: { allowFail?: boolean; env?: NodeJS.ProcessEnv }): RunResult;
  write(path: string, text: string | Buffer): void;
  read(path: string): string;
  cleanup(): void;
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function makeSandbox(prefix = 'strata-test-'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  mkdirSync(home);
  const globalConfig = join(home, '.gitconfig');
  writeFileSync(
    globalConfig,
    [
      '[user]',
      '\tname = Strata Test',
      '\temail = test@strata.invalid',
      '[init]',
      '\tdefaultBranch = main',
      '[advice]',
      '\tdetachedHead = false',
      '[pull]',
      '\trebase = false',
      '[protocol "file"]',
      '\tallow = always',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_DATE: '2026-11-27T10:00:00Z',
    GIT_COMMITTER_DATE: '2026-11-27T10:00:00Z',
    LANG: 'C',
    TZ: 'UTC',
  };
  const run = (cmd: string, cwd: string, args: string[], allowFail = false, input?: string, extraEnv?: NodeJS.ProcessEnv): RunResult => {
    const result = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
    const out: RunResult = { status: result.status ?? 128, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
    if (!allowFail && out.status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${out.status}\n${out.stdout}\n${out.stderr}`);
    }
    return out;
  };
  return {
    dir,
    env,
    git: (cwd, args, options) => run('git', cwd, args, options?.allowFail, options?.input),
    strata: (cwd, args, options) => run(process.execPath, cwd, [CLI, ...args], options?.allowFail, undefined, options?.env),
    write: (path, text) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    read: (path) => readFileSync(path, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A bare remote plus `names.length` clones of it, each with strata installed unless `install` is false. */
export function makeRemoteWithClones(
  sandbox: Sandbox,
  names: string[],
  options: { install?: boolean; attributes?: string; files?: Record<string, string | Buffer> } = {},
): Record<string, string> {
  const remote = join(sandbox.dir, 'remote.git');
  sandbox.git(sandbox.dir, ['init', '--bare', '-q', remote]);
  const seed = join(sandbox.dir, 'seed');
  sandbox.git(sandbox.dir, ['clone', '-q', remote, seed]);
  const attributes = options.attributes ?? readFileSync(join(ROOT, '.gitattributes.example'), 'utf8');
  sandbox.write(join(seed, '.gitattributes'), attributes);
  for (const [path, text] of Object.entries(options.files ?? {})) sandbox.write(join(seed, path), text);
  sandbox.git(seed, ['add', '-A']);
  sandbox.git(seed, ['commit', '-q', '-m', 'seed']);
  sandbox.git(seed, ['push', '-q', 'origin', 'HEAD:main']);
  const clones: Record<string, string> = {};
  for (const name of names) {
    const clone = join(sandbox.dir, name);
    sandbox.git(sandbox.dir, ['clone', '-q', remote, clone]);
    if (options.install !== false) sandbox.strata(clone, ['install']);
    clones[name] = clone;
  }
  return clones;
}
