// The merge every entry type shares: entries matched by identity, three-way per identity.
// The base is the causal context a state-based CRDT would otherwise keep as tombstones: an entry in the
// base and missing on one side was removed by that side; one missing from the base was added.
import { type Entry, entryText, lineBody, memoOf, tagValue } from '../entries/scan.js';
import type { FoldSpec, Run } from '../merge/fold.js';

export interface EntryType {
  readonly name: string;
  /** Stable identity of an entry within its file. */
  identity(entry: Entry): string;
  /**
   * Where concurrent insertions at the same spot go relative to each other: ascending by this key,
   * then by identity, so the order never depends on which side is ours.
   */
  sortKey(entry: Entry): string;
  /**
   * Tags that decide which entries can affect each other's merge: identity, join and normalize look
   * only at entries whose values of these tags are the same. Types that have them may leave runs of
   * unchanged entries out of a large merge (fold.ts); types without them (the queue: seq and depends
   * tie every entry to the others) always merge whole.
   */
  readonly foldTags?: readonly string[];
  /** Folding for a type whose entries interact in other ways than through tag values (the queue). */
  readonly fold?: FoldSpec;
  /** Entries are never removed by a merge: a removal on one side does not win (facts, ledger). */
  readonly growOnly?: boolean;
  /**
   * Keep every run of consecutive entries ordered by sort key (the queue is ordered by seq) — a run
   * where every entry is `orderable`; one entry that is not (a task without seq) pins its run as placed.
   */
  orderable?(entry: Entry): boolean;
  /**
   * Both sides changed the same entry differently (or one removed it and the other changed it, given
   * as undefined). Must be commutative in ours/theirs; undefined removes the entry; a Conflict is a
   * real conflict (the same free text edited two ways) that the file shows with markers.
   */
  join(base: Entry | undefined, ours: Entry | undefined, theirs: Entry | undefined): Entry | undefined | Conflict;
  /**
   * Rewrites one version's entries before matching (e.g. `depends` from seq numbers, which mean
   * different entries on different branches, to identities). Undone by `normalize`.
   */
  prepare?(entries: readonly Entry[]): Entry[];
  /** Re-keys entries across the three versions (e.g. a hand-written entry that one side stamped an id on). */
  align?(versions: readonly [Map<string, Entry>, Map<string, Entry>, Map<string, Entry>]): void;
  /**
   * Derived rendering over the whole merged set (e.g. marking superseded facts). Pure and idempotent.
   * `hidden` are the runs folded out of this merge (fold.ts), with the keys the type's fold spec read
   * from them, which it must take into account where it looks beyond the entries' own groups (the
   * queue's next free seq). `conflicts` are the entries in conflict (by key), whose sides the file shows
   * both (`entries` holds ours' side of each): what the type reads off all of the file reads both sides,
   * so that the result does not depend on which side is ours.
   */
  normalize?(entries: ReadonlyMap<string, Entry>, hidden?: readonly Run[], conflicts?: ReadonlyMap<string, Conflict>): Map<string, Entry>;
  /** Renders one side of a conflicted entry against the merged set (undoes `prepare`). */
  present?(entry: Entry, merged: ReadonlyMap<string, Entry>): Entry;
  /**
   * What only the whole merged set shows, settled before `normalize` (the queue: a task one side
   * removed that the other side's new edge points at; edges from both sides that close a cycle).
   * Returns entries to keep after all (by key, from the versions) and keys that are a conflict.
   * `conflicts` are the entries in conflict so far (`merged` holds ours' side of each): both sides count.
   */
  settle?(
    merged: ReadonlyMap<string, Entry>,
    versions: readonly [ReadonlyMap<string, Entry>, ReadonlyMap<string, Entry>, ReadonlyMap<string, Entry>],
    conflicts: ReadonlyMap<string, Conflict>,
  ): { readonly keep: ReadonlyMap<string, Entry>; readonly conflicted: ReadonlySet<string> };
}

/** The same entry changed in two ways that cannot both hold. */
export interface Conflict {
  readonly kind: 'conflict';
  readonly ours: Entry;
  readonly theirs: Entry;
  /** The base's entry, where it had one: a conflict written in diff3 style shows it. */
  readonly base?: Entry;
}

export function isConflict(value: Entry | Conflict | undefined): value is Conflict {
  return value !== undefined && value.kind === 'conflict';
}

export interface KeyedMerge {
  /** The merged entries; for a conflicted identity, ours (so placement and checks see one entry). */
  readonly entries: Map<string, Entry>;
  readonly conflicts: ReadonlyMap<string, Conflict>;
}

/** Separates an identity from the occurrence number of a repeat within one version. */
export const REPEAT = '\u001e';

/** Entries by identity; a repeated identity in one version gets a REPEAT suffix (2, 3…) so nothing collapses. */
export function indexEntries(type: EntryType, entries: readonly Entry[]): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const entry of entries) {
    const id = type.identity(entry);
    let key = id;
    for (let n = 2; map.has(key); n++) key = `${id}${REPEAT}${n}`;
    map.set(key, entry);
  }
  return map;
}

