// The torture checker: a history and the final state in, anomalies and metrics out. Pure, so it can be
// tested with hand-made histories. Like Jepsen's checkers, each anomaly names the smallest set of
// events that shows it: the acknowledged write, and the final read (or the commit) that contradicts it.
import { type Entry, entriesOf, entryBody, entryText, parseDoc, tagValue } from '../core/entries/scan.js';
import { STATUS_RANK, type Status, dependsOf, seqOf, statusOf } from '../core/crdt/queue.js';
import { findConflictMarkers } from '../core/check/markers.js';
import { opStatuses, rowsOf } from '../core/replay/plan.js';
import type { CommitInfo, Effect, FinalState, HistoryEvent, Op } from './history.js';

export const FILES = {
  queue: 'QUEUE.md',
  heartbeat: 'HEARTBEAT.md',
  facts: 'MEMORY.md',
  ops: 'OPS.md',
  ledger: '.strata/ledger.md',
  notes: 'NOTES.md',
  log: 'memory/2026-11-27.md',
} as const;

export type AnomalyKind =
  | 'lost'
  | 'duplicated'
  | 'status-regressed'
  | 'done-before-dependency'
  | 'facts-current'
  | 'not-converged'
  | 'slow-convergence'
  | 'conflict-left'
  | 'check-failed'
  | 'verify-failed'
  | 'op-not-once'
  | 'op-key-conflict'
  | 'op-doubt-hidden'
  | 'op-stuck'
  | 'phantom-effect'
  | 'torn-write-accepted';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly message: string;
  /** History indices of the events that show it (invoke and completion of the write, …). */
  readonly events: readonly number[];
  /** Commits that show it (for anomalies in the history of main). */
  readonly commits?: readonly string[];
  /** What the final read (or the commit) says. */
  readonly read?: string;
}

export interface Percentiles {
  readonly samples: number;
  /** (push, clone) pairs where the clone never saw the pushed commit. */
  readonly unseen: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
}

export interface Metrics {
  readonly operations: { readonly invoked: number; readonly ok: number; readonly fail: number; readonly info: number };
  readonly writesOk: number;
  readonly pulls: number;
  readonly pushes: number;
  readonly merges: number;
  readonly commits: number;
  readonly driverCalls: number;
  readonly driverConflicts: number;
  readonly driverKilled: number;
  readonly conflictsLeft: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly convergenceRounds: number | undefined;
  readonly visibilityMs: Percentiles;
  readonly ops: { readonly requested: number; readonly done: number; readonly failed: number; readonly unknown: number; readonly other: number; readonly effects: number };
  readonly faults: { readonly partitions: number; readonly tornWrites: number; readonly tornCommitted: number; readonly replaysKilled: number; readonly driverKillsArmed: number };
}

export interface CheckResult {
  readonly ok: boolean;
  readonly anomalies: readonly Anomaly[];
  readonly metrics: Metrics;
}

