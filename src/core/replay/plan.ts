// Replay planning: from the requests (OPS.md), the ledger, the time and who we are, decide what this
// executor may do. Pure: the shell reads the files at HEAD, passes the handlers configured locally,
// and carries out the actions one at a time, re-planning after each (another executor's records may
// have arrived in between).
//
// Per key, the ledger records are read in (at, state, by) order. A `retry` record (a person's decision,
// `git strata op resolve KEY retry`) starts a new epoch; only the records after the last one count:
//   - a done or failed record settles the op (the earliest one; more from other executors are a
//     duplicate execution, reported by ledgerFindings);
//   - otherwise the latest claimed/unknown record decides: `unknown` waits for a person unless the
//     handler is idempotent; a claim holds while its lease is in the future.
// Our own claim with no terminal record means we died between claim and record: nobody knows whether
// the effect happened, so it becomes `unknown`. The same holds for another executor's expired claim,
// and for an op that looks pending at HEAD although this clone's journal says it ran it (HEAD moved to a
// commit without those records): it becomes `unknown` rather than running again as if new.
import { type Entry, entriesOf, parseDoc, tagValue } from '../entries/scan.js';
import { type OpRequest, opOf, opParameters } from '../crdt/ops.js';
import { type LedgerRecord, recordOf } from '../crdt/ledger.js';
import { parseStamp, stampOrder } from '../clock.js';
import { decodeArgs } from './args.js';
import { DEFAULT_LEASE_MS } from './config.js';
import { type JournalRecord, type LostRun, lostRun } from './journal.js';

export type OpState = 'pending' | 'claimed' | 'done' | 'failed' | 'unknown' | 'conflict';

export interface Request extends OpRequest {
  /** 1-based line in its file. */
  readonly line: number;
  /** Index of the requests file it came from (in the order the shell passed them). */
  readonly file: number;
}

export interface Row extends LedgerRecord {
  /** 1-based line in the ledger. */
  readonly line: number;
  /** Written by `op resolve` (a person's decision), not by an execution. */
  readonly resolved: boolean;
  readonly ms: number | undefined;
}

export interface OpStatus {
  readonly key: string;
  /** Kind and argv of the first request (with `conflict`, the requests disagree). */
  readonly kind: string;
  readonly args: readonly string[];
  readonly requests: readonly Request[];
  readonly state: OpState;
  /** The record that decided the state (terminal, unknown or the current claim). */
  readonly record: Row | undefined;
  /** For `claimed`: whether the lease is still in the future. */
  readonly leaseLive: boolean;
  /** Every ledger record of the key, in order. */
  readonly records: readonly Row[];
}

export interface Handler {
  readonly idempotent: boolean;
}

export interface PlanInput {
  /** Texts of the requests files (OPS.md and any other file typed `strata=ops`). */
  readonly ops: string | readonly string[];
  readonly ledger: string;
  readonly now: number;
  /** This executor's name, as in [by:…]. */
  readonly executor: string;
  /** The handlers configured locally, by kind. */
  readonly handlers: ReadonlyMap<string, Handler>;
  /**
   * This clone's journal records of the keys that would run as pending (the shell reads them only
   * then; see journal.ts). Without it, HEAD's ledger alone decides.
   */
  readonly journal?: ReadonlyMap<string, readonly JournalRecord[]>;
  /**
   * Records of the keys that would run as pending that HEAD's history added to the ledger (the shell
   * reads them only then). One HEAD's ledger lacks was removed by a later commit: by hand with
   * --no-verify, or by a revert.
   */
  readonly history?: ReadonlyMap<string, readonly Row[]>;
}

export type RunReason = 'pending' | 'takeover' | 'rerun';

export type Action =
  | { readonly type: 'run'; readonly key: string; readonly kind: string; readonly args: readonly string[]; readonly reason: RunReason; readonly previous: Row | undefined }
  | { readonly type: 'mark-unknown'; readonly key: string; readonly kind: string; readonly claim: Row; readonly reason: 'own-claim' | 'expired-claim' }
  | { readonly type: 'mark-lost'; readonly key: string; readonly kind: string; readonly lost: LostRun }
  | { readonly type: 'mark-removed'; readonly key: string; readonly kind: string; readonly removed: Row };

export interface ReplayPlan {
  /** What to do, in order: first the crash recoveries, then runs in request order. */
  readonly actions: readonly Action[];
  /** Keys reused with different kind/args: never executed. */
  readonly conflicts: readonly OpStatus[];
  /** Ops whose kind has no handler here: skipped. */
  readonly unhandled: readonly OpStatus[];
  /** `unknown` ops that only a person can settle (`git strata op resolve`). */
  readonly needsPerson: readonly OpStatus[];
  /** Live claims of other executors. */
  readonly heldByOthers: readonly OpStatus[];
  readonly statuses: readonly OpStatus[];
}

const STATE_RANK: Record<string, number> = { claimed: 0, unknown: 1, done: 2, failed: 2, retry: 3 };

