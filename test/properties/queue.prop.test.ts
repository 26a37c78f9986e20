// Laws of the queue merge over random concurrent histories of three branches, including merges of merges.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/core/check/index.js';
import { dependsOf, seqOf, statusOf, STATUS_RANK } from '../../src/core/crdt/queue.js';
import { nestedItemSeq } from '../../src/core/crdt/queue-entry.js';
import { type Entry, entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { merge } from '../helpers/merge.js';
import { sidesInOrder } from '../helpers/conflicts.js';

const RUNS = 80;
const HEADER = '# Queue\n\nAgents take the lowest ready seq.\n\n';

interface Task {
  seq: number;
  id: string;
  depends: string[]; // ids
  box: ' ' | 'x' | '-';
  claim?: string;
  /** The stamp `queue done` writes: a tag the other side, claiming concurrently, does not have. */
  done?: string;
  log: string[];
  text: string;
}

type Op =
  | { kind: 'add'; deps: number[]; text: string }
  | { kind: 'claim'; pick: number; agent: string }
  | { kind: 'done'; pick: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'checkpoint'; pick: number; text: string }
  /** A task written by hand indented under another: the queue reads it as that task's notes. */
  | { kind: 'nest'; pick: number; text: string };

const nest: fc.Arbitrary<Op> = fc.record({ kind: fc.constant('nest' as const), pick: fc.nat(20), text: fc.constantFrom('proofread', 'ask ops') });

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), deps: fc.array(fc.nat(20), { maxLength: 2 }), text: fc.constantFrom('build', 'test', 'deploy', 'write docs', 'review ✅') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('claim' as const), pick: fc.nat(20), agent: fc.constantFrom('alice', 'bob', 'carol') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('done' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), pick: fc.nat(20), text: fc.constantFrom('image built', 'tests green', 'half way') }) },
  { weight: 1, arbitrary: nest },
);

/** The seqs of the items indented under a task (its log lines that carry one). */
const nestedSeqs = (t: Task): number[] => t.log.flatMap((l) => {
  const seq = nestedItemSeq(`  - ${l}`)?.seq;
  return seq === undefined ? [] : [Number(seq)];
});

/**
 * Applies ops like the agent commands would: next seq on this branch (above every seq a line carries,
 * as `queue add` takes it), depends on existing tasks.
 */
function apply(tasks: Task[], ops: Op[], branch: string, clock: { now: number }): Task[] {
  const next = tasks.map((t) => ({ ...t, depends: [...t.depends], log: [...t.log] }));
  let n = 0;
  for (const o of ops) {
    const stamp = new Date(Date.UTC(2026, 10, 27, 10) + ++clock.now * 1000).toISOString();
    if (o.kind === 'add' || o.kind === 'nest') {
      const seq = Math.max(0, ...next.flatMap((t) => [t.seq, ...nestedSeqs(t)])) + 1;
      if (o.kind === 'nest') {
        const task = next[o.pick % Math.max(1, next.length)];
        if (task) task.log.push(`[ ] [seq:${seq}] ${o.text} (${branch})`);
        continue;
      }
      const deps = [...new Set(o.deps.filter((d) => d < next.length).map((d) => next[d]!.id))];
      next.push({ seq, id: `${branch}${String(++n).padStart(9, '0')}`, depends: deps, box: ' ', log: [], text: o.text });
      continue;
    }
    const task = next[o.pick % Math.max(1, next.length)];
    if (!task) continue;
    if (o.kind === 'claim' && task.box === ' ' && !task.claim) task.claim = `${o.agent}@${stamp}`;
    if (o.kind === 'done' && task.box === ' ') {
      task.box = 'x';
      task.done = stamp;
    }
    if (o.kind === 'cancel' && task.box === ' ') task.box = '-';
    if (o.kind === 'checkpoint') task.log.push(`[at:${stamp}] ${o.text}`);
  }
  return next;
}

function render(tasks: Task[]): string {
  const seqOfId = new Map(tasks.map((t) => [t.id, t.seq]));
  return (
    HEADER +
    [...tasks]
      .sort((a, b) => a.seq - b.seq)
      .map((t) => {
        const deps = t.depends.length ? ` [depends:${t.depends.map((d) => seqOfId.get(d)).join(',')}]` : '';
        const claim = t.claim ? ` [claim:${t.claim}]` : '';
        const done = t.done ? ` [done:${t.done}]` : '';
        return `- [${t.box}] [seq:${t.seq}] [id:${t.id}]${deps}${claim}${done} ${t.text}\n${t.log.map((l) => `  - ${l}\n`).join('')}`;
      })
      .join('')
  );
}

