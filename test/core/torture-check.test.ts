// The torture checker on hand-made histories: each anomaly is found, and named by the events that show it.
import { describe, expect, it } from 'vitest';
import { check, hasWord, percentile, visibility } from '../../src/torture/check.js';
import type { CommitInfo, FinalState, HistoryEvent, Op } from '../../src/torture/history.js';
import { renderJson, renderTable } from '../../src/torture/report.js';

const T = (s: number): string => `2026-11-27T10:00:${String(s).padStart(2, '0')}.000Z`;

/** Builds a history: `op(process, op, outcome)` appends an invoke and its completion. */
function historyOf(steps: Array<[string, Op, 'ok' | 'fail' | 'info', Op?]>): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let time = 0;
  for (const [process, op, type, done] of steps) {
    const invoke: HistoryEvent = { index: events.length, time: (time += 100), type: 'invoke', process, op };
    events.push(invoke);
    events.push({ index: events.length, time: (time += 100), type, process, op: done ?? op, invoke: invoke.index });
  }
  return events;
}

const QUEUE = [
  '# Queue',
  '',
  `- [x] [seq:1] [id:aaaaaaaaaa] [agent:a0] [at:${T(1)}] [done:${T(5)}] task a0-t1 alpha`,
  `- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:a1] [at:${T(2)}] [claim:a1@${T(3)}] task a1-t1 beta`,
  `  - [at:${T(4)}] checkpoint a1-c2`,
  '',
].join('\n');

const HEARTBEAT = ['# Heartbeat', '', `- [agent:a0] [at:${T(9)}] [status:busy] [ttl:10m] working on a0-h3`, ''].join('\n');
const MEMORY = [
  '# Memory',
  '',
  `- [entity:docs] [attr:owner] [at:${T(1)}] [agent:a0] [superseded:yes] a0-f1`,
  `- [entity:docs] [attr:owner] [at:${T(2)}] [agent:a1] a1-f1`,
  '',
].join('\n');
const OPS = ['# Operations', '', `- [op:deploy-a0-k1] [kind:deploy] [agent:a0] [at:${T(1)}] [args:v1 staging]`, `- [op:email-a1-k1] [kind:email] [agent:a1] [at:${T(2)}] [args:team]`, ''].join('\n');
const LEDGER = [
  '# Idempotency ledger',
  '',
  `- [op:deploy-a0-k1] [state:claimed] [by:exec-a0] [at:${T(3)}] [lease:2026-11-27T10:11:00.000Z]`,
  `- [op:deploy-a0-k1] [state:done] [by:exec-a0] [at:${T(4)}] [exit:0] applied`,
  `- [op:email-a1-k1] [state:claimed] [by:exec-a1] [at:${T(5)}] [lease:2026-11-27T10:11:00.000Z]`,
  `- [op:email-a1-k1] [state:unknown] [by:exec-a1] [at:${T(6)}] our claim has no result`,
  '',
].join('\n');
const NOTES = '# Notes\n\n## Findings\n\n- a0 note a0-n1: alpha beta\n- a1 note a1-n1: gamma\n';

function finalState(overrides: Partial<FinalState> = {}, files: Record<string, string | undefined> = {}): FinalState {
  return {
    files: { 'QUEUE.md': QUEUE, 'HEARTBEAT.md': HEARTBEAT, 'MEMORY.md': MEMORY, 'OPS.md': OPS, '.strata/ledger.md': LEDGER, 'NOTES.md': NOTES, 'memory/2026-11-27.md': '# log\n', ...files },
    commits: [{ sha: 'c1', parents: [], queue: QUEUE }],
    effects: [
      { key: 'deploy-a0-k1', kind: 'deploy', executor: 'exec-a0' },
      { key: 'email-a1-k1', kind: 'email', executor: 'exec-a1' },
    ],
    kinds: { deploy: { idempotent: true }, email: { idempotent: false } },
    convergenceRounds: 2,
    trees: { a0: 'tree1', a1: 'tree1' },
    remoteTree: 'tree1',
    heads: {},
    healedAt: 1000,
    verify: { ran: true, findings: [] },
    check: { ran: true, findings: [] },
    driver: { calls: 3, conflicts: 0, killed: 0 },
    ...overrides,
  };
}

