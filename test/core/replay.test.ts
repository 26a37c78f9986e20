// The replay planner and its helpers: pure functions over OPS.md and ledger texts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeArgs, encodeArgs } from '../../src/core/replay/args.js';
import { chooseClaimRemote, claimsMayUseRemote, parseConfigDump, readSettings, splitCommand } from '../../src/core/replay/config.js';
import { JOURNAL_HEADER, type JournalRecord, describeLostRun, journalLine, journalOf, lostRun } from '../../src/core/replay/journal.js';
import { type Handler, ledgerFindings, opStatuses, planReplay } from '../../src/core/replay/plan.js';
import { appendRecord, appendRequest, cleanNote } from '../../src/core/replay/write.js';

const T0 = Date.parse('2026-11-27T11:00:00.000Z');
const min = 60_000;
const stamp = (ms: number): string => new Date(ms).toISOString();

const OPS = [
  '# Ops',
  '',
  '- [op:deploy-v42] [kind:deploy] [agent:deploy] [at:2026-11-27T11:00:00.000Z] [args:v42 production] push v42',
  '- [op:mail-1] [kind:mail] [agent:ops] [at:2026-11-27T11:00:01.000Z] [args:team@x] weekly mail',
  '',
].join('\n');

const handlers = (entries: Record<string, Handler>): ReadonlyMap<string, Handler> => new Map(Object.entries(entries));
const both = handlers({ deploy: { idempotent: false }, mail: { idempotent: false } });

function rec(key: string, state: string, by: string, at: number, extra = ''): string {
  return `- [op:${key}] [state:${state}] [by:${by}] [at:${stamp(at)}]${extra}`;
}

function plan(ledger: string[], options: { now?: number; executor?: string; handlers?: ReadonlyMap<string, Handler>; ops?: string } = {}) {
  return planReplay({ ops: options.ops ?? OPS, ledger: ledger.join('\n'), now: options.now ?? T0 + min, executor: options.executor ?? 'A', handlers: options.handlers ?? both });
}

