// The writers and git's index lock, with real git: a writer is exclusive with git's commands that write
// the work tree (a pull's merge, commit -a) as they are with each other. Before, a `queue add` that ran
// while a pull merged QUEUE.md reported the task added, and the merge result then replaced the file.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/errors.js';
import { LEDGER_PATH } from '../../src/core/replay/write.js';
import { advanceHead, buildLedgerCommit } from '../../src/ops/ledger-commit.js';
import { gitOnIndex } from '../../src/ops/index-lock.js';
import { editFile, workFile } from '../../src/ops/workfile.js';
import { CLI, ROOT, type RunResult, type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let a: string;
let b: string;

const QUEUE = '# Queue\n\n- [ ] [seq:1] [id:0000000001] one\n';

beforeAll(() => {
  sandbox = makeSandbox('strata-index-lock-');
  ({ a, b } = makeRemoteWithClones(sandbox, ['a', 'b'], { files: { 'QUEUE.md': QUEUE } }) as { a: string; b: string });
});
afterAll(() => sandbox?.cleanup());

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string; done: Promise<RunResult> } {
  const child = spawn(cmd, args, { cwd, env: { ...sandbox.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 128, stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

const strata = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [CLI, ...args], cwd, env);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const indexLock = (clone: string) => join(clone, '.git/index.lock');

/** Until `path` exists: git is in the middle of its step, holding index.lock. */
async function appears(path: string): Promise<void> {
  for (const until = Date.now() + 20_000; !existsSync(path); await sleep(10)) {
    if (Date.now() > until) throw new Error(`${path} never appeared`);
  }
}

/** The clone's QUEUE.md and a commit of it pushed; the other clone pulls it first. */
function pushTask(clone: string, text: string): void {
  sandbox.git(clone, ['pull', '-q', '--no-rebase']);
  sandbox.strata(clone, ['queue', 'add', '--agent', 'seed', text]);
  sandbox.git(clone, ['commit', '-qam', text]);
  sandbox.git(clone, ['push', '-q']);
}

describe("the writers and git's index lock", () => {
  it('a writer started while a git command holds index.lock waits for it, then writes', async () => {
    writeFileSync(indexLock(a), '');
    const add = strata(a, ['queue', 'add', '--agent', 'w', 'while git runs']);
    // After a second it says why it waits; it has written nothing.
    for (const until = Date.now() + 20_000; !add.stderr().includes('waiting'); await sleep(20)) {
      if (Date.now() > until || add.child.exitCode !== null) throw new Error(`no word of waiting: ${add.stderr()}`);
    }
    await sleep(300);
    expect(add.child.exitCode).toBeNull();
    expect(readFileSync(join(a, 'QUEUE.md'), 'utf8')).toBe(QUEUE);
    rmSync(indexLock(a));
    const result = await add.done;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.match(/waiting for the git command running in this clone/g)).toHaveLength(1);
    expect(readFileSync(join(a, 'QUEUE.md'), 'utf8')).toMatch(/\[seq:2\] .*while git runs\n$/);
    expect(existsSync(indexLock(a))).toBe(false);
    sandbox.git(a, ['checkout', '--', 'QUEUE.md']);
  });

  it('a queue add while a pull merges QUEUE.md keeps its task, and the pull keeps the merge', async () => {
    pushTask(b, 'from b');
    sandbox.strata(a, ['queue', 'add', '--agent', 'seed', 'from a']);
    sandbox.git(a, ['commit', '-qam', 'from a']);
    // The driver takes a second: the add starts while git merges, holding index.lock.
    const driver = sandbox.git(a, ['config', 'merge.strata.driver']).stdout.trim();
    const merging = join(sandbox.dir, 'merging');
    sandbox.git(a, ['config', 'merge.strata.driver', `touch '${merging}'; sleep 1; ${driver}`]);
    try {
      const pull = run('git', ['pull', '-q', '--no-rebase', '--no-edit'], a);
      await appears(merging);
      const add = await strata(a, ['queue', 'add', '--agent', 'agent2', 'added while the pull merges']).done;
      const pulled = await pull.done;
      expect(pulled.status, pulled.stderr).toBe(0);
      expect(add.status, add.stderr).toBe(0);
    } finally {
      sandbox.git(a, ['config', 'merge.strata.driver', driver]);
    }
    const text = readFileSync(join(a, 'QUEUE.md'), 'utf8');
    expect(text).toContain('from b');
    expect(text).toContain('from a');
    expect(text).toMatch(/\[agent:agent2\] .*added while the pull merges\n$/);
    // The add sits on top of the merge commit, uncommitted.
    expect(sandbox.git(a, ['status', '--porcelain']).stdout).toBe(' M QUEUE.md\n');
    sandbox.git(a, ['commit', '-qam', 'after the pull']);
  });

  it('a writer that read the file before a pull merged it plans its edit again on the merge result', async () => {
    pushTask(b, 'incoming');
    const file = await workFile(a, undefined, 'QUEUE.md', 'queue');
    const seen: string[] = [];
    await editFile(a, file, '', (text) => {
      seen.push(text);
      // The first plan is made from the file as it was; the pull's merge then writes it (the index
      // lock is taken only for the write, so git runs). Writing that plan would drop what it merged.
      if (seen.length === 1) sandbox.git(a, ['pull', '-q', '--no-rebase', '--no-edit']);
      return { text: `${text}- [ ] [seq:90] [id:aaaaaaaaaa] ours\n` };
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toContain('incoming');
    expect(seen[1]).toContain('incoming');
    const text = readFileSync(join(a, 'QUEUE.md'), 'utf8');
    expect(text).toContain('incoming');
    expect(text).toMatch(/\[id:aaaaaaaaaa\] ours\n$/);
    sandbox.git(a, ['commit', '-qam', 'ours']);
  });

  it('a refusal planned before a pull brought the task is planned again on the merge result', async () => {
    pushTask(b, 'brought by the pull');
    const file = await workFile(a, undefined, 'QUEUE.md', 'queue');
    let plans = 0;
    const result = await editFile(a, file, '', (text) => {
      plans++;
      if (plans === 1) sandbox.git(a, ['pull', '-q', '--no-rebase', '--no-edit']);
      if (!text.includes('brought by the pull')) throw new StrataError('BAD_INPUT', 'no such task');
      return { text: text.replace('brought by the pull', 'brought by the pull, claimed') };
    });
    expect(plans).toBe(2);
    expect(result.text).toContain('claimed');
    expect(readFileSync(join(a, 'QUEUE.md'), 'utf8')).toContain('brought by the pull, claimed');
    sandbox.git(a, ['commit', '-qam', 'claimed']);
  });

  it('plans the edit once when nothing wrote the file or the index meanwhile', async () => {
    const file = await workFile(a, undefined, 'QUEUE.md', 'queue');
    let plans = 0;
    await editFile(a, file, '', (text) => {
      plans++;
      return { text: `${text}- [ ] [seq:500] [id:bbbbbbbbbb] once\n` };
    });
    expect(plans).toBe(1);
    sandbox.git(a, ['commit', '-qam', 'once']);
  });

  it('plans again when another file the edit decides on was written meanwhile (options.reads)', async () => {
    const file = await workFile(a, undefined, 'QUEUE.md', 'queue');
    const other = join(sandbox.dir, 'read-by-the-plan.md');
    writeFileSync(other, 'first');
    const seen: string[] = [];
    await editFile(
      a,
      file,
      '',
      (text) => {
        seen.push(readFileSync(other, 'utf8'));
        // Written after the plan read it, before the write: the plan is made again.
        if (seen.length === 1) writeFileSync(other, 'second');
        return { text: `${text}- [ ] [seq:600] [id:cccccccccc] ${seen.at(-1)}\n` };
      },
      { reads: [other] },
    );
    expect(seen).toEqual(['first', 'second']);
    expect(readFileSync(file.path, 'utf8')).toMatch(/\[id:cccccccccc\] second\n$/);
    sandbox.git(a, ['commit', '-qam', 'reads']);
  });

  it('refuses after the wait, says what to do, writes nothing and leaves the lock that is not its own', async () => {
    const file = await workFile(a, undefined, 'QUEUE.md', 'queue');
    const before = readFileSync(file.path, 'utf8');
    writeFileSync(indexLock(a), 'git was here');
    try {
      const error = await editFile(a, file, '', (text) => ({ text: `${text}- x\n` }), { waitMs: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StrataError);
      expect((error as StrataError).message).toMatch(/^cannot write QUEUE\.md: .*\.git\/index\.lock exists, so a git command is running in this clone .*wrote nothing$/);
      expect((error as StrataError).hint).toMatch(/if no git process is running, remove .*\.git\/index\.lock$/);
      expect(readFileSync(file.path, 'utf8')).toBe(before);
      expect(readFileSync(indexLock(a), 'utf8')).toBe('git was here');
    } finally {
      rmSync(indexLock(a));
    }
  });

  it('doctor names an index.lock over a minute old, and not a fresh one', () => {
    writeFileSync(indexLock(a), '');
    try {
      expect(sandbox.strata(a, ['doctor'], { allowFail: true }).stdout).not.toContain('index lock');
      const old = new Date(Date.now() - 5 * 60_000);
      utimesSync(indexLock(a), old, old);
      const doctor = sandbox.strata(a, ['doctor'], { allowFail: true }).stdout;
      expect(doctor).toMatch(/warn\s+index lock: .*\.git\/index\.lock is 5 min old: .*a killed one left it/);
      expect(doctor).toMatch(/fix: if no git process is running, remove it: rm .*\.git\/index\.lock/);
    } finally {
      rmSync(indexLock(a));
    }
  });

  it('a writer that waits for git commit -a, whose hook stamps the same file, does not deadlock with the hook', async () => {
    // commit -a holds index.lock across its hooks; the writer takes QUEUE.md's own lock and waits for
    // index.lock; the pre-commit hook, which stamps the hand-written entry, must not wait for the
    // writer's lock (it did: both waited 30 s, then the writer failed and so did the commit).
    writeFileSync(join(a, 'QUEUE.md'), `${readFileSync(join(a, 'QUEUE.md'), 'utf8')}- [ ] [seq:120] hand written\n`);
    const hooks = join(sandbox.dir, 'slow-hooks');
    mkdirSync(hooks, { recursive: true });
    const shim = join(a, '.git/hooks/pre-commit');
    const committing = join(sandbox.dir, 'committing');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\ntouch '${committing}'\nsleep 1\nexec ${JSON.stringify(shim)} "$@"\n`);
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    const started = Date.now();
    const commit = run('git', ['-c', `core.hooksPath=${hooks}`, 'commit', '-qam', 'hand written'], a);
    await appears(committing);
    const add = await strata(a, ['queue', 'add', '--agent', 'w', 'during the commit']).done;
    const committed = await commit.done;
    expect(committed.status, committed.stderr).toBe(0);
    expect(add.status, add.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const text = readFileSync(join(a, 'QUEUE.md'), 'utf8');
    expect(text).toMatch(/\[seq:120\] \[id:[0-9a-z]{10}\] hand written\n/);
    expect(text).toMatch(/\[agent:w\] .*during the commit\n$/);
    // The commit has the stamped entry; the add is on top of it.
    expect(sandbox.git(a, ['show', 'HEAD:QUEUE.md']).stdout).toMatch(/\[seq:120\] \[id:[0-9a-z]{10}\] hand written\n$/);
    sandbox.git(a, ['commit', '-qam', 'during the commit']);
  });

  it('a writer run by a hook of git commit -a (git holds index.lock) writes without waiting for it', () => {
    const hooks = join(sandbox.dir, 'beat-hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} heartbeat --agent hooked 'from the hook'\n`);
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    writeFileSync(join(a, 'QUEUE.md'), `${readFileSync(join(a, 'QUEUE.md'), 'utf8')}\n`);
    const started = Date.now();
    const commit = sandbox.git(a, ['-c', `core.hooksPath=${hooks}`, 'commit', '-qam', 'with a heartbeat'], { allowFail: true });
    expect(commit.status, commit.stderr).toBe(0);
    expect(commit.stderr).not.toMatch(/waiting/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readFileSync(join(a, 'HEARTBEAT.md'), 'utf8')).toContain('from the hook');
    expect(existsSync(join(a, '.git/index.lock.lock'))).toBe(false);
  });

  it('eight concurrent writers of two files in one clone all land', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? strata(a, ['queue', 'add', '--agent', `agent-${i}`, `parallel ${i}`]) : strata(a, ['heartbeat', '--agent', `agent-${i}`, `beat ${i}`])).done,
      ),
    );
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const queue = readFileSync(join(a, 'QUEUE.md'), 'utf8');
    const beats = readFileSync(join(a, 'HEARTBEAT.md'), 'utf8');
    for (let i = 0; i < 8; i++) expect(i % 2 === 0 ? queue : beats).toContain(i % 2 === 0 ? `parallel ${i}` : `beat ${i}`);
    expect(existsSync(indexLock(a))).toBe(false);
  });

  it('removes index.lock when a writer dies of SIGTERM while it holds it, and with it the file\'s lock', () => {
    const dir = join(sandbox.dir, 'signal');
    mkdirSync(dir, { recursive: true });
    const module = join(dir, 'locks.mjs');
    buildSync({
      stdin: { contents: "export * from './src/ops/lock.ts'; export * from './src/ops/index-lock.ts';", resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: module,
      logLevel: 'error',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    // The signal comes while both locks are held (sent by the writer itself, so the timing is exact).
    const script = `
      import { existsSync } from 'node:fs';
      import { withFileLock, withIndexLock } from ${JSON.stringify(module)};
      await withFileLock(${JSON.stringify(a)}, 'QUEUE.md', () => withIndexLock(${JSON.stringify(join(a, '.git/index'))}, 'QUEUE.md', async () => {
        if (!existsSync(${JSON.stringify(indexLock(a))})) throw new Error('index.lock not held');
        process.kill(process.pid, 'SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }));
      console.log('survived');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: a, env: sandbox.env, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGTERM');
    expect(child.stdout).not.toContain('survived');
    expect(existsSync(indexLock(a))).toBe(false);
    expect(existsSync(join(a, '.git/strata/locks/QUEUE.md.lock'))).toBe(false);
  });
});

describe('claim and done read the leases as they are when they write', () => {
  // worker claimed the task at 12:00 and beat at 12:00 with a 10 min ttl: at 12:30 its lease has
  // expired, so another agent may take the task over (claim) or finish it (done) — unless a heartbeat
  // renews the lease first. One that lands while the command waits for the lock must count.
  const T = (min: number): string => `2026-11-27T12:${String(min).padStart(2, '0')}:00.000Z`;
  const queue = `# Queue\n\n- [ ] [seq:1] [id:lease00001] [agent:worker] [claim:worker@${T(0)}] the task\n`;
  const beat = (min: number): string => `# Heartbeat\n\n- [agent:worker] [at:${T(min)}] [status:busy] [ttl:10m]\n`;
  let repo: string;

  beforeAll(() => {
    repo = join(sandbox.dir, 'leases');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
  });

  for (const command of ['claim', 'done'] as const) {
    it(`${command} refuses a task whose holder's heartbeat was renewed while it waited for the lock`, async () => {
      writeFileSync(join(repo, 'QUEUE.md'), queue);
      writeFileSync(join(repo, 'HEARTBEAT.md'), beat(0));
      writeFileSync(indexLock(repo), '');
      const run = strata(repo, ['queue', command, 'lease00001', '--agent', 'thief'], { STRATA_NOW: T(30) });
      try {
        for (const until = Date.now() + 20_000; !run.stderr().includes('waiting'); await sleep(20)) {
          if (Date.now() > until || run.child.exitCode !== null) throw new Error(`no word of waiting: ${run.stderr()}`);
        }
        // The worker's heartbeat, written (as the heartbeat command writes it) just before the command's turn.
        writeFileSync(join(repo, 'HEARTBEAT.md'), beat(29));
      } finally {
        rmSync(indexLock(repo), { force: true });
      }
      const result = await run.done;
      expect(result.status, result.stdout + result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`task 1 is claimed by worker \\(since ${T(0)}\\), whose heartbeat is alive until ${T(39)}`));
      expect(readFileSync(join(repo, 'QUEUE.md'), 'utf8')).toBe(queue);
    });
  }

  it('checkpoint by an agent that lost the claim logs it and warns once, also when planned again under the lock', async () => {
    // thief claimed the task concurrently with worker, and the merge kept worker's earlier claim.
    const lostQueue = queue.replace('the task', `[claim-lost:thief@${T(1)}] the task`);
    writeFileSync(join(repo, 'QUEUE.md'), lostQueue);
    writeFileSync(indexLock(repo), '');
    const run = strata(repo, ['queue', 'checkpoint', 'lease00001', 'half way', '--agent', 'thief'], { STRATA_NOW: T(30) });
    try {
      for (const until = Date.now() + 20_000; !run.stderr().includes('waiting'); await sleep(20)) {
        if (Date.now() > until || run.child.exitCode !== null) throw new Error(`no word of waiting: ${run.stderr()}`);
      }
      // Written meanwhile (another agent's task): the checkpoint is planned again under the lock.
      writeFileSync(join(repo, 'QUEUE.md'), `${lostQueue}- [ ] [seq:2] [id:lease00002] another\n`);
    } finally {
      rmSync(indexLock(repo), { force: true });
    }
    const result = await run.done;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.match(/warning: thief lost the claim on 1 to worker/g)).toHaveLength(1);
    expect(readFileSync(join(repo, 'QUEUE.md'), 'utf8')).toMatch(/\] the task\n {2}- \[at:2026-11-27T12:30:00\.000Z\] half way\n- \[ \] \[seq:2\]/);
  });

  it('claim takes an expired lease over when no heartbeat came (the same start, for contrast)', async () => {
    writeFileSync(join(repo, 'QUEUE.md'), queue);
    writeFileSync(join(repo, 'HEARTBEAT.md'), beat(0));
    const result = await strata(repo, ['queue', 'claim', 'lease00001', '--agent', 'thief'], { STRATA_NOW: T(30) }).done;
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(repo, 'QUEUE.md'), 'utf8')).toMatch(/\[claim:thief@2026-11-27T12:30:00\.000Z\]/);
  });
});