const GOOD: Array<[string, Op, 'ok' | 'fail' | 'info', Op?]> = [
  ['a0', { f: 'queue-add', token: 'a0-t1', depends: [] }, 'ok', { f: 'queue-add', token: 'a0-t1', depends: [], id: 'aaaaaaaaaa', seq: 1 }],
  ['a1', { f: 'queue-add', token: 'a1-t1', depends: [1] }, 'ok', { f: 'queue-add', token: 'a1-t1', depends: [1], id: 'bbbbbbbbbb', seq: 2 }],
  ['a1', { f: 'queue-claim', id: 'bbbbbbbbbb', seq: 2 }, 'ok'],
  ['a1', { f: 'queue-checkpoint', id: 'bbbbbbbbbb', seq: 2, token: 'a1-c2' }, 'ok'],
  ['a0', { f: 'queue-done', id: 'aaaaaaaaaa', seq: 1 }, 'ok'],
  ['a0', { f: 'heartbeat', token: 'a0-h1' }, 'ok'],
  ['a0', { f: 'heartbeat', token: 'a0-h3' }, 'ok'],
  ['a0', { f: 'fact-set', entity: 'docs', attr: 'owner', value: 'a0-f1' }, 'ok'],
  ['a1', { f: 'fact-set', entity: 'docs', attr: 'owner', value: 'a1-f1' }, 'ok'],
  ['a0', { f: 'op-request', key: 'deploy-a0-k1', kind: 'deploy', args: ['v1', 'staging'] }, 'ok'],
  ['a1', { f: 'op-request', key: 'email-a1-k1', kind: 'email', args: ['team'] }, 'ok'],
  ['a0', { f: 'note', file: 'NOTES.md', line: '- a0 note a0-n1: alpha beta' }, 'ok'],
  ['a1', { f: 'note', file: 'NOTES.md', line: '- a1 note a1-n1: gamma' }, 'ok'],
];

