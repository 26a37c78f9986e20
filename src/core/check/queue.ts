// The causal rules of a queue file: one version on its own (seq and id unique, depends resolvable and
// acyclic, nothing done before what it waits for), and a version against its base (settled entries
// stay, identities and status never go back).
import { parseStamp } from '../clock.js';
import type { Status } from '../crdt/queue.js';
import { WHOLE_NUMBER, nestedSeqAt, nextFreeSeq, seqNumber } from '../crdt/queue-entry.js';
import { type Entry, entryBody, tagValue, tagValues } from '../entries/scan.js';
import type { Finding } from './finding.js';
import { cycleIn, cyclicComponents, graphOf } from './graph.js';
import { QUEUE_TAGS, checkTagValues, malformed, tagOf } from './tags.js';

interface Item {
  readonly entry: Entry;
  /** The seq tag as written (undefined: none), and as a number when it is one. */
  readonly seqText: string | undefined;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly deps: readonly number[];
  readonly status: Status;
}

const NONE: readonly number[] = [];

/** The seq numbers of `[depends:…]`, each once; parts that are not numbers are malformed-entry's business. */
function depsOf(value: string | undefined): readonly number[] {
  if (value === undefined) return NONE;
  const one = seqNumber(value);
  if (one !== undefined) return [one];
  if (WHOLE_NUMBER.test(value)) return NONE;
  if (value.trim() === '') return NONE;
  const parts = value.split(',');
  const deps: number[] = [];
  for (const part of parts) {
    const dep = seqNumber(part);
    if (dep !== undefined) deps.push(dep);
  }
  return deps.length > 1 ? [...new Set(deps)] : deps;
}

// Both rule sets of one check read the same entries: read them once.
const itemsCache = new WeakMap<readonly Entry[], readonly Item[]>();

function itemsOf(entries: readonly Entry[]): readonly Item[] {
  let items = itemsCache.get(entries);
  if (!items) itemsCache.set(entries, (items = entries.map(itemOf)));
  return items;
}

function itemOf(entry: Entry): Item {
  let seqText: string | undefined;
  let id: string | undefined;
  let depends: string | undefined;
  let claimed = false;
  // One pass over the tags; the first of a repeated tag counts (a repeat is malformed-entry).
  const tags = entry.tags;
  for (let k = 0; k < tags.length; k++) {
    const tag = tags[k]!;
    if (tag.key === 'seq') seqText ??= tag.value;
    else if (tag.key === 'id') id ??= tag.value;
    else if (tag.key === 'depends') depends ??= tag.value;
    else if (tag.key === 'claim') claimed = true;
  }
  const trimmedId = id?.trim();
  return {
    entry,
    seqText,
    seq: seqText === undefined ? undefined : seqNumber(seqText),
    id: trimmedId === '' ? undefined : trimmedId,
    deps: depsOf(depends),
    // statusOf of crdt/queue, without a second pass over the tags.
    status: entry.box === 'x' || entry.box === 'X' ? 'done' : entry.box === '-' ? 'cancelled' : claimed ? 'claimed' : 'open',
  };
}

function at(path: string, item: Item, key: string | undefined, rule: Finding['rule'], message: string, hint: string): Finding {
  const tag = key === undefined ? undefined : tagOf(item.entry, key);
  return { path, line: item.entry.line + 1, ...(tag ? { column: tag.start + 1 } : {}), rule, message, hint };
}

/** How an entry is named in a message: by seq, else by id, else by its text. */
function nameOf(item: { seq: number | undefined; id: string | undefined; entry: Entry }): string {
  if (item.seq !== undefined) return `seq ${item.seq}`;
  if (item.id !== undefined) return `[id:${item.id}]`;
  return `'${entryBody(item.entry).slice(0, 40)}'`;
}

/**
 * Where a list item indented under an entry carries `[seq:N]`: to the queue it is that entry's notes (a
 * nested task is not a task), which a dependency on N that no entry has most likely meant.
 */