describe('planReplay', () => {
  it('runs requests with no ledger record, in request order', () => {
    const p = plan([]);
    expect(p.actions.map((a) => [a.type, a.key])).toEqual([
      ['run', 'deploy-v42'],
      ['run', 'mail-1'],
    ]);
    const first = p.actions[0]!;
    expect(first.type === 'run' && first.args).toEqual(['v42', 'production']);
  });

  it('orders requests by time, not by the text of their stamps', () => {
    // As text, 11:00:05Z sorts after 11:00:05.500Z; it was asked first.
    const ops = [
      '# Ops',
      '',
      '- [op:mail-1] [kind:mail] [agent:ops] [at:2026-11-27T11:00:05.500Z] [args:team@x] weekly mail',
      '- [op:deploy-v42] [kind:deploy] [agent:deploy] [at:2026-11-27T11:00:05Z] [args:v42 production] push v42',
      '',
    ].join('\n');
    expect(plan([], { ops }).actions.map((a) => a.key)).toEqual(['deploy-v42', 'mail-1']);
  });

  it('never runs a settled op', () => {
    const p = plan([rec('deploy-v42', 'done', 'B', T0 + 1000, ' [exit:0]'), rec('mail-1', 'failed', 'B', T0 + 2000, ' [exit:3]')]);
    expect(p.actions).toEqual([]);
    expect(p.statuses.map((s) => s.state)).toEqual(['done', 'failed']);
  });

  it('skips ops whose kind has no local handler and reports them', () => {
    const p = plan([], { handlers: handlers({ deploy: { idempotent: false } }) });
    expect(p.actions.map((a) => a.key)).toEqual(['deploy-v42']);
    expect(p.unhandled.map((s) => s.key)).toEqual(['mail-1']);
  });

  it('reports a key reused with different parameters and never runs it, even with a handler', () => {
    const ops = `${OPS}- [op:deploy-v42] [kind:deploy] [agent:other] [at:2026-11-27T11:00:05.000Z] [args:v43 production] again\n`;
    const p = plan([], { ops });
    expect(p.actions.map((a) => a.key)).toEqual(['mail-1']);
    expect(p.conflicts.map((s) => s.key)).toEqual(['deploy-v42']);
  });

  it('a key that ran stays done when a request with other parameters comes later: it ran, and is not run again', () => {
    const ops = `${OPS}- [op:deploy-v42] [kind:deploy] [agent:other] [at:2026-11-27T11:00:05.000Z] [args:v43 production] again\n`;
    const p = plan([rec('deploy-v42', 'done', 'B', T0 + 1000, ' [exit:0]')], { ops });
    expect(p.actions.map((a) => a.key)).toEqual(['mail-1']);
    expect(p.statuses.find((s) => s.key === 'deploy-v42')?.state).toBe('done');
  });

  it('runs a key requested twice with the same parameters once', () => {
    const ops = `${OPS}- [op:mail-1] [kind:mail] [agent:other] [at:2026-11-27T11:00:09.000Z] [args:team@x] asked again\n`;
    expect(plan([], { ops }).actions.filter((a) => a.key === 'mail-1')).toHaveLength(1);
  });

  it('leaves a live claim of another executor alone', () => {
    const p = plan([rec('deploy-v42', 'claimed', 'B', T0, ` [lease:${stamp(T0 + 10 * min)}]`)]);
    expect(p.actions.map((a) => a.key)).toEqual(['mail-1']);
    expect(p.heldByOthers.map((s) => s.key)).toEqual(['deploy-v42']);
  });

  it('takes over an expired claim of another executor only with an idempotent handler', () => {
    const ledger = [rec('deploy-v42', 'claimed', 'B', T0, ` [lease:${stamp(T0 + 10 * min)}]`)];
    const late = T0 + 11 * min;
    const idem = plan(ledger, { now: late, handlers: handlers({ deploy: { idempotent: true } }) });
    expect(idem.actions).toMatchObject([{ type: 'run', key: 'deploy-v42', reason: 'takeover' }]);
    const strict = plan(ledger, { now: late, handlers: handlers({ deploy: { idempotent: false } }) });
    expect(strict.actions).toMatchObject([{ type: 'mark-unknown', key: 'deploy-v42', reason: 'expired-claim' }]);
  });

  it('a claim without [lease:…] holds for the default lease from its [at:…]', () => {
    const ledger = [rec('deploy-v42', 'claimed', 'B', T0)];
    expect(plan(ledger, { now: T0 + 5 * min }).heldByOthers).toHaveLength(1);
    expect(plan(ledger, { now: T0 + 11 * min }).heldByOthers).toHaveLength(0);
  });

  it('turns our own claim with no result into unknown, whatever its lease', () => {
    const p = plan([rec('deploy-v42', 'claimed', 'A', T0, ` [lease:${stamp(T0 + 10 * min)}]`)]);
    expect(p.actions[0]).toMatchObject({ type: 'mark-unknown', key: 'deploy-v42', reason: 'own-claim' });
  });

  it('leaves unknown for a person unless the handler is idempotent, then runs it again', () => {
    const ledger = [rec('deploy-v42', 'claimed', 'A', T0), rec('deploy-v42', 'unknown', 'A', T0 + 1000)];
    const strict = plan(ledger);
    expect(strict.actions.map((a) => a.key)).toEqual(['mail-1']);
    expect(strict.needsPerson.map((s) => s.key)).toEqual(['deploy-v42']);
    const idem = plan(ledger, { handlers: handlers({ deploy: { idempotent: true }, mail: { idempotent: false } }) });
    expect(idem.actions[0]).toMatchObject({ type: 'run', key: 'deploy-v42', reason: 'rerun' });
  });

  it('a crash during the idempotent re-run is recovered the same way', () => {
    const ledger = [rec('deploy-v42', 'claimed', 'A', T0), rec('deploy-v42', 'unknown', 'A', T0 + 1000), rec('deploy-v42', 'claimed', 'A', T0 + 2000)];
    expect(plan(ledger).actions[0]).toMatchObject({ type: 'mark-unknown', key: 'deploy-v42' });
  });

  it("a person's retry opens a new epoch; done and failed are final within one", () => {
    const ledger = [rec('deploy-v42', 'claimed', 'A', T0), rec('deploy-v42', 'unknown', 'A', T0 + 1000), rec('deploy-v42', 'retry', 'alice', T0 + 2000, ' [resolved:yes]')];
    expect(plan(ledger).actions[0]).toMatchObject({ type: 'run', key: 'deploy-v42', reason: 'pending' });
    const resolved = [...ledger.slice(0, 2), rec('deploy-v42', 'done', 'alice', T0 + 2000, ' [resolved:yes]')];
    expect(plan(resolved).statuses[0]).toMatchObject({ state: 'done', record: { by: 'alice', resolved: true } });
  });

  it('a terminal record beats a later unknown (the slow executor did finish)', () => {
    const ledger = [rec('deploy-v42', 'claimed', 'B', T0), rec('deploy-v42', 'unknown', 'A', T0 + 11 * min), rec('deploy-v42', 'done', 'B', T0 + 12 * min)];
    expect(plan(ledger, { now: T0 + 13 * min }).statuses[0]!.state).toBe('done');
  });

  it('ledger line order does not matter: records are read by their stamps', () => {
    const ledger = [rec('deploy-v42', 'unknown', 'A', T0 + 1000), rec('deploy-v42', 'claimed', 'A', T0)];
    expect(plan(ledger).statuses[0]!.state).toBe('unknown');
  });

  it('is deterministic under any order of the ledger lines', () => {
    const lines = [
      rec('deploy-v42', 'claimed', 'B', T0, ` [lease:${stamp(T0 + 10 * min)}]`),
      rec('deploy-v42', 'done', 'B', T0 + 1000, ' [exit:0]'),
      rec('mail-1', 'claimed', 'A', T0 + 2000),
      rec('mail-1', 'unknown', 'A', T0 + 3000),
    ];
    const expected = JSON.stringify(plan(lines));
    fc.assert(
      fc.property(fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }), (shuffled) => {
        expect(JSON.stringify(plan(shuffled).actions)).toBe(JSON.stringify(JSON.parse(expected).actions));
      }),
    );
  });
});

