// The executor: plan, then carry out one action at a time, re-planning in between (the plan is cheap
// and another executor's records may arrive with every fetch). Runs only in a clone configured as an
// executor, and only handlers from local git config; everything from the pulled files is data.
//
// For each op to run: commit a claim with a lease (pushed first to the claim remote — strata.claimRemote,
// by default the remote the branch tracks — where only an accepted push counts), run the handler, commit
// the terminal record, push it. A claim of ours with no terminal record means a replay died in between:
// it is recorded `unknown` and run again only when the handler is declared idempotent. Each record
// this clone writes also goes to its journal (the claim fsynced before the handler starts), so an op
// that HEAD's ledger forgot — HEAD moved to a commit without our records — is not run again as new.
import { formatStamp } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { type HandlerSpec, NO_CLAIM_REMOTE, cleanName } from '../core/replay/config.js';
import { type JournalState, type LostRun, describeLostRun } from '../core/replay/journal.js';
import { type Action, type ReplayPlan, type Row, planReplay } from '../core/replay/plan.js';
import { type NewRecord, appendRecord } from '../core/replay/write.js';
import { type HandlerRun, resolveProgram, runHandler, storeOutput } from './handler.js';
import {
  type LedgerCommit,
  type Remote,
  type Repo,
  REPLAY_ACTIVE_ENV,
  advanceHead,
  assertLedgerClean,
  buildLedgerCommit,
  claimBranchOf,
  claimRemoteOf,
  fetchAndMerge,
  operationInProgress,
  push,
} from './ledger-commit.js';
import { appendJournal, readJournal } from './journal.js';
import { withFileLock } from './lock.js';
import { type Place, type Snapshot, hasUnpushedLedger, ledgerHistory, place, snapshot } from './probe.js';
import { now } from './workfile.js';

/** The name of the lock that keeps two replays (and op resolve) in one clone apart. */
export const REPLAY_LOCK = 'strata-replay';