describe('op request reads the other requests files as they are when it writes', () => {
  it('refuses a key another requests file took, with other parameters, while it waited for the lock', async () => {
    const repo = join(sandbox.dir, 'two-ops');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
    writeFileSync(join(repo, '.gitattributes'), 'OPS.md merge=strata strata=ops\nops/*.md merge=strata strata=ops\n');
    mkdirSync(join(repo, 'ops'));
    writeFileSync(join(repo, 'OPS.md'), '# Ops\n');
    writeFileSync(join(repo, 'ops/b.md'), '# Ops\n');
    sandbox.git(repo, ['add', '-A']);
    const other = '# Ops\n\n- [op:deploy-1] [kind:deploy] [agent:b] [at:2026-11-27T12:00:00.000Z] [args:v2]\n';
    writeFileSync(indexLock(repo), '');
    const request = strata(repo, ['op', 'request', '--file', 'OPS.md', '--key', 'deploy-1', '--agent', 'a', 'deploy', 'v1']);
    try {
      for (const until = Date.now() + 20_000; !request.stderr().includes('waiting'); await sleep(20)) {
        if (Date.now() > until || request.child.exitCode !== null) throw new Error(`no word of waiting: ${request.stderr()}`);
      }
      // Another agent's request with the same key lands in the other file meanwhile.
      writeFileSync(join(repo, 'ops/b.md'), other);
    } finally {
      rmSync(indexLock(repo), { force: true });
    }
    const result = await request.done;
    expect(result.status, result.stdout + result.stderr).not.toBe(0);
    expect(result.stderr).toContain("op key 'deploy-1' is already used with different parameters (kind:deploy args:v2)");
    expect(readFileSync(join(repo, 'OPS.md'), 'utf8')).toBe('# Ops\n');
  });
});