function nestedSeq(items: readonly Item[], seq: number): { line: number; under: number } | undefined {
  for (const { entry } of items) {
    for (let i = 1; i < entry.lines.length; i++) {
      if (nestedSeqAt(entry, i) === seq) return { line: entry.line + i + 1, under: entry.line + 1 };
    }
  }
  return undefined;
}

export function checkQueue(path: string, entries: readonly Entry[]): Finding[] {
  const findings: Finding[] = [];
  const items = itemsOf(entries);
  // Only a hint needs it: a clean queue of 10k tasks does not read their notes for it.
  let free: number | undefined;
  const nextSeq = (): number => (free ??= nextFreeSeq(entries));

  const bySeq = new Map<number, Item>();
  const byId = new Map<string, Item>();
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    checkTagValues(path, item.entry, QUEUE_TAGS, findings);
    if (item.seqText === undefined) {
      findings.push(
        malformed(path, item.entry, undefined, `queue entry ${nameOf(item)} has no [seq:N]`, `add [seq:${nextSeq()}] (the next free seq) after the task box on line ${item.entry.line + 1}`),
      );
    }
    if (item.seq !== undefined) {
      const first = bySeq.get(item.seq);
      if (first) {
        findings.push(
          at(path, item, 'seq', 'duplicate-seq', `seq ${item.seq} is also the seq of the entry at line ${first.entry.line + 1}`,
            `renumber one of them as the merge does: [seq:${nextSeq()}] [was:${item.seq}] (the next free seq, and the one it had, so the change is not read as an edit), and point any [depends:${item.seq}] that meant it to ${nextSeq()}`),
        );
      } else bySeq.set(item.seq, item);
    }
    if (item.id !== undefined) {
      const first = byId.get(item.id);
      if (first) {
        findings.push(
          at(path, item, 'id', 'duplicate-id', `[id:${item.id}] is also the id of the entry at line ${first.entry.line + 1}`,
            `if these are two tasks, delete this [id:…] (the pre-commit hook stamps a fresh one); if they are one task, keep one entry`),
        );
      } else byId.set(item.id, item);
    }
  }

  // Edges as pairs in one flat array: 10k tasks make no 10k little arrays that only a cycle needs.
  const edges: number[] = [];
  let downhill = true;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    for (let d = 0; d < item.deps.length; d++) {
      const dep = item.deps[d]!;
      if (dep === item.seq) {
        findings.push(at(path, item, 'depends', 'self-dependency', `${nameOf(item)} depends on itself`, `remove ${dep} from its [depends:…]`));
      } else if (!bySeq.has(dep)) {
        const nested = nestedSeq(items, dep);
        findings.push(
          nested
            ? at(path, item, 'depends', 'dangling-depends',
                `${nameOf(item)} depends on seq ${dep}, which is written on line ${nested.line}, indented under the entry at line ${nested.under}: a nested item is part of that entry's notes, not a task`,
                `unindent line ${nested.line} to make it a task of its own, or remove ${dep} from [depends:…]`)
            : at(path, item, 'depends', 'dangling-depends', `${nameOf(item)} depends on seq ${dep}, which no entry has`,
                `fix the number in [depends:…], or remove ${dep} if that task was dropped (cancel tasks with [-] instead of deleting them)`),
        );
      } else if (item.seq !== undefined && bySeq.get(item.seq) === item) {
        edges.push(item.seq, dep);
        if (dep > item.seq) downhill = false;
      }
    }
  }

  // Edges that all point to smaller seqs (the usual queue: tasks wait for older ones) cannot close a cycle.
  if (!downhill) {
    const pairs: [number, number][] = [];
    for (let e = 0; e < edges.length; e += 2) pairs.push([edges[e]!, edges[e + 1]!]);
    const graph = graphOf([...bySeq.keys()], pairs);
    for (const component of cyclicComponents(graph)) {
      const cycle = cycleIn(graph, component);
      const start = bySeq.get(cycle[0]!)!;
      const shown = cycle.length > 12 ? [...cycle.slice(0, 8), `… (${cycle.length - 11} more)`, ...cycle.slice(-3)] : cycle;
      findings.push(
        at(path, start, 'depends', 'dependency-cycle', `dependency cycle ${shown.join(' → ')} (→ means depends on): none of these can ever become ready`,
          `remove one of these edges from a [depends:…] so the tasks can run in some order`),
      );
    }
  }

  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (item.status !== 'done') continue;
    for (const dep of item.deps) {
      const target = bySeq.get(dep);
      if (!target || dep === item.seq) continue;
      // Only done satisfies a dependency, as for 'queue done' and 'queue next': cancelled work never happened.
      if (target.status !== 'done') {
        findings.push(
          at(path, item, 'depends', 'done-before-dependency',
            `${nameOf(item)} is done, but its dependency seq ${dep} (line ${target.entry.line + 1}) is ${target.status === 'cancelled' ? 'cancelled' : `still ${target.status}`}`,
            target.status === 'cancelled'
              ? `a cancelled task never gets done: remove ${dep} from [depends:…] if ${nameOf(item)} did not need it after all`
              : `finish seq ${dep} first (mark it [x] done), or remove ${dep} from [depends:…] if ${nameOf(item)} never needed it`),
        );
        continue;
      }
      const mine = parseStamp(tagValue(item.entry, 'done') ?? '');
      const theirs = parseStamp(tagValue(target.entry, 'done') ?? '');
      if (mine !== undefined && theirs !== undefined && mine < theirs) {
        findings.push(
          at(path, item, 'done', 'done-before-dependency',
            `${nameOf(item)} was done at ${tagValue(item.entry, 'done')!.trim()}, before its dependency seq ${dep} was done at ${tagValue(target.entry, 'done')!.trim()}`,
            `a task cannot finish before what it waits for: correct the [done:…] stamps (git strata queue done writes them in causal order)`),
        );
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------
// against a base

/** Lattice level: open < claimed < settled (done and cancelled are both final, and differ). */
function level(status: Status): number {
  return status === 'open' ? 0 : status === 'claimed' ? 1 : 2;
}

function settled(status: Status): boolean {
  return status === 'done' || status === 'cancelled';
}

/** How an entry without an id is recognised: its seq and free text (the merge driver's content identity). */
function contentKey(seq: string | undefined, entry: Entry): string {
  return `${seq?.trim() ?? ''}\u001f${entryBody(entry)}`;
}

function regressionHint(from: Status, to: Status, item: Item): string {
  if (settled(from) && settled(to)) return `put the [${from === 'done' ? 'x' : '-'}] back: a settled task stays as it was settled`;
  if (settled(from)) return `put the [${from === 'done' ? 'x' : '-'}] back and add a new entry (with [depends:${item.seq ?? '…'}]) for the further work`;
  return `put the [claim:…] back: an expired claim is taken over by a new claim, never removed`;
}

function sameLines(a: Entry, b: Entry): boolean {
  if (a.lines.length !== b.lines.length) return false;
  for (let k = 0; k < a.lines.length; k++) if (a.lines[k] !== b.lines[k]) return false;
  return true;
}

export function checkQueueAgainstBase(path: string, entries: readonly Entry[], baseEntries: readonly Entry[], lineCount: number): Finding[] {
  const findings: Finding[] = [];
  const items = itemsOf(entries);
  const byId = new Map<string, Item>();
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (item.id !== undefined && !byId.has(item.id)) byId.set(item.id, item);
  }
  const baseItems = itemsOf(baseEntries);
  const baseIds = new Set<string>();
  for (let k = 0; k < baseItems.length; k++) {
    const id = baseItems[k]!.id;
    if (id !== undefined) baseIds.add(id);
  }

  // Built on first need: most bases match every entry by id.
  let byContent: Map<string, Item[]> | undefined;
  const candidates = (key: string): Item[] => {
    if (!byContent) {
      byContent = new Map();
      for (const item of items) {
        const keys = [contentKey(item.seqText, item.entry)];
        const was = tagValue(item.entry, 'was');
        if (was !== undefined) keys.push(contentKey(was, item.entry));
        for (const k of keys) byContent.set(k, [...(byContent.get(k) ?? []), item]);
      }
    }
    return byContent.get(key) ?? [];
  };

  const used = new Set<Item>();
  for (let k = 0; k < baseItems.length; k++) {
    const base = baseItems[k]!;
    const baseEntry = base.entry;
    let item = base.id !== undefined ? byId.get(base.id) : undefined;
    if (!item) {
      // Same task with its id dropped or changed: found by seq and text, if that entry is not some
      // other base entry's by id.
      item = candidates(contentKey(base.seqText, baseEntry)).find((c) => !used.has(c) && (c.id === undefined || !baseIds.has(c.id)));
    }
    if (!item) {
      if (settled(base.status)) {
        findings.push({
          path,
          line: Math.max(1, Math.min(baseEntry.line + 1, lineCount)),
          rule: 'settled-entry-removed',
          message: `the ${base.status} entry ${nameOf(base)}${base.id !== undefined && base.seq !== undefined ? ` [id:${base.id}]` : ''} '${entryBody(baseEntry).slice(0, 60)}' (line ${baseEntry.line + 1} at the base) was removed`,
          hint: 'put it back: settled entries are the history that depends edges and agents rely on',
        });
      }
      continue;
    }
    used.add(item);
    // Written as at the base (most entries of a commit): every rule below reads only the text.
    if (sameLines(item.entry, baseEntry)) continue;

    // An id the merge recorded as an alias (a task both sides' hooks stamped) is the same task's.
    const alias = base.id !== undefined && tagValues(item.entry, 'alias').some((a) => a.trim() === base.id);
    if (base.id !== undefined && item.id !== base.id && !alias) {
      findings.push(
        item.id === undefined
          ? at(path, item, undefined, 'identity-changed', `${nameOf(item)} lost its [id:${base.id}]`, `put [id:${base.id}] back (the pre-commit hook restores it when you commit)`)
          : at(path, item, 'id', 'identity-changed', `the id of ${nameOf(item)} changed from ${base.id} to ${item.id}`, `ids never change: put [id:${base.id}] back`),
      );
    }
    if (base.seq !== undefined && item.seq !== undefined && base.seq !== item.seq) {
      const was = tagValue(item.entry, 'was')?.trim();
      const renumbered = was === String(base.seq) || (was !== undefined && was === tagValue(baseEntry, 'was')?.trim());
      if (!renumbered) {
        findings.push(
          at(path, item, 'seq', 'identity-changed', `the seq of ${item.id !== undefined ? `[id:${item.id}]` : 'this entry'} changed from ${base.seq} to ${item.seq}`,
            `put [seq:${base.seq}] back: a seq never changes (only the merge driver renumbers a clash, and it records [was:${base.seq}])`),
        );
      }
    }
    const fromAgent = tagValue(baseEntry, 'agent')?.trim();
    const toAgent = tagValue(item.entry, 'agent')?.trim();
    if (fromAgent !== undefined && fromAgent !== toAgent) {
      findings.push(
        at(path, item, 'agent', 'identity-changed',
          toAgent === undefined ? `${nameOf(item)} lost its [agent:${fromAgent}]` : `the agent of ${nameOf(item)} changed from ${fromAgent} to ${toAgent}`,
          `put [agent:${fromAgent}] back; to hand the work to another agent, cancel this entry and add a new one`),
      );
    }
    // Between the two settled states only cancelled → done passes: the merge keeps done where one side
    // finished a task the other cancelled (the work happened), and a merge must pass its own check.
    const settledSwap = settled(base.status) && settled(item.status) && base.status !== item.status && !(base.status === 'cancelled' && item.status === 'done');
    if (level(item.status) < level(base.status) || settledSwap) {
      findings.push(
        at(path, item, undefined, 'status-regressed', `${nameOf(item)} went from ${base.status} ${level(item.status) < level(base.status) ? 'back ' : ''}to ${item.status}`, regressionHint(base.status, item.status, item)),
      );
    }
  }
  return findings;
}