export interface ReplayOptions {
  readonly cwd: string;
  readonly dryRun?: boolean;
  /** Only this key (`git strata op run KEY`). */
  readonly only?: string;
  /** Called from a hook: report only what happened and what needs a person. */
  readonly quiet?: boolean;
  /** Called from post-rewrite at the end of a rebase (see operationInProgress). */
  readonly finishingRebase?: boolean;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface Outcome {
  readonly key: string;
  readonly kind: string;
  readonly state: 'done' | 'failed' | 'unknown';
  readonly run?: HandlerRun;
}

export interface ReplayReport {
  readonly executor: boolean;
  readonly outcomes: readonly Outcome[];
  readonly plan: ReplayPlan | undefined;
}

const MAX_CLAIM_ATTEMPTS = 8;
const MAX_PUSH_ATTEMPTS = 8;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A short random pause that grows with the attempt, so competing executors fall out of step. */
function backoff(attempt: number): Promise<void> {
  return sleep(Math.floor(Math.random() * 100 * Math.min(attempt + 1, 6)) + 10);
}

export function repoOf(snap: Snapshot): Repo {
  const env: NodeJS.ProcessEnv = { [REPLAY_ACTIVE_ENV]: '1' };
  if (!snap.settings.userName) {
    env.GIT_AUTHOR_NAME = 'strata replay';
    env.GIT_COMMITTER_NAME = 'strata replay';
  }
  if (!snap.settings.userEmail) {
    env.GIT_AUTHOR_EMAIL = 'strata@localhost';
    env.GIT_COMMITTER_EMAIL = 'strata@localhost';
  }
  return { top: snap.top, env };
}

/**
 * The remote and branch claims are pushed to; undefined when claims stay in this clone (opted out with
 * `strata.claimRemote none`, or no remote at all: then `notice` hears why, once).
 */
export async function remoteOf(repo: Repo, snap: Snapshot, notice?: (line: string) => void): Promise<Remote | undefined> {
  const choice = await claimRemoteOf(repo, snap.settings.claimRemote);
  if (choice.from === 'ambiguous') {
    throw new StrataError(
      'CONFIG',
      `cannot tell which remote claims go to: this branch tracks none, there is no origin, and there are several (${choice.remotes.join(', ')})`,
      `name the shared one: git config strata.claimRemote ${choice.remotes[0]} (or ${NO_CLAIM_REMOTE} to keep claims in this clone)`,
    );
  }
  if (choice.remote === undefined) {
    if (choice.from === 'no-remote') {
      notice?.(
        `strata: no git remote to linearise claims through: ops run under this clone's local lock, which keeps apart only the replays of this clone, not those of another executor (add the shared remote, or git config strata.claimRemote ${NO_CLAIM_REMOTE} to say claims stay local)`,
      );
    }
    return undefined;
  }
  return { name: choice.remote, branch: await claimBranchOf(repo, choice.remote, snap.settings.claimBranch) };
}

/** A record as committed: its [at:…] and the commit that added it. */
export interface Committed {
  readonly at: string;
  readonly commit: string;
}

/**
 * Appends a record to the ledger as a commit on HEAD (retrying while HEAD moves under us), then pushes
 * it when there is a remote, merging the remote's work in on a rejection. `committed` hears of the
 * commit before the push (which may fail).
 */
export async function recordAndPublish(
  repo: Repo,
  where: Place,
  remote: Remote | undefined,
  record: NewRecord,
  message: string,
  committed?: (c: Committed) => void,
): Promise<Committed> {
  let done: Committed;
  for (let attempt = 0; ; attempt++) {
    const snap = snapshot(where);
    if (!snap.head) throw new StrataError('BAD_INPUT', 'this branch has no commit yet', 'commit something first, then record');
    const { text, at } = appendRecord(snap.ledger, record, now());
    const commit = await buildLedgerCommit(repo, snap.head, text, message);
    if (await advanceHead(repo, commit, message)) {
      done = { at, commit: commit.commit };
      break;
    }
    if (attempt >= MAX_PUSH_ATTEMPTS) throw new StrataError('GIT_FAILED', 'HEAD keeps moving: could not commit the ledger record', 'run git strata replay again');
  }
  committed?.(done);
  if (remote) await publish(repo, remote);
  return done;
}

/** Pushes HEAD to the claim branch, merging the remote's work in on each rejection. */
async function publish(repo: Repo, remote: Remote): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const pushed = await push(repo, remote, 'HEAD');
    if (pushed.accepted) return;
    if (attempt >= MAX_PUSH_ATTEMPTS) {
      throw new StrataError('GIT_FAILED', `could not push the ledger to ${remote.name}/${remote.branch}: ${pushed.message}`, 'the record is committed here; push it with git push (replay pushes again next time)');
    }
    await fetchAndMerge(repo, remote, pushed.message);
    await backoff(attempt);
  }
}

/**
 * Commits a record on `snap` that counts only if nothing came first: with a remote, the commit is pushed
 * before HEAD moves, and a rejected push (the remote moved) brings the remote's work in and returns
 * undefined, so the caller decides again on what arrived. A claim goes this way; so does a person's
 * `op resolve`, decided on HEAD's ledger, which may be behind the remote's. Without a remote, HEAD's
 * compare-and-swap decides. The record when it is in effect, else undefined.
 */
export async function commitFirst(repo: Repo, remote: Remote | undefined, snap: Snapshot, record: NewRecord, message: string): Promise<Committed | undefined> {
  const { text, at } = appendRecord(snap.ledger, record, now());
  const commit: LedgerCommit = await buildLedgerCommit(repo, snap.head!, text, message);
  const claimed = { at, commit: commit.commit };
  if (!remote) return (await advanceHead(repo, commit, message)) ? claimed : undefined;
  const pushed = await push(repo, remote, commit.commit);
  if (!pushed.accepted) {
    await fetchAndMerge(repo, remote, pushed.message);
    return undefined;
  }
  if (!(await advanceHead(repo, commit, message))) {
    // HEAD moved while we pushed (someone committed here): the record stands on the remote; bring it in.
    const { gitTry } = await import('../git/exec.js');
    const merged = await gitTry(repo.top, ['merge', '--no-edit', '--quiet', commit.commit]);
    if (merged.exitCode !== 0) throw new StrataError('GIT_FAILED', `could not merge the record ${commit.commit} into HEAD: ${merged.stderr.trim()}`);
  }
  return claimed;
}