describe('a ledger record while a writer holds index.lock', () => {
  it('brings the index and the work tree along with HEAD once the lock is gone', async () => {
    const repo = join(sandbox.dir, 'ledger');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
    sandbox.write(join(repo, LEDGER_PATH), '# Ledger\n');
    sandbox.git(repo, ['add', '-A']);
    sandbox.git(repo, ['commit', '-qm', 'ledger']);
    const r = { top: repo, env: sandbox.env };
    const parent = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    const c = await buildLedgerCommit(r, parent, '# Ledger\n- a record\n', 'strata: record');
    // A writer's write (or a git command) holds the lock when HEAD has just moved.
    writeFileSync(join(repo, '.git/index.lock'), '');
    setTimeout(() => rmSync(join(repo, '.git/index.lock')), 400);
    expect(await advanceHead(r, c, 'record')).toBe(true);
    expect(sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim()).toBe(c.commit);
    // Without the retry, the index kept the ledger without the record: the next commit took it out.
    expect(sandbox.git(repo, ['status', '--porcelain']).stdout).toBe('');
    expect(readFileSync(join(repo, LEDGER_PATH), 'utf8')).toBe('# Ledger\n- a record\n');
  });
});

describe('a git command that takes the index lock, run by strata (gitOnIndex)', () => {
  it('is run again while a writer holds index.lock, and fails at once on anything else', async () => {
    const repo = join(sandbox.dir, 'on-index');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
    writeFileSync(join(repo, 'NOTES.md'), '# Notes\n');
    writeFileSync(join(repo, '.git/index.lock'), '');
    setTimeout(() => rmSync(join(repo, '.git/index.lock')), 400);
    const started = Date.now();
    await gitOnIndex(repo, ['add', '--', 'NOTES.md']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(sandbox.git(repo, ['diff', '--cached', '--name-only']).stdout).toBe('NOTES.md\n');
    const error = await gitOnIndex(repo, ['add', '--', 'MISSING.md']).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).message).toMatch(/^git add -- MISSING\.md failed: .*MISSING\.md/);
  });
});
