// Printing a torture run: a table for people, JSON for machines. Pure: data in, text out.
import type { Anomaly, CheckResult } from './check.js';
import type { HistoryEvent, Op } from './history.js';

export interface RunInfo {
  readonly seed: number;
  readonly agents: number;
  readonly seconds: number;
  readonly faults: readonly string[];
  readonly driver: string;
  readonly dir: string | undefined;
  readonly elapsedMs: number;
}

/** One event as a line: `#12 a1 ok queue-add a1-t3 [id:…]`. */
export function describeEvent(e: HistoryEvent): string {
  return `#${e.index} ${(e.time / 1000).toFixed(3)}s ${e.process} ${e.type} ${describeOp(e.op)}${e.error ? ` (${e.error})` : ''}`;
}

export function describeOp(op: Op): string {
  switch (op.f) {
    case 'queue-add':
      return `queue add ${op.token}${op.depends.length ? ` depends ${op.depends.join(',')}` : ''}${op.id ? ` → seq ${op.seq} [id:${op.id}]` : ''}`;
    case 'queue-claim':
    case 'queue-done':
      return `${op.f.replace('-', ' ')} ${op.seq} [id:${op.id}]`;
    case 'queue-checkpoint':
      return `queue checkpoint ${op.seq} [id:${op.id}] ${op.token}`;
    case 'heartbeat':
      return `heartbeat ${op.token}`;
    case 'fact-set':
      return `fact set ${op.entity} ${op.attr} ${op.value}`;
    case 'op-request':
      return `op request ${op.kind} --key ${op.key}${op.args.length ? ` ${op.args.join(' ')}` : ''}`;
    case 'note':
      return `append to ${op.file}: ${op.line}`;
    case 'pull':
      return `pull --${op.mode === 'rebase' ? 'rebase' : 'no-rebase'}${op.killDriver ? ` (driver kill armed: ${op.killDriver})` : ''}${op.resolved ? ' (resolved)' : ''}${op.head ? ` → ${op.head.slice(0, 10)}` : ''}`;
    case 'push':
      return `push${op.head ? ` ${op.head.slice(0, 10)}` : ''}`;
    case 'replay':
      return `replay${op.killAfterMs !== undefined ? ` (SIGKILL after ${op.killAfterMs} ms)` : ''}`;
    case 'torn-write':
      return `torn write of ${op.file} (${op.bytes} bytes kept)${op.outcome ? `: ${op.outcome}` : ''}`;
    case 'partition':
    case 'heal':
      return `${op.f} ${op.agents.join(',')}`;
  }
}

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function row(name: string, value: string): string {
  return `  ${name.padEnd(22)}${value}\n`;
}

export function renderTable(info: RunInfo, result: CheckResult, history: readonly HistoryEvent[], maxAnomalies = 20): string {
  const m = result.metrics;
  const byIndex = new Map(history.map((e) => [e.index, e]));
  const checks = ['check-failed', 'verify-failed', 'status-regressed', 'done-before-dependency'].map((k) => `${k.replace('-failed', '')}: ${result.anomalies.filter((a) => a.kind === k).length}`);
  let out = '';
  out += `strata torture: ${info.agents} agents, ${info.seconds} s (ran ${(info.elapsedMs / 1000).toFixed(1)} s), faults: ${info.faults.length ? info.faults.join(',') : 'none'}\n`;
  out += `driver: ${info.driver}\n`;
  out += row('seed', String(info.seed));
  out += row('operations', `${m.operations.invoked} (ok ${m.operations.ok}, fail ${m.operations.fail}, info ${m.operations.info})`);
  out += row('pulls / pushes', `${m.pulls} / ${m.pushes}`);
  out += row('merges', `${m.merges} merge commits of ${m.commits} commits on main`);
  out += row('driver calls', `${m.driverCalls} (exit 1: ${m.driverConflicts}, killed: ${m.driverKilled})`);
  out += row('conflicts left', String(m.conflictsLeft));
  out += row('lost', String(m.lost));
  out += row('duplicated', String(m.duplicated));
  out += row('convergence rounds', m.convergenceRounds === undefined ? 'never' : String(m.convergenceRounds));
  out += row('visibility latency', `p50 ${ms(m.visibilityMs.p50)}, p95 ${ms(m.visibilityMs.p95)}, p99 ${ms(m.visibilityMs.p99)} (${m.visibilityMs.samples} pushes${m.visibilityMs.unseen ? `; ${m.visibilityMs.unseen} times a clone never saw a push` : ''})`);
  out += row('ops', `${m.ops.requested} requested: ${m.ops.done} done, ${m.ops.failed} failed, ${m.ops.unknown} unknown, ${m.ops.other} other; ${m.ops.effects} effects`);
  out += row('faults', `${m.faults.partitions} partitions, ${m.faults.tornWrites} torn writes (${m.faults.tornCommitted} committed), ${m.faults.replaysKilled} replays killed, ${m.faults.driverKillsArmed} pulls with a driver kill armed`);
  out += row('history checks', checks.join(', '));
  if (info.dir) out += row('kept in', info.dir);
  out += result.ok ? 'result: PASS: every check holds\n' : `result: FAIL: ${result.anomalies.length} anomal${result.anomalies.length === 1 ? 'y' : 'ies'}\n`;
  for (const a of result.anomalies.slice(0, maxAnomalies)) out += renderAnomaly(a, byIndex);
  if (result.anomalies.length > maxAnomalies) out += `  … and ${result.anomalies.length - maxAnomalies} more (--json lists them all)\n`;
  return out;
}

function renderAnomaly(a: Anomaly, byIndex: ReadonlyMap<number, HistoryEvent>): string {
  let out = `  [${a.kind}] ${a.message}\n`;
  for (const i of a.events) {
    const e = byIndex.get(i);
    if (e) out += `      ${describeEvent(e)}\n`;
  }
  if (a.commits?.length) out += `      commits: ${a.commits.map((c) => c.slice(0, 10)).join(' ')}\n`;
  if (a.read) out += `      read: ${a.read}\n`;
  return out;
}

export function renderJson(info: RunInfo, result: CheckResult, history: readonly HistoryEvent[]): string {
  const byIndex = new Map(history.map((e) => [e.index, e]));
  return `${JSON.stringify(
    {
      ok: result.ok,
      ...info,
      metrics: result.metrics,
      anomalies: result.anomalies.map((a) => ({ ...a, eventDetails: a.events.map((i) => byIndex.get(i)).filter(Boolean) })),
    },
    null,
    2,
  )}\n`;
}
