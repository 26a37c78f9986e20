// queue: tasks matched by `[id:…]`, status as a lattice (open < claimed < done | cancelled), claims
// earliest-wins with the loser recorded, checkpoints as a grow-only log, and `seq` kept unique.
//
// `depends` names seq numbers, but a number means different entries on different branches (both may
// have created a task 143). So each version's edges are first rewritten to identities (`prepare`),
// merged as sets of identities, and rendered back to the final numbers (`normalize`) — an edge keeps
// pointing at the entry it was written against, whatever gets renumbered.
import {
  type Entry,
  type TaskBox,
  entryBody,
  memoOf,
  tagValue,
  tagValues,
  withAddedTag,
  withBox,
  withTag,
} from '../entries/scan.js';
import { stampOrder } from '../clock.js';
import { mergeLog, mergedKeys, maxString, singleTags, threeWay, withLog, withTagValues } from './entry-merge.js';
import { type Conflict, type EntryType, greaterByContent, memoByEntry } from './keyed.js';
import { type FoldKey, type FoldSpec, type Run, isTopItem, tagsOnce } from '../merge/fold.js';
import { STATUS_RANK, highestNestedSeq, seqOf, statusOf } from './queue-entry.js';

export { STATUS_RANK, type Status, dependsOf, seqOf, statusOf } from './queue-entry.js';

/**
 * A 53-bit string hash (cyrb53), for content-derived identities of entries written without an id.
 * Identities live only for one merge, so the function may change between versions of strata.
 */
export function contentHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * Identity of an entry that has no id: its seq and free text. The seq it was written with (`[was:N]`,
 * once the merge renumbered it) — so a renumbered hand-written entry is still the same entry.
 */
function contentIdentity(entry: Entry): string {
  return `h:${contentHash(`${tagValue(entry, 'was') ?? tagValue(entry, 'seq') ?? ''}\u001f${entryBody(entry)}`)}`;
}

export const queueIdentity = memoByEntry((entry: Entry): string => {
  const id = tagValue(entry, 'id');
  return id !== undefined && id.trim() !== '' ? `id:${id.trim()}` : contentIdentity(entry);
});

// ---------------------------------------------------------------------------------------------------
// depends: seq numbers ⇄ identities

/** Prepared form of an edge: `@identity=seq` (the seq as written, kept for an edge whose target is gone). */
const EDGE = /^@(.+)=(\d+)$/;

function prepareVersion(entries: readonly Entry[]): Entry[] {
  const bySeq = new Map<number, string>();
  for (const entry of entries) {
    const seq = seqOf(entry);
    // A duplicate seq in one version (a broken file) resolves to its first entry, like a reader would.
    if (seq !== undefined && !bySeq.has(seq)) bySeq.set(seq, queueIdentity(entry));
  }
  return entries.map((entry) => {
    const value = tagValue(entry, 'depends');
    if (value === undefined) return entry;
    const parts = value.split(',').map((part) => {
      const s = part.trim();
      const target = /^\d+$/.test(s) ? bySeq.get(Number(s)) : undefined;
      // Spacing around the number is kept, so an edge whose number does not change renders as written.
      return target ? part.replace(s, `@${target}=${s}`) : part;
    });
    // The three versions share most entries (one object per line): prepare each once per reading.
    const prepared = parts.join(',');
    const cached = entry.memo?.prepared as { readonly value: string; readonly entry: Entry } | undefined;
    if (cached?.value === prepared) return cached.entry;
    const next = withTag(entry, 'depends', prepared);
    memoOf(entry).prepared = { value: prepared, entry: next };
    return next;
  });
}

/** Renders prepared edges back to the targets' final seq numbers. */
function renderDepends(entry: Entry, seqByKey: ReadonlyMap<string, number>): Entry {
  const value = tagValue(entry, 'depends');
  if (value === undefined || !value.includes('@')) return entry;
  const parts = value.split(',').map((part) => {
    const s = part.trim();
    const m = EDGE.exec(s);
    if (!m) return part;
    // A target that kept its number renders as it was written ([depends:01] stays 01).
    const seq = seqByKey.get(m[1]!);
    return part.replace(s, seq === undefined || seq === Number(m[2]) ? m[2]! : String(seq));
  });
  return withTag(entry, 'depends', parts.join(','));
}

