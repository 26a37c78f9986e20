// Pure planning of the queue commands: each takes the file's text and returns the new text (or a view
// of it). The shell reads, locks and writes; nothing here touches the disk or the clock.
import {
  type Doc,
  type Entry,
  entriesOf,
  entryBody,
  lineBody,
  parseDoc,
  readTags,
  tagValue,
  withAddedTag,
  withBox,
  withContinuation,
  withTag,
} from './entries/scan.js';
import { type Status, dependsOf, seqOf, statusOf } from './crdt/queue.js';
import { nextFreeSeq } from './crdt/queue-entry.js';
import { type Dated, MAX_CLOCK_OFFSET, beyondBound, formatAhead, formatStamp, parseDuration, parseStamp } from './clock.js';
import { StrataError } from './errors.js';
import { type Lease, DEFAULT_TTL, isAlive } from './heartbeat-ops.js';
import { cleanTagValue, eolOf, insertLine, replaceEntry } from './text-edit.js';

/** Tags a command writes itself; a task's text may not smuggle them in. */
const RESERVED = new Set(['seq', 'id', 'alias', 'depends', 'agent', 'at', 'claim', 'claim-lost', 'done', 'was']);

export interface Task {
  readonly seq: number;
  readonly id: string | undefined;
  readonly status: Status;
  readonly text: string;
  readonly agent: string | undefined;
  readonly depends: readonly number[];
  /** `agent@stamp` of the current claim. */
  readonly claim: string | undefined;
  /** 1-based line in the file. */
  readonly line: number;
}

export interface EditResult {
  readonly text: string;
  readonly seq: number;
  readonly id: string | undefined;
  /** False when the command had nothing to do (already done, already claimed by this agent). */
  readonly changed: boolean;
  readonly message: string;
  /** What the agent may not have meant (said on stderr, the command still succeeds). */
  readonly notes?: readonly string[];
}

/**
 * Who is alive, for claims: agents' heartbeat leases and the current time. An agent with no heartbeat
 * line at all holds its claim for DEFAULT_TTL from the claim's own stamp, so a queue used without
 * heartbeats still protects a fresh claim.
 */
export interface Liveness {
  readonly leases: ReadonlyMap<string, Lease>;
  readonly now: number;
  /** The heartbeat file the leases come from, for messages (default HEARTBEAT.md). */
  readonly file?: string;
}

function taskOf(entry: Entry): Task {
  return {
    seq: seqOf(entry)!,
    id: tagValue(entry, 'id'),
    status: statusOf(entry),
    text: entryBody(entry),
    agent: tagValue(entry, 'agent'),
    depends: dependsOf(entry),
    claim: tagValue(entry, 'claim'),
    line: entry.line + 1,
  };
}

function claimParts(claim: string): { agent: string; at: string } {
  const at = claim.lastIndexOf('@');
  return at === -1 ? { agent: claim.trim(), at: '' } : { agent: claim.slice(0, at).trim(), at: claim.slice(at + 1).trim() };
}

/** Whether a claim holds, and why: what the refusals and the take-over say. */
interface Standing {
  readonly agent: string;
  readonly since: string;
  /** No other agent may take the task over (or finish it without --force). */
  readonly holds: boolean;
  /**
   * What it stands on: its agent's heartbeat, or, for an agent with none (or one stamped beyond the
   * clock bound), the claim's own stamp.
   */
  readonly by: 'heartbeat' | 'claim' | 'unchecked';
  /** Why, completing "claimed by A (since T), …" or "took over from A, …". */
  readonly why: string;
  /** When a claim that holds may be taken over (a stamp); undefined when unknown. */
  readonly until: string | undefined;
  /** What to do instead of waiting, where a wrong clock holds the claim. */
  readonly fix?: string;
}

/**
 * A claim holds while its agent's heartbeat is alive; an agent with no heartbeat line at all holds it
 * for DEFAULT_TTL from the claim's own stamp (a queue used without heartbeats still protects a fresh
 * claim); a heartbeat stamped beyond the clock bound does not count (standingAhead). Without liveness
 * (no lease view given) every claim holds.
 */
