// Claims go through the remote by default (SPEC, "strong" layer): with strata.claimRemote unset, two
// executor clones of one remote run a requested op once, the claim going to the remote the current
// branch tracks. `strata.claimRemote none` opts out (claims stay local); a clone with no remote at all
// falls back to the local lock and says so.
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';
import { makeExecutor, pullAndPush, readLog, runAsync, soloExecutor, strataAsync, writeHandler } from './ops-helpers.js';

/** Pulls without the post-merge replay, so the test decides when replay runs. */
const NO_HOOK_REPLAY = { STRATA_REPLAY_ACTIVE: '1' };

describe('ops: claims through the remote by default', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-default-remote-');
    clones = makeRemoteWithClones(sandbox, ['exec1', 'exec2', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'no-such-flag'));
    // No strata.claimRemote: the default configuration.
    makeExecutor(sandbox, clones.exec1!, 'exec1', { deploy: [handler] });
    makeExecutor(sandbox, clones.exec2!, 'exec2', { deploy: [handler] });
  });
  afterAll(() => sandbox?.cleanup());

  const request = async (...keys: string[]): Promise<void> => {
    for (const key of keys) sandbox.strata(clones.agent!, ['op', 'request', 'deploy', '--key', key, '--agent', 'agent', '--', key]);
    sandbox.git(clones.agent!, ['add', 'OPS.md']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', `request ${keys.join(' ')}`]);
    await pullAndPush(sandbox, clones.agent!, NO_HOOK_REPLAY);
  };
  const runs = (key: string): number => readLog(log).filter(([k]) => k === key).length;

  it('runs an op once when two executors pull it one after the other (post-merge replay)', async () => {
    await request('v43');
    for (const name of ['exec1', 'exec2']) {
      const pulled = await runAsync(sandbox, clones[name]!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main']);
      expect(pulled.status, pulled.stderr).toBe(0);
    }
    expect(runs('v43')).toBe(1);
    // The claim and the result reached the remote: every clone sees the op done by the one that ran it.
    sandbox.git(clones.agent!, ['pull', '-q', '--no-edit', 'origin', 'main']);
    const shown = JSON.parse(sandbox.strata(clones.agent!, ['op', 'show', 'v43', '--json']).stdout) as Array<{ state: string }>;
    expect(shown[0]?.state).toBe('done');
  });

  it('runs each op once when two executors replay at the same time', async () => {
    await request('c1', 'c2', 'c3');
    for (const name of ['exec1', 'exec2']) {
      const pulled = await runAsync(sandbox, clones[name]!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
      expect(pulled.status, pulled.stderr).toBe(0);
    }
    const replays = await Promise.all(['exec1', 'exec2'].map((name) => strataAsync(sandbox, clones[name]!, ['replay'])));
    for (const r of replays) expect(r.status, r.stderr).toBe(0);
    // Whoever lost a claim race may still hold nothing to do; a second pass settles everything.
    for (const name of ['exec1', 'exec2']) {
      await runAsync(sandbox, clones[name]!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
      expect((await strataAsync(sandbox, clones[name]!, ['replay'])).status).toBe(0);
    }
    for (const key of ['c1', 'c2', 'c3']) expect(runs(key), key).toBe(1);
    expect(replays.map((r) => r.stderr).join('')).not.toContain('no git remote');
  });

  it('runs the op from post-merge when the pull makes a merge commit (MERGE_HEAD is still there then)', async () => {
    // exec1 has a commit of its own, so its pull merges instead of fast-forwarding.
    sandbox.write(join(clones.exec1!, 'local.txt'), 'exec1 was here\n');
    sandbox.git(clones.exec1!, ['add', 'local.txt']);
    sandbox.git(clones.exec1!, ['commit', '-q', '-m', 'a commit of exec1']);
    await request('merged-1');
    const pulled = await runAsync(sandbox, clones.exec1!, 'git', ['pull', '-q', '--no-edit', '--no-rebase', 'origin', 'main']);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(pulled.stderr).not.toContain('in progress');
    expect(runs('merged-1')).toBe(1);
    expect(sandbox.git(clones.exec1!, ['log', '-1', '--format=%s']).stdout.trim()).toBe('strata: merged-1 done');
  });

  it('after a merge pull, a claim push the remote rejected is retried: replay merges the remote\'s work although git has not removed MERGE_HEAD yet', async () => {
    sandbox.write(join(clones.exec1!, 'local-2.txt'), 'exec1 again\n');
    sandbox.git(clones.exec1!, ['add', 'local-2.txt']);
    sandbox.git(clones.exec1!, ['commit', '-q', '-m', 'another commit of exec1']);
    await request('merged-2');
    // The hook that was there before strata's (it runs first): meanwhile someone else pushes.
    const other = join(sandbox.dir, 'other');
    sandbox.git(sandbox.dir, ['clone', '-q', join(sandbox.dir, 'remote.git'), other]);
    const hook = join(clones.exec1!, '.git/hooks/post-merge.pre-strata');
    // (Once: replay's own merge of the remote's work runs post-merge too.)
    const once = join(sandbox.dir, 'pushed-once');
    sandbox.write(hook, `#!/bin/sh\n[ -e '${once}' ] && exit 0\ntouch '${once}'\ncd '${other}' && echo x >> OTHER.md && git add OTHER.md && git commit -q -m other --no-verify && git push -q origin HEAD:main\n`);
    chmodSync(hook, 0o755);
    try {
      const pulled = await runAsync(sandbox, clones.exec1!, 'git', ['pull', '-q', '--no-edit', '--no-rebase', 'origin', 'main']);
      expect(pulled.status, pulled.stderr).toBe(0);
      expect(pulled.stderr).not.toMatch(/not concluded your merge|resolve by hand/);
      expect(runs('merged-2')).toBe(1);
      expect(sandbox.git(clones.exec1!, ['show', 'origin/main:.strata/ledger.md']).stdout).toMatch(/\[op:merged-2\] \[state:done\]/);
    } finally {
      rmSync(hook);
    }
  });

  it('keeps claims local with strata.claimRemote none (the documented opt-out)', async () => {
    sandbox.git(clones.exec1!, ['config', 'strata.claimRemote', 'none']);
    try {
      await request('local-1');
      await runAsync(sandbox, clones.exec1!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
      const before = sandbox.git(clones.exec1!, ['rev-parse', 'origin/main']).stdout;
      const replayed = sandbox.strata(clones.exec1!, ['replay']);
      expect(replayed.stdout).toContain('ran local-1 (deploy): done');
      expect(replayed.stderr).not.toContain('no git remote');
      expect(runs('local-1')).toBe(1);
      sandbox.git(clones.exec1!, ['fetch', '-q', 'origin']);
      expect(sandbox.git(clones.exec1!, ['rev-parse', 'origin/main']).stdout).toBe(before);
      expect(sandbox.git(clones.exec1!, ['log', '-1', '--format=%s']).stdout.trim()).toBe('strata: local-1 done');
    } finally {
      sandbox.git(clones.exec1!, ['config', '--unset', 'strata.claimRemote']);
    }
  });

  it('claims through the remote the branch tracks, not origin, when they differ', async () => {
    // exec3 pulls from "hub" (the shared remote); its "origin" is a fork nobody else uses.
    const fork = join(sandbox.dir, 'fork.git');
    sandbox.git(sandbox.dir, ['clone', '-q', '--bare', join(sandbox.dir, 'remote.git'), fork]);
    const exec3 = join(sandbox.dir, 'exec3');
    sandbox.git(sandbox.dir, ['clone', '-q', '-o', 'hub', join(sandbox.dir, 'remote.git'), exec3]);
    sandbox.git(exec3, ['remote', 'add', 'origin', fork]);
    sandbox.strata(exec3, ['install']);
    makeExecutor(sandbox, exec3, 'exec3', { deploy: [join(sandbox.dir, 'handler.sh')] });
    await request('hub-1');
    const pulled = await runAsync(sandbox, exec3, 'git', ['pull', '-q', '--no-edit'], NO_HOOK_REPLAY);
    expect(pulled.status, pulled.stderr).toBe(0);
    const replayed = sandbox.strata(exec3, ['replay']);
    expect(replayed.stdout).toContain('ran hub-1 (deploy): done');
    expect(sandbox.git(exec3, ['show', 'hub/main:.strata/ledger.md']).stdout).toContain('[op:hub-1] [state:done] [by:exec3]');
    expect(sandbox.git(sandbox.dir, ['--git-dir', fork, 'show', 'main:.strata/ledger.md'], { allowFail: true }).stdout).not.toContain('hub-1');
    // exec1 would not run it again.
    await runAsync(sandbox, clones.exec1!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main']);
    expect(runs('hub-1')).toBe(1);
  });
});

describe('ops: an executor with no remote', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-no-remote-');
  });
  afterAll(() => sandbox?.cleanup());

  it('falls back to the local lock and says so once, only when there is something to run', () => {
    const { repo, log } = soloExecutor(sandbox);
    sandbox.strata(repo, ['op', 'request', 'deploy', '--key', 'd1', '--agent', 'me', '--', 'x']);
    sandbox.strata(repo, ['op', 'request', 'deploy', '--key', 'd2', '--agent', 'me', '--', 'y']);
    sandbox.git(repo, ['add', 'OPS.md']);
    sandbox.git(repo, ['commit', '-q', '-m', 'requests']);
    const replayed = sandbox.strata(repo, ['replay']);
    expect(replayed.stdout).toContain('ran d1 (deploy): done');
    expect(replayed.stdout).toContain('ran d2 (deploy): done');
    expect(replayed.stderr.split('no git remote').length - 1).toBe(1);
    expect(readLog(log).map(([k]) => k)).toEqual(['d1', 'd2']);
    const idle = sandbox.strata(repo, ['replay']);
    expect(idle.stdout).toContain('nothing to run');
    expect(idle.stderr).not.toContain('no git remote');
  });
});

// A push the remote refuses for a reason of its own (a hook, permissions, a protected branch) is no
// race another executor won: fetching and merging brings nothing, and pushing again gets the same no.
describe('ops: a claim remote that refuses the push', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-refused-');
    clones = makeRemoteWithClones(sandbox, ['exec', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    makeExecutor(sandbox, clones.exec!, 'exec', { deploy: [writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'never'))] });
  });
  afterAll(() => sandbox?.cleanup());

  it('says what the remote said, at once, and runs nothing', async () => {
    sandbox.strata(clones.agent!, ['op', 'request', 'deploy', '--key', 'r1', '--agent', 'agent', '--', 'x']);
    sandbox.git(clones.agent!, ['add', 'OPS.md']);
    sandbox.git(clones.agent!, ['commit', '-q', '-m', 'request r1']);
    sandbox.git(clones.agent!, ['push', '-q', 'origin', 'HEAD:main']);
    await runAsync(sandbox, clones.exec!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main'], NO_HOOK_REPLAY);
    const hook = join(sandbox.dir, 'remote.git/hooks/pre-receive');
    sandbox.write(hook, '#!/bin/sh\necho "branch main is protected" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    try {
      const replayed = sandbox.strata(clones.exec!, ['replay'], { allowFail: true });
      expect(replayed.stderr).toContain('branch main is protected');
      expect(replayed.stderr).not.toContain('the remote moved');
      expect(replayed.stderr).not.toContain('attempts');
      expect(replayed.stderr).not.toContain('internal error');
      expect(replayed.stderr).toMatch(/^hint: /m);
      expect(replayed.status).toBe(3);
      expect(readLog(log)).toEqual([]);
    } finally {
      rmSync(hook);
    }
    expect(sandbox.strata(clones.exec!, ['replay']).stdout).toContain('ran r1 (deploy): done');
    expect(readLog(log).map(([k]) => k)).toEqual(['r1']);
  });
});