describe('torture checker', () => {
  it('passes a history whose every acknowledged write is in the final state', () => {
    const result = check(historyOf(GOOD), finalState());
    expect(result.anomalies).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.metrics.lost).toBe(0);
    expect(result.metrics.ops).toMatchObject({ requested: 2, done: 1, unknown: 1, effects: 2 });
  });

  it('names the acknowledged write and the final read of a lost note', () => {
    const history = historyOf([...GOOD, ['a1', { f: 'note', file: 'NOTES.md', line: '- a1 note a1-n9: lost' }, 'ok']]);
    const result = check(history, finalState());
    expect(result.ok).toBe(false);
    expect(result.anomalies).toHaveLength(1);
    const [a] = result.anomalies;
    expect(a).toMatchObject({ kind: 'lost', events: [history.length - 2, history.length - 1] });
    expect(a!.read).toContain('NOTES.md');
    expect(renderTable({ seed: 1, agents: 2, seconds: 1, faults: [], driver: 'x', dir: undefined, elapsedMs: 1 }, result, history)).toMatch(/lost {18}1[\s\S]*a1 ok append to NOTES\.md/);
  });

  it('does not count a write whose outcome is unknown or failed as lost', () => {
    const history = historyOf([
      ...GOOD,
      ['a1', { f: 'note', file: 'NOTES.md', line: '- a1 note a1-n8: maybe' }, 'info'],
      ['a1', { f: 'fact-set', entity: 'x', attr: 'y', value: 'a1-f8' }, 'fail'],
    ]);
    expect(check(history, finalState()).anomalies).toEqual([]);
  });

  it('finds lost tasks, claims, dones and checkpoints', () => {
    const queue = [
      '# Queue',
      '',
      `- [ ] [seq:1] [id:aaaaaaaaaa] [agent:a0] [at:${T(1)}] task a0-t1 alpha`,
      '',
    ].join('\n');
    const result = check(historyOf(GOOD), finalState({ commits: [{ sha: 'c1', parents: [], queue }] }, { 'QUEUE.md': queue }));
    const lost = result.anomalies.filter((a) => a.kind === 'lost').map((a) => a.message);
    expect(lost).toHaveLength(4);
    expect(lost.join('\n')).toMatch(/task a1-t1/);
    expect(lost.join('\n')).toMatch(/claim of task \[id:bbbbbbbbbb\]/);
    expect(lost.join('\n')).toMatch(/checkpoint a1-c2/);
    expect(lost.join('\n')).toMatch(/done of task \[id:aaaaaaaaaa\] was acknowledged but the final status is open/);
  });

  it('accepts a later uncertain heartbeat as the final one, but not an older one', () => {
    const later = historyOf([...GOOD.filter((s) => s[1].f !== 'heartbeat'), ['a0', { f: 'heartbeat', token: 'a0-h2' }, 'ok'], ['a0', { f: 'heartbeat', token: 'a0-h3' }, 'info']]);
    expect(check(later, finalState()).anomalies).toEqual([]);
    const older = historyOf([...GOOD, ['a0', { f: 'heartbeat', token: 'a0-h4' }, 'ok']]);
    const result = check(older, finalState());
    expect(result.anomalies.map((a) => a.kind)).toEqual(['lost']);
    expect(result.anomalies[0]!.message).toMatch(/a0's last acknowledged heartbeat a0-h4/);
  });

  it('finds duplicated entries', () => {
    const notes = `${NOTES}- a1 note a1-n1: gamma\n`;
    const heartbeat = `${HEARTBEAT}- [agent:a0] [at:${T(8)}] [status:busy] [ttl:10m] working on a0-h1\n`;
    const result = check(historyOf(GOOD), finalState({}, { 'NOTES.md': notes, 'HEARTBEAT.md': heartbeat }));
    expect(result.anomalies.map((a) => a.kind).sort()).toEqual(['duplicated', 'duplicated']);
    expect(result.metrics.duplicated).toBe(2);
  });

  it('finds a status that went down and a task done before its dependency in the history of main', () => {
    const claimed = QUEUE;
    const reopened = QUEUE.replace(` [claim:a1@${T(3)}]`, '');
    const early = QUEUE.replace('- [x] [seq:1]', '- [ ] [seq:1]').replace(' [done:2026-11-27T10:00:05.000Z]', '').replace('- [ ] [seq:2]', '- [x] [seq:2]');
    const commits: CommitInfo[] = [
      { sha: 'c1', parents: [], queue: claimed },
      { sha: 'c2', parents: ['c1'], queue: reopened },
      { sha: 'c3', parents: ['c2'], queue: early },
    ];
    const result = check(historyOf(GOOD), finalState({ commits }));
    const regressed = result.anomalies.find((a) => a.kind === 'status-regressed')!;
    expect(regressed.commits).toEqual(['c1', 'c2']);
    expect(regressed.message).toMatch(/\[id:bbbbbbbbbb\] went from claimed to open/);
    // Named by the claim that set the status.
    expect(regressed.events).toEqual([4, 5]);
    const early1 = result.anomalies.find((a) => a.kind === 'done-before-dependency')!;
    expect(early1.commits).toEqual(['c3']);
    expect(early1.message).toMatch(/\[id:bbbbbbbbbb\] is done but its dependency 1 is open/);
  });

  it('holds idempotent ops to exactly once and the others to at most once with doubt recorded', () => {
    const twice = check(historyOf(GOOD), finalState({ effects: [...finalState().effects, { key: 'deploy-a0-k1', kind: 'deploy', executor: 'exec-a1' }] }));
    expect(twice.anomalies.map((a) => a.kind)).toEqual(['op-not-once']);
    expect(twice.anomalies[0]!.events).toEqual([18, 19]);

    const never = check(historyOf(GOOD), finalState({ effects: [{ key: 'deploy-a0-k1', kind: 'deploy', executor: 'exec-a0' }] }));
    expect(never.anomalies).toEqual([]); // email is unknown in the ledger: zero effects is allowed

    const hidden = LEDGER.replace('[state:unknown] [by:exec-a1]', '[state:failed] [by:exec-a1]');
    const doubt = check(historyOf(GOOD), finalState({}, { '.strata/ledger.md': hidden }));
    expect(doubt.anomalies.map((a) => a.kind)).toEqual(['op-doubt-hidden']);

    const phantom = check(historyOf(GOOD), finalState({ effects: [...finalState().effects, { key: 'deploy-zz', kind: 'deploy', executor: 'exec-a0' }] }));
    expect(phantom.anomalies.map((a) => a.kind)).toEqual(['phantom-effect']);
  });

  it('reports clones that did not converge, conflicts left, and findings of check and verify', () => {
    const result = check(
      historyOf(GOOD),
      finalState(
        {
          trees: { a0: 'tree1', a1: 'tree2' },
          check: { ran: true, findings: [{ path: 'QUEUE.md', line: 3, rule: 'duplicate-seq', message: 'seq 1 twice' }] },
          verify: { ran: true, findings: [{ path: 'QUEUE.md', line: 3, rule: 'status-regressed', message: 'down', commit: { sha: 'c9', short: 'c9', subject: 's' } }] },
        },
        { 'memory/2026-11-27.md': '# log\n<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n' },
      ),
    );
    expect(result.anomalies.map((a) => a.kind).sort()).toEqual(['check-failed', 'conflict-left', 'not-converged', 'verify-failed']);
    expect(result.metrics.conflictsLeft).toBe(1);
    expect(check(historyOf(GOOD), finalState({ convergenceRounds: 3 })).anomalies.map((a) => a.kind)).toEqual(['slow-convergence']);
  });

  it('reports a torn write the pre-commit hook let through', () => {
    const history = historyOf([...GOOD, ['a0', { f: 'torn-write', file: 'OPS.md', bytes: 40 }, 'ok', { f: 'torn-write', file: 'OPS.md', bytes: 40, outcome: 'committed', head: 'c7' }]]);
    const result = check(history, finalState());
    expect(result.anomalies).toMatchObject([{ kind: 'torn-write-accepted', commits: ['c7'] }]);
    expect(check(history, finalState(), { tornAcceptedIsAnomaly: false }).ok).toBe(true);
  });

  it('measures visibility from a push to the last clone that has it', () => {
    const commits: CommitInfo[] = [
      { sha: 'r', parents: [], queue: undefined },
      { sha: 'p', parents: ['r'], queue: undefined },
      { sha: 'm', parents: ['p'], queue: undefined },
    ];
    const history: HistoryEvent[] = [
      { index: 0, time: 1000, type: 'invoke', process: 'a0', op: { f: 'push', head: 'p' } },
      { index: 1, time: 1100, type: 'ok', process: 'a0', op: { f: 'push', head: 'p' }, invoke: 0 },
    ];
    const heads = { a0: [[0, 'r'] as const, [900, 'p'] as const], a1: [[0, 'r'] as const, [1600, 'p'] as const], a2: [[0, 'r'] as const, [3100, 'm'] as const] };
    expect(visibility(history, finalState({ commits, heads }))).toEqual({ samples: 1, p50: 2000, p95: 2000, p99: 2000, unseen: 0 });
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });

  it('matches tokens as whole words and renders JSON', () => {
    expect(hasWord('working on a0-h17', 'a0-h1')).toBe(false);
    expect(hasWord('working on a0-h1 now', 'a0-h1')).toBe(true);
    const json = JSON.parse(renderJson({ seed: 1, agents: 2, seconds: 1, faults: [], driver: 'x', dir: undefined, elapsedMs: 1 }, check(historyOf(GOOD), finalState()), historyOf(GOOD)));
    expect(json).toMatchObject({ ok: true, seed: 1, metrics: { lost: 0 } });
  });
});