function standing(claim: string, liveness: Liveness | undefined): Standing {
  const { agent, at } = claimParts(claim);
  const base = { agent, since: at || 'unknown' };
  if (!liveness) return { ...base, by: 'unchecked', holds: true, why: 'whose lease was not checked', until: undefined };
  const lease = liveness.leases.get(agent);
  if (lease) {
    const by = 'heartbeat';
    if (lease.expires === undefined) return { ...base, by, holds: false, why: `whose heartbeat (at ${lease.at || '?'}, ttl ${lease.ttl}) cannot be read as a lease`, until: undefined };
    const beat = parseStamp(lease.at)!;
    if (beyondBound(beat, liveness.now)) return standingAhead(base, at, lease, beat, liveness);
    const until = formatStamp(lease.expires);
    return isAlive(lease, liveness.now)
      ? { ...base, by, holds: true, why: `whose heartbeat is alive until ${until}`, until }
      : { ...base, by, holds: false, why: `whose heartbeat expired at ${until}`, until };
  }
  const by = 'claim';
  const start = parseStamp(at);
  if (start === undefined) return { ...base, by, holds: false, why: 'who has no heartbeat, and whose claim has no readable stamp', until: undefined };
  const end = start + parseDuration(DEFAULT_TTL)!;
  const until = formatStamp(end);
  if (beyondBound(start, liveness.now)) {
    return {
      ...base,
      by,
      holds: true,
      why: `who has no heartbeat, and whose claim is stamped ${formatAhead(start - liveness.now)} ahead of this clock (more than the ${MAX_CLOCK_OFFSET} a clock may be off: one of the two clocks is wrong), so it holds until ${until}`,
      until,
      fix: `if this machine's clock is right, ${agent}'s was wrong: correct the stamp of its [claim:…] to when it claimed, then claim again; if this clock is wrong, fix it`,
    };
  }
  return end > liveness.now
    ? { ...base, by, holds: true, why: `who has no heartbeat, so the claim itself holds for ${DEFAULT_TTL}, until ${until}`, until }
    : { ...base, by, holds: false, why: `who has no heartbeat, and whose claim is older than ${DEFAULT_TTL}`, until };
}

/**
 * A claim whose agent's heartbeat is stamped beyond the clock bound. That stamp says nothing about when
 * the agent last beat (a wrong clock wrote it, or this clock is the wrong one); taken at its word, it
 * would hold the claim for as long as that clock was wrong — a year, for a machine with the wrong year,
 * or for every agent whose beats an older strata stamped after it. So the claim stands on its own stamp
 * instead, for one lease (the heartbeat's ttl), as the claim of an agent with no heartbeat does: a
 * fresh claim is kept, a dead agent's can be taken over. A claim stamped beyond the bound too leaves
 * nothing to go by: if this clock is the wrong one (behind), taking the task would take it from a live
 * agent, which is worse than waiting; it holds, and the refusal says which stamp to correct.
 */
function standingAhead(base: { agent: string; since: string }, at: string, lease: Lease, beat: number, liveness: Liveness): Standing {
  const { agent } = base;
  const where = `${liveness.file ?? 'HEARTBEAT.md'}:${lease.line}`;
  const ahead = `whose heartbeat (${where}) is stamped ${lease.at}, ${formatAhead(beat - liveness.now)} ahead of this clock: more than the ${MAX_CLOCK_OFFSET} a clock may be off, so it does not count`;
  const by = 'claim';
  const start = parseStamp(at);
  if (start === undefined) return { ...base, by, holds: false, why: `${ahead}, and the claim has no readable stamp`, until: undefined };
  const fix = `if this machine's clock is right, ${agent}'s was wrong: correct the [at:…] of its heartbeat (${where}) to when it really beat (git strata check accepts that), then claim again; if this clock is wrong, fix it`;
  if (beyondBound(start, liveness.now)) {
    return { ...base, by, holds: true, why: `${ahead}, and the claim is stamped that far ahead too: one of the two clocks is wrong, and a task is not taken over on a clock that may be the wrong one`, until: undefined, fix };
  }
  const ttl = lease.expires! - beat;
  const until = formatStamp(start + ttl);
  return start + ttl > liveness.now
    ? { ...base, by, holds: true, why: `${ahead}; the claim itself holds for one lease (${lease.ttl}), until ${until}`, until }
    : { ...base, by, holds: false, why: `${ahead}, and the claim is older than one lease (${lease.ttl})`, until };
}

/** Whether a claim still holds: its agent's heartbeat is fresh (or, with no heartbeat, the claim is young). */
export function claimHolds(claim: string, liveness: Liveness | undefined): boolean {
  return standing(claim, liveness).holds;
}