function compareRows(a: Row, b: Row): number {
  const am = a.ms ?? -Infinity;
  const bm = b.ms ?? -Infinity;
  if (am !== bm) return am < bm ? -1 : 1;
  const ar = STATE_RANK[a.state] ?? 4;
  const br = STATE_RANK[b.state] ?? 4;
  if (ar !== br) return ar - br;
  return a.by < b.by ? -1 : a.by > b.by ? 1 : a.line - b.line;
}

export function requestsOf(texts: string | readonly string[]): Request[] {
  const list = typeof texts === 'string' ? [texts] : texts;
  const requests: Request[] = [];
  list.forEach((text, file) => {
    for (const entry of entriesOf(parseDoc(text))) {
      const op = opOf(entry);
      if (op.key === '' || tagValue(entry, 'kind') === undefined) continue;
      requests.push({ ...op, line: entry.line + 1, file });
    }
  });
  return requests;
}

function rowOf(entry: Entry): Row {
  const record = recordOf(entry);
  return { ...record, line: entry.line + 1, resolved: tagValue(entry, 'resolved') !== undefined, ms: parseStamp(record.at) };
}

export function rowsOf(ledger: string): Row[] {
  return entriesOf(parseDoc(ledger))
    .filter((e) => tagValue(e, 'op') !== undefined && tagValue(e, 'state') !== undefined)
    .map(rowOf);
}

/** The records that count now: those after the last `retry`. */
export function currentEpoch(rows: readonly Row[]): Row[] {
  const sorted = [...rows].sort(compareRows);
  let start = 0;
  sorted.forEach((row, i) => {
    if (row.state === 'retry') start = i + 1;
  });
  return sorted.slice(start);
}

/**
 * The latest record of a key that the history added and HEAD's ledger no longer has, in the epoch that
 * counts now (after HEAD's last `retry` of the key): the op may have been claimed, run or settled
 * already, and running it as new could run it twice. Undefined when HEAD has every record it had.
 */
export function removedRecord(history: readonly Row[] | undefined, rows: readonly Row[]): Row | undefined {
  if (!history || history.length === 0) return undefined;
  const same = (a: Row, b: Row): boolean => a.state === b.state && a.by === b.by && a.at === b.at;
  let since = -Infinity;
  for (const row of rows) if (row.state === 'retry' && row.ms !== undefined && row.ms > since) since = row.ms;
  const gone = history.filter((h) => h.state !== 'retry' && !rows.some((row) => same(row, h)) && (h.ms === undefined || h.ms > since));
  return gone.sort(compareRows).pop();
}