export interface CheckOptions {
  /** Rounds after the heal within which every clone must be byte-identical (default 2). */
  readonly maxConvergenceRounds?: number;
  /** Whether a torn write that got past the pre-commit hook counts as an anomaly (default true). */
  readonly tornAcceptedIsAnomaly?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// history helpers

interface Completed {
  readonly invoke: HistoryEvent;
  /** undefined when the run ended before the operation completed: as good as `info`. */
  readonly done: HistoryEvent | undefined;
}

/** Pairs every invoke with its completion, in history order. */
export function pairs(history: readonly HistoryEvent[]): Completed[] {
  const completions = new Map<number, HistoryEvent>();
  for (const e of history) if (e.type !== 'invoke' && e.invoke !== undefined) completions.set(e.invoke, e);
  return history.filter((e) => e.type === 'invoke').map((invoke) => ({ invoke, done: completions.get(invoke.index) }));
}

function outcome(p: Completed): 'ok' | 'fail' | 'info' {
  return p.done ? (p.done.type as 'ok' | 'fail' | 'info') : 'info';
}

/** The operation as its completion knows it (a new task's id is learnt only there). */
function opOf(p: Completed): Op {
  return p.done?.op ?? p.invoke.op;
}

function indices(p: Completed): number[] {
  return p.done ? [p.invoke.index, p.done.index] : [p.invoke.index];
}

/** Whether `text` has `word` as a whole white-space-separated word. */
export function hasWord(text: string, word: string): boolean {
  let at = text.indexOf(word);
  while (at !== -1) {
    const before = at === 0 ? ' ' : text[at - 1]!;
    const after = at + word.length >= text.length ? ' ' : text[at + word.length]!;
    if (/\s/.test(before) && /\s/.test(after)) return true;
    at = text.indexOf(word, at + 1);
  }
  return false;
}

function countWord(texts: readonly string[], word: string): number {
  return texts.filter((t) => hasWord(t, word)).length;
}

function lineOf(text: string): string {
  return text.replace(/\r?\n$/, '');
}

// ---------------------------------------------------------------------------------------------------
// reading the final files

interface QueueView {
  readonly entries: readonly Entry[];
  readonly byId: ReadonlyMap<string, readonly Entry[]>;
}

function queueView(text: string | undefined): QueueView {
  const entries = entriesOf(parseDoc(text ?? '')).filter((e) => seqOf(e) !== undefined || tagValue(e, 'id') !== undefined);
  const byId = new Map<string, Entry[]>();
  for (const e of entries) {
    const id = tagValue(e, 'id')?.trim();
    if (id === undefined) continue;
    byId.set(id, [...(byId.get(id) ?? []), e]);
  }
  return { entries, byId };
}

function rank(status: Status): number {
  return STATUS_RANK[status];
}

function describeEntry(e: Entry | undefined): string {
  return e ? lineOf(e.lines[0]!).slice(0, 160) : '(none)';
}

// ---------------------------------------------------------------------------------------------------
// the checker

export function check(history: readonly HistoryEvent[], final: FinalState, options: CheckOptions = {}): CheckResult {
  const anomalies: Anomaly[] = [];
  const ops = pairs(history);
  const clientOps = ops.filter((p) => p.invoke.process !== 'nemesis');

  const queue = queueView(final.files[FILES.queue]);
  const heartbeats = entriesOf(parseDoc(final.files[FILES.heartbeat] ?? '')).filter((e) => tagValue(e, 'agent') !== undefined);
  const facts = entriesOf(parseDoc(final.files[FILES.facts] ?? '')).filter((e) => tagValue(e, 'entity') !== undefined);
  const factTexts = facts.map((e) => lineOf(e.lines[0]!));
  const queueTexts = queue.entries.map(entryText);
  const fileLines = (path: string): string[] => (final.files[path] ?? '').split('\n').map((l) => l.replace(/\r$/, ''));
  const lineCache = new Map<string, string[]>();
  const linesOf = (path: string): string[] => {
    let lines = lineCache.get(path);
    if (!lines) lineCache.set(path, (lines = fileLines(path)));
    return lines;
  };

  const lost = (p: Completed, message: string, read: string): void => {
    anomalies.push({ kind: 'lost', message, events: indices(p), read });
  };
  const duplicated = (p: Completed, message: string, read: string): void => {
    anomalies.push({ kind: 'duplicated', message, events: indices(p), read });
  };

  // Lost and duplicated acknowledged writes, one operation at a time.
  const lastHeartbeat = new Map<string, Completed[]>();
  const seenDup = new Set<string>();
  for (const p of clientOps) {
    const op = opOf(p);
    const result = outcome(p);
    const who = p.invoke.process;
    switch (op.f) {
      case 'queue-add': {
        if (result === 'fail') break;
        const matches = op.id !== undefined ? (queue.byId.get(op.id) ?? []) : queue.entries.filter((e) => hasWord(entryBody(e), op.token));
        const byToken = queue.entries.filter((e) => hasWord(entryBody(e), op.token));
        if (result === 'ok' && matches.length === 0) {
          lost(p, `${who}'s task ${op.token}${op.id ? ` [id:${op.id}]` : ''} was acknowledged but is not in the final ${FILES.queue}`, `final ${FILES.queue}: no entry with ${op.id ? `[id:${op.id}]` : op.token}`);
        }
        const copies = Math.max(matches.length, byToken.length);
        if (copies > 1 && !seenDup.has(`q:${op.token}`)) {
          seenDup.add(`q:${op.token}`);
          duplicated(p, `${who}'s task ${op.token} appears ${copies} times in the final ${FILES.queue}`, (byToken.length > 1 ? byToken : matches).map(describeEntry).join(' | '));
        }
        break;
      }
      case 'queue-claim':
      case 'queue-done': {
        if (result !== 'ok') break;
        const entry = queue.byId.get(op.id)?.[0];
        const want = op.f === 'queue-done' ? rank('done') : rank('claimed');
        if (!entry) {
          lost(p, `${who}'s ${op.f === 'queue-done' ? 'done' : 'claim'} of task [id:${op.id}] was acknowledged but the task is not in the final ${FILES.queue}`, `final ${FILES.queue}: no entry with [id:${op.id}]`);
        } else if (rank(statusOf(entry)) < want || (op.f === 'queue-done' && statusOf(entry) !== 'done')) {
          lost(p, `${who}'s ${op.f === 'queue-done' ? 'done' : 'claim'} of task [id:${op.id}] was acknowledged but the final status is ${statusOf(entry)}`, `final ${FILES.queue}:${entry.line + 1}: ${describeEntry(entry)}`);
        }
        break;
      }
      case 'queue-checkpoint': {
        if (result === 'fail') break;
        const entry = queue.byId.get(op.id)?.[0];
        const text = entry ? entryText(entry) : '';
        if (result === 'ok' && !hasWord(text, op.token)) {
          lost(p, `${who}'s checkpoint ${op.token} on task [id:${op.id}] was acknowledged but is not in its log`, entry ? `final ${FILES.queue}:${entry.line + 1}: ${entryText(entry).trim().slice(0, 240)}` : `final ${FILES.queue}: no entry with [id:${op.id}]`);
        }
        const copies = countWord(queueTexts.flatMap((t) => t.split('\n')), op.token);
        if (copies > 1 && !seenDup.has(`c:${op.token}`)) {
          seenDup.add(`c:${op.token}`);
          duplicated(p, `${who}'s checkpoint ${op.token} appears ${copies} times in the final ${FILES.queue}`, `final ${FILES.queue}: ${copies} log lines with ${op.token}`);
        }
        break;
      }
      case 'heartbeat': {
        if (result === 'fail') break;
        const list = lastHeartbeat.get(who) ?? [];
        // Keep the last acknowledged beat and every uncertain one after it: any of them may be final.
        if (result === 'ok') lastHeartbeat.set(who, [p]);
        else lastHeartbeat.set(who, [...list, p]);
        break;
      }
      case 'fact-set': {
        if (result === 'fail') break;
        const copies = factTexts.filter((t) => hasWord(t, op.value)).length;
        if (result === 'ok' && copies === 0) {
          lost(p, `${who}'s fact ${op.entity}/${op.attr} = ${op.value} was acknowledged but is not in the final ${FILES.facts}`, `final ${FILES.facts}: no fact with value ${op.value}`);
        }
        if (copies > 1) duplicated(p, `${who}'s fact ${op.entity}/${op.attr} = ${op.value} appears ${copies} times in the final ${FILES.facts}`, factTexts.filter((t) => hasWord(t, op.value)).join(' | '));
        break;
      }
      case 'op-request': {
        if (result !== 'ok') break;
        const found = entriesOf(parseDoc(final.files[FILES.ops] ?? '')).filter((e) => tagValue(e, 'op')?.trim() === op.key);
        if (found.length === 0) lost(p, `${who}'s request ${op.key} (${op.kind}) was acknowledged but is not in the final ${FILES.ops}`, `final ${FILES.ops}: no [op:${op.key}]`);
        if (found.length > 1) duplicated(p, `${who}'s request ${op.key} appears ${found.length} times in the final ${FILES.ops}`, found.map(describeEntry).join(' | '));
        break;
      }
      case 'note': {
        if (result === 'fail') break;
        const copies = linesOf(op.file).filter((l) => l === op.line).length;
        if (result === 'ok' && copies === 0) lost(p, `${who}'s line in ${op.file} was acknowledged but is not in the final file: ${op.line}`, `final ${op.file}: no such line`);
        if (copies > 1) duplicated(p, `${who}'s line in ${op.file} appears ${copies} times in the final file: ${op.line}`, `final ${op.file}: ${copies} copies`);
        break;
      }
      default:
        break;
    }
  }

  // Heartbeats: the final line of each agent carries its last acknowledged beat (or a later uncertain one).
  for (const [agent, candidates] of lastHeartbeat) {
    const mine = heartbeats.filter((e) => tagValue(e, 'agent')?.trim() === agent);
    const acknowledged = candidates.filter((c) => outcome(c) === 'ok');
    if (mine.length > 1) duplicated(candidates[0]!, `${agent} has ${mine.length} heartbeat lines in the final ${FILES.heartbeat}`, mine.map(describeEntry).join(' | '));
    if (acknowledged.length === 0) continue;
    const tokens = candidates.map((c) => (opOf(c) as Extract<Op, { f: 'heartbeat' }>).token);
    const final = mine[0];
    if (!final || !tokens.some((t) => hasWord(entryBody(final), t))) {
      lost(
        acknowledged[0]!,
        `${agent}'s last acknowledged heartbeat ${tokens[0]} is not its final heartbeat${candidates.length > 1 ? ` (nor is any of the ${candidates.length - 1} uncertain ones after it)` : ''}`,
        `final ${FILES.heartbeat}: ${describeEntry(final)}`,
      );
    }
  }

  // Facts: per (entity, attr) exactly one current (not superseded) value, the greatest (at, agent, value).
  const slots = new Map<string, Entry[]>();
  for (const e of facts) {
    const key = `${tagValue(e, 'entity')?.trim()}/${tagValue(e, 'attr')?.trim()}`;
    slots.set(key, [...(slots.get(key) ?? []), e]);
  }
  for (const [slot, list] of slots) {
    const current = list.filter((e) => tagValue(e, 'superseded') === undefined);
    const rankOf = (e: Entry): string => `${tagValue(e, 'at')?.trim()}\u001f${tagValue(e, 'agent')?.trim()}\u001f${entryBody(e)}`;
    const best = list.reduce((a, b) => (rankOf(b) > rankOf(a) ? b : a));
    if (current.length !== 1 || current[0] !== best) {
      anomalies.push({
        kind: 'facts-current',
        message: `${slot}: ${current.length} facts are current (not superseded); the current one must be exactly the greatest (at, agent, value)`,
        events: [],
        read: `final ${FILES.facts}: greatest ${describeEntry(best)}; current ${current.map(describeEntry).join(' | ') || '(none)'}`,
      });
    }
  }

  // Duplicates the writes above cannot see: an id twice, a request key twice, a ledger record twice.
  for (const [id, list] of queue.byId) {
    if (list.length > 1 && !anomalies.some((a) => a.kind === 'duplicated' && a.read?.includes(id))) {
      anomalies.push({ kind: 'duplicated', message: `[id:${id}] appears ${list.length} times in the final ${FILES.queue}`, events: [], read: list.map(describeEntry).join(' | ') });
    }
  }
  const ledgerLines = new Map<string, number>();
  for (const row of rowsOf(final.files[FILES.ledger] ?? '')) {
    const key = `${row.key} ${row.state} ${row.by} ${row.at}`;
    ledgerLines.set(key, (ledgerLines.get(key) ?? 0) + 1);
  }
  for (const [key, n] of ledgerLines) {
    if (n > 1) anomalies.push({ kind: 'duplicated', message: `ledger record '${key}' appears ${n} times`, events: [], read: `final ${FILES.ledger}` });
  }

  // The history of main: statuses only move up, nothing is done before its dependencies.
  anomalies.push(...historyAnomalies(final.commits, clientOps));

  // Ops: idempotent kinds exactly once; the others at most once, with any doubt recorded as unknown.
  const opMetrics = opAnomalies(final, clientOps, anomalies);

  // Convergence.
  const max = options.maxConvergenceRounds ?? 2;
  const trees = Object.entries(final.trees);
  const differing = trees.filter(([, tree]) => tree !== final.remoteTree);
  if (final.convergenceRounds === undefined || differing.length > 0) {
    anomalies.push({
      kind: 'not-converged',
      message: `after the heal the clones never became byte-identical${differing.length > 0 ? `: ${differing.map(([a]) => a).join(', ')} differ from the remote` : ''}`,
      events: [],
      read: trees.map(([a, t]) => `${a}=${t.slice(0, 10)}`).join(' ') + ` remote=${final.remoteTree.slice(0, 10)}`,
    });
  } else if (final.convergenceRounds > max) {
    anomalies.push({ kind: 'slow-convergence', message: `the clones became byte-identical only after ${final.convergenceRounds} sync rounds (at most ${max} allowed)`, events: [] });
  }

  // Conflicts left in the final files.
  let conflictsLeft = 0;
  for (const [path, text] of Object.entries(final.files)) {
    const regions = findConflictMarkers(text ?? '');
    conflictsLeft += regions.length;
    for (const r of regions) anomalies.push({ kind: 'conflict-left', message: `${path}:${r.line}: ${r.message}`, events: [], read: `final ${path}` });
  }

  for (const f of final.check.findings) anomalies.push({ kind: 'check-failed', message: `git strata check: ${f.path}:${f.line}: ${f.rule}: ${f.message}`, events: [] });
  if (final.check.error) anomalies.push({ kind: 'check-failed', message: `git strata check failed to run: ${final.check.error}`, events: [] });
  for (const f of final.verify.findings) {
    anomalies.push({ kind: 'verify-failed', message: `git strata verify: ${f.commit ? `commit ${f.commit.short} ` : ''}${f.path}:${f.line}: ${f.rule}: ${f.message}`, events: [], ...(f.commit ? { commits: [f.commit.sha] } : {}) });
  }
  if (final.verify.error) anomalies.push({ kind: 'verify-failed', message: `git strata verify failed to run: ${final.verify.error}`, events: [] });

  // Torn writes that the pre-commit hook let through.
  const torn = ops.filter((p) => p.invoke.op.f === 'torn-write');
  const tornCommitted = torn.filter((p) => p.done?.op.f === 'torn-write' && p.done.op.outcome === 'committed');
  if (options.tornAcceptedIsAnomaly ?? true) {
    for (const p of tornCommitted) {
      const op = p.done!.op as Extract<Op, { f: 'torn-write' }>;
      anomalies.push({
        kind: 'torn-write-accepted',
        message: `${p.invoke.process}: ${op.file} truncated mid-line (${op.bytes} bytes kept) was committed: the pre-commit hook did not refuse it`,
        events: indices(p),
        ...(op.head ? { commits: [op.head] } : {}),
      });
    }
  }

  const metrics: Metrics = {
    operations: {
      invoked: clientOps.filter((p) => !['pull', 'push', 'replay', 'torn-write'].includes(p.invoke.op.f)).length,
      ok: clientOps.filter((p) => outcome(p) === 'ok' && isWrite(p)).length,
      fail: clientOps.filter((p) => outcome(p) === 'fail' && isWrite(p)).length,
      info: clientOps.filter((p) => outcome(p) === 'info' && isWrite(p)).length,
    },
    writesOk: clientOps.filter((p) => outcome(p) === 'ok' && isWrite(p)).length,
    pulls: clientOps.filter((p) => p.invoke.op.f === 'pull').length,
    pushes: clientOps.filter((p) => p.invoke.op.f === 'push').length,
    merges: final.commits.filter((c) => c.parents.length > 1).length,
    commits: final.commits.length,
    driverCalls: final.driver.calls,
    driverConflicts: final.driver.conflicts,
    driverKilled: final.driver.killed,
    conflictsLeft,
    lost: anomalies.filter((a) => a.kind === 'lost').length,
    duplicated: anomalies.filter((a) => a.kind === 'duplicated').length,
    convergenceRounds: final.convergenceRounds,
    visibilityMs: visibility(history, final),
    ops: opMetrics,
    faults: {
      partitions: history.filter((e) => e.type === 'invoke' && e.op.f === 'partition').length,
      tornWrites: torn.length,
      tornCommitted: tornCommitted.length,
      replaysKilled: ops.filter((p) => p.invoke.op.f === 'replay' && p.invoke.op.killAfterMs !== undefined && outcome(p) === 'info').length,
      driverKillsArmed: ops.filter((p) => p.invoke.op.f === 'pull' && p.invoke.op.killDriver !== undefined).length,
    },
  };
  return { ok: anomalies.length === 0, anomalies, metrics };
}

function isWrite(p: Completed): boolean {
  return ['queue-add', 'queue-claim', 'queue-checkpoint', 'queue-done', 'heartbeat', 'fact-set', 'op-request', 'note'].includes(p.invoke.op.f);
}

// ---------------------------------------------------------------------------------------------------
// the history of main

interface TaskAt {
  readonly status: Status;
  readonly seq: number | undefined;
  readonly line: string;
}

function tasksAt(text: string | undefined): { byId: Map<string, TaskAt>; bySeq: Map<number, Entry>; entries: Entry[] } {
  const entries = entriesOf(parseDoc(text ?? '')).filter((e) => seqOf(e) !== undefined);
  const byId = new Map<string, TaskAt>();
  const bySeq = new Map<number, Entry>();
  for (const e of entries) {
    const id = tagValue(e, 'id')?.trim();
    const seq = seqOf(e);
    if (seq !== undefined && !bySeq.has(seq)) bySeq.set(seq, e);
    if (id !== undefined && !byId.has(id)) byId.set(id, { status: statusOf(e), seq, line: lineOf(e.lines[0]!) });
  }
  return { byId, bySeq, entries };
}

export function historyAnomalies(commits: readonly CommitInfo[], clientOps: readonly Completed[]): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const parsed = new Map<string, ReturnType<typeof tasksAt>>();
  const byQueueText = new Map<string, ReturnType<typeof tasksAt>>();
  const view = (c: CommitInfo): ReturnType<typeof tasksAt> => {
    let v = parsed.get(c.sha);
    if (!v) {
      const key = c.queue ?? '';
      v = byQueueText.get(key) ?? tasksAt(c.queue);
      byQueueText.set(key, v);
      parsed.set(c.sha, v);
    }
    return v;
  };
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const writer = (id: string, f: Op['f']): number[] => {
    const p = clientOps.find((x) => x.done?.type === 'ok' && x.done.op.f === f && 'id' in x.done.op && x.done.op.id === id);
    return p ? indices(p) : [];
  };
  const reported = new Set<string>();
  for (const commit of commits) {
    const child = view(commit);
    for (const parentSha of commit.parents) {
      const parent = bySha.get(parentSha);
      if (!parent || parent.queue === commit.queue) continue;
      const before = view(parent);
      for (const [id, was] of before.byId) {
        const now = child.byId.get(id);
        if (now && rank(now.status) >= rank(was.status)) continue;
        if (reported.has(`s:${id}`)) continue;
        reported.add(`s:${id}`);
        const setBy = was.status === 'done' ? writer(id, 'queue-done') : was.status === 'claimed' ? writer(id, 'queue-claim') : writer(id, 'queue-add');
        anomalies.push({
          kind: 'status-regressed',
          message: now
            ? `task [id:${id}] went from ${was.status} to ${now.status} in commit ${commit.sha.slice(0, 10)} (parent ${parentSha.slice(0, 10)})`
            : `task [id:${id}] (${was.status}) disappeared in commit ${commit.sha.slice(0, 10)} (parent ${parentSha.slice(0, 10)})`,
          events: setBy,
          commits: [parentSha, commit.sha],
          read: `${parentSha.slice(0, 10)}: ${was.line} → ${commit.sha.slice(0, 10)}: ${now?.line ?? '(absent)'}`,
        });
      }
    }
    for (const e of child.entries) {
      if (statusOf(e) !== 'done') continue;
      const id = tagValue(e, 'id')?.trim() ?? `seq ${seqOf(e)}`;
      for (const dep of dependsOf(e)) {
        const target = child.bySeq.get(dep);
        if (target && statusOf(target) === 'done') continue;
        const key = `d:${id}:${target ? tagValue(target, 'id') : dep}`;
        if (reported.has(key)) continue;
        reported.add(key);
        anomalies.push({
          kind: 'done-before-dependency',
          message: `in commit ${commit.sha.slice(0, 10)} task [id:${id}] is done but its dependency ${dep} is ${target ? statusOf(target) : 'missing'}`,
          events: writer(id, 'queue-done'),
          commits: [commit.sha],
          read: `${commit.sha.slice(0, 10)}: ${lineOf(e.lines[0]!)} / ${target ? lineOf(target.lines[0]!) : `no seq ${dep}`}`,
        });
      }
    }
  }
  return anomalies;
}

