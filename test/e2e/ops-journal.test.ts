// One executor must not run an op twice because HEAD moved to a commit without its ledger records: a
// branch made from origin/main while the records sit unpushed on main, `git reset --hard origin/main`,
// or a switch back from the branch the claims went to. The clone's journal (in the git directory)
// remembers what it ran; such an op becomes `unknown`, as a claim of ours with no result does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';
import { type AsyncResult, makeExecutor, pullAndPush, readLog, runAsync, soloExecutor, writeHandler } from './ops-helpers.js';

/** Pulls and pushes without the post-merge replay, so the test decides when replay runs. */
const NO_HOOK_REPLAY = { STRATA_REPLAY_ACTIVE: '1' };

/** The agent requests an op (argv: `arg`), commits and pushes it. */
async function requestOp(sandbox: Sandbox, agent: string, key: string, kind: string, arg: string): Promise<void> {
  sandbox.strata(agent, ['op', 'request', kind, '--key', key, '--agent', 'agent', '--', arg]);
  sandbox.git(agent, ['add', 'OPS.md']);
  sandbox.git(agent, ['commit', '-q', '-m', `request ${key}`]);
  await pullAndPush(sandbox, agent, NO_HOOK_REPLAY);
}

describe('ops: an executor whose HEAD lost the records of an op it ran', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;
  let exec: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-journal-');
    clones = makeRemoteWithClones(sandbox, ['exec', 'agent']);
    exec = clones.exec!;
    log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'never'));
    // Claims stay in the clone, so the ledger commits stay unpushed on the branch that ran the op.
    makeExecutor(sandbox, exec, 'exec', { deploy: [handler], sync: [handler] }, { 'strata.claimRemote': 'none', 'strata.handler.sync.idempotent': 'true' });
  });
  afterAll(() => sandbox?.cleanup());

  const request = (key: string, kind = 'deploy'): Promise<void> => requestOp(sandbox, clones.agent!, key, kind, key);
  /** Another commit on the remote, so the executor's next pull merges something. */
  const agentCommits = async (): Promise<void> => {
    sandbox.strata(clones.agent!, ['heartbeat', '--agent', 'agent', 'still here']);
    sandbox.git(clones.agent!, ['add', '-A']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', 'heartbeat']);
    await pullAndPush(sandbox, clones.agent!, NO_HOOK_REPLAY);
  };
  const pull = async (args: string[] = ['origin', 'main']): Promise<AsyncResult> => {
    const pulled = await runAsync(sandbox, exec, 'git', ['pull', '--no-edit', ...args]);
    expect(pulled.status, pulled.stderr).toBe(0);
    return pulled;
  };
  const runs = (key: string): number => readLog(log).filter(([k]) => k === key).length;
  const state = (key: string): string => (JSON.parse(sandbox.strata(exec, ['op', 'show', key, '--json']).stdout) as Array<{ state: string }>)[0]!.state;

  it('does not run it again after a pull on a branch made from origin/main, and says where the record is', async () => {
    await request('v50');
    await pull(); // runs v50 on main; its ledger commits stay there
    expect(runs('v50')).toBe(1);
    sandbox.git(exec, ['checkout', '-q', '-b', 'work', 'origin/main']);
    await agentCommits();
    const pulled = await pull();
    expect(runs('v50')).toBe(1);
    const said = pulled.stdout + pulled.stderr;
    expect(said).toMatch(/v50 \(deploy\): this clone already ran it at \d{4}-\d\d-\d\dT[\d:.]+Z \(done, exit 0\)/);
    expect(said).toContain('git merge main brings it back');
    expect(said).toContain('git strata op resolve v50 done|failed|retry');
    expect(state('v50')).toBe('unknown');
    // The journal lives in the git directory, untouched by checkout.
    const common = sandbox.git(exec, ['rev-parse', '--path-format=absolute', '--git-common-dir']).stdout.trim();
    expect(existsSync(join(common, 'strata', 'replay-journal'))).toBe(true);

    // Bringing the record back settles it; nothing runs.
    sandbox.git(exec, ['merge', '-q', '--no-edit', 'main']);
    expect(state('v50')).toBe('done');
    expect(sandbox.strata(exec, ['replay']).stdout).toContain('nothing to run');
    expect(runs('v50')).toBe(1);
  });

  it('does not run it again after git reset --hard origin/main; a person settles it with op resolve', async () => {
    sandbox.git(exec, ['checkout', '-q', 'main']);
    await request('v51');
    await pull();
    // main has ledger commits of its own, so that pull merged; git 2.39 still has MERGE_HEAD while
    // post-merge runs, and replay waits for it: run it now.
    sandbox.strata(exec, ['replay']);
    expect(runs('v51')).toBe(1);
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    const replayed = sandbox.strata(exec, ['replay']);
    expect(runs('v51')).toBe(1);
    expect(replayed.stdout).toContain('v51 (deploy): this clone already ran it at');
    // No branch has the commit any more; its id still brings it back.
    expect(replayed.stdout).toMatch(/which no branch has any more: git merge [0-9a-f]{12} brings it back/);
    expect(state('v51')).toBe('unknown');
    // A second replay (and a pull) leaves it to the person.
    expect(sandbox.strata(exec, ['replay']).stderr).toContain('git strata op resolve v51');
    await agentCommits();
    await pull();
    expect(runs('v51')).toBe(1);
    sandbox.strata(exec, ['op', 'resolve', 'v51', 'done', '--agent', 'alice']);
    expect(state('v51')).toBe('done');
    sandbox.strata(exec, ['replay']);
    expect(runs('v51')).toBe(1);
  });

  it('runs it again with the same key when the handler is idempotent, as after a crash', async () => {
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    await request('s52', 'sync');
    await pull();
    expect(runs('s52')).toBe(1);
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    const replayed = sandbox.strata(exec, ['replay']);
    expect(replayed.stdout).toContain('s52 (sync): this clone already ran it at');
    expect(runs('s52')).toBe(2);
    const ledger = sandbox.read(join(exec, '.strata/ledger.md'));
    expect(ledger.match(/\[op:s52\] \[state:(\w+)\]/g)).toEqual(['[op:s52] [state:unknown]', '[op:s52] [state:claimed]', '[op:s52] [state:done]']);
  });

  it('runs it again after a person says retry, and only then', async () => {
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    await request('v54');
    await pull();
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    sandbox.strata(exec, ['replay']);
    expect(runs('v54')).toBe(1);
    sandbox.strata(exec, ['op', 'resolve', 'v54', 'retry', '--agent', 'alice']);
    sandbox.strata(exec, ['replay']);
    expect(runs('v54')).toBe(2);
    expect(state('v54')).toBe('done');
  });

  it('with the default claim remote: does not run it again on the branch it switches back to', async () => {
    sandbox.git(exec, ['config', '--unset', 'strata.claimRemote']);
    sandbox.git(exec, ['reset', '-q', '--hard', 'origin/main']);
    await request('v53');
    // A branch with no upstream: its claims go to a branch of its name on origin, which main lacks.
    sandbox.git(exec, ['fetch', '-q', 'origin']);
    sandbox.git(exec, ['checkout', '-q', '--no-track', '-b', 'side', 'origin/main']);
    expect(sandbox.strata(exec, ['replay']).stdout).toContain('ran v53 (deploy): done');
    expect(sandbox.git(exec, ['show', 'origin/side:.strata/ledger.md']).stdout).toContain('[op:v53] [state:done]');
    sandbox.git(exec, ['checkout', '-q', 'main']);
    await agentCommits();
    const pulled = await pull();
    expect(runs('v53')).toBe(1);
    expect(pulled.stdout + pulled.stderr).toMatch(/v53 \(deploy\): this clone already ran it at .*on side, origin\/side: git merge side brings it back/);
  });
});

