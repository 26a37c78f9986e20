// The agent commands against a pull that left conflicts (STRATA=0, a host without the driver): a file
// with conflict markers holds two versions at once, so every command that reads or writes it refuses,
// naming the file, the line of the first marker and `git strata resolve`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRemoteWithClones, makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let a: string;
let b: string;

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  return sandbox.strata(cwd, args, { allowFail: true, env });
}

function ok(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = run(cwd, args, env);
  expect(result.status, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

function commit(cwd: string, message: string): void {
  sandbox.git(cwd, ['add', '-A']);
  sandbox.git(cwd, ['commit', '-q', '-m', message]);
}

/** 1-based line of the first `<<<<<<<` in a file. */
function firstMarker(path: string): number {
  return sandbox.read(path).split('\n').findIndex((l) => l.startsWith('<<<<<<<')) + 1;
}

const FILES = ['QUEUE.md', 'HEARTBEAT.md', 'MEMORY.md', 'OPS.md'];

beforeAll(() => {
  sandbox = makeSandbox('strata-conflicted-');
  ({ a, b } = makeRemoteWithClones(sandbox, ['a', 'b']) as { a: string; b: string });
  ok(a, ['queue', 'add', '--agent', 'a', 'one']);
  ok(a, ['queue', 'add', '--agent', 'a', 'two']);
  commit(a, 'base');
  sandbox.git(a, ['push', '-q', 'origin', 'HEAD:main']);
  sandbox.git(b, ['pull', '-q', 'origin', 'main']);
  // Both sides write every typed file at the same place.
  ok(a, ['queue', 'claim', '1', '--agent', 'a']);
  ok(a, ['queue', 'add', '--agent', 'a', 'a3']);
  ok(a, ['heartbeat', '--agent', 'a', 'on one']);
  ok(a, ['fact', 'set', 'frontend', 'framework', 'React', '--agent', 'a']);
  ok(a, ['op', 'request', 'deploy', '--key', 'deploy-a', '--agent', 'a', 'v1']);
  commit(a, 'a');
  sandbox.git(a, ['push', '-q', 'origin', 'HEAD:main']);
  ok(b, ['queue', 'done', '2', '--agent', 'b']);
  ok(b, ['queue', 'add', '--agent', 'b', 'b3']);
  ok(b, ['heartbeat', '--agent', 'b', 'on two']);
  ok(b, ['fact', 'set', 'frontend', 'framework', 'Vue', '--agent', 'b']);
  ok(b, ['op', 'request', 'deploy', '--key', 'deploy-b', '--agent', 'b', 'v2']);
  commit(b, 'b');
  // STRATA=0: the driver is plain git merge-file, as on a host without strata.
  const pulled = spawnSync('git', ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'], { cwd: b, env: { ...sandbox.env, STRATA: '0' }, encoding: 'utf8' });
  expect(pulled.status, pulled.stderr).toBe(1);
}, 60_000);
afterAll(() => sandbox.cleanup());

describe('agent commands on a file a driverless pull left conflicted', () => {
  it('every reader and writer refuses with the file, the marker line and the resolve hint, and writes nothing', () => {
    const unmerged = sandbox.git(b, ['diff', '--name-only', '--diff-filter=U']).stdout.split('\n').filter(Boolean).sort();
    expect(unmerged).toEqual([...FILES].sort());
    const before = Object.fromEntries(FILES.map((f) => [f, sandbox.read(join(b, f))]));
    const env = { STRATA_AGENT: 'b' };
    const cases: Array<[string[], string]> = [
      [['queue', 'next'], 'QUEUE.md'],
      [['queue', 'graph'], 'QUEUE.md'],
      [['queue', 'add', 'new while conflicted'], 'QUEUE.md'],
      [['queue', 'checkpoint', '1', 'progress'], 'QUEUE.md'],
      [['heartbeat', 'hi'], 'HEARTBEAT.md'],
      [['fact', 'set', 'frontend', 'lang', 'TypeScript'], 'MEMORY.md'],
      [['fact', 'get', 'frontend'], 'MEMORY.md'],
      [['op', 'request', 'mail', 'hello'], 'OPS.md'],
    ];
    for (const [args, file] of cases) {
      const result = run(b, args, env);
      const what = `${args.join(' ')}\n${result.stdout}\n${result.stderr}`;
      expect(result.status, what).toBe(1);
      expect(result.stdout, what).toBe('');
      const line = firstMarker(join(b, file));
      expect(line).toBeGreaterThan(0);
      expect(result.stderr, what).toContain(`strata: ${file}:${line}: unresolved merge conflict (lines ${line}-`);
      expect(result.stderr, what).toContain(`hint: run git strata resolve ${file} (or finish the merge`);
    }
    // op show reads HEAD, which has only our side of OPS.md yet: refused while it is unmerged.
    const show = run(b, ['op', 'show'], env);
    expect(show.status).toBe(1);
    expect(show.stderr).toMatch(/^strata: OPS\.md is unmerged: .*\nhint: run git strata resolve OPS\.md/);
    for (const f of FILES) expect(sandbox.read(join(b, f)), f).toBe(before[f]);
  });

  it('claim and next refuse a conflicted heartbeat file too: its leases are two versions at once', () => {
    const line = firstMarker(join(b, 'HEARTBEAT.md'));
    // A queue without a conflict, so that what is refused is the heartbeat file (claim and done read
    // the leases with the queue, after it: QUEUE.md, conflicted too, would be refused first).
    const clean = join(b, 'queues/clean.md');
    const queue = '# Queue\n\n- [ ] [seq:1] [id:clean00001] a task\n';
    sandbox.write(clean, queue);
    try {
      const cases = [['queue', 'next', '--file', 'queues/empty.md'], ['queue', 'claim', '1', '--file', 'queues/clean.md'], ['queue', 'done', '1', '--force', '--file', 'queues/clean.md']];
      for (const args of cases) {
        const result = run(b, args, { STRATA_AGENT: 'b' });
        expect(result.status, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toContain(`strata: HEARTBEAT.md:${line}: unresolved merge conflict`);
      }
      expect(sandbox.read(clean)).toBe(queue);
    } finally {
      rmSync(clean);
    }
  });

  it('a file left unmerged without markers (our version checked out) is refused as unmerged', () => {
    sandbox.git(b, ['checkout', '--ours', 'QUEUE.md']);
    expect(firstMarker(join(b, 'QUEUE.md'))).toBe(0);
    const next = run(b, ['queue', 'next']);
    expect(next.status).toBe(1);
    expect(next.stderr).toBe(
      "strata: QUEUE.md is unmerged: git stopped a merge with a conflict in it, and the other side's version is only in the index\n" +
        'hint: run git strata resolve QUEUE.md (or finish the merge: resolve the conflict by hand, then git add QUEUE.md), then run this command again\n',
    );
  });

  it('after git strata resolve the commands work again, on the merged file', () => {
    ok(b, ['resolve']);
    expect(sandbox.git(b, ['diff', '--name-only', '--diff-filter=U']).stdout).toBe('');
    // Task 2, done on our side, is not offered; task 1 is a's claim; a3 and b3 both stay, one renumbered.
    const next = ok(b, ['queue', 'next', '--agent', 'b']);
    expect(next.split('\n').filter(Boolean).map((l) => l.split('\t').slice(1).join('\t')).sort()).toEqual(['open\ta3', 'open\tb3']);
    ok(b, ['queue', 'add', '--agent', 'b', 'after resolve']);
    ok(b, ['heartbeat', '--agent', 'b', 'back']);
    sandbox.git(b, ['commit', '-q', '--no-edit', '-a']);
  });

  it('markers committed at HEAD (a web merge): the work tree file and op show both refuse, and op show points at resolve --committed', () => {
    const ops = sandbox.read(join(b, 'OPS.md'));
    const lines = ops.split('\n');
    const last = lines.filter(Boolean).pop()!;
    sandbox.write(join(b, 'OPS.md'), `${ops}<<<<<<< HEAD\n${last.replace(/deploy-b/, 'deploy-x')}\n=======\n${last.replace(/deploy-b/, 'deploy-y')}\n>>>>>>> theirs\n`);
    sandbox.git(b, ['commit', '-q', '--no-verify', '-a', '-m', 'markers, as a web merge commits them']);
    const line = firstMarker(join(b, 'OPS.md'));
    const show = run(b, ['op', 'show']);
    expect(show.status).toBe(1);
    expect(show.stderr).toContain(`strata: OPS.md:${line}: unresolved merge conflict (lines ${line}-${line + 4}), committed at HEAD`);
    expect(show.stderr).toContain('hint: run git strata resolve --committed OPS.md');
    expect(run(b, ['op', 'run', 'deploy-b']).status).toBe(1);
    const request = run(b, ['op', 'request', 'mail', 'hi']);
    expect(request.status).toBe(1);
    expect(request.stderr).toContain(`strata: OPS.md:${line}: unresolved merge conflict`);
  });
});