/** When a claim stops holding: its [lease:…], or DEFAULT_LEASE_MS after its [at:…]. */
export function leaseEnd(claim: Row): number {
  const lease = claim.lease === undefined ? undefined : parseStamp(claim.lease);
  if (lease !== undefined) return lease;
  return (claim.ms ?? 0) + DEFAULT_LEASE_MS;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** The state of every key that has a request or a ledger record, in request order. */
export function opStatuses(ops: string | readonly string[], ledger: string, now: number): OpStatus[] {
  const requests = groupBy(requestsOf(ops), (r) => r.key);
  const rows = groupBy(rowsOf(ledger), (r) => r.key);
  const keys = [...requests.keys(), ...[...rows.keys()].filter((k) => !requests.has(k))];
  return keys.map((key) => statusOf(key, requests.get(key) ?? [], rows.get(key) ?? [], now));
}

function statusOf(key: string, requests: readonly Request[], rows: readonly Row[], now: number): OpStatus {
  const first = requests[0];
  const sortedRows = [...rows].sort(compareRows);
  const base = { key, kind: first?.kind ?? '', args: first ? decodeArgs(first.args) : [], requests, records: sortedRows };
  const epoch = currentEpoch(rows);
  const terminal = epoch.find((r) => r.state === 'done' || r.state === 'failed');
  // A key that ran stays what it was, even when a request with other parameters came later (check
  // reports the reuse): 'never run' would be untrue, and op run must give the recorded result.
  if (terminal) return { ...base, state: terminal.state as 'done' | 'failed', record: terminal, leaseLive: false };
  const conflict = requests.some((r) => opParameters(r) !== opParameters(first!));
  if (conflict) return { ...base, state: 'conflict', record: undefined, leaseLive: false };
  const last = [...epoch].reverse().find((r) => r.state === 'claimed' || r.state === 'unknown');
  if (!last) return { ...base, state: 'pending', record: undefined, leaseLive: false };
  if (last.state === 'unknown') return { ...base, state: 'unknown', record: last, leaseLive: false };
  return { ...base, state: 'claimed', record: last, leaseLive: leaseEnd(last) > now };
}

function byRequestTime(a: OpStatus, b: OpStatus): number {
  const ar = a.requests[0]!;
  const br = b.requests[0]!;
  // By time, not by the stamps' text: `10:00:05Z` was asked before `10:00:05.500Z`.
  const [x, y] = [stampOrder(ar.at), stampOrder(br.at)];
  const at = x < y ? -1 : x > y ? 1 : 0;
  return at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function planReplay(input: PlanInput): ReplayPlan {
  const statuses = opStatuses(input.ops, input.ledger, input.now);
  const recoveries: Action[] = [];
  const runs: Array<{ status: OpStatus; action: Action }> = [];
  const conflicts: OpStatus[] = [];
  const unhandled: OpStatus[] = [];
  const needsPerson: OpStatus[] = [];
  const heldByOthers: OpStatus[] = [];
  for (const status of statuses) {
    if (status.requests.length === 0) continue;
    const handler = input.handlers.get(status.kind);
    const run = (reason: RunReason): void => {
      runs.push({ status, action: { type: 'run', key: status.key, kind: status.kind, args: status.args, reason, previous: status.record } });
    };
    switch (status.state) {
      case 'conflict':
        conflicts.push(status);
        break;
      case 'done':
      case 'failed':
        break;
      case 'pending': {
        const lost = handler ? lostRun(input.journal?.get(status.key), status.records) : undefined;
        const removed = handler ? removedRecord(input.history?.get(status.key), status.records) : undefined;
        if (lost) recoveries.push({ type: 'mark-lost', key: status.key, kind: status.kind, lost });
        else if (removed) recoveries.push({ type: 'mark-removed', key: status.key, kind: status.kind, removed });
        else if (handler) run('pending');
        else unhandled.push(status);
        break;
      }
      case 'unknown':
        if (handler?.idempotent) run('rerun');
        else needsPerson.push(status);
        break;
      case 'claimed': {
        const claim = status.record!;
        if (claim.by === input.executor) {
          recoveries.push({ type: 'mark-unknown', key: status.key, kind: status.kind, claim, reason: 'own-claim' });
        } else if (status.leaseLive) {
          heldByOthers.push(status);
        } else if (!handler) {
          unhandled.push(status);
        } else if (handler.idempotent) {
          run('takeover');
        } else {
          recoveries.push({ type: 'mark-unknown', key: status.key, kind: status.kind, claim, reason: 'expired-claim' });
        }
        break;
      }
    }
  }
  runs.sort((a, b) => byRequestTime(a.status, b.status));
  return { actions: [...recoveries, ...runs.map((r) => r.action)], conflicts, unhandled, needsPerson, heldByOthers, statuses };
}

export type LedgerRule = 'op-key-reused' | 'duplicate-execution';

export interface LedgerFinding {
  /** Which text the line is in. */
  readonly in: 'ops' | 'ledger';
  /** 1-based line. */
  readonly line: number;
  readonly rule: LedgerRule;
  readonly message: string;
  readonly hint: string;
}

/**
 * The ops/ledger integrity findings for `git strata check`: a key requested with different kind/args,
 * and two terminal records of one key (in one epoch) from different executors.
 */
export function ledgerFindings(opsText: string, ledgerText: string): LedgerFinding[] {
  const findings: LedgerFinding[] = [];
  for (const [key, requests] of groupBy(requestsOf(opsText), (r) => r.key)) {
    const first = requests[0]!;
    for (const other of requests.slice(1)) {
      if (opParameters(other) === opParameters(first)) continue;
      findings.push({
        in: 'ops',
        line: other.line,
        rule: 'op-key-reused',
        message: `op key '${key}' reused with different parameters: line ${first.line} asks for kind:${first.kind} args:${first.args || '(none)'}, this line for kind:${other.kind} args:${other.args || '(none)'}`,
        hint: `replay runs neither; give one request a new [op:…] key (git strata op request ${other.kind} …)`,
      });
    }
  }
  for (const [key, rows] of groupBy(rowsOf(ledgerText), (r) => r.key)) {
    const terminals = epochsOf(rows).flatMap((epoch) => {
      const executions = epoch.filter((r) => (r.state === 'done' || r.state === 'failed') && !r.resolved);
      const first = executions[0];
      return first ? executions.filter((r) => r.by !== first.by).map((r) => ({ first, r })) : [];
    });
    for (const { first, r } of terminals) {
      findings.push({
        in: 'ledger',
        line: r.line,
        rule: 'duplicate-execution',
        message: `op '${key}' was executed by both ${first.by} (line ${first.line}, ${first.state}) and ${r.by} (${r.state})`,
        hint: 'the side effect may have happened twice: check it by hand; the records stay as history. Executors linearise their claims through one shared remote (the default), so this cannot recur: look for one with git config strata.claimRemote none, with no remote, or with another remote or branch',
      });
    }
  }
  return findings.sort((a, b) => (a.in === b.in ? a.line - b.line : a.in === 'ops' ? -1 : 1));
}

/** Every epoch of a key's records, split at `retry` records. */
function epochsOf(rows: readonly Row[]): Row[][] {
  const epochs: Row[][] = [[]];
  for (const row of [...rows].sort(compareRows)) {
    if (row.state === 'retry') epochs.push([]);
    else epochs[epochs.length - 1]!.push(row);
  }
  return epochs;
}
