// The agent-facing writers against real git: queue, heartbeat and fact commands in a clone, including
// eight concurrent `queue add` processes in one clone (the lock) and a commit through the hooks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { CLI, makeRemoteWithClones, makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let clone: string;

beforeAll(() => {
  sandbox = makeSandbox('strata-queue-');
  ({ a: clone } = makeRemoteWithClones(sandbox, ['a']) as { a: string });
});
afterAll(() => sandbox.cleanup());

function strata(args: string[], env: NodeJS.ProcessEnv = {}, cwd = clone): RunResult {
  return sandbox.strata(cwd, args, { allowFail: true, env });
}

function ok(args: string[], env: NodeJS.ProcessEnv = {}, cwd = clone): string {
  const result = strata(args, env, cwd);
  expect(result.status, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

function spawnStrata(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...sandbox.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 128, stdout, stderr }));
  });
}

function tasksOf(text: string): { seq: string; id: string; line: string }[] {
  return entriesOf(parseDoc(text)).map((e) => ({ seq: tagValue(e, 'seq')!, id: tagValue(e, 'id')!, line: e.lines[0]!.trimEnd() }));
}

describe('git strata queue', () => {
  it('adds, claims, checkpoints, refuses early done, finishes, lists ready tasks and draws the graph', () => {
    const queue = join(clone, 'QUEUE.md');
    expect(existsSync(queue)).toBe(false);
    expect(ok(['queue', 'add', '--agent', 'code-intel', 'set up repo'])).toMatch(/^QUEUE\.md: added 1 \[id:[0-9a-z]{10}\]: set up repo/);
    ok(['queue', 'add', '--agent', 'code-intel', '--depends', '1', 'build', 'frontend']);
    ok(['queue', 'add', '--depends', '1,2', 'push to staging'], { STRATA_AGENT: 'deploy' });
    ok(['queue', 'add', 'write docs']); // agent from git config user.name
    const text = sandbox.read(queue);
    expect(text.startsWith('# Queue\n\n- [ ] [seq:1] ')).toBe(true);
    expect(tasksOf(text).map((t) => t.line.replace(/\[id:\w+\] /, '').replace(/ \[at:[^\]]+\]/, ''))).toEqual([
      '- [ ] [seq:1] [agent:code-intel] set up repo',
      '- [ ] [seq:2] [depends:1] [agent:code-intel] build frontend',
      '- [ ] [seq:3] [depends:1,2] [agent:deploy] push to staging',
      '- [ ] [seq:4] [agent:Strata Test] write docs',
    ]);

    // A dependency on a task that does not exist is refused (exit 1), and the file is untouched.
    const missing = strata(['queue', 'add', '--depends', '9', 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot depend on 9: no such task/);
    expect(sandbox.read(queue)).toBe(text);

    expect(ok(['queue', 'next'])).toBe('1\topen\tset up repo\n4\topen\twrite docs\n');
    ok(['queue', 'claim', '1', '--agent', 'code-intel']);
    // code-intel has no heartbeat, but its claim is fresh: another agent is refused.
    const taken = strata(['queue', 'claim', '1', '--agent', 'other']);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/claimed by code-intel \(since [^)]+\), who has no heartbeat, so the claim itself holds for 10m, until /);
    expect(taken.stderr).not.toMatch(/lease is alive|heartbeat expires/);
    ok(['queue', 'checkpoint', '1', 'cloned', 'the', 'template']);
    const early = strata(['queue', 'done', '2']);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/task 2 waits for 1 \(claimed\)/);
    // code-intel's claim is alive: another agent cannot mark the task done behind its back.
    const behind = strata(['queue', 'done', '1', '--agent', 'other']);
    expect(behind.status).toBe(1);
    expect(behind.stderr).toMatch(/task 1 is claimed by code-intel \(since [^)]+\), who has no heartbeat, so the claim itself holds for 10m, until [^;]+; you are other\nhint: .*--force/);
    ok(['queue', 'done', '1', '--agent', 'code-intel']);

    const ready = JSON.parse(ok(['queue', 'next', '--json'])) as { seq: number; status: string; depends: number[] }[];
    expect(ready.map((t) => [t.seq, t.status])).toEqual([
      [2, 'open'],
      [4, 'open'],
    ]);
    const done = tasksOf(sandbox.read(queue))[0]!.line;
    expect(done).toMatch(/^- \[x\] \[seq:1\] .*\[claim:code-intel@[^\]]+\] \[done:[^\]]+\] set up repo$/);
    expect(sandbox.read(queue)).toMatch(/\n {2}- \[at:[^\]]+\] cloned the template\n/);

    expect(ok(['queue', 'graph'])).toBe(
      [
        'flowchart TD',
        '  t1["1 set up repo"]',
        '  t2["2 build frontend"]',
        '  t3["3 push to staging"]',
        '  t4["4 write docs"]',
        '  t1 --> t2',
        '  t1 --> t3',
        '  t2 --> t3',
        '  classDef open fill:#ffffff,stroke:#6b7280,color:#111827',
        '  classDef claimed fill:#fef3c7,stroke:#d97706,color:#111827',
        '  classDef done fill:#dcfce7,stroke:#16a34a,color:#111827',
        '  classDef cancelled fill:#f3f4f6,stroke:#9ca3af,color:#6b7280,stroke-dasharray:4 2',
        '  classDef missing fill:#fee2e2,stroke:#dc2626,color:#991b1b,stroke-dasharray:4 2',
        '  class t1 done',
        '  class t2,t3,t4 open',
        '',
      ].join('\n'),
    );

    // Stamps only move forward, and what the commands wrote passes the hooks' checks.
    const stamps = [...sandbox.read(queue).matchAll(/\d{4}-\d\d-\d\dT[\d:.]+Z/g)].map((m) => m[0]);
    expect(stamps.length).toBeGreaterThan(5);
    sandbox.git(clone, ['add', 'QUEUE.md']);
    sandbox.git(clone, ['commit', '-q', '-m', 'queue']);
  });

  it('eight concurrent queue add processes in one clone get eight distinct seqs and ids', async () => {
    const dir = join(sandbox.dir, 'a');
    const file = 'queues/parallel.md';
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => spawnStrata(dir, ['queue', 'add', '--file', file, '--agent', `agent-${i}`, `task from agent ${i}`], {})),
    );
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const tasks = tasksOf(sandbox.read(join(dir, file)));
    expect(tasks).toHaveLength(8);
    expect(tasks.map((t) => Number(t.seq)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(8);
    for (let i = 0; i < 8; i++) expect(tasks.some((t) => t.line.endsWith(`task from agent ${i}`))).toBe(true);
    // No lock is left behind, and none is in the work tree.
    expect(sandbox.git(dir, ['status', '--porcelain']).stdout).toBe('?? queues/\n');
  });

  it('next names the agent as claim does: a claim made as git config user.name is listed as ours', () => {
    const file = ['--file', 'queues/mine.md'];
    ok(['queue', 'add', ...file, 'mine']);
    ok(['queue', 'claim', '1', ...file]);
    expect(ok(['queue', 'next', ...file])).toMatch(/^1\tclaimed\tmine \[claim:Strata Test@[^\]]+\]\n$/);
    expect(ok(['queue', 'next', ...file], { STRATA_AGENT: 'other' })).toBe('');
  });

  it('hands a claim over once the holder’s heartbeat has expired', () => {
    const file = ['--file', 'queues/lease.md'];
    ok(['queue', 'add', ...file, '--agent', 'lead', 'long task']);
    const at = (min: number): NodeJS.ProcessEnv => ({ STRATA_NOW: `2026-11-27T22:${String(min).padStart(2, '0')}:00.000Z` });
    ok(['heartbeat', '--agent', 'worker', '--status', 'busy', '--ttl', '10m', 'on it'], at(0));
    ok(['queue', 'claim', '1', ...file, '--agent', 'worker'], at(0));
    const refused = strata(['queue', 'claim', '1', ...file, '--agent', 'helper'], at(5));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/claimed by worker .*whose heartbeat is alive until 2026-11-27T22:10:00\.000Z/);
    // The worker's own next still lists its claim; the helper's does not.
    expect(ok(['queue', 'next', ...file, '--agent', 'worker'], at(5))).toMatch(/^1\tclaimed\tlong task/);
    expect(ok(['queue', 'next', ...file, '--agent', 'helper'], at(5))).toBe('');
    expect(ok(['queue', 'claim', '1', ...file, '--agent', 'helper'], at(11))).toMatch(/took over from worker/);
    expect(sandbox.read(join(clone, 'queues/lease.md'))).toMatch(/\[claim:helper@[^\]]+\] \[claim-lost:worker@[^\]]+\] long task/);
  });

  it('heartbeat replaces the agent line; fact set supersedes and fact get reads the current value', () => {
    ok(['heartbeat', '--agent', 'hb', '--status', 'busy', 'first'], { STRATA_NOW: '2026-11-27T23:00:00.000Z' });
    // A slow clock (within the 15m bound: see 'a stamp a wrong clock wrote far ahead') still moves the stamp forward.
    ok(['heartbeat', '--agent', 'hb'], { STRATA_NOW: '2026-11-27T22:50:00.000Z' });
    const hb = sandbox.read(join(clone, 'HEARTBEAT.md'));
    expect(hb.match(/\[agent:hb\]/g)).toHaveLength(1);
    expect(hb).toContain('- [agent:hb] [at:2026-11-27T23:00:00.001Z] [status:busy] [ttl:10m] first\n');

    ok(['fact', 'set', 'frontend', 'framework', 'React', '--agent', 'research']);
    ok(['fact', 'set', 'frontend', 'framework', 'Vue', '--agent', 'research']);
    ok(['fact', 'set', 'frontend', 'lang', 'TypeScript']);
    expect(ok(['fact', 'get', 'frontend', 'framework'])).toBe('Vue\n');
    expect(ok(['fact', 'get', 'frontend'])).toBe('framework\tVue\nlang\tTypeScript\n');
    const json = JSON.parse(ok(['fact', 'get', 'frontend', '--json'])) as { attr: string; value: string; agent: string }[];
    expect(json.map((f) => f.value)).toEqual(['Vue', 'TypeScript']);
    expect(sandbox.read(join(clone, 'MEMORY.md'))).toMatch(/\[superseded:yes\] React\n/);
    expect(strata(['fact', 'get', 'backend']).status).toBe(1);

    sandbox.git(clone, ['add', '-A']);
    sandbox.git(clone, ['commit', '-q', '-m', 'writers']);
  });

  it('never writes a seq it cannot count exactly (past 2^53), nor a duplicate of one', () => {
    const own = makeSandbox('strata-bigseq-');
    try {
      const { c: dir } = makeRemoteWithClones(own, ['c']) as { c: string };
      const queue = join(dir, 'QUEUE.md');
      own.write(queue, '# Queue\n\n- [ ] [seq:20261128124010811] [id:aaaaaaaaaa] dated seq\n');
      const run = (args: string[]): RunResult => own.strata(dir, args, { allowFail: true, env: { STRATA_AGENT: 'agent' } });
      expect(run(['queue', 'add', 'one']).status).toBe(0);
      expect(run(['queue', 'add', 'two']).status).toBe(0);
      const seqs = tasksOf(own.read(queue)).map((t) => t.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      for (const seq of seqs.slice(1)) expect(Number.isSafeInteger(Number(seq))).toBe(true);
      // The dated seq is named as the problem, not read rounded.
      const check = run(['check', 'QUEUE.md']);
      expect(check.status).toBe(1);
      expect(check.stdout).toContain('QUEUE.md:3: malformed-entry: [seq:20261128124010811] is larger than 9007199254740991');
      expect(check.stdout).not.toContain('duplicate-seq');
      const named = run(['queue', 'done', '20261128124010811']);
      expect(named.status).toBe(2);
      expect(named.stderr).toContain('20261128124010811 is larger than 9007199254740991');
      own.write(queue, '# Queue\n\n- [ ] [seq:9007199254740991] [id:aaaaaaaaaa] the largest\n');
      const full = run(['queue', 'add', 'three']);
      expect(full.status).toBe(1);
      expect(full.stderr).toContain('the next seq would be larger than 9007199254740991');
      expect(own.read(queue)).not.toContain('three');
    } finally {
      own.cleanup();
    }
  });

  it('refuses to claim a task whose dependency is cancelled, or to add one, as done refuses to finish it', () => {
    const file = ['--file', 'queues/cancelled.md'];
    const text = '# Queue\n\n- [-] [seq:1] [id:0000000001] cancelled\n- [ ] [seq:2] [id:0000000002] [depends:1] waits\n';
    sandbox.write(join(clone, 'queues/cancelled.md'), text);
    expect(ok(['queue', 'next', ...file])).toBe('');
    const claimed = strata(['queue', 'claim', '2', ...file]);
    expect(claimed.status).toBe(1);
    expect(claimed.stderr).toContain('strata: queues/cancelled.md: task 2 can never be done, so it cannot be claimed: it waits for 1, which is cancelled');
    expect(claimed.stderr).toContain("hint: a cancelled task is never done: if it still needs what 1 was for, add a task for that (git strata queue add) and put it in task 2's [depends:…]");
    const added = strata(['queue', 'add', ...file, '--depends', '1', 'new on a cancelled dep']);
    expect(added.status).toBe(1);
    expect(added.stderr).toContain('cannot depend on 1: it is cancelled, so the new task could never be done');
    const finished = strata(['queue', 'done', '2', ...file]);
    expect(finished.status).toBe(1);
    expect(finished.stderr).toContain('1 will never be done');
    expect(sandbox.read(join(clone, 'queues/cancelled.md'))).toBe(text);
    // With the edge removed, the task is ready, claimed and done as any other.
    sandbox.write(join(clone, 'queues/cancelled.md'), text.replace(' [depends:1]', ''));
    ok(['queue', 'claim', '2', ...file]);
    ok(['queue', 'done', '2', ...file]);
  });

  it('reports usage errors with exit 2 and a hint', () => {
    expect(strata(['queue', 'claim', 'not a task!']).status).toBe(2);
    expect(strata(['queue', 'claim', 'zzzzzzzzzz']).stderr).toContain('no task has [id:zzzzzzzzzz]');
    expect(strata(['queue', 'frobnicate']).status).toBe(2);
    // A file .gitattributes types otherwise is not a queue.
    const wrongType = strata(['queue', 'add', '--file', 'HEARTBEAT.md', 'not a heartbeat']);
    expect(wrongType.status).toBe(2);
    expect(wrongType.stderr).toContain("HEARTBEAT.md is a 'heartbeat' file (its strata attribute), not a 'queue' file");
    expect(strata(['heartbeat', '--file', 'QUEUE.md', '--agent', 'x', 'hi']).status).toBe(2);
    const missing = strata(['queue', 'claim']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("strata: missing required argument 'task'\nhint: git strata queue claim --help shows the usage\n");
    expect(strata(['heartbeat', '--ttl', 'soon']).status).toBe(2);
    // A bare number is not a ttl: `[ttl:5]` would read as 5 minutes to one agent and 5 seconds to another.
    const bare = strata(['heartbeat', '--agent', 'bare', '--ttl', '5']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe("strata: ttl '5' has no unit\nhint: write 5s for seconds or 5m for minutes (a ttl is a duration such as 30s, 10m, 1h or 2d)\n");
    const heartbeats = join(clone, 'HEARTBEAT.md');
    expect(existsSync(heartbeats) ? sandbox.read(heartbeats) : '').not.toContain('[agent:bare]');
    const outside = strata(['queue', 'next', '--file', '../elsewhere.md']);
    expect(outside.status).toBe(3);
    expect(outside.stderr).toMatch(/outside the repository/);
  });
});

describe('a repository that keeps HEARTBEAT.md as plain Markdown (OpenClaw)', () => {
  it('finds the one file the attributes type as heartbeats, for heartbeat and for the leases of claim', () => {
    const attributes = '*.md merge=strata strata=markdown\nQUEUE.md merge=strata strata=queue\nagents/HEARTBEATS.md merge=strata strata=heartbeat\n';
    const own = makeSandbox('strata-openclaw-');
    const { b: dir } = makeRemoteWithClones(own, ['b'], { attributes, files: { 'HEARTBEAT.md': '# Check these each turn\n\n- nothing\n' } }) as { b: string };
    const strata = (args: string[], env: NodeJS.ProcessEnv, cwd: string): RunResult => own.strata(cwd, args, { allowFail: true, env });
    const ok = (args: string[], env: NodeJS.ProcessEnv, cwd: string): string => {
      const result = strata(args, env, cwd);
      expect(result.status, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const env = { STRATA_NOW: '2026-11-27T10:00:00.000Z' };
    // The heartbeat goes to agents/HEARTBEATS.md (not committed yet), not into the prompt file.
    ok(['heartbeat', '--agent', 'alice', '--ttl', '10m', 'working'], env, dir);
    expect(own.read(join(dir, 'agents/HEARTBEATS.md'))).toMatch(/^- \[agent:alice\] \[at:2026-11-27T10:00:00\.000Z\]/m);
    expect(own.read(join(dir, 'HEARTBEAT.md'))).toBe('# Check these each turn\n\n- nothing\n');
    ok(['queue', 'add', '--agent', 'alice', 'a task'], env, dir);
    ok(['queue', 'claim', '1', '--agent', 'alice'], env, dir);
    // alice's lease there is alive: bob is refused, without having to name the file.
    const taken = strata(['queue', 'claim', '1', '--agent', 'bob'], { STRATA_NOW: '2026-11-27T10:05:00.000Z' }, dir);
    expect(taken.status, taken.stderr).toBe(1);
    expect(taken.stderr).toMatch(/claimed by alice .*whose heartbeat is alive until/);
    // Two such files: the command asks which.
    own.write(join(dir, '.gitattributes'), `${attributes}team/HEARTBEATS.md merge=strata strata=heartbeat\n`);
    own.write(join(dir, 'team/HEARTBEATS.md'), '# Heartbeats\n');
    const which = strata(['queue', 'claim', '1', '--agent', 'bob'], env, dir);
    expect(which.status).toBe(2);
    expect(which.stderr).toMatch(/hint: several files are 'heartbeat' files \(agents\/HEARTBEATS\.md, team\/HEARTBEATS\.md\): pick one with --heartbeats/);
    own.cleanup();
  });
});

describe('a repository whose queue is not at the top', () => {
  it('uses the one QUEUE.md there is, from any directory, instead of creating one at the top; never a channel of another name; asks which among several', () => {
    const attributes = '**/QUEUE.md merge=strata strata=queue\nqueues/*.md merge=strata strata=queue\n';
    const own = makeSandbox('strata-subqueue-');
    const { b: dir } = makeRemoteWithClones(own, ['b'], { attributes, files: { 'team/QUEUE.md': '# Queue\n\n- [ ] [seq:1] [id:aaaaaaaaaa] team one\n' } }) as { b: string };
    const run = (args: string[], cwd = dir): RunResult => own.strata(cwd, args, { allowFail: true, env: { STRATA_AGENT: 'alice' } });
    const next = run(['queue', 'next', '--json']);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/team one/);
    const added = run(['queue', 'add', 'meant for the team'], join(dir, 'team'));
    expect(added.status, added.stderr).toBe(0);
    expect(own.read(join(dir, 'team/QUEUE.md'))).toMatch(/\[seq:2\] \[id:\w+\][^\n]* meant for the team$/m);
    expect(existsSync(join(dir, 'QUEUE.md'))).toBe(false);
    // A channel of another name is never taken for QUEUE.md: the team's queue is still the one.
    own.write(join(dir, 'queues/ops.md'), '# Ops\n');
    own.git(dir, ['add', 'queues/ops.md']);
    expect(run(['queue', 'add', 'still the team\'s']).status).toBe(0);
    expect(own.read(join(dir, 'team/QUEUE.md'))).toMatch(/still the team's$/m);
    expect(own.read(join(dir, 'queues/ops.md'))).toBe('# Ops\n');
    // A second QUEUE.md elsewhere: neither is the obvious one, so the command asks.
    own.write(join(dir, 'infra/QUEUE.md'), '# Infra\n');
    own.git(dir, ['add', 'infra/QUEUE.md']);
    const which = run(['queue', 'add', 'which one?']);
    expect(which.status).toBe(2);
    expect(which.stderr).toMatch(/there is no QUEUE\.md, and several files are 'queue' files \(infra\/QUEUE\.md, team\/QUEUE\.md\)/);
    expect(which.stderr).toMatch(/hint: pick one with --file/);
    expect(existsSync(join(dir, 'QUEUE.md'))).toBe(false);
    own.cleanup();
  });
});

describe('a task renumbered by a pull', () => {
  it('is refused by its old number, which now names another task, and found by its id', () => {
    const box = makeSandbox('strata-renumber-');
    try {
      const { a, b } = makeRemoteWithClones(box, ['a', 'b'], { files: { 'QUEUE.md': '# Queue\n' } }) as { a: string; b: string };
      const run = (cwd: string, args: string[]): RunResult => box.strata(cwd, args, { allowFail: true, env: { STRATA_AGENT: 'agent' } });
      // Both clones add "task 1" concurrently; a pushes first, b pulls: one of the two becomes seq 2.
      const idA = tasksOf(readQueue(box, a, () => run(a, ['queue', 'add', 'a task'])))[0]!.id;
      run(b, ['queue', 'add', 'b task']);
      for (const [dir, msg] of [[a, 'a'], [b, 'b']] as const) {
        box.git(dir, ['add', 'QUEUE.md']);
        box.git(dir, ['commit', '-q', '-m', msg]);
      }
      box.git(a, ['push', '-q', 'origin', 'HEAD:main']);
      box.git(b, ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
      const after = tasksOf(box.read(join(b, 'QUEUE.md')));
      expect(after.map((t) => t.seq).sort()).toEqual(['1', '2']);
      const moved = after.find((t) => t.line.includes('[was:1]'))!;
      const stayed = after.find((t) => t.seq === '1')!;
      // "done 1" would have finished whichever task has 1 now: refused, with both ids named.
      const refused = run(b, ['queue', 'done', '1']);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('1 is ambiguous');
      expect(refused.stderr).toContain(`[id:${moved.id}]`);
      expect(refused.stderr).toContain(`[id:${stayed.id}]`);
      // By id, each task is found whatever its number.
      const done = run(b, ['queue', 'done', idA]);
      expect(done.status, done.stderr).toBe(0);
      expect(done.stdout).toContain(`done ${after.find((t) => t.id === idA)!.seq}: a task`);
    } finally {
      box.cleanup();
    }
  });
});

describe('a stamp a wrong clock wrote far ahead', () => {
  let box: Sandbox;
  let a: string;
  let b: string;
  // One agent's machine ran a year ahead; bob and alice have right clocks.
  const HEARTBEATS = '# Heartbeat\n\n- [agent:skewed] [at:2027-11-28T00:00:00.000Z] [status:alive] [ttl:10m] clock a year ahead\n';
  const BOB = '2026-11-28T12:00:00.000Z';
  const DAY_LATER = '2026-11-29T12:00:00.000Z';

  beforeAll(() => {
    box = makeSandbox('strata-skew-');
    ({ a, b } = makeRemoteWithClones(box, ['a', 'b'], { files: { 'HEARTBEAT.md': HEARTBEATS, 'QUEUE.md': '# Queue\n\n- [ ] [seq:1] [id:0000000001] one\n' } }) as { a: string; b: string });
  });
  afterAll(() => box.cleanup());

  const run = (cwd: string, args: string[], now: string): RunResult => box.strata(cwd, args, { allowFail: true, env: { STRATA_NOW: now } });
  /** A commit through the hooks, made at `now` (the hook's clock). */
  const commitAt = (cwd: string, now: string, message: string): RunResult => {
    box.git(cwd, ['add', '-A']);
    const result = spawnSync('git', ['commit', '-q', '-m', message], { cwd, env: { ...box.env, STRATA_NOW: now }, encoding: 'utf8' });
    return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
  };

  it('is not followed: a dead agent’s claim is taken over after its lease, despite a heartbeat a year ahead elsewhere in the file', () => {
    const beat = run(a, ['heartbeat', '--agent', 'bob', '--ttl', '10m', 'bob here'], BOB);
    expect(beat.status, beat.stderr).toBe(0);
    // bob's lease is his own clock's: before, it was stamped after the skewed line, a year ahead.
    expect(beat.stdout).toBe(`HEARTBEAT.md: - [agent:bob] [at:${BOB}] [status:alive] [ttl:10m] bob here\n`);
    expect(beat.stderr).toContain(`strata: warning: HEARTBEAT.md:3: the stamp 2027-11-28T00:00:00.000Z is 365 days ahead of ${BOB}, the time here, more than the 15m a clock may be off`);
    expect(beat.stderr).toContain(`not followed: this write is stamped ${BOB}; fix the wrong clock`);
    expect(run(a, ['queue', 'claim', '1', '--agent', 'bob'], BOB).status).toBe(0);
    expect(commitAt(a, BOB, 'bob works on 1').status).toBe(0);
    box.git(a, ['push', '-q', 'origin', 'HEAD:main']);
    box.git(b, ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
    // bob died; a day later alice takes his task over: his 10-minute lease ran out long ago.
    const taken = run(b, ['queue', 'claim', '1', '--agent', 'alice'], DAY_LATER);
    expect(taken.status, taken.stderr).toBe(0);
    expect(taken.stdout).toBe('QUEUE.md: claimed 1 for alice (took over from bob, whose heartbeat expired at 2026-11-28T12:10:00.000Z)\n');
    expect(box.read(join(b, 'QUEUE.md'))).toContain(`[claim:alice@${DAY_LATER}] [claim-lost:bob@${BOB}]`);
    expect(commitAt(b, DAY_LATER, 'alice takes 1 over').status).toBe(0);
  });

  it('the agent’s own heartbeat a wrong clock stamped is replaced at this clock’s time, and the commit passes the hook', () => {
    // skewed's clock is fixed: its next heartbeat is stamped by the right clock, not a year ahead + 1 ms.
    const beat = run(b, ['heartbeat', '--agent', 'skewed', 'clock fixed'], DAY_LATER);
    expect(beat.status, beat.stderr).toBe(0);
    expect(beat.stdout).toBe(`HEARTBEAT.md: - [agent:skewed] [at:${DAY_LATER}] [status:alive] [ttl:10m] clock fixed\n`);
    expect(beat.stderr).toContain("an agent's own is corrected by its next heartbeat");
    const committed = commitAt(b, DAY_LATER, 'skewed corrected');
    expect(committed.stderr).toBe('');
    expect(committed.status).toBe(0);
    // Nothing is ahead any more: no warning.
    expect(run(b, ['heartbeat', '--agent', 'alice'], DAY_LATER).stderr).toBe('');
  });

  it('is followed where the write must come after it: done after a dependency, a fact after the one it supersedes', () => {
    const done = '2027-06-01T00:00:00.000Z';
    box.write(join(b, 'QUEUE.md'), `# Queue\n\n- [x] [seq:1] [id:0000000001] [done:${done}] one\n- [ ] [seq:2] [id:0000000002] [depends:1] two\n`);
    box.write(join(b, 'MEMORY.md'), `# Memory\n\n- [entity:db] [attr:engine] [at:${done}] [agent:ops] Postgres\n- [entity:db] [attr:host] [at:${done}] [agent:ops] db1\n`);
    // Committed on the machine whose clock wrote them: on a right clock the hook refuses stamps that far ahead (stamp-ahead).
    expect(commitAt(b, DAY_LATER, 'stamps ahead').stderr).toContain('QUEUE.md:3: stamp-ahead: the stamp 2027-06-01T00:00:00.000Z of [done:…] on seq 1 is 184 days ahead');
    expect(commitAt(b, done, 'stamps ahead').status).toBe(0);
    const finished = run(b, ['queue', 'done', '2'], DAY_LATER);
    expect(finished.status, finished.stderr).toBe(0);
    expect(box.read(join(b, 'QUEUE.md'))).toContain('[done:2027-06-01T00:00:00.001Z] two');
    expect(finished.stderr).toContain('strata: warning: QUEUE.md:3: the stamp 2027-06-01T00:00:00.000Z is 184 days ahead');
    expect(finished.stderr).toContain('this write must come after it (a task is done after its dependencies');
    const fact = run(b, ['fact', 'set', 'db', 'engine', 'MySQL'], DAY_LATER);
    expect(fact.status, fact.stderr).toBe(0);
    expect(fact.stdout).toContain('[at:2027-06-01T00:00:00.001Z] [agent:Strata Test] MySQL (supersedes 1 older)');
    expect(fact.stderr).toContain('MEMORY.md:3: the stamp 2027-06-01T00:00:00.000Z');
    // Another slot's stamp ahead is not followed.
    const other = run(b, ['fact', 'set', 'db', 'port', '5432'], DAY_LATER);
    expect(other.stdout).toContain(`[at:${DAY_LATER}]`);
    expect(other.stderr).toMatch(/MEMORY\.md:\d: the stamp 2027-06-01T00:00:00\.001Z is 184 days ahead .*not followed/);
    // What the writers had to stamp after those stamps is not the commit's doing: it passes the hook.
    const followed = commitAt(b, DAY_LATER, 'done and facts');
    expect(followed.stderr).toBe('');
    expect(followed.status).toBe(0);
  });
});

describe('a heartbeat an older strata carried a year ahead', () => {
  it('does not hold its agent’s claim for a year: it is taken over one lease after the claim, in another clone', () => {
    const box = makeSandbox('strata-pinned-');
    try {
      // As the unbounded clock left it: bob's beat stamped after skewed's line, his claim by his own clock.
      const files = {
        'HEARTBEAT.md': '# Heartbeat\n\n- [agent:skewed] [at:2027-11-28T00:00:00.000Z] [ttl:10m] ahead\n- [agent:bob] [at:2027-11-28T00:00:00.001Z] [status:alive] [ttl:10m] bob here\n',
        'QUEUE.md': '# Queue\n\n- [ ] [seq:1] [id:0000000001] [claim:bob@2026-11-28T12:00:00.000Z] one\n',
      };
      const { b } = makeRemoteWithClones(box, ['b'], { files }) as { b: string };
      const run = (args: string[], now: string): RunResult => box.strata(b, args, { allowFail: true, env: { STRATA_NOW: now } });
      const soon = run(['queue', 'claim', '1', '--agent', 'alice'], '2026-11-28T12:05:00.000Z');
      expect(soon.status).toBe(1);
      expect(soon.stderr).toContain(
        'claimed by bob (since 2026-11-28T12:00:00.000Z), whose heartbeat (HEARTBEAT.md:4) is stamped 2027-11-28T00:00:00.001Z, 364 days ahead of this clock: more than the 15m a clock may be off, so it does not count; the claim itself holds for one lease (10m), until 2026-11-28T12:10:00.000Z',
      );
      expect(run(['queue', 'next', '--agent', 'alice'], '2026-11-29T12:00:00.000Z').stdout).toBe('1\tclaimed\tone [claim:bob@2026-11-28T12:00:00.000Z]\n');
      const taken = run(['queue', 'claim', '1', '--agent', 'alice'], '2026-11-29T12:00:00.000Z');
      expect(taken.status, taken.stderr).toBe(0);
      expect(taken.stdout).toMatch(/claimed 1 for alice \(took over from bob, whose heartbeat \(HEARTBEAT\.md:4\) .* and the claim is older than one lease \(10m\)\)/);
    } finally {
      box.cleanup();
    }
  });
});

/** Runs `add` in `cwd`, then returns the queue file's text. */
function readQueue(box: Sandbox, cwd: string, add: () => RunResult): string {
  const result = add();
  expect(result.status, result.stderr).toBe(0);
  return box.read(join(cwd, 'QUEUE.md'));
}