function claimNote(action: Extract<Action, { type: 'run' }>): string {
  if (action.reason === 'takeover') return `takes over the expired claim of ${action.previous?.by ?? 'another executor'}`;
  if (action.reason === 'rerun') return 'runs again after unknown: the handler is idempotent';
  return '';
}

/** The whole replay: under the clone's replay lock, until nothing more can be done. */
export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const where = place(options.cwd);
  if (!options.dryRun) await putBackLeftover(where.top, where.settings.executor, options);
  if (!where.settings.executor) return { executor: false, outcomes: [], plan: undefined };
  const first = snapshot(where);
  if (options.dryRun) return await dryRun(first, options);
  const plan = planOf(first);
  const repo = repoOf(first);
  const wanted = plan.actions.some((a) => options.only === undefined || a.key === options.only);
  // With nothing to run, a branch claims could not go to (a detached HEAD) is no error.
  const remote = await remoteOf(repo, first, wanted ? options.err : undefined).catch((error: unknown) => {
    if (wanted) throw error;
    return undefined;
  });
  const unpushed = (): boolean => remote !== undefined && hasUnpushedLedger(first.top, `refs/remotes/${remote.name}/${remote.branch}`);
  if (!wanted && !unpushed()) {
    report(plan, options);
    return { executor: true, outcomes: [], plan };
  }
  process.env[REPLAY_ACTIVE_ENV] = '1';
  return withFileLock(first.top, REPLAY_LOCK, async () => {
    if (remote && unpushed()) {
      await publish(repo, remote);
      options.out(`strata: pushed ledger records that had not reached ${remote.name}/${remote.branch}`);
    }
    return replayLocked(repo, where, remote, options);
  });
}

/**
 * In any clone, executor or not: a replay or git merge killed mid-way may have left the ledger file
 * behind, which blocks every later pull. Put back when every record in it is committed, else say what
 * to do — as the error for an executor (it can record nothing until then), as a warning otherwise.
 * Under the replay lock, so a concurrent replay's own merge is never taken for a leftover.
 */
async function putBackLeftover(top: string, executor: boolean, options: ReplayOptions): Promise<void> {
  const repo: Repo = { top, env: { [REPLAY_ACTIVE_ENV]: '1' } };
  await withFileLock(top, REPLAY_LOCK, async () => {
    if (await operationInProgress(repo, { finishingRebase: options.finishingRebase === true })) return;
    try {
      await assertLedgerClean(repo, options.err);
    } catch (error) {
      if (executor || !(error instanceof StrataError)) throw error;
      options.err(`strata: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`);
    }
  });
}

async function dryRun(snap: Snapshot, options: ReplayOptions): Promise<ReplayReport> {
  const plan = planOf(snap);
  const actions = plan.actions.filter((a) => options.only === undefined || a.key === options.only);
  // Each kind's handler is looked at once, as a real run would (which says why one cannot run).
  const runnable = new Map<string, boolean>();
  for (const action of actions) {
    if (action.type === 'mark-unknown') {
      options.out(`would record ${action.key} (${action.kind}) as unknown: the claim of ${action.claim.by} at ${action.claim.at} has no result`);
      continue;
    }
    if (action.type === 'mark-lost') {
      options.out(`would record ${action.key} (${action.kind}) as unknown: this clone already ${describeLostRun(action.lost)}, but HEAD's ledger lacks that record`);
      continue;
    }
    if (action.type === 'mark-removed') {
      options.out(`would record ${action.key} (${action.kind}) as unknown: ${removedNote(action.removed)}`);
      continue;
    }
    if (!runnable.has(action.kind)) runnable.set(action.kind, (await handlerProgram(snap.settings.handlers.get(action.kind)!, snap.top, options)) !== undefined);
    if (!runnable.get(action.kind)) {
      options.out(`would skip ${action.key} (${action.kind}): its handler cannot run (see above)`);
      continue;
    }
    options.out(`would run ${action.key} (${action.kind})${action.args.length ? ` with ${JSON.stringify(action.args)}` : ''}${action.reason === 'pending' ? '' : ` [${action.reason}]`}`);
  }
  if (actions.length === 0) options.out(nothingRun(plan, options.only));
  report(plan, options);
  return { executor: true, outcomes: [], plan };
}