/** What to wait for before the task is free: the holder's heartbeat to expire, or its claim to run out. */
function waitFor(held: Standing): string {
  if (held.fix !== undefined) return held.until === undefined ? held.fix : `wait until ${held.until}, or ${held.fix}`;
  if (held.until === undefined) return `wait until ${held.agent}'s claim runs out`;
  return held.by === 'heartbeat'
    ? `wait until ${held.agent}'s heartbeat expires (${held.until}, unless renewed)`
    : `wait until ${held.until}, when ${held.agent}'s claim runs out unless ${held.agent} sends a heartbeat`;
}

interface Indexed {
  readonly doc: Doc;
  readonly entries: Entry[];
  readonly bySeq: Map<number, Entry[]>;
}

function index(text: string): Indexed {
  const doc = parseDoc(text);
  const entries: Entry[] = [];
  const bySeq = new Map<number, Entry[]>();
  for (const entry of entriesOf(doc)) {
    const seq = seqOf(entry);
    if (seq === undefined) continue;
    entries.push(entry);
    const same = bySeq.get(seq);
    if (same) same.push(entry);
    else bySeq.set(seq, [entry]);
  }
  return { doc, entries, bySeq };
}

function find(q: Indexed, seq: number, file: string): Entry {
  const found = q.bySeq.get(seq);
  if (!found || found.length === 0) {
    throw new StrataError('BAD_INPUT', `${file}: no task with seq ${seq}`, 'git strata queue next lists the open tasks');
  }
  if (found.length > 1) {
    const lines = found.map((e) => e.line + 1).join(', ');
    throw new StrataError('BAD_INPUT', `${file}: seq ${seq} appears ${found.length} times (lines ${lines})`, 'run git strata check and fix the duplicate first');
  }
  return found[0]!;
}

/** Why a task can never be done as its `[depends:…]` edges stand (neverDone). */
interface Doom {
  /** The dependencies from the task's own to the one that never gets done, e.g. [3, 1]. */
  readonly chain: readonly number[];
  readonly status: 'cancelled' | 'missing';
}

/**
 * Why `start` can never be done as the edges stand: a dependency is cancelled or missing (only done
 * satisfies one, and cancelled never moves back), or is not done and can never be done itself. Then
 * `done` refuses it for ever and `next` never offers it, so `claim` and `add --depends` refuse it too.
 * Undefined while every dependency is done or may still be. A cycle is check's (dependency-cycle).
 * Iterative: a queue can be a chain of thousands of tasks.
 */
function neverDone(q: Indexed, start: Entry): Doom | undefined {
  const fine = new Set<Entry>();
  const onPath = new Set<Entry>([start]);
  const stack = [{ entry: start, deps: dependsOf(start), i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i === top.deps.length) {
      fine.add(top.entry);
      onPath.delete(top.entry);
      stack.pop();
      if (stack.length > 0) stack[stack.length - 1]!.i++;
      continue;
    }
    const dep = q.bySeq.get(top.deps[top.i]!)?.[0];
    const status = dep === undefined ? 'missing' : statusOf(dep);
    if (status === 'missing' || status === 'cancelled') return { chain: stack.map((f) => f.deps[f.i]!), status };
    if (status === 'done' || fine.has(dep!) || onPath.has(dep!)) {
      top.i++;
      continue;
    }
    onPath.add(dep!);
    stack.push({ entry: dep!, deps: dependsOf(dep!), i: 0 });
  }
  return undefined;
}

/** `3, which waits for 1, which is cancelled`: the chain of a Doom, for messages. */
function describeDoom(doom: Doom): string {
  const [first, ...rest] = doom.chain;
  return `${first}${rest.map((seq) => `, which waits for ${seq}`).join('')}, ${doom.status === 'cancelled' ? 'which is cancelled' : 'which no task has'}`;
}

/**
 * What to do about a Doom: change the `[depends:…]` of the task that waits for the culprit (`owner`;
 * `self` names the task the command was about, when that is the one).
 */
function doomFix(doom: Doom, owner: number | undefined, self: string, file: string): string {
  const culprit = doom.chain[doom.chain.length - 1]!;
  const whose = owner === undefined ? self : `task ${owner}'s`;
  return doom.status === 'cancelled'
    ? `a cancelled task is never done: if ${owner === undefined ? 'it' : `task ${owner}`} still needs what ${culprit} was for, add a task for that (git strata queue add) and put it in ${whose} [depends:…] in ${file} instead of ${culprit}; if not, remove ${culprit} from there`
    : `remove ${culprit} from ${whose} [depends:…] in ${file}, or put the seq of the task meant there (git strata check ${file} reports it as dangling-depends)`;
}

