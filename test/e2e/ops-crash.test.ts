// kill -9 of a replay between the handler's effect and the ledger commit: the next replay records
// `unknown` and does not run the op again, unless the handler is declared idempotent, in which case it
// runs again with the same key. A person's `op resolve KEY retry` also runs it again.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';
import { makeExecutor, pullAndPush, readLog, runAsync, writeHandler } from './ops-helpers.js';

/** Pulls without the post-merge replay, so the test decides when replay runs. */
const NO_HOOK_REPLAY = { STRATA_REPLAY_ACTIVE: '1' };

describe('ops: a replay killed between effect and record', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;
  let flag: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-crash-');
    clones = makeRemoteWithClones(sandbox, ['exec', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    flag = join(sandbox.dir, 'slow');
    const handler = writeHandler(sandbox.dir, 'slow.sh', log, flag);
    makeExecutor(sandbox, clones.exec!, 'exec', { slow: [handler] }, { 'strata.claimRemote': 'origin' });
  });
  afterAll(() => sandbox?.cleanup());

  const request = async (key: string): Promise<void> => {
    sandbox.strata(clones.agent!, ['op', 'request', 'slow', '--key', key, '--agent', 'agent', '--', 'payload']);
    sandbox.git(clones.agent!, ['add', 'OPS.md']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', `request ${key}`]);
    await pullAndPush(sandbox, clones.agent!, NO_HOOK_REPLAY);
    const pulled = await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
    expect(pulled.status, pulled.stderr).toBe(0);
  };
  const runs = (key: string): string[][] => readLog(log).filter(([k]) => k === key).map(([, args]) => args);
  const state = (key: string): string => (JSON.parse(sandbox.strata(clones.exec!, ['op', 'show', key, '--json']).stdout) as Array<{ state: string }>)[0]!.state;

  /** Starts a replay in its own process group, waits for the handler's effect, then kills the group. */
  const killDuringEffect = async (key: string): Promise<void> => {
    writeFileSync(flag, '');
    const child = spawn(process.execPath, [CLI, 'replay'], { cwd: clones.exec!, env: sandbox.env, detached: true, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    while (runs(key).length === 0) {
      if (Date.now() > deadline) throw new Error(`the handler for ${key} never ran`);
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    rmSync(flag, { force: true });
  };

  it('leaves unknown, does not run a non-idempotent op again, and runs it again after resolve retry', async () => {
    await request('s1');
    await killDuringEffect('s1');
    expect(runs('s1')).toHaveLength(1);
    expect(state('s1')).toBe('claimed');

    const next = sandbox.strata(clones.exec!, ['replay']);
    expect(next.stdout + next.stderr).toContain('git strata op resolve s1 done|failed|retry');
    expect(runs('s1')).toHaveLength(1);
    expect(state('s1')).toBe('unknown');
    sandbox.strata(clones.exec!, ['replay']);
    expect(runs('s1')).toHaveLength(1);

    const resolved = sandbox.strata(clones.exec!, ['op', 'resolve', 's1', 'retry', '--agent', 'alice']);
    expect(resolved.stdout).toContain('recorded retry');
    // The record says it was resolved by a person; no note of its own repeats that (show prints it once).
    expect(sandbox.read(join(clones.exec!, '.strata/ledger.md'))).not.toContain('resolved by a person');
    sandbox.strata(clones.exec!, ['replay']);
    expect(runs('s1')).toEqual([['payload'], ['payload']]);
    expect(state('s1')).toBe('done');
    // The records reached the remote: the agent sees the same ledger after a pull.
    sandbox.git(clones.agent!, ['pull', '-q', '--no-edit', 'origin', 'main']);
    expect(sandbox.read(join(clones.agent!, '.strata/ledger.md'))).toBe(sandbox.read(join(clones.exec!, '.strata/ledger.md')));
  });

  it('op resolve decides on the remote\'s ledger, not a stale HEAD: a retry of an op that ran meanwhile is refused', async () => {
    await request('s3');
    await killDuringEffect('s3');
    sandbox.strata(clones.exec!, ['replay']);
    expect(state('s3')).toBe('unknown');
    // Two people see s3 unknown; the first says retry and the executor runs it.
    const alice = clones.agent!;
    const bob = join(sandbox.dir, 'bob');
    sandbox.git(sandbox.dir, ['clone', '-q', join(sandbox.dir, 'remote.git'), bob]);
    sandbox.strata(bob, ['install']);
    sandbox.git(alice, ['pull', '-q', '--no-edit', 'origin', 'main'], { allowFail: false });
    sandbox.strata(alice, ['op', 'resolve', 's3', 'retry', '--agent', 'alice']);
    await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
    sandbox.strata(clones.exec!, ['replay']);
    expect(runs('s3')).toHaveLength(2);
    expect(state('s3')).toBe('done');
    // Bob's clone still says unknown; his retry must not make the executor run a done op a third time.
    expect((JSON.parse(sandbox.strata(bob, ['op', 'show', 's3', '--json']).stdout) as Array<{ state: string }>)[0]!.state).toBe('unknown');
    const late = sandbox.strata(bob, ['op', 'resolve', 's3', 'retry', '--agent', 'bob'], { allowFail: true });
    expect(late.status, late.stdout).toBe(1);
    expect(late.stderr).toContain('s3 is done');
    expect(sandbox.git(bob, ['show', 'origin/main:.strata/ledger.md']).stdout).not.toContain('[by:bob]');
    await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
    sandbox.strata(clones.exec!, ['replay']);
    expect(runs('s3')).toHaveLength(2);
  });

  it('runs an idempotent handler again with the same key', async () => {
    sandbox.git(clones.exec!, ['config', 'strata.handler.slow.idempotent', 'true']);
    await request('s2');
    await killDuringEffect('s2');
    const next = sandbox.strata(clones.exec!, ['replay']);
    expect(next.stdout).toContain('recorded unknown');
    expect(runs('s2')).toEqual([['payload'], ['payload']]);
    expect(state('s2')).toBe('done');
    const ledger = sandbox.read(join(clones.exec!, '.strata/ledger.md'));
    expect(ledger.match(/\[op:s2\] \[state:(\w+)\]/g)).toEqual(['[op:s2] [state:claimed]', '[op:s2] [state:unknown]', '[op:s2] [state:claimed]', '[op:s2] [state:done]']);
  });
});

// A replay SIGKILLed inside its `git merge` of the claim remote can leave `.strata/ledger.md` written
// into the work tree but in neither the index nor HEAD. Every `git pull` then stops on it ("untracked
// working tree files would be overwritten"); the next replay puts HEAD's ledger back, since every
// record in that file is already committed, and keeps refusing a ledger that holds anything else.
describe('ops: the ledger a killed git merge leaves behind', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-leftover-');
    clones = makeRemoteWithClones(sandbox, ['one', 'two', 'agent']);
    const log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'quick.sh', log, join(sandbox.dir, 'never'));
    for (const name of ['one', 'two']) makeExecutor(sandbox, clones[name]!, name, { quick: [handler] }, { 'strata.claimRemote': 'origin' });
  });
  afterAll(() => sandbox?.cleanup());

  const request = async (key: string): Promise<void> => {
    sandbox.strata(clones.agent!, ['op', 'request', 'quick', '--key', key, '--agent', 'agent', '--', 'x']);
    sandbox.git(clones.agent!, ['add', 'OPS.md']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', `request ${key}`]);
    await pullAndPush(sandbox, clones.agent!, NO_HOOK_REPLAY);
  };
  const pull = (clone: string) => runAsync(sandbox, clone, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);

  it('puts HEAD’s ledger back when every record in the leftover is committed, and the pull goes through', async () => {
    await request('q1');
    // 'two' sees the request but no ledger; then 'one' runs q1 and its records reach the remote.
    expect((await pull(clones.two!)).status).toBe(0);
    expect((await pull(clones.one!)).status).toBe(0);
    expect(sandbox.strata(clones.one!, ['replay']).status).toBe(0);
    sandbox.git(clones.two!, ['fetch', '-q', 'origin']);
    const remoteLedger = sandbox.git(clones.two!, ['show', 'origin/main:.strata/ledger.md']).stdout;
    expect(remoteLedger).toContain('[op:q1] [state:done]');
    expect(sandbox.git(clones.two!, ['cat-file', '-e', 'HEAD:.strata/ledger.md'], { allowFail: true }).status).not.toBe(0);
    // What the killed merge left: the remote's ledger in the work tree, untracked.
    sandbox.write(join(clones.two!, '.strata/ledger.md'), remoteLedger);
    const blocked = await pull(clones.two!);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toMatch(/untracked working tree files would be overwritten/);
    // git's message names no strata command; doctor does.
    const doctor = JSON.parse(sandbox.strata(clones.two!, ['doctor', '--json'], { allowFail: true }).stdout) as { checks: Array<{ name: string; status: string; message: string; fix?: string }> };
    const ledger = doctor.checks.find((c) => c.name === 'ledger');
    expect(ledger).toMatchObject({ status: 'warn', fix: expect.stringContaining('git strata replay') });
    expect(ledger?.message).toMatch(/untracked .*git pull stops on it/);

    const replayed = sandbox.strata(clones.two!, ['replay'], { allowFail: true });
    expect(replayed.status, replayed.stderr).toBe(0);
    expect(replayed.stderr).toContain('.strata/ledger.md was left behind by an interrupted git command');
    expect((await pull(clones.two!)).status).toBe(0);
    expect(sandbox.git(clones.two!, ['status', '--porcelain']).stdout).toBe('');
    expect(sandbox.read(join(clones.two!, '.strata/ledger.md'))).toContain('[op:q1] [state:done]');
    const after = JSON.parse(sandbox.strata(clones.two!, ['doctor', '--json'], { allowFail: true }).stdout) as { checks: Array<{ name: string; status: string }> };
    expect(after.checks.find((c) => c.name === 'ledger')?.status).toBe('ok');
  });

  it('puts the leftover back in a clone that is no executor too, where nothing would run', async () => {
    // 'agent' is not an executor; give it a leftover of the remote's ledger before it has pulled one.
    sandbox.git(clones.agent!, ['fetch', '-q', 'origin']);
    const remoteLedger = sandbox.git(clones.agent!, ['show', 'origin/main:.strata/ledger.md']).stdout;
    sandbox.git(clones.agent!, ['reset', '-q', '--hard', 'HEAD']);
    const ledger = join(clones.agent!, '.strata/ledger.md');
    const tracked = sandbox.git(clones.agent!, ['cat-file', '-e', 'HEAD:.strata/ledger.md'], { allowFail: true }).status === 0;
    sandbox.write(ledger, `${remoteLedger}`);
    if (!tracked) expect((await pull(clones.agent!)).stderr).toMatch(/untracked working tree files would be overwritten/);
    const replayed = sandbox.strata(clones.agent!, ['replay'], { allowFail: true });
    expect(replayed.status, replayed.stderr).toBe(0);
    expect(replayed.stderr).toContain('.strata/ledger.md was left behind by an interrupted git command');
    expect(replayed.stderr).toContain('not an executor');
    expect((await pull(clones.agent!)).status).toBe(0);
    expect(sandbox.git(clones.agent!, ['status', '--porcelain']).stdout).toBe('');
  });

  it('refuses a ledger that holds a record no commit has, and says what to do', async () => {
    await request('q3');
    expect((await pull(clones.one!)).status).toBe(0);
    const path = join(clones.one!, '.strata/ledger.md');
    sandbox.write(path, `${sandbox.read(path)}- [op:made-up] [state:done] [by:nobody] [at:2026-11-27T10:00:00.000Z]\n`);
    const refused = sandbox.strata(clones.one!, ['replay'], { allowFail: true });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('.strata/ledger.md has uncommitted changes');
    expect(sandbox.read(path)).toContain('[op:made-up]');
  });
});