/** The plan; with the journal's word on the ops that would run as pending (read only when there are some). */
function planOf(snap: Snapshot): ReplayPlan {
  const handlers = new Map([...snap.settings.handlers].map(([kind, spec]) => [kind, { idempotent: spec.idempotent }]));
  const input = { ops: snap.opsTexts, ledger: snap.ledger, now: now(), executor: snap.executor, handlers };
  const plan = planReplay(input);
  const fresh = plan.actions.filter((a) => a.type === 'run' && a.reason === 'pending').map((a) => a.key);
  return fresh.length === 0 ? plan : planReplay({ ...input, journal: readJournal(snap.commonDir, fresh), history: ledgerHistory(snap.top, fresh) });
}

/** Why an op whose record a commit removed is not run as new. */
function removedNote(removed: Row): string {
  return `the ledger had a ${removed.state} record of it by ${removed.by} at ${removed.at}, which a later commit removed (by hand, or a revert): it may have run already`;
}

/** Journals a record this replay committed; after the handler ran, a failure is only worth a warning. */
function journal(snap: Snapshot, key: string, state: JournalState, options: ReplayOptions, exit?: number): (c: Committed) => void {
  return (c) => {
    try {
      appendJournal(snap.commonDir, { key, state, by: cleanName(snap.executor), at: c.at, commit: c.commit, exit });
    } catch (error) {
      options.err(`strata: warning: ${(error as Error).message}`);
    }
  };
}

/** The refs that have a commit, for "merge the branch that has it"; [] when none has (or it is gone). */
async function refsContaining(repo: Repo, commit: string | undefined): Promise<string[]> {
  if (!commit) return [];
  const { gitTry } = await import('../git/exec.js');
  const refs = await gitTry(repo.top, ['for-each-ref', '--contains', commit, '--format=%(refname:short)', 'refs/heads', 'refs/remotes']);
  return refs.exitCode === 0 ? refs.stdout.split('\n').filter((r) => r !== '' && !r.endsWith('/HEAD')) : [];
}

/** What to do to bring a lost run's records back into HEAD. */
async function bringBack(repo: Repo, lost: LostRun): Promise<string> {
  const commit = lost.latest.commit;
  const refs = await refsContaining(repo, commit);
  const short = commit?.slice(0, 12) ?? '?';
  if (refs.length > 0) {
    const named = refs.slice(0, 3).join(', ') + (refs.length > 3 ? `, and ${refs.length - 3} more` : '');
    return `the record is in commit ${short} on ${named}: git merge ${refs[0]} brings it back`;
  }
  const { gitTry } = await import('../git/exec.js');
  const exists = commit !== undefined && (await gitTry(repo.top, ['cat-file', '-e', `${commit}^{commit}`])).exitCode === 0;
  return exists ? `the record is in commit ${short}, which no branch has any more: git merge ${short} brings it back` : `the commit that had the record (${short}) is gone from this clone`;
}