// ---------------------------------------------------------------------------------------------------
// join: both sides changed one task

interface Claim {
  readonly agent: string;
  readonly at: string;
  readonly raw: string;
}

function parseClaim(raw: string): Claim {
  const at = raw.lastIndexOf('@');
  return at === -1 ? { agent: raw, at: '', raw } : { agent: raw.slice(0, at), at: raw.slice(at + 1), raw };
}

/** Of two values, the one whose stamp is earlier by time, whatever its precision; text order breaks a tie. */
function earlier(a: string, b: string, stampOf: (value: string) => string = (value) => value): string {
  const [x, y] = [stampOrder(stampOf(a)), stampOrder(stampOf(b))];
  if (x !== y) return x < y ? a : b;
  return a <= b ? a : b;
}

function earlierClaim(a: string, b: string): string {
  return earlier(a, b, (claim) => parseClaim(claim).at);
}

/** The earlier of two stamps (for `done`); either may be missing. */
function earlierStamp(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : earlier(a, b);
}

/** Where the agent commands write each tag; other keys follow, by name. */
const TAG_ORDER = ['seq', 'id', 'alias', 'was', 'depends', 'agent', 'at', 'claim', 'claim-lost', 'done', 'cancelled'];
/** A tag's place in TAG_ORDER, -1 for one it does not list. */
const tagRank = (key: string): number => TAG_ORDER.indexOf(key);