describe('ledgerFindings', () => {
  it('reports a key reused with different parameters at the later request, 1-based', () => {
    const ops = `${OPS}- [op:deploy-v42] [kind:deploy] [agent:x] [at:2026-11-27T11:00:05.000Z] [args:v43] other\n`;
    const findings = ledgerFindings(ops, '');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ in: 'ops', line: 5, rule: 'op-key-reused' });
    expect(findings[0]!.message).toContain('deploy-v42');
    expect(findings[0]!.hint).not.toBe('');
  });

  it('reports two terminal records of one key from different executors as a duplicate execution', () => {
    const ledger = ['# Ledger', '', rec('mail-1', 'done', 'A', T0, ' [exit:0]'), rec('mail-1', 'done', 'B', T0 + 5, ' [exit:0]'), ''].join('\n');
    const findings = ledgerFindings(OPS, ledger);
    expect(findings).toEqual([expect.objectContaining({ in: 'ledger', line: 4, rule: 'duplicate-execution' })]);
  });

  it('does not count terminal records separated by a retry, or a person’s resolution', () => {
    const ledger = [
      rec('mail-1', 'failed', 'A', T0, ' [exit:1]'),
      rec('mail-1', 'retry', 'alice', T0 + 5, ' [resolved:yes]'),
      rec('mail-1', 'done', 'B', T0 + 9, ' [exit:0]'),
      rec('deploy-v42', 'unknown', 'A', T0),
      rec('deploy-v42', 'done', 'alice', T0 + 3, ' [resolved:yes]'),
      rec('deploy-v42', 'done', 'A', T0 + 4, ' [exit:0]'),
    ].join('\n');
    expect(ledgerFindings(OPS, ledger)).toEqual([]);
  });

  it('finds nothing in a clean history', () => {
    expect(ledgerFindings(OPS, [rec('mail-1', 'claimed', 'A', T0), rec('mail-1', 'done', 'A', T0 + 1, ' [exit:0]')].join('\n'))).toEqual([]);
  });
});