function read(text: string): Map<string, Entry> {
  return new Map(entriesOf(parseDoc(text)).map((e) => [tagValue(e, 'id')!, e]));
}

/** Depends as ids, resolved within the file itself. */
function edges(text: string): Map<string, string[]> {
  const entries = entriesOf(parseDoc(text));
  const idOfSeq = new Map(entries.map((e) => [seqOf(e)!, tagValue(e, 'id')!]));
  return new Map(entries.map((e) => [tagValue(e, 'id')!, dependsOf(e).map((s) => idOfSeq.get(s) ?? `dangling:${s}`).sort()]));
}

const historyOf = (ops: fc.Arbitrary<Op>) =>
  fc.record({ base: fc.array(ops, { maxLength: 6 }), x: fc.array(ops, { maxLength: 5 }), y: fc.array(ops, { maxLength: 5 }), z: fc.array(ops, { maxLength: 5 }) }).map((h) => {
    const base = apply([], h.base, 'b', { now: 0 });
    return {
      base,
      x: apply(base, h.x, 'x', { now: 100 }),
      y: apply(base, h.y, 'y', { now: 200 }),
      z: apply(base, h.z, 'z', { now: 300 }),
    };
  });
const history = historyOf(op);

/**
 * Histories check has nothing against on any branch (no task done before what it waits for), with many
 * tasks indented under others: a merge of two of them must pass check too.
 */
const checkedHistory = historyOf(
  fc.oneof(
    { weight: 3, arbitrary: op.filter((o) => o.kind === 'add') },
    { weight: 2, arbitrary: nest },
    { weight: 1, arbitrary: op.filter((o) => o.kind === 'claim' || o.kind === 'checkpoint' || o.kind === 'cancel') },
  ),
);

function checkInvariants(text: string, sides: Task[][]): void {
  const result = read(text);
  // Nothing lost: every task any side has is there (tasks are never removed by these ops).
  for (const side of sides) for (const t of side) expect(result.has(t.id), `task ${t.id} lost`).toBe(true);
  // seq unique.
  const seqs = [...result.values()].map((e) => seqOf(e));
  expect(new Set(seqs).size).toBe(seqs.length);
  // Every depends edge points at the entry it was written against.
  const resolved = edges(text);
  for (const side of sides) {
    for (const t of side) for (const dep of t.depends) expect(resolved.get(t.id), `edge ${t.id} → ${dep}`).toContain(dep);
  }
  // Status never below any side's.
  for (const side of sides) {
    for (const t of side) {
      const rank = STATUS_RANK[t.box === 'x' ? 'done' : t.box === '-' ? 'cancelled' : t.claim ? 'claimed' : 'open'];
      expect(STATUS_RANK[statusOf(result.get(t.id)!)]).toBeGreaterThanOrEqual(Math.min(rank, 2));
    }
  }
}