function byTagOrder(x: string, y: string): number {
  const rank = (key: string): number => {
    const at = TAG_ORDER.indexOf(key);
    return at === -1 ? TAG_ORDER.length : at;
  };
  return rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * Three-way merge of the edge sets of `depends`. An edge is its target (`@key`): the seq it carries is
 * only how it was written, and a side whose merge renumbered the target changed nothing about it — so
 * the other side's removal of the edge wins over that, and two numbers for one target are one edge.
 */
function mergeEdges(base: string | undefined, ours: string | undefined, theirs: string | undefined): string | undefined {
  const byTarget = (v: string | undefined): Map<string, string> => {
    const edges = new Map<string, string>();
    for (const part of v === undefined ? [] : v.split(',')) {
      const e = part.trim();
      if (e === '') continue;
      const target = EDGE.exec(e)?.[1] ?? e;
      // One version naming a target twice (two numbers for it) keeps the first, as a reader would.
      if (!edges.has(target)) edges.set(target, e);
    }
    return edges;
  };
  const [b, o, t] = [byTarget(base), byTarget(ours), byTarget(theirs)];
  const all: string[] = [];
  for (const target of new Set([...o.keys(), ...t.keys(), ...b.keys()])) {
    const [inB, inO, inT] = [b.get(target), o.get(target), t.get(target)];
    const kept = inB !== undefined ? inO !== undefined && inT !== undefined : inO !== undefined || inT !== undefined;
    // Both sides wrote one target two ways (each renumbered it): the smaller spelling, whichever side.
    if (kept) all.push(threeWay(inB, inO, inT, (x, y) => (x! < y! ? x : y))!);
  }
  if (all.length === 0) {
    // No edge left: the tag itself stays unless a side removed it and the other kept its targets.
    const targets = (v: string | undefined, edges: Map<string, string>): string | undefined => (v === undefined ? undefined : [...edges.keys()].sort().join(','));
    return threeWay(targets(base, b), targets(ours, o), targets(theirs, t), () => '') === undefined ? undefined : '';
  }
  // Ordered by target seq as written, then text — never by side.
  return all.sort((x, y) => edgeSeq(x) - edgeSeq(y) || (x < y ? -1 : x > y ? 1 : 0)).join(',');
}

function edgeSeq(edge: string): number {
  const m = EDGE.exec(edge);
  return m ? Number(m[2]) : /^\d+$/.test(edge) ? Number(edge) : Number.MAX_SAFE_INTEGER;
}

function queueJoin(base: Entry | undefined, ours: Entry | undefined, theirs: Entry | undefined): Entry | undefined | Conflict {
  // A settled task is never lost to a concurrent removal (removing one is a check violation anyway).
  if (!ours) return theirs;
  if (!theirs) return ours;

  const [bBody, oBody, tBody] = [base ? entryBody(base) : undefined, entryBody(ours), entryBody(theirs)];
  if (oBody !== tBody && oBody !== bBody && tBody !== bBody) {
    return { kind: 'conflict', ours, theirs };
  }
  const log = mergeLog(base, ours, theirs);
  if (log === 'conflict') return { kind: 'conflict', ours, theirs };
  // The side whose text won is the template; of two equal texts, the greater entry, so never by side.
  let result = oBody === tBody ? (base && entryBody(base) === oBody ? base : greaterByContent(ours, theirs)) : oBody !== bBody ? ours : theirs;

  // Status: the lattice maximum; of done and cancelled at once, done (the work happened).
  const boxRank = (e: Entry | undefined): number => (e ? STATUS_RANK[statusOf(e)] : -1);
  const winner = [ours, theirs].reduce((a, b) => (boxRank(b) > boxRank(a) ? b : a));
  // Of two boxes of one rank ([x] and [X]), the one a side changed to; of two changes, the smaller.
  const box: TaskBox | null =
    boxRank(ours) === boxRank(theirs)
      ? threeWay(base?.box ?? null, ours.box, theirs.box, (x, y) => (x === null ? y : y === null ? x : x <= y ? x : y))
      : winner.box;

  const [b, o, t] = [singleTags(base), singleTags(ours), singleTags(theirs)];
  // The base's keys, then new ones in a fixed order: tags both sides added land in one order either way.
  const keys = mergedKeys(b, o, t, byTagOrder);
  const values = new Map<string, string | undefined>();
  for (const key of keys) {
    if (key === 'claim-lost' || key === 'alias') continue;
    const merged =
      key === 'claim'
        ? threeWay(b.get(key), o.get(key), t.get(key), (x, y) => (x === undefined ? y : y === undefined ? x : earlierClaim(x, y)))
        : key === 'depends'
          ? mergeEdges(b.get(key), o.get(key), t.get(key))
          : key === 'done'
            ? threeWay(b.get(key), o.get(key), t.get(key), earlierStamp)
            : threeWay(b.get(key), o.get(key), t.get(key), maxString);
    values.set(key, merged);
  }
  // The status is the lattice maximum, so its stamp goes with it: a task that ends up done keeps the
  // [done:…] of a version where it is done, even where the other side's revert dropped it.
  if ((box === 'x' || box === 'X') && values.get('done') === undefined) {
    const stamps = [base, ours, theirs].filter((e) => e !== undefined && statusOf(e) === 'done').map((e) => tagValue(e!, 'done'));
    const stamp = stamps.reduce<string | undefined>((a, v) => earlierStamp(a, v), undefined);
    if (stamp !== undefined) values.set('done', stamp);
  }
  // A claim both sides made differently keeps the earliest; the other is recorded, never dropped.
  const lost = new Set([...tagValues(ours, 'claim-lost'), ...tagValues(theirs, 'claim-lost')]);
  const [oc, tc, bc] = [o.get('claim'), t.get('claim'), b.get('claim')];
  // Only claims both sides made: a takeover of the base's claim on one side is not concurrent with
  // that claim (the side took it over knowingly, and recorded it lost itself).
  if (oc !== undefined && tc !== undefined && oc !== tc && oc !== bc && tc !== bc) {
    const keep = earlierClaim(oc, tc);
    for (const c of [oc, tc]) if (c !== keep) lost.add(c);
  }

  // A hand-written task each side's hook stamped with its own id keeps the greater; the other is
  // recorded as an alias, so a check against the side that had it sees the same task, not a new id.
  const aliases = new Set([...tagValues(ours, 'alias'), ...tagValues(theirs, 'alias')].map((a) => a.trim()));
  const [oid, tid] = [o.get('id')?.trim(), t.get('id')?.trim()];
  if (oid && tid && oid !== tid) aliases.add(oid < tid ? oid : tid);

  // Rebuild on the template: tags first (keys that disappeared, changed values, new keys), then
  // repeatable tags, box, and the log.
  result = withTagValues(result, values, tagRank);
  const have = new Set(tagValues(result, 'claim-lost'));
  for (const claim of [...lost].sort()) if (!have.has(claim)) result = withAddedTag(result, 'claim-lost', claim);
  const known = new Set(tagValues(result, 'alias').map((a) => a.trim()));
  for (const alias of [...aliases].sort()) if (!known.has(alias) && alias !== tagValue(result, 'id')?.trim()) result = withAddedTag(result, 'alias', alias);
  return withLog(withBox(result, box), log);
}

// ---------------------------------------------------------------------------------------------------
// normalize: unique seq, depends rendered back

/**
 * The seqs a task holds: its own, or for a task in conflict each side's (the file shows both, and which
 * side is ours must not matter).
 */
function seqsOf(key: string, entry: Entry, conflicts: ReadonlyMap<string, Conflict>): number[] {
  const c = conflicts.get(key);
  const seqs = (c ? [seqOf(c.ours), seqOf(c.theirs)] : [seqOf(entry)]).filter((seq): seq is number => seq !== undefined);
  return [...new Set(seqs)];
}

function renumber(entries: ReadonlyMap<string, Entry>, hidden: readonly Run[] = [], conflicts: ReadonlyMap<string, Conflict> = new Map()): Map<string, number> {
  const seqByKey = new Map<string, number>();
  const bySeq = new Map<number, string[]>();
  // The next free number is above every seq in the file, folded-out entries included.
  let max = hiddenMaxSeq(hidden);
  for (const [key, entry] of entries) {
    const seqs = seqsOf(key, entry, conflicts);
    if (seqs.length === 0) continue;
    // A task in conflict is named (in depends) by the smaller of its two numbers.
    seqByKey.set(key, Math.min(...seqs));
    for (const seq of seqs) {
      max = Math.max(max, seq);
      bySeq.set(seq, [...(bySeq.get(seq) ?? []), key]);
    }
  }
  // Of the entries that share a number, one keeps it: a task in conflict (it keeps both sides' numbers,
  // as written, for the person resolving it; two such share theirs), an entry at its original number
  // before one that was renumbered already (so replaying a rebase lands where a merge does), then the
  // smallest identity.
  const displaced: string[] = [];
  for (const keys of bySeq.values()) {
    if (keys.length < 2) continue;
    const ordered = [...keys].sort((x, y) => {
      const cx = conflicts.has(x) ? 0 : 1;
      const cy = conflicts.has(y) ? 0 : 1;
      const wx = tagValue(entries.get(x)!, 'was') !== undefined ? 1 : 0;
      const wy = tagValue(entries.get(y)!, 'was') !== undefined ? 1 : 0;
      return cx - cy || wx - wy || (x < y ? -1 : 1);
    });
    displaced.push(...ordered.slice(1).filter((key) => !conflicts.has(key)));
  }
  if (displaced.length === 0) return seqByKey;
  // ... and above every seq an item indented under a task carries, as check and `queue add` count
  // (nextFreeSeq): both sides of a task in conflict, so the number does not depend on the side. (A
  // folded-out task has none: a line under a task that holds a seq is never folded.)
  for (const entry of entries.values()) max = Math.max(max, highestNestedSeq(entry));
  for (const c of conflicts.values()) max = Math.max(max, highestNestedSeq(c.ours), highestNestedSeq(c.theirs));
  const original = (key: string): number => Number(tagValue(entries.get(key)!, 'was') ?? seqByKey.get(key));
  displaced.sort((x, y) => original(x) - original(y) || (x < y ? -1 : 1));
  for (const key of displaced) seqByKey.set(key, ++max);
  return seqByKey;
}

function normalizeQueue(entries: ReadonlyMap<string, Entry>, hidden?: readonly Run[], conflicts: ReadonlyMap<string, Conflict> = new Map()): Map<string, Entry> {
  const seqByKey = renumber(entries, hidden, conflicts);
  const out = new Map<string, Entry>();
  for (const [key, entry] of entries) {
    let next = entry;
    const seq = seqByKey.get(key);
    if (conflicts.has(key)) {
      // The file shows the conflict's two sides, not this entry; its seq here is the one depends render
      // it by (present), the same whichever side is ours.
      if (seq !== undefined && seq !== seqOf(entry)) next = withTag(next, 'seq', String(seq));
    } else if (seq !== undefined && seq !== seqOf(entry)) {
      if (tagValue(next, 'was') === undefined) next = withTag(next, 'was', String(seqOf(entry)));
      next = withTag(next, 'seq', String(seq));
    }
    out.set(key, renderDepends(next, seqByKey));
  }
  return out;
}

const padSeq = (seq: number): string => String(seq).padStart(15, '0');

const seqSortKey = memoByEntry((entry: Entry): string => {
  const seq = seqOf(entry);
  return seq === undefined ? `~${entryBody(entry)}` : padSeq(seq);
});

// ---------------------------------------------------------------------------------------------------
// folding (fold.ts): which unchanged tasks a large merge may leave out

/**
 * The highest seq of the folded tasks: each run is in seq order (runOrder) and a task line's keys are
 * its id and its seq (lineKeys), so it is the seq of a run's last task, read without the tags again.
 */
function hiddenMaxSeq(runs: readonly Run[]): number {
  let max = 0;
  for (const run of runs) {
    // The queue's spec has no needles, so every folded line's keys were read.
    const last = run.keys!.findLast((keys) => keys.length > 0);
    if (last) max = Math.max(max, last[1] as number);
  }
  return max;
}

/**
 * A task interacts with others through its id, its seq (two tasks that took one number; the next free
 * number), the seqs it depends on (renumbered or re-rendered targets) and the seq its content identity
 * reads (`[was:N]`, else its seq: `align` pairs a hand-written task with the tasks of that content). A
 * folded line is safe only as a task with an id and one plain seq; anything hand-written or odd stays
 * in the merge.
 *
 * The keys are the id as written (a string) and a seq as the number itself: no key to make as a new
 * string for every line of a large queue (`id:<id>`, 13 characters or more, is one V8 builds as a pair
 * and copies again the first time it is hashed), and a string never equals a number.
 */
const QUEUE_FOLD_TAGS = ['id', 'seq', 'depends', 'was'];
const FOLD_TAG_ANYWHERE = /\[(?:id|seq|depends|was)::?/;
const DIGITS = /^\d+$/;
/** Digits that read as the number they write (seqOf reads a larger seq as none: keep such a line in). */
const exact = (digits: string): boolean => DIGITS.test(digits) && (digits.length < 16 || Number.isSafeInteger(Number(digits)));

/**
 * A task line as `queue add` writes it: box, seq, id, perhaps depends, in that order and spelt plainly.
 * Its fold keys are read off the match, where no later tag, code span or link could change them.
 */
const PLAIN_TASK = /^[-*+] \[[ xX-]\] \[seq:(\d+)\] \[id:([^\][\s`:]+)\](?!\()(?: \[depends:(\d+(?:,\d+)*)\](?!\())?/;

/** The fold keys of a task line written plainly (see PLAIN_TASK), or undefined: read it the long way. */
function plainTaskKeys(line: string): FoldKey[] | undefined {
  const m = PLAIN_TASK.exec(line);
  if (m === null) return undefined;
  const rest = m[0].length;
  // Up to 15 digits a number is exact; a longer one is read the long way.
  if (m[1]!.length > 15 || (m[3] !== undefined && m[3].length > 15 && !m[3].split(',').every(exact))) return undefined;
  if (line.includes('`') || line.includes('[seq:', rest) || line.includes('[id:', rest) || line.includes('[depends:', rest) || line.includes('[was:', rest)) return undefined;
  const keys: FoldKey[] = [m[2]!, Number(m[1]!)];
  if (m[3] !== undefined) {
    const deps = m[3].split(',');
    for (let d = 0; d < deps.length; d++) keys.push(Number(deps[d]));
  }
  return keys;
}

/** A line's fold keys by the tag reader (`tagsOnce`), for any line. */
export function taskLineKeys(line: string): readonly FoldKey[] | 'unsafe' {
  if (!isTopItem(line)) {
    // Under a task (a run starts at one and holds no other kind of item): its log or notes.
    return FOLD_TAG_ANYWHERE.test(line) ? 'unsafe' : [];
  }
  if (line.includes('`')) return 'unsafe';
  const tags = tagsOnce(line, QUEUE_FOLD_TAGS);
  if (tags === 'unsafe') return tags;
  const id = tags.get('id');
  const seq = tags.get('seq');
  if (!id || !seq || !exact(seq)) return 'unsafe';
  const keys: FoldKey[] = [id, Number(seq)];
  const depends = tags.get('depends');
  if (depends) {
    for (const raw of depends.split(',')) {
      const dep = raw.trim();
      if (dep === '') continue;
      if (!exact(dep)) return 'unsafe';
      keys.push(Number(dep));
    }
  }
  const was = tags.get('was');
  if (was !== undefined) {
    if (!exact(was)) return 'unsafe';
    keys.push(Number(was));
  }
  return keys;
}

const queueFold: FoldSpec = {
  // Asked of every line of a large queue: no expression or array it does not need.
  lineKeys(line) {
    const plain = plainTaskKeys(line);
    if (plain !== undefined) return plain;
    return taskLineKeys(line);
  },
  // Once seen, a task is known by its id and seq (the first two keys of a task line), not by what it
  // depends on.
  entryKeysOfLine: 2,
  distinct: true,
  // A task the merge sees without an id cannot be a folded one (those are in every version, so `align`
  // never renames to them), but a folded task of its content can outrank the id `align` would rename it
  // to: so its `[was:N]` is a key too. Without a seq it only keeps its run unsorted, in both merges alike.
  entryKeys(entry) {
    const id = tagValue(entry, 'id')?.trim();
    const seq = seqOf(entry);
    const was = tagValue(entry, 'was')?.trim();
    const keys: FoldKey[] = [];
    if (id) keys.push(id);
    if (seq !== undefined) keys.push(seq);
    if (was !== undefined && DIGITS.test(was)) keys.push(Number(was));
    return keys;
  },
  // A top-level line's keys start with its id and its seq (lineKeys above).
  runOrder(lines, keys) {
    let first: number | undefined;
    let last = -1;
    for (let k = 0; k < lines.length; k++) {
      if (keys[k]!.length === 0) continue; // a log or note line under a task
      const seq = keys[k]![1] as number;
      if (!(seq > last)) return undefined;
      last = seq;
      first ??= last;
    }
    return first === undefined ? undefined : [padSeq(first), padSeq(last)];
  },
};

/** Re-keys a version's entries in place, keeping file order and rewriting edges to the new keys. */
function rekey(version: Map<string, Entry>, renames: ReadonlyMap<string, string>): void {
  if (renames.size === 0) return;
  const entries = [...version];
  version.clear();
  for (const [key, entry] of entries) {
    let next = entry;
    const deps = tagValue(entry, 'depends');
    if (deps?.includes('@')) {
      let rewritten = deps;
      for (const [from, to] of renames) rewritten = rewritten.split(`@${from}=`).join(`@${to}=`);
      if (rewritten !== deps) next = withTag(entry, 'depends', rewritten);
    }
    version.set(renames.get(key) ?? key, next);
  }
}

/** The identities an entry's prepared `depends` points at. */
function edgeTargets(entry: Entry | undefined): string[] {
  const value = entry ? tagValue(entry, 'depends') : undefined;
  if (value === undefined || !value.includes('@')) return [];
  return value.split(',').flatMap((part) => {
    const m = EDGE.exec(part.trim());
    return m ? [m[1]!] : [];
  });
}

/**
 * A removal never silently beats a concurrent change: a task one side removed (open, or it would be a
 * check violation) that the other side's new edge points at stays. And two sides that each added an
 * edge which together close a cycle have made a conflict, on the tasks whose edges they changed.
 */
function settleQueue(
  merged: ReadonlyMap<string, Entry>,
  [base, ours, theirs]: readonly [ReadonlyMap<string, Entry>, ReadonlyMap<string, Entry>, ReadonlyMap<string, Entry>],
  conflicts: ReadonlyMap<string, Conflict>,
): { keep: Map<string, Entry>; conflicted: Set<string> } {
  // The edges of a task: for one in conflict, both sides' (the file shows both; `merged` holds ours').
  const targetsOf = (key: string, entry: Entry | undefined): string[] => {
    const c = conflicts.get(key);
    return c ? [...new Set([...edgeTargets(c.ours), ...edgeTargets(c.theirs)])] : edgeTargets(entry);
  };
  const keep = new Map<string, Entry>();
  for (const [key, entry] of merged) {
    for (const target of targetsOf(key, entry)) {
      if (merged.has(target) || keep.has(target)) continue;
      const kept = ours.get(target) ?? theirs.get(target) ?? base.get(target);
      if (kept) keep.set(target, kept);
    }
  }
  const conflicted = new Set<string>();
  const edges = (version: ReadonlyMap<string, Entry>, key: string): string[] => edgeTargets(version.get(key));
  const all = new Map([...merged, ...keep]);
  for (const cycle of cycles(all, targetsOf)) {
    // A cycle one version already had is that version's own (check reports it); only a new one is.
    const inVersion = (version: ReadonlyMap<string, Entry>): boolean =>
      cycle.every((key, n) => edges(version, key).includes(cycle[(n + 1) % cycle.length]!));
    if (inVersion(ours) || inVersion(theirs)) continue;
    for (const key of cycle) if (edges(ours, key).join() !== edges(theirs, key).join()) conflicted.add(key);
  }
  // Finished on one side while the other gave it a new dependency: the merge would say it was done
  // before that dependency (if that one is not done), which neither side did. A conflict on the task,
  // decided from the task's own versions (what it depends on may be folded out of a large merge).
  for (const [key, entry] of merged) {
    if (statusOf(entry) !== 'done') continue;
    const o = ours.get(key);
    const t = theirs.get(key);
    if (!o || !t) continue;
    const b = base.get(key);
    const finished = (e: Entry): boolean => statusOf(e) === 'done' && (!b || statusOf(b) !== 'done');
    // Edges as written in the prepared versions (resolved to keys, or a seq whose task is folded out):
    // compared within one merge, so the answer is the same folded or not. A resolved edge is its target
    // alone: a side whose merge renumbered the target (`@k=1` there, `@k=3` here) gave no new edge.
    const deps = (e: Entry | undefined): string[] =>
      e
        ? (tagValue(e, 'depends') ?? '')
            .split(',')
            .map((d) => d.trim())
            .filter((d) => d !== '')
            .map((d) => EDGE.exec(d)?.[1] ?? d)
        : [];
    const newEdges = (e: Entry, other: Entry): boolean => deps(e).some((x) => !deps(b).includes(x) && !deps(other).includes(x));
    if ((finished(o) && newEdges(t, o)) || (finished(t) && newEdges(o, t))) conflicted.add(key);
  }
  return { keep, conflicted };
}

/** The dependency cycles of a set of tasks, each as its keys in edge order (depth-first, deterministic). */
function cycles(entries: ReadonlyMap<string, Entry>, targetsOf: (key: string, entry: Entry | undefined) => string[]): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (key: string): void => {
    state.set(key, 'open');
    path.push(key);
    for (const target of targetsOf(key, entries.get(key))) {
      if (!entries.has(target)) continue;
      if (state.get(target) === 'open') found.push(path.slice(path.indexOf(target)));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(key, 'done');
  };
  for (const key of [...entries.keys()].sort()) if (!state.has(key)) visit(key);
  return found;
}

export const queue: EntryType = {
  name: 'queue',
  identity: queueIdentity,
  sortKey: seqSortKey,
  orderable: (entry) => seqOf(entry) !== undefined,
  fold: queueFold,
  join: queueJoin,
  prepare: prepareVersion,
  align: (versions) => {
    // A hand-written entry (content identity) that another version carries with an id is that entry.
    // Two versions may have stamped it with two ids (each clone's pre-commit hook): it is still one
    // entry, known by the greater id, which is the one its merge keeps (maxString).
    const handWritten = new Set(versions.flatMap((version) => [...version.keys()].filter((key) => key.startsWith('h:'))));
    if (handWritten.size === 0) return;
    const byContent = new Map<string, string>();
    const note = (content: string, key: string): void => {
      const known = byContent.get(content);
      if (known === undefined || key > known) byContent.set(content, key);
    };
    for (const version of versions) {
      for (const [key, entry] of version) {
        if (!key.startsWith('id:')) continue;
        const content = contentIdentity(entry);
        if (handWritten.has(content)) note(content, key);
      }
    }
    // A side that edited the text of a base hand-written task (and perhaps stamped it) no longer shows
    // it by content: the one new entry on that side at the task's seq, where the task itself is gone, is
    // it — a new id, or, where no hook ran (a web edit), new hand-written text. (Otherwise the edited
    // copy would be a second task, and edges to the seq could follow either.)
    const [base] = versions;
    // Per version, such an entry's key → the base task it is.
    const stampedAs = versions.map(() => new Map<string, string>());
    for (const [hand, entry] of base) {
      if (!hand.startsWith('h:')) continue;
      const seq = seqOf(entry);
      if (seq === undefined) continue;
      versions.forEach((version, v) => {
        if (v === 0 || version.has(hand)) return;
        const fresh = [...version.entries()].filter(
          ([key, e]) => !base.has(key) && seqOf(e) === seq && (key.startsWith('h:') || (key.startsWith('id:') && !handWritten.has(contentIdentity(e)))),
        );
        // A side that still has the task, stamped with an id, did not edit it into the new entry.
        if ([...version.entries()].some(([key, e]) => key.startsWith('id:') && contentIdentity(e) === hand)) return;
        if (fresh.length !== 1) return;
        const key = fresh[0]![0];
        note(hand, key);
        stampedAs[v]!.set(key, hand);
      });
    }
    versions.forEach((version, v) => {
      const renames = new Map<string, string>();
      const taken = new Set<string>();
      for (const [key, entry] of version) {
        const paired = stampedAs[v]!.get(key);
        const target = key.startsWith('h:')
          ? byContent.get(paired ?? key)
          : key.startsWith('id:')
            ? byContent.get(paired ?? contentIdentity(entry))
            : undefined;
        // Never two entries of one version onto one key: a version that holds both stays as it is.
        if (target && target !== key && !version.has(target) && !taken.has(target)) {
          renames.set(key, target);
          taken.add(target);
        }
      }
      rekey(version, renames);
    });
  },
  normalize: normalizeQueue,
  settle: settleQueue,
  present: (entry, merged) => {
    const seqByKey = new Map<string, number>();
    for (const [key, e] of merged) {
      const seq = seqOf(e);
      if (seq !== undefined) seqByKey.set(key, seq);
    }
    return renderDepends(entry, seqByKey);
  },
};