/** The task whose `[depends:…]` holds the culprit edge of `doom`, for a task (or new task) whose own chain it is; undefined: its own. */
function doomOwner(doom: Doom): number | undefined {
  return doom.chain.length >= 2 ? doom.chain[doom.chain.length - 2] : undefined;
}

function validStamp(stamp: string): void {
  if (parseStamp(stamp) === undefined) throw new StrataError('BAD_INPUT', `invalid stamp '${stamp}'`);
}

function oneLine(text: string, what: string, example: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean === '') throw new StrataError('USAGE', `${what} is empty`, example);
  return clean;
}

// ---------------------------------------------------------------------------------------------------

export interface AddInput {
  readonly text: string;
  readonly depends?: readonly number[];
  readonly agent: string;
  readonly id: string;
  readonly stamp: string;
  /** For messages. */
  readonly file?: string;
}

/**
 * Appends a task with the next free seq (above every seq in the file, nested items' included) after
 * the last task; every dependency must exist.
 */
export function add(text: string, input: AddInput): EditResult {
  const file = input.file ?? 'QUEUE.md';
  const body = oneLine(input.text, 'the task text', 'git strata queue add "build frontend"');
  const reserved = readTags(body).filter((t) => RESERVED.has(t.key));
  if (reserved.length > 0) {
    throw new StrataError('USAGE', `the task text sets [${reserved[0]!.key}:…] itself`, 'strata writes seq, id, depends, agent and claims; use the options instead');
  }
  // Other tags in the text are the agent's to write, but a bracketed reference may be meant as text.
  const notes = readTags(body).map(
    (t) => `[${t.key}:${t.value}] in the text is a tag to strata: queue next and graph show the text without it (in backticks, \`[${t.key}:${t.value}]\` stays text)`,
  );
  const agent = cleanTagValue(input.agent);
  if (!agent) throw new StrataError('USAGE', `invalid agent name '${input.agent}'`, 'an agent name is non-empty and has no ] or line break');
  if (!/^[0-9a-z]+$/.test(input.id)) throw new StrataError('BAD_INPUT', `invalid id '${input.id}'`);
  validStamp(input.stamp);

  const q = index(text);
  const ids = new Set(entriesOf(q.doc).map((e) => tagValue(e, 'id')?.trim()));
  if (ids.has(input.id)) throw new StrataError('BAD_INPUT', `${file}: id ${input.id} is taken`, 'run the command again for a new id');
  const depends = [...new Set(input.depends ?? [])].sort((a, b) => a - b);
  const missing = depends.filter((d) => !q.bySeq.has(d));
  if (missing.length > 0) {
    throw new StrataError(
      'BAD_INPUT',
      `${file}: cannot depend on ${missing.join(', ')}: no such task`,
      'git strata queue next (or graph) shows the tasks; depend on seqs that exist',
    );
  }
  for (const d of depends) {
    const dep = q.bySeq.get(d)![0]!;
    if (statusOf(dep) === 'cancelled') {
      throw new StrataError(
        'BAD_INPUT',
        `${file}: cannot depend on ${d}: it is cancelled, so the new task could never be done (only done satisfies a dependency)`,
        `a cancelled task is never done: depend on the task that does that work now (add one first with git strata queue add, if there is none), or leave ${d} out`,
      );
    }
    if (statusOf(dep) === 'done') continue;
    const doom = neverDone(q, dep);
    if (doom) {
      const owner = doomOwner(doom) ?? d;
      throw new StrataError(
        'BAD_INPUT',
        `${file}: cannot depend on ${d}: it waits for ${describeDoom(doom)}, so neither ${d} nor the new task could ever be done`,
        `leave ${d} out, or first mend what keeps ${d} from being done (${doomFix(doom, owner, '', file)})`,
      );
    }
  }
  const seq = nextFreeSeq(entriesOf(q.doc));
  if (!Number.isSafeInteger(seq)) {
    throw new StrataError('BAD_INPUT', `${file}: the next seq would be larger than ${Number.MAX_SAFE_INTEGER}, the largest number strata counts exactly`, `renumber the tasks of ${file} from 1 (with [was:N] on each, and their depends)`);
  }
  const tags = [`[seq:${seq}]`, `[id:${input.id}]`, ...(depends.length > 0 ? [`[depends:${depends.join(',')}]`] : []), `[agent:${agent}]`, `[at:${input.stamp}]`];
  const line = `- [ ] ${tags.join(' ')} ${body}`;
  const last = q.entries[q.entries.length - 1] ?? entriesOf(q.doc).pop();
  return {
    text: insertLine(q.doc, last, line, eolOf(text)),
    seq,
    id: input.id,
    changed: true,
    message: `added ${seq} [id:${input.id}]${depends.length > 0 ? ` after ${depends.join(', ')}` : ''}: ${body}`,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** Claims a task for `agent`, unless another agent's claim on it holds (standing); done or cancelled ones never. */
export function claim(text: string, seq: number, agent: string, stamp: string, liveness?: Liveness, file = 'QUEUE.md'): EditResult {
  const name = cleanTagValue(agent);
  if (!name) throw new StrataError('USAGE', `invalid agent name '${agent}'`, 'an agent name is non-empty and has no ] or line break');
  validStamp(stamp);
  const q = index(text);
  const entry = find(q, seq, file);
  const task = taskOf(entry);
  if (task.status === 'done' || task.status === 'cancelled') {
    throw new StrataError('BAD_INPUT', `${file}: task ${seq} is ${task.status}; it cannot be claimed`, 'git strata queue next lists the tasks that are ready');
  }
  // A task that waits for what never gets done is never ready: `done` would refuse it for ever, and
  // `next` never offers it. Claiming it would only hold work nobody can finish.
  const doom = neverDone(q, entry);
  if (doom) {
    throw new StrataError(
      'BAD_INPUT',
      `${file}: task ${seq} can never be done, so it cannot be claimed: it waits for ${describeDoom(doom)}`,
      `${doomFix(doom, doomOwner(doom), `task ${seq}'s`, file)}; or cancel task ${seq}. git strata queue next lists the tasks that are ready`,
    );
  }
  let next = entry;
  let took = '';
  if (task.claim !== undefined) {
    const holder = claimParts(task.claim);
    if (holder.agent === name) {
      return { text, seq, id: task.id, changed: false, message: `${seq} is already claimed by ${name} (since ${holder.at || 'unknown'})` };
    }
    const held = standing(task.claim, liveness);
    if (held.holds) {
      throw new StrataError(
        'BAD_INPUT',
        `${file}: task ${seq} is claimed by ${held.agent} (since ${held.since}), ${held.why}`,
        `pick another task (git strata queue next --agent ${name}), or ${waitFor(held)}`,
      );
    }
    // Taking over an expired lease: the old claim stays on record.
    next = withAddedTag(next, 'claim-lost', task.claim);
    took = ` (took over from ${held.agent}, ${held.why})`;
  }
  next = withTag(next, 'claim', `${name}@${stamp}`);
  return { text: replaceEntry(q.doc, entry, next), seq, id: task.id, changed: true, message: `claimed ${seq} for ${name}${took}` };
}

/** Appends `  - [at:stamp] note` to the task's checkpoint log. */
export function checkpoint(text: string, seq: number, note: string, stamp: string, file = 'QUEUE.md'): EditResult {
  const body = oneLine(note, 'the checkpoint note', `git strata queue checkpoint ${seq} "image built"`);
  validStamp(stamp);
  const q = index(text);
  const entry = find(q, seq, file);
  const eol = eolOf(text);
  const first = entry.lines[0]!;
  const rest = entry.lines.slice(1);
  const withEol = (l: string): string => (l.endsWith('\n') ? l : l + eol);
  const indent = `${entry.indent}${' '.repeat(entry.marker.length + 1)}`;
  const item = `${indent}- [at:${stamp}] ${body}${eol}`;
  const lines = [...rest.slice(0, -1), ...rest.slice(-1).map(withEol), item];
  const next = withContinuation({ ...entry, lines: [withEol(first)] }, lines);
  return { text: replaceEntry(q.doc, entry, next), seq, id: tagValue(entry, 'id'), changed: true, message: `checkpoint on ${seq}: ${body}` };
}

/**
 * Who finishes a task, for `done`: a task another agent holds by a live claim is refused unless
 * `force` (the holder may be halfway through it), the way `claim` refuses it.
 */
export interface Finisher {
  readonly agent: string | undefined;
  readonly liveness: Liveness;
  readonly force: boolean;
}

/**
 * Marks a task done (`[x]`, `[done:stamp]`); refused while a dependency is not done, and (given who
 * finishes it) while another agent's claim on it is alive.
 */
export function done(text: string, seq: number, stamp: string, file = 'QUEUE.md', by?: Finisher): EditResult {
  validStamp(stamp);
  const q = index(text);
  const entry = find(q, seq, file);
  const task = taskOf(entry);
  if (task.status === 'done') return { text, seq, id: task.id, changed: false, message: `${seq} is already done` };
  if (task.status === 'cancelled') {
    throw new StrataError('BAD_INPUT', `${file}: task ${seq} is cancelled; it cannot be done`, 'the status only moves up: open < claimed < done | cancelled');
  }
  if (by && !by.force && task.claim !== undefined) {
    const held = standing(task.claim, by.liveness);
    if (held.agent !== by.agent?.trim() && held.holds) {
      throw new StrataError(
        'BAD_INPUT',
        `${file}: task ${seq} is claimed by ${held.agent} (since ${held.since}), ${held.why}${by.agent ? `; you are ${by.agent}` : ''}`,
        `let ${held.agent} finish it, ${waitFor(held)}, or pass --force to mark it done anyway`,
      );
    }
  }
  const inexact = inexactDepends(entry);
  if (inexact.length > 0) {
    throw new StrataError(
      'BAD_INPUT',
      `${file}: task ${seq} depends on ${inexact.join(', ')}, larger than ${Number.MAX_SAFE_INTEGER}, the largest number strata counts exactly: it cannot tell whether that is done`,
      `git strata check ${file} shows where such a seq is written; renumber it and this task's [depends:…]`,
    );
  }
  const waiting = task.depends.flatMap((d): Array<{ seq: number; status: Status | 'missing'; doom?: Doom }> => {
    const dep = q.bySeq.get(d)?.[0];
    if (!dep) return [{ seq: d, status: 'missing' }];
    const status = statusOf(dep);
    if (status === 'done') return [];
    const doom = status === 'cancelled' ? undefined : neverDone(q, dep);
    return [{ seq: d, status, ...(doom ? { doom } : {}) }];
  });
  if (waiting.length > 0) {
    // A cancelled or missing dependency never becomes done: the edge itself has to go. So does one
    // further down the chain (claim refuses such a task the same way).
    const never = (w: (typeof waiting)[number]): boolean => w.status === 'cancelled' || w.status === 'missing';
    const blocked = waiting.filter(never).map((w) => w.seq);
    const doomed = waiting.filter((w) => w.doom !== undefined);
    const open = waiting.filter((w) => !never(w) && w.doom === undefined).map((w) => w.seq);
    const hints = [
      ...(open.length > 0 ? [`finish ${open.join(', ')} first (git strata queue done N)`] : []),
      ...(blocked.length > 0 ? [`${blocked.join(', ')} will never be done: remove ${blocked.length === 1 ? 'it' : 'them'} from this task's [depends:…] in ${file}, or cancel this task`] : []),
      ...doomed.map((w) => `${w.seq} will never be done either: it waits for ${describeDoom(w.doom!)}; ${doomFix(w.doom!, doomOwner(w.doom!) ?? w.seq, '', file)}`),
    ];
    const list = waiting.map((w) => `${w.seq} (${w.status})`).join(', ');
    throw new StrataError('BAD_INPUT', `${file}: task ${seq} waits for ${list}; it cannot be done before its dependencies`, hints.join('; '));
  }
  const next = withTag(withBox(entry, 'x'), 'done', stamp);
  return { text: replaceEntry(q.doc, entry, next), seq, id: task.id, changed: true, message: `done ${seq}: ${task.text}` };
}

/**
 * The `[done:…]` stamps of task `seq`'s dependencies: `done` stamps after them (check's
 * done-before-dependency), even when a wrong clock wrote one far ahead.
 */
export function dependencyDoneStamps(text: string, seq: number): Dated[] {
  const q = index(text);
  const entry = q.bySeq.get(seq)?.[0];
  if (!entry) return [];
  return dependsOf(entry).flatMap((d) => {
    const dep = q.bySeq.get(d)?.[0];
    const stamp = dep === undefined ? undefined : tagValue(dep, 'done')?.trim();
    return dep !== undefined && stamp !== undefined ? [{ stamp, line: dep.line + 1 }] : [];
  });
}

/**
 * The numbers in an entry's `[depends:…]` past 2^53 - 1. dependsOf reads them as none (a double would
 * round them into another task's number), but the task waits for something all the same: whatever
 * that is, it is not known to be done.
 */
function inexactDepends(entry: Entry): string[] {
  const value = tagValue(entry, 'depends');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^\d+$/.test(part) && !Number.isSafeInteger(Number(part)));
}

/**
 * The causally ready tasks in seq order: open (or claimed by `agent`, or held by an expired lease) and
 * every dependency done.
 */
export function next(text: string, agent?: string, liveness?: Liveness): Task[] {
  const q = index(text);
  const ready: Task[] = [];
  // A task is read whole (its text most of all) only once it is known to be ready: in a long queue
  // most are done or waiting.
  for (const entry of q.entries) {
    const status = statusOf(entry);
    if (status === 'done' || status === 'cancelled') continue;
    const claim = tagValue(entry, 'claim');
    if (claim !== undefined) {
      const holder = claimParts(claim).agent;
      if (holder !== agent?.trim() && claimHolds(claim, liveness)) continue;
    }
    const blocked = inexactDepends(entry).length > 0 || dependsOf(entry).some((d) => {
      const dep = q.bySeq.get(d)?.[0];
      return !dep || statusOf(dep) !== 'done';
    });
    if (!blocked) ready.push(taskOf(entry));
  }
  return ready.sort((a, b) => a.seq - b.seq || a.line - b.line);
}

/**
 * The seq of the task `ref` names: a seq (digits), or an id (`id:X`, or X itself; an `[alias:X]` a merge
 * kept names the task too). Seqs can change: where two new tasks took one number on two branches, a
 * merge renumbers one ([was:N]). A seq another task was renumbered from is therefore refused, naming
 * the tasks by id: an agent that knew its task as N must not finish the task that has N now. (A task
 * keeps the first number it had as [was:N]; a number it held in between is not known. Agents should
 * name tasks by id.)
 */
export function resolveTask(text: string, ref: string, file = 'QUEUE.md'): number {
  return resolveIn(index(text), ref, file);
}

/** `resolveTask` for several references (`--depends`), the file read once. */
export function resolveTasks(text: string, refs: readonly string[], file = 'QUEUE.md'): number[] {
  if (refs.length === 0) return [];
  const q = index(text);
  return refs.map((ref) => resolveIn(q, ref, file));
}

function resolveIn(q: Indexed, ref: string, file: string): number {
  const raw = ref.trim();
  const withId = (id: string): Entry[] => q.entries.filter((e) => tagValue(e, 'id')?.trim() === id || e.tags.some((t) => t.key === 'alias' && t.value.trim() === id));
  const named = (e: Entry): string => `'${entryBody(e).slice(0, 40)}' [id:${tagValue(e, 'id')?.trim() ?? '?'}]`;
  if (/^\d+$/.test(raw)) {
    const seq = Number(raw);
    if (!Number.isSafeInteger(seq)) {
      throw new StrataError('USAGE', `task ${raw} is larger than ${Number.MAX_SAFE_INTEGER}, the largest number strata counts exactly`, `name the task by its id (id:ID); git strata check ${file} shows where such a seq is written`);
    }
    const now = q.bySeq.get(seq) ?? [];
    const moved = q.entries.filter((e) => Number(tagValue(e, 'was')?.trim()) === seq && seqOf(e) !== seq);
    // A hand-written id may be digits too: then the same word names two tasks.
    const byId = withId(raw).filter((e) => seqOf(e) !== seq);
    if (moved.length === 0 && byId.length === 0) return seq;
    const why = [
      ...moved.map((e) => `${named(e)} had ${seq} until a merge renumbered it to ${seqOf(e)}`),
      ...byId.map((e) => `${named(e)} (seq ${seqOf(e)}) has the id ${raw}`),
      ...now.map((e) => `${named(e)} has seq ${seq} now`),
    ].join('; ');
    throw new StrataError('BAD_INPUT', `${file}: ${seq} is ambiguous: ${why}`, 'name the task you mean by its id (shown above), as id:ID; agents should keep the id queue add prints');
  }
  const id = raw.startsWith('id:') ? raw.slice(3).trim() : raw;
  if (id === '' || /[\s\]\[]/.test(id)) {
    throw new StrataError('USAGE', `'${ref}' is neither a task number nor an id`, 'pass the seq of a task (git strata queue claim 142) or its id (git strata queue claim k7q2m9xa4c)');
  }
  const hits = withId(id);
  if (hits.length === 0) throw new StrataError('BAD_INPUT', `${file}: no task has [id:${id}]`, `git strata queue next --file ${file} lists the open tasks; git strata check ${file} shows its problems`);
  if (hits.length > 1) throw new StrataError('BAD_INPUT', `${file}: ${hits.length} tasks have [id:${id}] (lines ${hits.map((e) => e.line + 1).join(', ')})`, `run git strata check ${file} and fix the duplicate id first`);
  return seqOf(hits[0]!)!;
}

/** Every task with a seq, in seq order. */
export function tasks(text: string): Task[] {
  return index(text).entries.map(taskOf).sort((a, b) => a.seq - b.seq || a.line - b.line);
}

const CLASS_STYLE: Readonly<Record<Status | 'missing', string>> = {
  open: 'fill:#ffffff,stroke:#6b7280,color:#111827',
  claimed: 'fill:#fef3c7,stroke:#d97706,color:#111827',
  done: 'fill:#dcfce7,stroke:#16a34a,color:#111827',
  cancelled: 'fill:#f3f4f6,stroke:#9ca3af,color:#6b7280,stroke-dasharray:4 2',
  missing: 'fill:#fee2e2,stroke:#dc2626,color:#991b1b,stroke-dasharray:4 2',
};

function label(text: string): string {
  // Mermaid's quoted labels take entity codes (#name; or #decimal;): a quote would end the label, and
  // < > & would be read as HTML. '#' goes first, so a literal '#35;' in a task stays text.
  return text
    .replace(/#/g, '#35;')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/[\r\n]+/g, ' ');
}

/** The dependency DAG as a Mermaid flowchart: `dep --> task`, one class per status. */
export function graph(text: string): string {
  const all = tasks(text);
  const known = new Set(all.map((t) => t.seq));
  const lines = ['flowchart TD'];
  const byClass = new Map<string, string[]>();
  const node = (seq: number): string => `t${seq}`;
  const classify = (cls: string, seq: number): void => {
    const list = byClass.get(cls) ?? [];
    if (!list.includes(node(seq))) list.push(node(seq));
    byClass.set(cls, list);
  };
  const seen = new Set<number>();
  for (const task of all) {
    if (seen.has(task.seq)) continue;
    seen.add(task.seq);
    const who = task.status === 'claimed' && task.claim ? ` (${claimParts(task.claim).agent})` : '';
    lines.push(`  ${node(task.seq)}["${label(`${task.seq} ${task.text}${who}`)}"]`);
    classify(task.status, task.seq);
  }
  const missing = [...new Set(all.flatMap((t) => t.depends.filter((d) => !known.has(d))))].sort((a, b) => a - b);
  for (const seq of missing) {
    lines.push(`  ${node(seq)}["${seq} (missing)"]`);
    classify('missing', seq);
  }
  for (const task of all) for (const dep of task.depends) lines.push(`  ${node(dep)} --> ${node(task.seq)}`);
  for (const [cls, style] of Object.entries(CLASS_STYLE)) lines.push(`  classDef ${cls} ${style}`);
  for (const [cls, nodes] of byClass) lines.push(`  class ${nodes.join(',')} ${cls}`);
  return `${lines.join('\n')}\n`;
}

/** The first line of a task as written, for messages. */
/**
 * Whether `agent` lost its claim on task `seq` (a merge kept another agent's earlier claim and recorded
 * this one as `[claim-lost:…]`): the agent that goes on working on it should know.
 */
export function lostClaim(text: string, seq: number, agent: string): string | undefined {
  const entry = index(text).bySeq.get(seq)?.[0];
  if (!entry) return undefined;
  const claim = tagValue(entry, 'claim');
  const holder = claim === undefined ? undefined : claimParts(claim).agent;
  const lost = entry.tags.some((t) => t.key === 'claim-lost' && claimParts(t.value).agent === agent);
  return lost && holder !== undefined && holder !== agent ? holder : undefined;
}

export function taskLine(text: string, seq: number): string | undefined {
  const entry = index(text).bySeq.get(seq)?.[0];
  return entry ? lineBody(entry.lines[0]!) : undefined;
}