// git runs post-rewrite at the end of a rebase, before it removes its state: replay there runs the
// pending ops (it used to wait for a rebase that was in fact over, and ops waited for the next pull).
describe('ops: pull --rebase that replays a local commit', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-rebase-');
    clones = makeRemoteWithClones(sandbox, ['exec', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'quick.sh', log, join(sandbox.dir, 'never'));
    makeExecutor(sandbox, clones.exec!, 'exec', { quick: [handler] }, { 'strata.claimRemote': 'origin' });
  });
  afterAll(() => sandbox?.cleanup());

  it('runs the pending op from the post-rewrite hook, once, and leaves no rebase behind', async () => {
    sandbox.write(join(clones.exec!, 'local.txt'), 'a local commit the rebase replays\n');
    sandbox.git(clones.exec!, ['add', 'local.txt']);
    sandbox.git(clones.exec!, ['commit', '-q', '-m', 'local']);
    sandbox.strata(clones.agent!, ['op', 'request', 'quick', '--key', 'r1', '--agent', 'agent', '--', 'x']);
    sandbox.git(clones.agent!, ['add', 'OPS.md']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', 'request r1']);
    await pullAndPush(sandbox, clones.agent!, NO_HOOK_REPLAY);

    const pulled = await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--rebase', 'origin', 'main']);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(pulled.stderr).toContain('strata: ran r1 (quick): done');
    expect(readLog(log).map(([key]) => key)).toEqual(['r1']);
    expect(sandbox.git(clones.exec!, ['status', '--porcelain']).stdout).toBe('');
    expect(sandbox.git(clones.exec!, ['log', '--format=%s', '-3']).stdout).toBe('strata: r1 done\nstrata: claim r1\nlocal\n');
    // Another rebasing pull finds it done.
    expect((await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--rebase', 'origin', 'main'])).status).toBe(0);
    expect(readLog(log)).toHaveLength(1);
  });
});