async function replayLocked(repo: Repo, where: Place, remote: Remote | undefined, options: ReplayOptions): Promise<ReplayReport> {
  const outcomes: Outcome[] = [];
  const skip = new Set<string>();
  const lostClaims = new Map<string, number>();
  let plan: ReplayPlan | undefined;
  for (;;) {
    const snap = snapshot(where);
    if (!snap.head) break;
    const busy = await operationInProgress(repo, { finishingRebase: options.finishingRebase === true });
    if (busy) {
      options.err(`strata: replay waits: ${busy} is in progress; run git strata replay when it is finished`);
      break;
    }
    plan = planOf(snap);
    const action = plan.actions.find((a) => !skip.has(a.key) && (options.only === undefined || a.key === options.only));
    if (!action) break;
    await assertLedgerClean(repo, options.err);

    if (action.type === 'mark-unknown') {
      const why = action.reason === 'own-claim' ? 'our claim has no result: a replay was interrupted' : `the claim of ${action.claim.by} expired with no result`;
      await recordAndPublish(repo, where, remote, { key: action.key, state: 'unknown', by: snap.executor, note: why }, `strata: ${action.key} unknown`, journal(snap, action.key, 'unknown', options));
      options.out(`strata: ${action.key} (${action.kind}): ${why}; recorded unknown`);
      outcomes.push({ key: action.key, kind: action.kind, state: 'unknown' });
      continue;
    }
    if (action.type === 'mark-lost') {
      // Recorded on this HEAD (and journaled), so the person who settles it works on a ledger that says so.
      const ran = describeLostRun(action.lost);
      const back = await bringBack(repo, action.lost);
      const note = `this clone ${ran} in commit ${action.lost.latest.commit?.slice(0, 12) ?? '?'}, which this branch lacks`;
      await recordAndPublish(repo, where, remote, { key: action.key, state: 'unknown', by: snap.executor, note }, `strata: ${action.key} unknown`, journal(snap, action.key, 'unknown', options));
      options.out(`strata: ${action.key} (${action.kind}): this clone already ${ran}, but HEAD's ledger lacks that record (${back}); recorded unknown, so it does not run again as new`);
      outcomes.push({ key: action.key, kind: action.kind, state: 'unknown' });
      continue;
    }

    if (action.type === 'mark-removed') {
      const note = removedNote(action.removed);
      await recordAndPublish(repo, where, remote, { key: action.key, state: 'unknown', by: snap.executor, note }, `strata: ${action.key} unknown`, journal(snap, action.key, 'unknown', options));
      options.out(`strata: ${action.key} (${action.kind}): ${note}; recorded unknown, so it does not run as new (git strata op resolve ${action.key} retry runs it again)`);
      outcomes.push({ key: action.key, kind: action.kind, state: 'unknown' });
      continue;
    }

    const spec = snap.settings.handlers.get(action.kind)!;
    const program = await handlerProgram(spec, repo.top, options);
    if (!program) {
      skip.add(action.key);
      continue;
    }
    const lease = formatStamp(now() + snap.settings.leaseMs);
    const claimed = await commitFirst(repo, remote, snap, { key: action.key, state: 'claimed', by: snap.executor, lease, note: claimNote(action) }, `strata: claim ${action.key}`);
    if (!claimed) {
      options.err(`strata: ${action.key}: the claim push was rejected (the remote moved); merged ${remote?.name ?? ''} and planning again`);
      const lost = (lostClaims.get(action.key) ?? 0) + 1;
      lostClaims.set(action.key, lost);
      if (lost >= MAX_CLAIM_ATTEMPTS) {
        options.err(`strata: ${action.key}: could not claim it after ${lost} attempts (the remote keeps moving); run git strata replay again`);
        skip.add(action.key);
      } else await backoff(lost);
      continue;
    }
    // Durable before the handler starts: whatever HEAD does later, this clone knows it ran the op.
    appendJournal(snap.commonDir, { key: action.key, state: 'claimed', by: cleanName(snap.executor), at: claimed.at, commit: claimed.commit, exit: undefined });
    const run = await runHandler(spec, program, action.key, action.args, repo.top);
    await storeOutput(snap.commonDir, run).catch(() => undefined);
    await recordAndPublish(
      repo,
      where,
      remote,
      { key: action.key, state: run.state, by: snap.executor, exit: run.exit, out: run.digest, note: run.summary },
      `strata: ${action.key} ${run.state}`,
      journal(snap, action.key, run.state, options, run.exit),
    );
    options.out(`strata: ran ${action.key} (${action.kind}): ${run.state}, exit ${run.exit}: ${run.summary}`);
    outcomes.push({ key: action.key, kind: action.kind, state: run.state, run });
  }
  if (plan) report(plan, options);
  return { executor: true, outcomes, plan };
}