describe('queue merge laws', () => {
  it('commutes to the byte, is clean, loses nothing, keeps seq unique and edges on their entries', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ base, x, y }) => {
        const [b, o, t] = [render(base), render(x), render(y)];
        const one = await merge('queue', b, o, t);
        const two = await merge('queue', b, t, o);
        expect(one.conflicts).toBe(0);
        expect(two.text).toBe(one.text);
        checkInvariants(one.text, [x, y]);
      }),
      { numRuns: RUNS },
    );
  });

  it('passes check with tasks indented under others: a renumbered task takes a seq no line of the file carries', async () => {
    await fc.assert(
      fc.asyncProperty(checkedHistory, async ({ base, x, y }) => {
        const [b, o, t] = [render(base), render(x), render(y)];
        for (const side of [b, o, t]) expect(checkFile('queue', 'QUEUE.md', side)).toEqual([]);
        const one = await merge('queue', b, o, t);
        expect(one.conflicts).toBe(0);
        expect((await merge('queue', b, t, o)).text).toBe(one.text);
        // As verify checks a merge commit: against its base and against each parent.
        for (const against of [b, o, t]) expect(checkFile('queue', 'QUEUE.md', one.text, against)).toEqual([]);
        const entries = entriesOf(parseDoc(one.text));
        const nested = new Set(entries.flatMap((e) => e.lines.slice(1).flatMap((l) => nestedItemSeq(l)?.seq ?? [])).map(Number));
        for (const e of entries.filter((e) => tagValue(e, 'was') !== undefined)) {
          expect(nested.has(seqOf(e)!), `renumbered to ${seqOf(e)}, which a nested item carries:\n${one.text}`).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is idempotent: merge(b,x,x) = merge(b,b,x) = merge(b,x,b) = x', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ base, x }) => {
        const [b, o] = [render(base), render(x)];
        expect((await merge('queue', b, o, o)).text).toBe(o);
        expect((await merge('queue', b, b, o)).text).toBe(o);
        expect((await merge('queue', b, o, b)).text).toBe(o);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('three branches merged in any order (merges of merges) agree on every task and edge', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ base, x, y, z }) => {
        const [b, rx, ry, rz] = [render(base), render(x), render(y), render(z)];
        const xy = (await merge('queue', b, rx, ry)).text;
        const yz = (await merge('queue', b, ry, rz)).text;
        const xz = (await merge('queue', b, rx, rz)).text;
        // A later merge whose base is an earlier merge result (a merge of merges).
        const left = (await merge('queue', b, xy, rz)).text;
        const right = (await merge('queue', b, rx, yz)).text;
        const middle = (await merge('queue', rx, xy, xz)).text;
        for (const text of [left, right, middle]) checkInvariants(text, [x, y, z]);
        expect(edges(right)).toEqual(edges(left));
        expect(edges(middle)).toEqual(edges(left));
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

// Hand edits: people (and agents without strata) edit QUEUE.md as text — renumber a task, reword it,
// add one at a number they chose, drop one. Such merges may conflict, but which side is ours must
// still only swap the sections of a conflict, never move, renumber or render anything else.
type HandEdit =
  | { kind: 'renumber'; pick: number; seq: number }
  | { kind: 'reword'; pick: number; text: string }
  | { kind: 'add'; seq: number; id: number; depends: number[] }
  | { kind: 'drop'; pick: number };

const handEdit: fc.Arbitrary<HandEdit> = fc.oneof(
  fc.record({ kind: fc.constant('renumber' as const), pick: fc.nat(5), seq: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('reword' as const), pick: fc.nat(5), text: fc.constantFrom('build it', 'ship', 'review') }),
  fc.record({ kind: fc.constant('add' as const), seq: fc.integer({ min: 1, max: 8 }), id: fc.nat(3), depends: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat(5) }),
);

interface HandTask {
  seq: number;
  id: string;
  depends: number[];
  text: string;
}

function handApply(tasks: HandTask[], edits: HandEdit[], side: string): HandTask[] {
  const out = tasks.map((t) => ({ ...t, depends: [...t.depends] }));
  for (const edit of edits) {
    const at = out.length === 0 ? -1 : ('pick' in edit ? edit.pick % out.length : -1);
    if (edit.kind === 'renumber' && at >= 0) out[at]!.seq = edit.seq;
    else if (edit.kind === 'reword' && at >= 0) out[at]!.text = `${edit.text} (${side})`;
    else if (edit.kind === 'drop' && at >= 0) out.splice(at, 1);
    else if (edit.kind === 'add') {
      const id = `${side}${edit.id}`.padEnd(10, '0');
      if (!out.some((t) => t.id === id)) out.push({ seq: edit.seq, id, depends: edit.depends, text: `task ${id}` });
    }
  }
  return out;
}

const renderHand = (tasks: HandTask[]): string =>
  HEADER + tasks.map((t) => `- [ ] [seq:${t.seq}] [id:${t.id}]${t.depends.length ? ` [depends:${t.depends.join(',')}]` : ''} ${t.text}\n`).join('');

describe('queue merge of hand-edited files', () => {
  it('swapping ours and theirs only swaps the sections of a conflict', async () => {
    const start: HandTask[] = [1, 2, 3, 4].map((seq) => ({ seq, id: `base${seq}`.padEnd(10, '0'), depends: seq > 1 ? [seq - 1] : [], text: `step ${seq}` }));
    await fc.assert(
      fc.asyncProperty(fc.array(handEdit, { maxLength: 4 }), fc.array(handEdit, { maxLength: 4 }), async (ex, ey) => {
        const [b, o, t] = [renderHand(start), renderHand(handApply(start, ex, 'o')), renderHand(handApply(start, ey, 't'))];
        const one = await merge('queue', b, o, t);
        const two = await merge('queue', b, t, o);
        expect(two.conflicts).toBe(one.conflicts);
        expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
      }),
      { numRuns: Number(process.env.HAND_RUNS ?? RUNS * 3) },
    );
  });
});