// ---------------------------------------------------------------------------------------------------
// ops

function opAnomalies(final: FinalState, clientOps: readonly Completed[], anomalies: Anomaly[]): Metrics['ops'] {
  const statuses = opStatuses(final.files[FILES.ops] ?? '', final.files[FILES.ledger] ?? '', 0).filter((s) => s.requests.length > 0);
  const effects = new Map<string, Effect[]>();
  for (const e of final.effects) effects.set(e.key, [...(effects.get(e.key) ?? []), e]);
  const requestOf = (key: string): number[] => {
    const p = clientOps.find((x) => x.invoke.op.f === 'op-request' && x.invoke.op.key === key);
    return p ? indices(p) : [];
  };
  const counts = { requested: statuses.length, done: 0, failed: 0, unknown: 0, other: 0, effects: final.effects.length };
  for (const s of statuses) {
    if (s.state === 'done') counts.done++;
    else if (s.state === 'failed') counts.failed++;
    else if (s.state === 'unknown') counts.unknown++;
    else counts.other++;
    const kind = final.kinds[s.kind];
    const applied = effects.get(s.key) ?? [];
    const n = applied.length;
    const read = `ledger: ${s.state}${s.record ? ` (${s.record.by} at ${s.record.at})` : ''}; effects: ${n}${n > 0 ? ` by ${applied.map((a) => a.executor).join(', ')}` : ''}`;
    const events = requestOf(s.key);
    if (!kind) continue;
    if (s.state === 'conflict') {
      anomalies.push({ kind: 'op-key-conflict', message: `${s.key}: the key has requests with different parameters in the final ${FILES.ops}, so it is never run again`, events, read });
      continue;
    }
    if (s.state === 'pending' || s.state === 'claimed') {
      anomalies.push({ kind: 'op-stuck', message: `${s.key} (${s.kind}) is still ${s.state} after the heal and the final replays`, events, read });
    }
    if (kind.idempotent) {
      if (n !== 1) anomalies.push({ kind: 'op-not-once', message: `${s.key} (${s.kind}, idempotent handler) took effect ${n} times, not exactly once`, events, read });
      else if (s.state !== 'done' && s.state !== 'pending' && s.state !== 'claimed') {
        anomalies.push({ kind: 'op-doubt-hidden', message: `${s.key} (${s.kind}, idempotent) took effect but the ledger says ${s.state}`, events, read });
      }
    } else {
      if (n > 1) anomalies.push({ kind: 'op-not-once', message: `${s.key} (${s.kind}) took effect ${n} times (at most once allowed)`, events, read });
      if (n === 0 && s.state === 'done') anomalies.push({ kind: 'op-doubt-hidden', message: `${s.key} (${s.kind}): the ledger says done but it never took effect`, events, read });
      if (n >= 1 && (s.state === 'failed' || s.state === 'pending' || s.state === 'claimed')) {
        anomalies.push({ kind: 'op-doubt-hidden', message: `${s.key} (${s.kind}) took effect but the ledger says ${s.state}, not done or unknown`, events, read });
      }
    }
  }
  const requested = new Set(statuses.map((s) => s.key));
  for (const [key, list] of effects) {
    if (!requested.has(key)) anomalies.push({ kind: 'phantom-effect', message: `effect for ${key} (${list[0]!.kind}) but no such request in the final ${FILES.ops}`, events: [], read: `${list.length} effects` });
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------
// visibility latency: from a push to the moment every other clone's HEAD contains it

export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rankIndex = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rankIndex))];
}

