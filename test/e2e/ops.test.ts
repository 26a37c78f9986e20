// Exactly once, with real git: two executor clones compete for every op through the remote's atomic ref
// update (strata.claimRemote=origin) while a third clone requests ops; pulls and replays happen in a
// seeded random order, sometimes at the same time. STRATA_OPS_ROUNDS sets the number of rounds
// (default 10), STRATA_OPS_SEED replays a run.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerFindings } from '../../src/core/replay/plan.js';
import { type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';
import { makeExecutor, prng, pullAndPush, readLog, runAsync, strataAsync, writeHandler } from './ops-helpers.js';

const ROUNDS = Number(process.env.STRATA_OPS_ROUNDS ?? 10);
const SEED = Number(process.env.STRATA_OPS_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('ops: exactly once across competing executors', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-');
    clones = makeRemoteWithClones(sandbox, ['exec1', 'exec2', 'agent']);
    log = join(sandbox.dir, 'handler.log');
    const handler = writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'no-such-flag'));
    makeExecutor(sandbox, clones.exec1!, 'exec1', { note: [handler, 'fixed'] }, { 'strata.claimRemote': 'origin' });
    makeExecutor(sandbox, clones.exec2!, 'exec2', { note: [handler, 'fixed'] }, { 'strata.claimRemote': 'origin' });
  });
  afterAll(() => sandbox?.cleanup());

  it(`runs every op once in ${ROUNDS} rounds (seed ${SEED}), and the ledgers converge`, async () => {
    console.log(`ops e2e: ${ROUNDS} rounds, seed ${SEED} (STRATA_OPS_SEED=${SEED} replays it)`);
    const random = prng(SEED);
    const keys: string[] = [];
    let rejected = 0;
    const started = Date.now();
    const executorCycle = async (name: 'exec1' | 'exec2'): Promise<void> => {
      const pulled = await runAsync(sandbox, clones[name]!, 'git', ['pull', '-q', '--no-edit', 'origin', 'main']);
      expect(pulled.status, pulled.stderr).toBe(0);
      const replayed = await strataAsync(sandbox, clones[name]!, ['replay']);
      expect(replayed.status, replayed.stderr).toBe(0);
      rejected += (pulled.stderr + replayed.stderr).split('claim push was rejected').length - 1;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const requests = Math.floor(random() * 3);
      for (let r = 0; r < requests; r++) {
        const key = `note-${round}-${r}`;
        keys.push(key);
        const requested = await strataAsync(sandbox, clones.agent!, ['op', 'request', 'note', '--key', key, '--agent', 'agent', '--', `arg ${round}`, String(r)]);
        expect(requested.status, requested.stderr).toBe(0);
      }
      if (requests > 0) {
        sandbox.git(clones.agent!, ['add', 'OPS.md']);
        sandbox.git(clones.agent!, ['commit', '-q', '-m', `requests of round ${round}`]);
        await pullAndPush(sandbox, clones.agent!);
      }
      const order = random() < 0.5 ? (['exec1', 'exec2'] as const) : (['exec2', 'exec1'] as const);
      if (random() < 0.5) await Promise.all(order.map(executorCycle));
      else for (const name of order) if (random() < 0.8) await executorCycle(name);
    }
    // Final sync: every executor replays until nothing is left, then every clone pulls.
    for (let pass = 0; pass < 2; pass++) for (const name of ['exec1', 'exec2'] as const) await executorCycle(name);
    for (const name of ['exec1', 'exec2', 'agent']) sandbox.git(clones[name]!, ['pull', '-q', '--no-edit', 'origin', 'main']);
    console.log(`ops e2e: ${keys.length} ops in ${ROUNDS} rounds took ${Date.now() - started} ms; ${rejected} claim pushes lost a race`);

    const ran = readLog(log);
    const counts = new Map<string, number>();
    for (const [key] of ran) counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const key of keys) expect(counts.get(key), `${key} ran ${counts.get(key) ?? 0} times (seed ${SEED})`).toBe(1);
    expect(ran).toHaveLength(keys.length);
    const byKey = new Map(ran);
    for (const key of keys) {
      const [, round, r] = /^note-(\d+)-(\d+)$/.exec(key)!;
      expect(byKey.get(key)).toEqual(['fixed', `arg ${round}`, r]);
    }

    const ledgers = ['exec1', 'exec2', 'agent'].map((name) => sandbox.read(join(clones[name]!, '.strata/ledger.md')));
    expect(ledgers[1]).toBe(ledgers[0]);
    expect(ledgers[2]).toBe(ledgers[0]);
    const ops = sandbox.read(join(clones.agent!, 'OPS.md'));
    expect(ledgerFindings(ops, ledgers[0]!)).toEqual([]);

    const shown = JSON.parse(sandbox.strata(clones.agent!, ['op', 'show', '--json']).stdout) as Array<{ key: string; state: string; exit: number }>;
    expect(shown.map((s) => s.key).sort()).toEqual([...keys].sort());
    for (const s of shown) expect(s).toMatchObject({ state: 'done', exit: 0 });
  }, 30_000 + ROUNDS * 6_000);

  it('op run KEY on a done op replays the recorded result and runs nothing', () => {
    const [key] = readLog(log)[0] ?? ['note-missing'];
    const before = readLog(log).length;
    for (const clone of [clones.agent!, clones.exec1!, clones.exec2!]) {
      const result = sandbox.strata(clone, ['op', 'run', key]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`handled ${key} with 3 args`);
      expect(result.stderr).toContain('nothing run');
    }
    expect(readLog(log)).toHaveLength(before);
  });

  it('a clone that is not an executor runs nothing, even with a handler configured', () => {
    sandbox.git(clones.agent!, ['config', `strata.handler.note`, JSON.stringify([join(sandbox.dir, 'handler.sh')])]);
    sandbox.strata(clones.agent!, ['op', 'request', 'note', '--key', 'agent-only', '--agent', 'agent', 'x']);
    sandbox.git(clones.agent!, ['commit', '-q', '-am', 'one more']);
    const before = readLog(log).length;
    const replayed = sandbox.strata(clones.agent!, ['replay']);
    expect(replayed.stderr).toContain('not an executor');
    const run = sandbox.strata(clones.agent!, ['op', 'run', 'agent-only'], { allowFail: true });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('not an executor');
    expect(readLog(log)).toHaveLength(before);
  });
});