describe('args', () => {
  it('round-trips any non-empty argv through one tag value', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, unit: 'binary' }), { maxLength: 6 }), (args) => {
        const value = encodeArgs(args);
        expect(value).not.toMatch(/[\]\n`[]/);
        expect(decodeArgs(value)).toEqual(args);
      }),
    );
  });

  it('reads a hand-written value as words, keeping shell syntax literal', () => {
    expect(decodeArgs('v42 production')).toEqual(['v42', 'production']);
    expect(decodeArgs('; touch /tmp/pwned $(id) 100%')).toEqual([';', 'touch', '/tmp/pwned', '$(id)', '100%']);
  });
});

describe('the replay journal', () => {
  const j = (key: string, state: JournalRecord['state'], at: number, by = 'A', exit?: number): JournalRecord => ({ key, state, by, at: stamp(at), commit: `c${at}`, exit });
  const text = (records: JournalRecord[]): string => JOURNAL_HEADER + records.map(journalLine).join('');

  it('round-trips its lines, reads only the keys asked for, and skips torn or foreign lines', () => {
    const records = [j('deploy-v42', 'claimed', T0), j('deploy-v42', 'done', T0 + 1, 'A', 0), j('odd key\twith tab', 'claimed', T0 + 2), j('mail-1', 'claimed', T0 + 3)];
    const full = `${text(records)}deploy-v42\tclaimed\tA\n\ngarbage\ndeploy-v42\tbogus\tA\t${stamp(T0)}\t\t\n`;
    const read = journalOf(full, ['deploy-v42', 'odd key\twith tab', 'absent']);
    expect(read.get('deploy-v42')).toEqual(records.slice(0, 2));
    expect(read.get('odd key\twith tab')).toEqual([records[2]]);
    expect(read.has('mail-1')).toBe(false);
    expect(read.has('absent')).toBe(false);
    expect(journalOf(full, []).size).toBe(0);
  });

  it('calls a run lost only when HEAD has none of the records written since our last claim', () => {
    const claim = j('deploy-v42', 'claimed', T0);
    const done = j('deploy-v42', 'done', T0 + 1000, 'A', 0);
    const rows = (lines: string[]) => opStatuses(OPS, lines.join('\n'), T0)[0]!.records;
    expect(lostRun(undefined, rows([]))).toBeUndefined();
    expect(lostRun([claim, done], rows([]))).toEqual({ claim, result: done, latest: done });
    expect(describeLostRun(lostRun([claim, done], rows([]))!)).toBe(`ran it at ${stamp(T0)} (done, exit 0)`);
    expect(describeLostRun(lostRun([claim], rows([]))!)).toBe(`ran it at ${stamp(T0)} (no result recorded)`);
    // HEAD has the claim, or the result, or the unknown we recorded for the lost run: it knows.
    expect(lostRun([claim, done], rows([rec('deploy-v42', 'claimed', 'A', T0)]))).toBeUndefined();
    expect(lostRun([claim, done], rows([rec('deploy-v42', 'done', 'A', T0 + 1000)]))).toBeUndefined();
    const unknown = j('deploy-v42', 'unknown', T0 + 5000);
    expect(lostRun([claim, done, unknown], rows([rec('deploy-v42', 'unknown', 'A', T0 + 5000)]))).toBeUndefined();
    // Someone else's record of the same moment is not ours.
    expect(lostRun([claim], rows([rec('deploy-v42', 'claimed', 'B', T0)]))).toBeDefined();
    // After a retry the last claim counts: an old run that HEAD knows does not hide a newer lost one.
    const again = j('deploy-v42', 'claimed', T0 + 9000);
    expect(lostRun([claim, done, unknown, again], rows([rec('deploy-v42', 'unknown', 'A', T0 + 5000)]))).toEqual({ claim: again, result: undefined, latest: again });
  });

  it('plans a lost run as unknown instead of running it, and runs what a person retried after it', () => {
    const journal = new Map([['deploy-v42', [j('deploy-v42', 'claimed', T0), j('deploy-v42', 'done', T0 + 1, 'A', 0)]]]);
    const lost = planReplay({ ops: OPS, ledger: '', now: T0 + min, executor: 'A', handlers: both, journal });
    expect(lost.actions.map((a) => [a.type, a.key])).toEqual([
      ['mark-lost', 'deploy-v42'],
      ['run', 'mail-1'],
    ]);
    // Once HEAD says unknown (our record for the lost run), the usual rules hold: a person decides.
    const marked = [rec('deploy-v42', 'unknown', 'A', T0 + 2)];
    const journaled = new Map([['deploy-v42', [...journal.get('deploy-v42')!, j('deploy-v42', 'unknown', T0 + 2)]]]);
    const waits = planReplay({ ops: OPS, ledger: marked.join('\n'), now: T0 + min, executor: 'A', handlers: both, journal: journaled });
    expect(waits.needsPerson.map((s) => s.key)).toEqual(['deploy-v42']);
    const retried = [...marked, rec('deploy-v42', 'retry', 'alice', T0 + 3, ' [resolved:yes]')];
    const runs = planReplay({ ops: OPS, ledger: retried.join('\n'), now: T0 + min, executor: 'A', handlers: both, journal: journaled });
    expect(runs.actions.map((a) => [a.type, a.key])).toEqual([
      ['run', 'deploy-v42'],
      ['run', 'mail-1'],
    ]);
    // A kind with no handler here stays unhandled: nothing would run it anyway.
    const none = planReplay({ ops: OPS, ledger: '', now: T0 + min, executor: 'A', handlers: handlers({ mail: { idempotent: false } }), journal });
    expect(none.unhandled.map((s) => s.key)).toEqual(['deploy-v42']);
  });
});

describe('config', () => {
  it('reads handlers from JSON arrays or plain words, never through a shell', () => {
    expect(splitCommand('["/bin/prog", "a b"]')).toEqual({ argv: ['/bin/prog', 'a b'] });
    expect(splitCommand('/bin/prog  --flag x')).toEqual({ argv: ['/bin/prog', '--flag', 'x'] });
    expect(splitCommand('[1]')).toHaveProperty('error');
    expect(splitCommand('   ')).toHaveProperty('error');
  });

  it('parses git config -z output into settings', () => {
    const dump = [
      'strata.executor\ntrue',
      'strata.executorname\ncoordinator',
      'strata.claimremote\norigin',
      'strata.handler.deploy\n/usr/local/bin/deploy --prod',
      'strata.handler.deploy.timeout\n90s',
      'strata.handler.deploy.idempotent\nyes',
      'strata.handler.mail\n["/bin/mail"]',
      'strata.handler.Bad_kind\nx',
      '',
    ].join('\0');
    const s = readSettings(parseConfigDump(dump));
    expect(s).toMatchObject({ executor: true, executorName: 'coordinator', claimRemote: 'origin' });
    expect(s.handlers.get('deploy')).toMatchObject({ argv: ['/usr/local/bin/deploy', '--prod'], timeoutMs: 90_000, idempotent: true });
    expect(s.handlers.get('mail')).toMatchObject({ argv: ['/bin/mail'], idempotent: false, timeoutMs: 600_000 });
    expect([...s.handlers.keys()].sort()).toEqual(['deploy', 'mail']);
    expect(s.leaseMs).toBe(11 * min);
    expect(readSettings(parseConfigDump('strata.executor\nfalse\0')).executor).toBe(false);
  });

  it('chooses the claim remote: the configured one, none on request, else the upstream remote, else origin, else the only one', () => {
    expect(chooseClaimRemote('hub', 'origin', ['origin'])).toEqual({ remote: 'hub', from: 'config' });
    expect(chooseClaimRemote('none', 'origin', ['origin'])).toEqual({ remote: undefined, from: 'opted-out' });
    expect(chooseClaimRemote('NONE', undefined, [])).toEqual({ remote: undefined, from: 'opted-out' });
    expect(chooseClaimRemote(undefined, 'hub', ['origin', 'hub'])).toEqual({ remote: 'hub', from: 'upstream' });
    // A branch that tracks a local branch (`.`) or a remote since removed: origin, if there is one.
    expect(chooseClaimRemote(undefined, '.', ['origin'])).toEqual({ remote: 'origin', from: 'origin' });
    expect(chooseClaimRemote(undefined, 'gone', ['origin'])).toEqual({ remote: 'origin', from: 'origin' });
    expect(chooseClaimRemote(undefined, undefined, ['origin', 'fork'])).toEqual({ remote: 'origin', from: 'origin' });
    expect(chooseClaimRemote(undefined, undefined, ['fork'])).toEqual({ remote: 'fork', from: 'only-remote' });
    expect(chooseClaimRemote(undefined, undefined, ['fork', 'hub'])).toEqual({ remote: undefined, from: 'ambiguous', remotes: ['fork', 'hub'] });
    expect(chooseClaimRemote(undefined, undefined, [])).toEqual({ remote: undefined, from: 'no-remote' });
    expect(claimsMayUseRemote(readSettings([]))).toBe(true);
    expect(claimsMayUseRemote(readSettings([['strata.claimremote', 'none']]))).toBe(false);
  });

  it('makes a handler with a timeout that is not a duration unusable, instead of running it for the default', () => {
    for (const bad of ['ten minutes', '0', '-5s']) {
      const s = readSettings(parseConfigDump(`strata.handler.deploy\n/bin/deploy\0strata.handler.deploy.timeout\n${bad}\0`));
      expect(s.handlers.get('deploy')).toMatchObject({ argv: undefined, error: `timeout '${bad}' is not a duration like 30s, 5m or 1h` });
    }
  });
});

describe('writing', () => {
  it('appends records stamped after every [at:…] but not after a lease', () => {
    const claimed = appendRecord('', { key: 'k', state: 'claimed', by: 'A', lease: stamp(T0 + 10 * min) }, T0);
    expect(claimed.line).toBe(`- [op:k] [state:claimed] [by:A] [at:${stamp(T0)}] [lease:${stamp(T0 + 10 * min)}]`);
    const done = appendRecord(claimed.text, { key: 'k', state: 'done', by: 'A', exit: 0, out: 'sha256-x', note: 'ok [state:failed]\nmore' }, T0 - 5000);
    expect(done.line).toBe(`- [op:k] [state:done] [by:A] [at:${stamp(T0 + 1)}] [exit:0] [out:sha256-x] ok (state:failed) more`);
    expect(opStatuses('- [op:k] [kind:x] [at:2026-11-27T10:00:00.000Z]', done.text, T0)[0]!.state).toBe('done');
  });

  it('follows a record a wrong clock stamped far ahead only for its own key, so a retry still counts after it', () => {
    const year = 365 * 24 * 60 * min;
    const failed = appendRecord('', { key: 'k', state: 'failed', by: 'A', exit: 1 }, T0 + year);
    // A record of another key keeps to this clock: one wrong stamp does not carry the ledger a year ahead.
    const other = appendRecord(failed.text, { key: 'j', state: 'claimed', by: 'A' }, T0);
    expect(other.at).toBe(stamp(T0));
    // The key's own records come after it: written before, a retry would sort before the failure.
    const retry = appendRecord(other.text, { key: 'k', state: 'retry', by: 'A', resolved: true }, T0);
    expect(retry.at).toBe(stamp(T0 + year + 1));
    expect(opStatuses('- [op:k] [kind:x] [at:2026-11-27T10:00:00.000Z]', retry.text, T0)[0]!.state).toBe('pending');
  });

  it('cleans output into one tag-free line', () => {
    expect(cleanNote('a\n[b:c]\u0007')).toBe('a (b:c)');
  });

  it('appends a request, is idempotent for the same parameters, refuses a reused key', () => {
    const input = { kind: 'deploy', key: 'd1', args: ['v1', 'a b'], agent: 'me', note: 'ship' };
    const first = appendRequest('', [], input, T0);
    expect(first.line).toBe(`- [op:d1] [kind:deploy] [agent:me] [at:${stamp(T0)}] [args:v1 a%20b] ship`);
    expect(appendRequest(first.text, [], input, T0).changed).toBe(false);
    expect(() => appendRequest(first.text, [], { ...input, args: ['v2'] }, T0)).toThrow(/already used with different parameters/);
    expect(() => appendRequest('', [first.text], { ...input, kind: 'mail' }, T0)).toThrow(/different parameters/);
    expect(() => appendRequest('', [], { ...input, kind: 'Bad;kind' }, T0)).toThrow(/invalid kind/);
  });
});

describe('executor name', () => {
  it('is per work tree: two linked worktrees of one clone are two executors; the main one keeps its name', async () => {
    const { executorNameOf } = await import('../../src/ops/probe.js');
    const settings = readSettings([]);
    const main = executorNameOf(settings, '/repo/.git');
    expect(executorNameOf(settings, '/repo/.git')).toBe(main);
    expect(executorNameOf(settings, '/repo/.git/worktrees/wt')).not.toBe(main);
    expect(executorNameOf(readSettings([['strata.executorname', 'deployer']]), '/repo/.git/worktrees/wt')).toBe('deployer');
  });
});

describe('the clock replay plans with', () => {
  it('reads STRATA_NOW as the writer commands do: a full stamp counts, a date alone does not', async () => {
    const { clockNow } = await import('../../src/ops/probe.js');
    const saved = process.env.STRATA_NOW;
    try {
      process.env.STRATA_NOW = '2026-11-27T10:00:00.000Z';
      expect(clockNow()).toBe(Date.parse('2026-11-27T10:00:00.000Z'));
      process.env.STRATA_NOW = '2026-11-27';
      expect(Math.abs(clockNow() - Date.now())).toBeLessThan(60_000);
    } finally {
      if (saved === undefined) delete process.env.STRATA_NOW;
      else process.env.STRATA_NOW = saved;
    }
  });
});