/**
 * Caches a pure function of an entry on the entry itself (entries are immutable): identities, sort keys
 * and parsed fields are asked for several times per merge, for every entry of three versions.
 */
let memoSlots = 0;

export function memoByEntry<T>(fn: (entry: Entry) => T): (entry: Entry) => T {
  const slot = `m${memoSlots++}`;
  return (entry) => {
    const memo = memoOf(entry);
    if (slot in memo) return memo[slot] as T;
    const value = fn(entry);
    memo[slot] = value;
    return value;
  };
}

const contentOf = memoByEntry((entry: Entry): string => {
  const last = entry.lines[entry.lines.length - 1]!;
  return entry.lines.length === 1 ? lineBody(last) : entryText(entry).slice(0, -last.length) + lineBody(last);
});

/** Entry text without the line ending of its last line: where it sits in the file decides that. */
export function entryContent(entry: Entry | undefined): string | undefined {
  return entry ? contentOf(entry) : undefined;
}

export function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return a === b || entryContent(a) === entryContent(b);
}

/** Picks the greater of two entries by content: a total order, so ties never depend on the side. */
export function greaterByContent(a: Entry, b: Entry): Entry {
  return (entryContent(a) ?? '') >= (entryContent(b) ?? '') ? a : b;
}

/**
 * The type's normalisation, kept only in the groups (entries with the same `foldTags` values) where a
 * side changed, added or removed something: an entry that no side changed renders byte-identical, even
 * in a file that was not normalised before (SPEC "Entry grammar").
 */
function normalizeTouched(
  type: EntryType,
  normalized: Map<string, Entry>,
  merged: ReadonlyMap<string, Entry>,
  base: ReadonlyMap<string, Entry>,
  ours: ReadonlyMap<string, Entry>,
  theirs: ReadonlyMap<string, Entry>,
): Map<string, Entry> {
  // Without fold tags every entry may depend on every other (the queue's seq and depends): one group.
  const tags = type.foldTags;
  if (!tags) return normalized;
  const group = (entry: Entry): string => tags.map((tag) => (tagValue(entry, tag) ?? '').trim()).join('\u001f');
  const touched = new Set<string>();
  for (const version of [base, ours, theirs]) {
    for (const [key, entry] of version) {
      const b = base.get(key);
      if (!sameEntry(b, ours.get(key)) || !sameEntry(b, theirs.get(key))) touched.add(group(entry));
    }
  }
  const out = new Map<string, Entry>();
  for (const [key, entry] of normalized) {
    const before = merged.get(key)!;
    out.set(key, entry === before || touched.has(group(before)) ? entry : before);
  }
  return out;
}

/** Applies a type's `settle`: kept entries go back in key order, conflicted ones show both sides. */
function settle(
  settled: ReturnType<NonNullable<EntryType['settle']>>,
  keys: ReadonlySet<string>,
  merged: Map<string, Entry>,
  conflicts: Map<string, Conflict>,
  ours: ReadonlyMap<string, Entry>,
  theirs: ReadonlyMap<string, Entry>,
): void {
  if (settled.keep.size > 0) {
    const before = new Map(merged);
    merged.clear();
    for (const key of keys) {
      const entry = before.get(key) ?? settled.keep.get(key);
      if (entry) merged.set(key, entry);
    }
  }
  for (const key of settled.conflicted) {
    const o = ours.get(key);
    const t = theirs.get(key);
    if (!o || !t || conflicts.has(key)) continue;
    conflicts.set(key, { kind: 'conflict', ours: o, theirs: t });
    merged.set(key, o);
  }
}

export function mergeKeyed(
  type: EntryType,
  base: ReadonlyMap<string, Entry>,
  ours: ReadonlyMap<string, Entry>,
  theirs: ReadonlyMap<string, Entry>,
  hidden?: readonly Run[],
): KeyedMerge {
  const merged = new Map<string, Entry>();
  const conflicts = new Map<string, Conflict>();
  const keys = new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]);
  for (const key of keys) {
    const b = base.get(key);
    const o = ours.get(key);
    const t = theirs.get(key);
    let result: Entry | Conflict | undefined;
    if (sameEntry(o, t)) result = o && t ? greaterByContent(o, t) : (o ?? t);
    else if (type.growOnly && (!o || !t)) result = o ?? t;
    else if (sameEntry(o, b)) result = t;
    else if (sameEntry(t, b)) result = o;
    else result = type.join(b, o, t);
    if (isConflict(result)) {
      conflicts.set(key, result);
      merged.set(key, result.ours);
    } else if (result) merged.set(key, result);
  }
  if (type.settle) settle(type.settle(merged, [base, ours, theirs], conflicts), keys, merged, conflicts, ours, theirs);
  const entries = type.normalize ? normalizeTouched(type, type.normalize(merged, hidden, conflicts), merged, base, ours, theirs) : merged;
  const present = (entry: Entry): Entry => (type.present ? type.present(entry, entries) : entry);
  for (const [key, c] of conflicts) {
    const was = base.get(key);
    conflicts.set(key, { kind: 'conflict', ours: present(c.ours), theirs: present(c.theirs), ...(was ? { base: present(was) } : {}) });
  }
  return { entries, conflicts };
}