// `op run KEY` on a pending op runs it here (an executor) and then prints its result: that result was
// just made, so the line after it must not say 'nothing run' (the words for a result only replayed).
describe('op run on a pending op', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.cleanup());

  it('runs it once and says the result is recorded; asked again, it replays the record and runs nothing', () => {
    sandbox = makeSandbox('strata-op-run-');
    const clones = makeRemoteWithClones(sandbox, ['exec']);
    const exec = clones.exec!;
    const log = join(sandbox.dir, 'handler.log');
    makeExecutor(sandbox, exec, 'exec', { note: [writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'no-such-flag'))] }, { 'strata.claimRemote': 'origin' });
    sandbox.strata(exec, ['op', 'request', 'note', '--key', 'now-1', '--agent', 'agent', 'x']);
    sandbox.git(exec, ['add', 'OPS.md']);
    sandbox.git(exec, ['commit', '-q', '-m', 'request']);

    const first = sandbox.strata(exec, ['op', 'run', 'now-1']);
    expect(first.stdout).toContain('strata: ran now-1 (note): done, exit 0');
    expect(first.stdout).toContain('handled now-1 with 1 args');
    expect(first.stderr).toMatch(/^strata: now-1 was done by exec at .*; result recorded in the ledger$/m);
    expect(first.stderr).not.toContain('nothing run');
    expect(readLog(log)).toHaveLength(1);

    const again = sandbox.strata(exec, ['op', 'run', 'now-1']);
    expect(again.stdout).not.toContain('strata: ran');
    expect(again.stderr).toContain('recorded result, nothing run');
    expect(readLog(log)).toHaveLength(1);
  });
});