async function handlerProgram(spec: HandlerSpec, top: string, options: ReplayOptions): Promise<string | undefined> {
  if (!spec.argv) {
    options.err(`strata: git config strata.handler.${spec.kind} cannot be read: ${spec.error}; ops of kind ${spec.kind} are skipped`);
    return undefined;
  }
  const program = await resolveProgram(spec.argv[0]!, top);
  if (!program) options.err(`strata: the handler for kind ${spec.kind} (${spec.argv[0]}) is not an executable program outside this work tree (an absolute path, or a name on PATH); ops of kind ${spec.kind} are skipped`);
  return program;
}

/** What replay could not do, for a person. */
function report(plan: ReplayPlan, options: ReplayOptions): void {
  const keep = (key: string): boolean => options.only === undefined || key === options.only;
  for (const s of plan.conflicts.filter((c) => keep(c.key))) {
    const where = s.requests.map((r) => `line ${r.line}`).join(', ');
    options.err(`strata: ${s.key}: key reused with different parameters (${where}); not run. Give one request a new key.`);
  }
  for (const s of plan.needsPerson.filter((c) => keep(c.key))) {
    options.err(`strata: ${s.key} (${s.kind}) is unknown: it may or may not have happened. Decide: git strata op resolve ${s.key} done|failed|retry`);
  }
  if (options.quiet) return;
  const unhandled = plan.unhandled.filter((c) => keep(c.key));
  for (const s of unhandled) {
    options.err(`strata: ${s.key}: no handler for kind '${s.kind}' is configured in this clone (git config strata.handler.${s.kind}), so it stays ${s.state}; skipped`);
  }
  for (const kind of new Set(unhandled.map((s) => s.kind))) {
    options.err(`hint: give kind '${kind}' a program in this clone: git config strata.handler.${kind} '["/absolute/path/to/program"]' (git strata replay --help), or leave it to an executor that has one`);
  }
  for (const s of plan.heldByOthers.filter((c) => keep(c.key))) {
    options.err(`strata: ${s.key} is claimed by ${s.record?.by} until ${s.record?.lease ?? '?'}`);
  }
}

/**
 * The line for a replay that ran nothing: 'nothing to run' only when nothing is waiting, else what
 * waits and why (details and what to do are in report's lines).
 */
export function nothingRun(plan: ReplayPlan, only?: string): string {
  const keep = <T extends { key: string }>(list: readonly T[]): T[] => list.filter((s) => only === undefined || s.key === only);
  const parts: string[] = [];
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const unhandled = keep(plan.unhandled);
  if (unhandled.length > 0) {
    const named = unhandled.slice(0, 5).map((s) => `${s.key}: kind ${s.kind}`);
    if (unhandled.length > 5) named.push(`${unhandled.length - 5} more`);
    parts.push(`${count(unhandled.length, 'op is', 'ops are')} ${unhandled.every((s) => s.state === 'pending') ? 'pending' : 'waiting'} with no handler configured here for ${unhandled.length === 1 ? 'its' : 'their'} kind (${named.join(', ')})`);
  }
  // Planned but not carried out: a handler that cannot start, a claim the remote kept rejecting, a
  // merge or rebase in progress (each said above).
  const notRun = keep(plan.actions);
  if (notRun.length > 0) parts.push(`${count(notRun.length, 'op', 'ops')} could not run (see above)`);
  const needsPerson = keep(plan.needsPerson);
  if (needsPerson.length > 0) parts.push(`${count(needsPerson.length, 'op waits', 'ops wait')} for a person (git strata op resolve)`);
  const held = keep(plan.heldByOthers);
  if (held.length > 0) parts.push(`${count(held.length, 'op is', 'ops are')} claimed by another executor`);
  const conflicts = keep(plan.conflicts);
  if (conflicts.length > 0) parts.push(`${count(conflicts.length, 'key is', 'keys are')} reused with different parameters`);
  return parts.length === 0 ? 'nothing to run' : `nothing run: ${parts.join('; ')}`;
}
