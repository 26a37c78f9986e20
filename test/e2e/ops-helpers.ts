// Shared set-up of the ops e2e tests: executor clones, a handler script outside the repository that
// logs its key and argv, an async runner for concurrent and killable replays, and a seeded PRNG.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, type Sandbox } from '../helpers/git.js';
import { rng } from '../../src/torture/prng.js';

export interface AsyncResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking the test, so two clones can replay at the same time. */
export function runAsync(sandbox: Sandbox, cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<AsyncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...sandbox.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 128, stdout, stderr }));
  });
}

export function strataAsync(sandbox: Sandbox, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<AsyncResult> {
  return runAsync(sandbox, cwd, process.execPath, [CLI, ...args], env);
}

/**
 * A handler script: appends one line `KEY<US>arg1<US>arg2…` to `log`, prints a first line, and sleeps
 * 30 s after logging while `slowFlag` exists (the window a kill -9 aims at).
 */
export function writeHandler(dir: string, name: string, log: string, slowFlag: string, exitCode = 0): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'us=$(printf "\\037")',
      'line="$STRATA_IDEMPOTENCY_KEY"',
      'for a; do line="$line$us$a"; done',
      `printf '%s\\n' "$line" >> '${log}'`,
      'echo "handled $STRATA_IDEMPOTENCY_KEY with $# args"',
      'echo "second line of output" >&2',
      `if [ -f '${slowFlag}' ]; then sleep 30; fi`,
      `exit ${exitCode}`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

/** The handler log as [key, argv] pairs. */
export function readLog(log: string): Array<[string, string[]]> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [key, ...args] = l.split('\u001f');
      return [key!, args];
    });
}

export function makeExecutor(sandbox: Sandbox, clone: string, name: string, handlers: Record<string, string[]>, extra: Record<string, string> = {}): void {
  sandbox.git(clone, ['config', 'strata.executor', 'true']);
  sandbox.git(clone, ['config', 'strata.executorName', name]);
  for (const [kind, argv] of Object.entries(handlers)) sandbox.git(clone, ['config', `strata.handler.${kind}`, JSON.stringify(argv)]);
  for (const [key, value] of Object.entries(extra)) sandbox.git(clone, ['config', key, value]);
}

/** A seeded PRNG (the torture harness's), so a failing run can be replayed from its printed seed. */
export function prng(seed: number): () => number {
  return rng(seed).next;
}

/** Pulls, then pushes, retrying while another clone's push wins the race. */
export async function pullAndPush(sandbox: Sandbox, clone: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pulled = await runAsync(sandbox, clone, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], env);
    if (pulled.status !== 0) throw new Error(`git pull failed in ${clone}: ${pulled.stderr}`);
    const pushed = await runAsync(sandbox, clone, 'git', ['push', '-q', 'origin', 'HEAD:main'], env);
    if (pushed.status === 0) return;
  }
  throw new Error(`could not push from ${clone}`);
}

/** A repository with no remote, strata installed and its attributes committed, and an executor of kind `deploy`. */
export function soloExecutor(sandbox: Sandbox): { repo: string; log: string } {
  const repo = join(sandbox.dir, 'solo');
  sandbox.git(sandbox.dir, ['init', '-q', repo]);
  sandbox.strata(repo, ['install']);
  sandbox.write(join(repo, '.gitattributes'), sandbox.read(join(ROOT, '.gitattributes.example')));
  sandbox.git(repo, ['add', '.gitattributes']);
  sandbox.git(repo, ['commit', '-q', '-m', 'attributes']);
  const log = join(sandbox.dir, 'handler.log');
  makeExecutor(sandbox, repo, 'solo', { deploy: [writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'never'))] });
  return { repo, log };
}