describe('ops: the journal in a clone with no remote', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-journal-solo-');
  });
  afterAll(() => sandbox?.cleanup());

  it('keeps a reset from running an op again', () => {
    const { repo, log } = soloExecutor(sandbox);
    sandbox.strata(repo, ['op', 'request', 'deploy', '--key', 'd1', '--agent', 'me', '--', 'x']);
    sandbox.git(repo, ['add', 'OPS.md']);
    sandbox.git(repo, ['commit', '-q', '-m', 'request']);
    const requested = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    sandbox.strata(repo, ['replay']);
    expect(readLog(log)).toHaveLength(1);
    sandbox.git(repo, ['reset', '-q', '--hard', requested]);
    const again = sandbox.strata(repo, ['replay']);
    expect(again.stdout).toContain('d1 (deploy): this clone already ran it at');
    expect(readLog(log)).toHaveLength(1);
  });
});

// Another executor has no journal of an op someone else ran: where a commit removed the ledger's record
// of it (by hand with --no-verify, or a revert), the history still shows the record was there.
describe('ops: a ledger record removed by a later commit', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-removed-');
    clones = makeRemoteWithClones(sandbox, ['e1', 'e2', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'never'));
    makeExecutor(sandbox, clones.e1!, 'e1', { deploy: [handler] });
    makeExecutor(sandbox, clones.e2!, 'e2', { deploy: [handler] });
  });
  afterAll(() => sandbox?.cleanup());

  const runs = (key: string): number => readLog(log).filter(([k]) => k === key).length;
  /** The agent requests `key`; e1 pulls and runs it (its claim and result go to the remote). */
  const requestedAndRunByE1 = async (key: string): Promise<void> => {
    await requestOp(sandbox, clones.agent!, key, 'deploy', 'prod');
    await pullAndPush(sandbox, clones.e1!, NO_HOOK_REPLAY);
    sandbox.strata(clones.e1!, ['replay']);
    expect(runs(key)).toBe(1);
  };

  it('is not run as new by another executor: it is recorded unknown for a person to settle', async () => {
    const agent = clones.agent!;
    await requestedAndRunByE1('r61');
    // e2 pulls the done record.
    await pullAndPush(sandbox, clones.e2!, NO_HOOK_REPLAY);
    // The agent drops the records and pushes past the hook.
    await pullAndPush(sandbox, agent, NO_HOOK_REPLAY);
    const ledger = join(agent, '.strata/ledger.md');
    sandbox.write(ledger, sandbox.read(ledger).split('\n').filter((line) => !line.includes('[op:r61]')).join('\n'));
    sandbox.git(agent, ['commit', '-q', '--no-verify', '-am', 'drop r61']);
    await pullAndPush(sandbox, agent, NO_HOOK_REPLAY);
    // e2 pulls: the op looks pending on HEAD, and is not run again.
    await pullAndPush(sandbox, clones.e2!, NO_HOOK_REPLAY);
    const replayed = sandbox.strata(clones.e2!, ['replay']);
    expect(runs('r61')).toBe(1);
    expect(replayed.stdout).toMatch(/r61 \(deploy\): the ledger had a done record of it by e1 at \S+, which a later commit removed .*recorded unknown/);
    const state = (JSON.parse(sandbox.strata(clones.e2!, ['op', 'show', 'r61', '--json']).stdout) as Array<{ state: string }>)[0]!.state;
    expect(state).toBe('unknown');
    // A person who says retry lets it run again, once.
    sandbox.strata(clones.e2!, ['op', 'resolve', 'r61', 'retry', '--agent', 'alice']);
    sandbox.strata(clones.e2!, ['replay']);
    expect(runs('r61')).toBe(2);
  });

  it('is not run as new where a merge dropped the record: the branch that added it is read too', async () => {
    const agent = clones.agent!;
    await requestedAndRunByE1('r62');
    // The agent commits something of its own, then merges the remote keeping its own side whole (as a
    // person resolving a ledger conflict with --ours does): the merge drops e1's records. The ledger
    // is then the same as the merge's first parent, so git's default history simplification never
    // walks the branch that added them.
    sandbox.write(join(agent, 'notes.txt'), 'mine\n');
    sandbox.git(agent, ['add', 'notes.txt']);
    sandbox.git(agent, ['commit', '-q', '-m', 'notes']);
    sandbox.git(agent, ['fetch', '-q', 'origin']);
    sandbox.git(agent, ['merge', '-q', '--no-verify', '-s', 'ours', '-m', 'merge, keeping ours', 'origin/main']);
    sandbox.git(agent, ['push', '-q', 'origin', 'HEAD:main']);
    await pullAndPush(sandbox, clones.e2!, NO_HOOK_REPLAY);
    expect(sandbox.read(join(clones.e2!, '.strata/ledger.md'))).not.toContain('[op:r62]');
    const replayed = sandbox.strata(clones.e2!, ['replay']);
    expect(runs('r62')).toBe(1);
    expect(replayed.stdout).toMatch(/r62 \(deploy\): the ledger had a done record of it by e1 at \S+, which a later commit removed .*recorded unknown/);
  });
});