export function visibility(history: readonly HistoryEvent[], final: FinalState): Percentiles {
  const parents = new Map(final.commits.map((c) => [c.sha, c.parents]));
  // When each clone first had each commit in its HEAD's history.
  const seen = new Map<string, Map<string, number>>();
  for (const [agent, heads] of Object.entries(final.heads)) {
    const at = new Map<string, number>();
    for (const [time, head] of [...heads].sort((a, b) => a[0] - b[0])) {
      const stack = [head];
      while (stack.length > 0) {
        const sha = stack.pop()!;
        if (at.has(sha) || !parents.has(sha)) continue;
        at.set(sha, time);
        stack.push(...parents.get(sha)!);
      }
    }
    seen.set(agent, at);
  }
  const pushed = new Map<string, { time: number; by: string }>();
  for (const e of history) {
    if (e.type === 'ok' && e.op.f === 'push' && e.op.head && !pushed.has(e.op.head)) pushed.set(e.op.head, { time: e.time, by: e.process });
  }
  const samples: number[] = [];
  let unseen = 0;
  for (const [sha, push] of pushed) {
    // The latest of the clones that saw it; a clone that never did (stuck, or not converged) is counted apart.
    let worst: number | undefined;
    for (const [agent, at] of seen) {
      if (agent === push.by) continue;
      const t = at.get(sha);
      if (t === undefined) unseen++;
      else worst = Math.max(worst ?? 0, t - push.time);
    }
    if (worst !== undefined) samples.push(worst);
  }
  samples.sort((a, b) => a - b);
  return { samples: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), unseen };
}
