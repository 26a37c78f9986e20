// Merging a typed file: entries by their CRDT type, everything else (prose, and where entries sit) by
// the Markdown merge. Each entry is replaced by a one-line placeholder that names its identity — the
// "skeleton" — so that git's line merge places entries and merges prose, while entry contents come
// from the type's merge. Pipeline: parse → index → merge entries → merge skeleton → fill → verify.
import { type Doc, type Entry, type LineCache, entriesOf, lineBody, lineEnding, parseDoc, splitLines } from '../entries/scan.js';
import { FOLD, type FoldKey, type FoldSpec, KeyReader, type Run, fold, stableRuns, tagFold, unfold, versions, withoutKeys } from './fold.js';
import { type Conflict, type EntryType, REPEAT, entryContent, indexEntries, mergeKeyed } from '../crdt/keyed.js';
import type { LineMerge, MergeOptions, MergeResult } from '../result.js';
import type { MarkdownTuning } from './markdown.js';
import { type ConflictStyle, conflictRegion, styleOnce } from './conflict-style.js';

/** Prose conflicts the skeleton merge could not settle go to the Markdown block merge, loaded lazily. */
export type ProseMerge = (base: string, ours: string, theirs: string, opts: MergeOptions, tuning?: Partial<MarkdownTuning>) => MergeResult;

const HOLE = '\uE000';
/** Large enough that no real line in a skeleton can look like one of our own markers. */
const SKELETON_MARKER = 40;
/**
 * A placeholder line stays far below the Markdown merge's line limit whatever its entry's length (a
 * heartbeat without [agent:] is known, and sorted, by its text): at most this many UTF-16 units of an
 * identity and of a sort key are written out. Ordinary entries stay well within it and are written whole.
 */
const MAX_WRITTEN = 1024;
/** A line that would read as one of those markers (see isMarker). */
const SKELETON_MARKER_LINE = new RegExp(`^(?:<{${SKELETON_MARKER}}|>{${SKELETON_MARKER}}|\\|{${SKELETON_MARKER}})(?: |\\r?$)|^={${SKELETON_MARKER}}\\r?$`, 'm');

interface Skeleton {
  readonly text: string;
  /** identity → entry, in file order. */
  readonly entries: Map<string, Entry>;
}

/** Identities and sort keys must fit on one text line: git treats a NUL as "binary". */
function assertLineSafe(key: string): string {
  if (/[\0\r\n]/.test(key)) throw new Error(`identity or sort key is not line-safe: ${JSON.stringify(key)}`);
  return key;
}

/** One version's entries by identity, before any re-keying across versions. */
function indexOf(type: EntryType, doc: Doc): Map<string, Entry> {
  const entries = entriesOf(doc);
  return indexEntries(type, type.prepare ? type.prepare(entries) : entries);
}

/**
 * The version with each entry replaced by a placeholder that names its identity. `entries` is in file
 * order (indexing and re-keying keep it), so the n-th entry block gets the n-th key.
 */
function skeletonOf(doc: Doc, entries: Map<string, Entry>, sortKeyOf: SortKeyOf, names: Names): Skeleton {
  const keys = entries.keys();
  const parts: string[] = [];
  const blocks = doc.blocks;
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b]!;
    if (block.kind === 'prose') {
      for (let l = 0; l < block.lines.length; l++) parts.push(block.lines[l]!);
      continue;
    }
    const key = keys.next().value as string;
    const eol = lineEnding(block.lines[block.lines.length - 1]!);
    parts.push(`${block.indent}${block.marker} ${sortLabel(sortKeyOf(key))} ${HOLE}${assertLineSafe(names.nameOf(key))}${eol}`);
  }
  return { text: parts.join(''), entries };
}

/**
 * The sort key as inert text in front of the placeholder: where git's merge of the skeleton coalesces
 * entry insertions with prose nearby, the Markdown merge orders concurrent insertions by their text,
 * and so orders them by the type's sort key, as settleEntryHunks does. Four hex digits per UTF-16 unit
 * keep the string order and cannot start Markdown syntax. Of a longer key, its first MAX_WRITTEN units
 * and a 'g', which sorts after every label that stops there (a space follows a label): keys that share
 * those units then sort by the placeholder's name, which for a heartbeat known by its text is the
 * same order.
 */
function sortLabel(sortKey: string): string {
  const written = Math.min(sortKey.length, MAX_WRITTEN);
  // The hex digits as char codes, made into one string at once (asked for every entry a merge sees).
  const codes: number[] = new Array(written * 4 + (written < sortKey.length ? 1 : 0));
  for (let i = 0; i < written; i++) {
    const unit = sortKey.charCodeAt(i);
    for (let d = 0; d < 4; d++) codes[i * 4 + d] = HEX_DIGITS.charCodeAt((unit >> (12 - 4 * d)) & 15);
  }
  if (written < sortKey.length) codes[written * 4] = 0x67; // 'g'
  return String.fromCharCode(...codes);
}

const HEX_DIGITS = '0123456789abcdef';

/** How placeholders name identities: by the identity itself, except a long one. */
interface Names {
  nameOf(key: string): string;
  keyOf(name: string): string;
}

/**
 * An identity longer than MAX_WRITTEN is named by its start and its rank among the long identities of
 * all three versions: one name per identity in every version, whichever side is ours, never another
 * identity's (every other name is shorter), and where long identities share their start, in their own
 * order. The start is cut before a surrogate pair, not inside it: git would get a character that UTF-8
 * cannot carry.
 */
function namesFor(versions: readonly ReadonlyMap<string, Entry>[]): Names {
  const long = new Set<string>();
  for (const version of versions) for (const key of version.keys()) if (key.length > MAX_WRITTEN) long.add(key);
  if (long.size === 0) return { nameOf: (key) => key, keyOf: (name) => name };
  const width = String(long.size).length;
  const byKey = new Map<string, string>();
  const byName = new Map<string, string>();
  [...long].sort().forEach((key, rank) => {
    const cut = /[\uD800-\uDBFF]/.test(key[MAX_WRITTEN - 1]!) ? MAX_WRITTEN - 1 : MAX_WRITTEN;
    const name = `${key.slice(0, cut)}\u001d${String(rank).padStart(width, '0')}`;
    byKey.set(key, name);
    byName.set(name, key);
  });
  return { nameOf: (key) => byKey.get(key) ?? key, keyOf: (name) => byName.get(name) ?? name };
}

/** The identity a placeholder line names, or null for a line of prose. */
function holeOf(line: string, names: Names): string | null {
  const at = line.indexOf(HOLE);
  return at === -1 ? null : names.keyOf(lineBody(line).slice(at + 1));
}

/** Orders identities by the type's sort key, then by identity: never by side. */
export type SortKeyOf = (key: string) => string;

/**
 * Settles conflict hunks that consist only of placeholders (both sides inserted entries at one spot):
 * the union of both sides, ordered by the type's sort key, so the order is the same from either side.
 * Returns null when a hunk holds prose: that needs the Markdown block merge.
 */
function settleEntryHunks(conflicted: string, finalEol: boolean, sortKeyOf: SortKeyOf, names: Names): string | null {
  const pieces = readConflicts(splitLines(conflicted), SKELETON_MARKER);
  let out = '';
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    if (typeof piece === 'string') {
      // An opening marker that closes no region as git writes them: the Markdown merge decides.
      if (isMarker(piece, '<', SKELETON_MARKER)) return null;
      out += piece;
      continue;
    }
    const union = unionOfHoles([...piece.ours, ...piece.theirs], k === pieces.length - 1, finalEol, sortKeyOf, names);
    if (union === null) return null;
    out += union;
  }
  return out;
}

/**
 * Both sides inserted these placeholder lines at one spot: their union, ordered by the type's sort key,
 * so the order is the same from either side. Null when a line is prose.
 */
function unionOfHoles(lines: readonly string[], atEnd: boolean, finalEol: boolean, sortKeyOf: SortKeyOf, names: Names): string | null {
  const holes = new Map<string, { sort: string; line: string }>();
  for (const l of lines) {
    const key = holeOf(l, names);
    if (key === null) return null;
    // The same entry on both sides: keep one line, chosen independently of the side.
    const seen = holes.get(key);
    if (!seen || l > seen.line) holes.set(key, { sort: seen?.sort ?? sortKeyOf(key), line: l });
  }
  const sorted = [...holes].sort(([ka, a], [kb, b]) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : ka < kb ? -1 : ka > kb ? 1 : 0)).map(([, h]) => h);
  // Each line keeps its own ending (an LF entry appended to a CRLF file stays LF: free text round-trips
  // byte for byte). Only the very last line of the file may lack one, and only where neither side had
  // one; a side's last line that does not stay last takes the others' (as git gives a side's last line
  // an ending inside a conflict).
  const eol = sorted.map((h) => lineEnding(h.line)).find((e) => e !== '') ?? '\n';
  let out = '';
  sorted.forEach((h, n) => {
    const last = n === sorted.length - 1 && atEnd;
    out += last && !finalEol ? lineBody(h.line) : lineBody(h.line) + (lineEnding(h.line) || eol);
  });
  return out;
}

/**
 * The skeleton merge without running git where the answer is plain: one side unchanged, or both sides
 * only inserted placeholders at the same single spot (agents appending entries). Null otherwise.
 */
function trivialSkeletonMerge(base: string, ours: string, theirs: string, sortKeyOf: SortKeyOf, names: Names): string | null {
  if (ours === theirs || theirs === base) return ours;
  if (ours === base) return theirs;
  const [b, o, t] = [splitLines(base), splitLines(ours), splitLines(theirs)];
  const limit = Math.min(b.length, o.length, t.length);
  let prefix = 0;
  while (prefix < limit && b[prefix] === o[prefix] && b[prefix] === t[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && b[b.length - 1 - suffix] === o[o.length - 1 - suffix] && b[b.length - 1 - suffix] === t[t.length - 1 - suffix]) suffix++;
  if (b.length - prefix - suffix !== 0) return null;
  const inserted = [...o.slice(prefix, o.length - suffix), ...t.slice(prefix, t.length - suffix)];
  const union = unionOfHoles(inserted, suffix === 0, /\n$/.test(ours) || /\n$/.test(theirs), sortKeyOf, names);
  if (union === null) return null;
  return b.slice(0, prefix).join('') + union + b.slice(b.length - suffix).join('');
}

interface OutLine {
  text: string;
  readonly key?: string;
}

/** A conflict region the Markdown merge wrote into the skeleton: its marker lines and sections. */
interface ProseConflict {
  readonly open: string;
  readonly ours: readonly string[];
  /** The diff3/zdiff3 base section, under its marker line. */
  readonly base?: { readonly marker: string; readonly lines: readonly string[] };
  readonly separator: string;
  readonly theirs: readonly string[];
  readonly close: string;
}

/** A marker line of `size` characters `char`, alone or followed by a label. */
function isMarker(line: string, char: string, size: number): boolean {
  const body = lineBody(line);
  return body.startsWith(char.repeat(size)) && (body.length === size || body[size] === ' ');
}

/**
 * The skeleton's lines, with each conflict region of its merge (git's line merge, or the Markdown merge)
 * read as one. Both mark them at the skeleton's own marker size, which no line of the file is taken for
 * (a lone `<<<<<<<` in prose is no conflict to git, so it reaches the merge); their marker lines come
 * back at `size`. An opening marker whose region does not close as such regions are written is read as
 * a line.
 */
function readConflicts(lines: readonly string[], size: number): Array<string | ProseConflict> {
  const markerSize = SKELETON_MARKER;
  const separator = '='.repeat(markerSize);
  const resize = (line: string): string => line[0]!.repeat(size) + line.slice(markerSize);
  const out: Array<string | ProseConflict> = [];
  let i = 0;
  next: while (i < lines.length) {
    const open = lines[i]!;
    if (!isMarker(open, '<', markerSize)) {
      out.push(open);
      i++;
      continue;
    }
    const sections: string[][] = [[]];
    let baseMarker: string | undefined;
    let separatorLine: string | undefined;
    for (let k = i + 1; k < lines.length; k++) {
      const line = lines[k]!;
      if (isMarker(line, '<', markerSize)) break;
      if (separatorLine === undefined && baseMarker === undefined && isMarker(line, '|', markerSize)) {
        baseMarker = line;
        sections.push([]);
      } else if (separatorLine === undefined && lineBody(line) === separator) {
        separatorLine = line;
        sections.push([]);
      } else if (separatorLine !== undefined && isMarker(line, '>', markerSize)) {
        const [ours, base, theirs] = baseMarker === undefined ? [sections[0]!, undefined, sections[1]!] : sections;
        const region = { open: resize(open), ours, separator: resize(separatorLine), theirs: theirs!, close: resize(line) };
        out.push(base ? { ...region, base: { marker: resize(baseMarker!), lines: base } } : region);
        i = k + 1;
        continue next;
      } else sections[sections.length - 1]!.push(line);
    }
    out.push(open);
    i++;
  }
  return out;
}

/** A line to write, or the place of an entry (with the line ending its placeholder had). */
type Slot = string | { readonly key: string; readonly eol: string };

/**
 * What to write in place of a region: its prose, with the entries it held taken out of its sections
 * (`keep` says which are to be written here). They are merged already; in a section they would be
 * kept or dropped with the side a person picks. Where the two sides' prose differs, the region stays a
 * conflict (in merge and zdiff3 style without the lines both share at its ends, as the Markdown merge
 * writes its own) and its entries follow it; the base section shows the base's prose, as git's does.
 * Where the prose is the same, nothing is left to decide (git does not count one change made on both
 * sides as a conflict either): the prose is written as it is, each entry where a side had it. A region
 * without placeholders stays as the Markdown merge wrote it.
 */
function regionSlots(region: ProseConflict, keep: (key: string) => boolean, sortKeyOf: SortKeyOf, style: () => ConflictStyle, names: Names): { slots: Slot[]; conflict: boolean } {
  const all = [...region.ours, ...(region.base?.lines ?? []), ...region.theirs];
  if (all.every((line) => holeOf(line, names) === null)) {
    return { slots: [region.open, ...region.ours, ...(region.base ? [region.base.marker, ...region.base.lines] : []), region.separator, ...region.theirs, region.close], conflict: true };
  }
  // Of an entry's placeholders' line endings the longest, whatever side it was on: git gives a side's
  // last line a '\n' inside a conflict, in a CRLF file too.
  const eols = new Map<string, string>();
  const keysIn = (section: readonly string[]): string[] =>
    section.flatMap((line) => {
      const key = holeOf(line, names);
      if (key === null || !keep(key)) return [];
      if (lineEnding(line).length >= (eols.get(key)?.length ?? 0)) eols.set(key, lineEnding(line));
      return [key];
    });
  // The base's order does not count: where a side reordered the entries, that is the change.
  const keys = mergeOrders([keysIn(region.ours), keysIn(region.theirs), ...keysIn(region.base?.lines ?? []).map((key) => [key])], sortKeyOf);
  const slot = (key: string): Slot => ({ key, eol: eols.get(key) || '\n' });
  const prose = (lines: readonly string[]): string[] => lines.filter((line) => holeOf(line, names) === null);
  const [ours, theirs] = [prose(region.ours), prose(region.theirs)];
  if (ours.length === theirs.length && ours.every((line, k) => line === theirs[k])) {
    // Each entry before the prose line it preceded on a side (the earlier one where the sides differ).
    const gap = new Map<string, number>();
    for (const section of [region.ours, region.theirs]) {
      let at = 0;
      for (const line of section) {
        const key = holeOf(line, names);
        if (key === null) at++;
        else if (eols.has(key)) gap.set(key, Math.min(gap.get(key) ?? at, at));
      }
    }
    const before = ours.map((): Slot[] => []);
    const last: Slot[] = [];
    for (const key of keys) (before[gap.get(key) ?? ours.length] ?? last).push(slot(key));
    return { slots: [...ours.flatMap((line, k) => [...before[k]!, line]), ...last], conflict: false };
  }
  let pre = 0;
  let suf = 0;
  if (style() !== 'diff3') {
    while (pre < ours.length && pre < theirs.length && ours[pre] === theirs[pre]) pre++;
    while (suf < ours.length - pre && suf < theirs.length - pre && ours[ours.length - 1 - suf] === theirs[theirs.length - 1 - suf]) suf++;
  }
  const slots: Slot[] = [...ours.slice(0, pre), region.open, ...ours.slice(pre, ours.length - suf)];
  if (region.base) slots.push(region.base.marker, ...prose(region.base.lines));
  slots.push(region.separator, ...theirs.slice(pre, theirs.length - suf), region.close, ...ours.slice(ours.length - suf), ...keys.map(slot));
  return { slots, conflict: true };
}

/**
 * The entries a region held, in one order from either side: the order both sides give them where
 * they agree, the type's sort order (then identity) where they do not or where nothing orders two.
 */
function mergeOrders(sequences: ReadonlyArray<readonly string[]>, sortKeyOf: SortKeyOf): string[] {
  const byRank = [...new Set(sequences.flat())]
    .map((key) => ({ key, sort: sortKeyOf(key) }))
    .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) => k.key);
  const rank = new Map(byRank.map((key, r) => [key, r]));
  const after = byRank.map((): number[] => []);
  const waiting = byRank.map(() => 0);
  for (const sequence of sequences) {
    const ranks = [...new Set(sequence)].map((key) => rank.get(key)!);
    for (let k = 1; k < ranks.length; k++) {
      after[ranks[k - 1]!]!.push(ranks[k]!);
      waiting[ranks[k]!]!++;
    }
  }
  const done = byRank.map(() => false);
  // Ranks whose predecessors are all out, lowest first.
  const ready = waiting.flatMap((n, r) => (n === 0 ? [r] : []));
  const out: string[] = [];
  let lowest = 0;
  while (out.length < byRank.length) {
    let r = ready.shift();
    if (r === undefined) {
      // The sides order some entries differently: the sort order decides between them.
      while (done[lowest]) lowest++;
      r = lowest;
    }
    if (done[r]) continue;
    done[r] = true;
    out.push(byRank[r]!);
    for (const s of after[r]!) {
      if (--waiting[s]! !== 0 || done[s]) continue;
      let at = 0;
      while (at < ready.length && ready[at]! < s) at++;
      ready.splice(at, 0, s);
    }
  }
  return out;
}

function fill(
  skeleton: string,
  merged: ReadonlyMap<string, Entry>,
  entryConflicts: ReadonlyMap<string, Conflict>,
  sides: readonly Skeleton[],
  sortKeyOf: SortKeyOf,
  names: Names,
  opts: MergeOptions,
  order?: { sortKey: (key: string) => string; orderable: (key: string) => boolean },
  folds?: ReadonlyArray<readonly [string, string]>,
  /** Whether the skeleton holds the Markdown merge's conflict markers (at the skeleton's marker size). */
  markers = false,
): { text: string; putBack: boolean; conflicts: number; settled: number } | undefined {
  const markerSize = opts.markerSize;
  const labels = opts.labels ?? (['ours', 'base', 'theirs'] as const);
  const style = styleOnce(opts.conflictStyle);
  // The line ending git gives the lines of a conflict at the end of a file without a final newline.
  const fileEol = /\r?\n/.exec(skeleton)?.[0] ?? '\n';
  // Without a line ending where the entry's line had none; the end of fill gives the closing marker one.
  const render = (key: string, entry: Entry, eol: string): string => {
    const conflict = entryConflicts.get(key);
    if (!conflict) return entryContent(entry)! + eol;
    const nl = eol || fileEol;
    const base = conflict.base ? `${entryContent(conflict.base)}${nl}` : '';
    const region = conflictRegion(markerSize, labels, nl, style(), `${entryContent(conflict.ours)}${nl}`, base, `${entryContent(conflict.theirs)}${nl}`);
    return eol ? region : region.slice(0, -nl.length);
  };
  const pieces = markers ? readConflicts(splitLines(skeleton), markerSize) : splitLines(skeleton);
  // An entry goes where a placeholder outside every conflict names it (the first one, if several do).
  const outside = new Set<string>();
  for (const piece of pieces) {
    const key = typeof piece === 'string' ? holeOf(piece, names) : null;
    if (key !== null) outside.add(key);
  }
  const placed = new Set<string>();
  const out: OutLine[] = [];
  let conflicts = 0;
  let settled = 0;
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      const keep = (key: string): boolean => merged.has(key) && !outside.has(key) && !placed.has(key);
      const { slots, conflict } = regionSlots(piece, keep, sortKeyOf, style, names);
      if (conflict) conflicts++;
      else settled++;
      for (const slot of slots) {
        if (typeof slot === 'string') {
          out.push({ text: slot });
          continue;
        }
        out.push({ text: render(slot.key, merged.get(slot.key)!, slot.eol), key: slot.key });
        placed.add(slot.key);
      }
      continue;
    }
    const line = piece;
    const key = holeOf(line, names);
    if (key === null) {
      // A folded run of an ordered type sorts as one item, by its first entry.
      out.push(folds && line.startsWith(FOLD) ? { text: line, key: lineBody(line) } : { text: line });
      continue;
    }
    const entry = merged.get(key);
    if (!entry || placed.has(key)) continue;
    placed.add(key);
    out.push({ text: render(key, entry, lineEnding(line)), key });
  }
  // An entry one side changed while the other removed it is kept by the entry merge, but the skeleton
  // merge dropped its line: put it back after its nearest surviving predecessor on the side that kept
  // it (only one side can have kept it, so the place does not depend on the side).
  let putBack = false;
  for (const [key, entry] of merged) {
    if (placed.has(key)) continue;
    putBack = true;
    const side = sides.find((s) => s.entries.has(key));
    const { before, after } = side ? neighboursIn(side, key, placed) : {};
    let at: number;
    if (after !== undefined) at = out.findIndex((l) => l.key === after) + 1;
    else if (before !== undefined) at = out.findIndex((l) => l.key === before);
    else at = out.findLastIndex((l) => l.key !== undefined) + 1 || out.length;
    insertLine(out, at, render(key, entry, ''), key);
    placed.add(key);
  }
  if (order && folds) {
    const range = (key: string): readonly [string, string] => {
      if (key.startsWith(FOLD)) return folds[Number(key.slice(1))]!;
      const sort = order.sortKey(key);
      return [sort, sort];
    };
    const foldOrder = {
      sortKey: (key: string) => range(key)[0],
      orderable: (key: string) => key.startsWith(FOLD) || order.orderable(key),
    };
    sortRuns(out, foldOrder);
    // Sorted as whole runs, the result is the unfolded merge's only where no entry falls inside the
    // range of a folded run next to it; otherwise the merge unfolds.
    for (let k = 1; k < out.length; k++) {
      const [a, b] = [out[k - 1]!.key, out[k]!.key];
      if (a === undefined || b === undefined || !(a.startsWith(FOLD) || b.startsWith(FOLD))) continue;
      if (!foldOrder.orderable(a) || !foldOrder.orderable(b) || !(range(a)[1] < range(b)[0])) return undefined;
    }
  } else if (order) sortRuns(out, order);
  // git ends the closing marker line with a line ending even where the file ends without one (its
  // merge of the sides' last lines has none to keep): a conflict ends the file the same way here.
  const last = out[out.length - 1];
  if (last?.key !== undefined && entryConflicts.has(last.key) && lineEnding(last.text) === '') last.text += fileEol;
  return { text: out.map((l) => l.text).join(''), putBack, conflicts, settled };
}

/** Orders every run of consecutive orderable entries by sort key; line endings stay with their positions. */
function sortRuns(out: OutLine[], order: { sortKey: (key: string) => string; orderable: (key: string) => boolean }): void {
  let start = 0;
  while (start < out.length) {
    if (out[start]!.key === undefined) {
      start++;
      continue;
    }
    let end = start;
    while (end < out.length && out[end]!.key !== undefined) end++;
    const run = out.slice(start, end);
    if (!run.every((l) => order.orderable(l.key!))) {
      start = end;
      continue;
    }
    const endings = run.map((l) => lineEnding(l.text));
    const sorted = run
      .map((l) => ({ key: l.key!, text: l.text.slice(0, l.text.length - lineEnding(l.text).length), sort: order.sortKey(l.key!) }))
      .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    sorted.forEach((l, i) => {
      out[start + i] = { text: l.text + endings[i]!, key: l.key };
    });
    start = end;
  }
}

/** The nearest entries around `key` on one side that are already in the output. */
function neighboursIn(side: Skeleton, key: string, placed: ReadonlySet<string>): { after?: string; before?: string } {
  const keys = [...side.entries.keys()];
  const at = keys.indexOf(key);
  const after = keys.slice(0, at).reverse().find((k) => placed.has(k));
  const before = keys.slice(at + 1).find((k) => placed.has(k));
  return { ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) };
}

/** Inserts `text` as the line at position `at`, keeping line endings sound. */
function insertLine(out: OutLine[], at: number, text: string, key: string): void {
  const eol = out.map((l) => lineEnding(l.text)).find((e) => e !== '') ?? '\n';
  const previous = out[at - 1];
  // Put at the end, the line takes over how the file ended: with a line ending or, where the last
  // line had none, without one (that line gets one now).
  const last = at >= out.length && previous !== undefined && lineEnding(previous.text) === '';
  if (last) previous.text += eol;
  out.splice(at, 0, { text: text + (last ? '' : eol), key });
}

/** The same entries, whatever order repeats of one identity came in. */
function sameEntries(a: ReadonlyMap<string, Entry>, b: ReadonlyMap<string, Entry>): boolean {
  if (a.size !== b.size) return false;
  let exact = true;
  for (const [key, entry] of a) {
    if (entryContent(b.get(key)) !== entryContent(entry)) {
      exact = false;
      break;
    }
  }
  if (exact) return true;
  const grouped = (m: ReadonlyMap<string, Entry>): string[] =>
    [...m].map(([key, entry]) => `${key.split(REPEAT)[0]}\u0000${entryContent(entry)}`).sort();
  const [x, y] = [grouped(a), grouped(b)];
  return x.every((value, i) => value === y[i]);
}

/** Files longer than this (in lines) fold their unchanged runs before the merge (see fold.ts). */
const FOLD_ABOVE_LINES = 1000;
const MIN_RUN = 4;

export async function mergeTyped(
  type: EntryType,
  base: string,
  ours: string,
  theirs: string,
  opts: MergeOptions,
  loadProseMerge: () => Promise<ProseMerge>,
): Promise<MergeResult> {
  // Placeholders are private-use characters; a file that already holds them merges by lines.
  if ([base, ours, theirs].some((text) => text.includes(HOLE))) {
    return fallbackLineMerge(opts.lineMerge, base, ours, theirs, opts, 'fallback:private-use-character');
  }
  const cache: LineCache = new Map();
  const texts: [string, string, string] = [base, ours, theirs];
  const foldAbove = opts.foldAbove ?? FOLD_ABOVE_LINES;
  const spec = type.fold ?? (type.foldTags ? tagFold(type.foldTags) : undefined);
  if (spec && moreLinesThan(base, foldAbove)) {
    const folded = foldedParse(texts, spec, cache);
    if (folded) {
      const result = await mergeParsed(type, folded.texts, folded.docs, opts, loadProseMerge, cache, folded);
      const text = !result || result.method.startsWith('fallback:') ? undefined : unfoldExactly(result.text, folded.runs);
      if (result && text !== undefined) return { ...result, text, method: `${result.method}+fold` };
    }
  }
  const docs = texts.map((text) => parseDoc(text, cache)) as [Doc, Doc, Doc];
  return (await mergeParsed(type, texts, docs, opts, loadProseMerge, cache, undefined))!;
}

/** Whether `text` has more than `n` lines (counted no further than that). */
function moreLinesThan(text: string, n: number): boolean {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && count <= n; at = text.indexOf('\n', at + 1)) count++;
  return count > n;
}

/**
 * The three versions with their stable runs folded, parsed, and with every run unfolded again that
 * holds an entry sharing a fold key with an entry the merge sees (until none does). Undefined when
 * nothing is worth folding.
 */
function foldedParse(texts: [string, string, string], spec: FoldSpec, cache: LineCache): Folded | undefined {
  // An ordered type's merge keeps line endings with their positions as it sorts, and a folded run keeps
  // its own: the two differ where a version mixes CRLF and LF lines.
  if (spec.runOrder && texts.some(mixedLineEndings)) return undefined;
  const v = versions(texts);
  let runs = stableRuns(v, spec, MIN_RUN);
  const reader = spec.needle ? new KeyReader(v, spec) : undefined;
  for (let round = 0; round < 4 && runs.length > 0; round++) {
    const folded = fold(v, runs);
    const docs = folded.map((text) => parseDoc(text, cache)) as [Doc, Doc, Doc];
    const visible = new Set<FoldKey>();
    for (const doc of docs) {
      const entries = entriesOf(doc);
      for (let e = 0; e < entries.length; e++) {
        const keys = spec.entryKeys(entries[e]!);
        if (keys === 'unsafe') return undefined;
        for (let k = 0; k < keys.length; k++) visible.add(keys[k]!);
      }
    }
    // Lines taken out of the runs become entries the merge sees, whose keys take out more: settle
    // that on the keys alone, then parse once more to confirm.
    let kept = runs;
    for (let grown = true; grown; ) {
      const before = visible.size;
      kept = withoutKeys(
        kept,
        visible,
        (keys) => {
          const n = Math.min(keys.length, spec.entryKeysOfLine ?? keys.length);
          for (let k = 0; k < n; k++) visible.add(keys[k]!);
        },
        reader,
      );
      grown = visible.size > before;
    }
    if (kept.length === runs.length && kept.every((run, n) => run === runs[n])) {
      if (spec.distinct && !distinctHidden(runs, spec)) return undefined;
      const order = spec.runOrder ? runs.map((run) => spec.runOrder!(run.lines, run.keys!)) : undefined;
      if (order?.some((o) => o === undefined)) return undefined;
      return { texts: folded, docs, runs, order: order as ReadonlyArray<readonly [string, string]> | undefined };
    }
    runs = kept;
  }
  return undefined;
}

function mixedLineEndings(text: string): boolean {
  return text.includes('\r\n') && /(?:^|[^\r])\n/.test(text);
}

/** Whether no two hidden entries share an entry key (a broken file may hold two tasks with one seq). */
function distinctHidden(runs: readonly Run[], spec: FoldSpec): boolean {
  const seen = new Set<FoldKey>();
  for (let r = 0; r < runs.length; r++) {
    const lines = runs[r]!.keys!;
    for (let q = 0; q < lines.length; q++) {
      const keys = lines[q]!;
      const n = Math.min(keys.length, spec.entryKeysOfLine ?? keys.length);
      for (let k = 0; k < n; k++) {
        if (seen.has(keys[k]!)) return false;
        seen.add(keys[k]!);
      }
    }
  }
  return true;
}

interface Folded {
  readonly texts: [string, string, string];
  readonly docs: [Doc, Doc, Doc];
  readonly runs: readonly Run[];
  /** For ordered types, each run's first and last sort keys. */
  readonly order: ReadonlyArray<readonly [string, string]> | undefined;
}

/** The text with its runs back, or undefined unless each placeholder is there exactly once. */
function unfoldExactly(text: string, runs: readonly Run[]): string | undefined {
  const seen = new Array<number>(runs.length).fill(0);
  for (const m of text.matchAll(/\uE001(\d+)\r?\n/g)) seen[Number(m[1])] = (seen[Number(m[1])] ?? 0) + 1;
  if (seen.some((n) => n !== 1) || seen.length !== runs.length) return undefined;
  return unfold(text, runs);
}

async function mergeParsed(
  type: EntryType,
  [base, ours, theirs]: [string, string, string],
  docs: [Doc, Doc, Doc],
  opts: MergeOptions,
  loadProseMerge: () => Promise<ProseMerge>,
  cache: LineCache,
  folded: Folded | undefined,
): Promise<MergeResult | undefined> {
  const indexes = docs.map((doc) => indexOf(type, doc)) as [Map<string, Entry>, Map<string, Entry>, Map<string, Entry>];
  type.align?.(indexes);
  const { entries: merged, conflicts: entryConflicts } = mergeKeyed(type, ...indexes, folded?.runs);
  // The merged entry where there is one, so an identity sorts the same whichever version named it. An
  // entry conflict has no merged version (the entries map holds ours): it sorts by the smaller of its
  // sides' keys, so where it lands does not depend on which side is ours.
  const sortKeyOf: SortKeyOf = (key) => {
    const conflict = entryConflicts.get(key);
    if (conflict) {
      const [x, y] = [type.sortKey(conflict.ours), type.sortKey(conflict.theirs)];
      return x < y ? x : y;
    }
    return type.sortKey(merged.get(key) ?? indexes[0].get(key) ?? indexes[1].get(key) ?? indexes[2].get(key)!);
  };
  const names = namesFor(indexes);
  const [b, o, t] = docs.map((doc, i) => skeletonOf(doc, indexes[i]!, sortKeyOf, names)) as [Skeleton, Skeleton, Skeleton];
  if (folded && (movesAcrossRuns(b.text, o.text) || movesAcrossRuns(b.text, t.text))) return undefined;

  let skeleton = trivialSkeletonMerge(b.text, o.text, t.text, sortKeyOf, names);
  if (skeleton === null) {
    const internal = opts.lineMerge({ base: b.text, ours: o.text, theirs: t.text, markerSize: SKELETON_MARKER });
    skeleton = internal.conflicts === 0 ? internal.text : settleEntryHunks(internal.text, /\n$/.test(o.text) || /\n$/.test(t.text), sortKeyOf, names);
  }
  let conflicts = 0;
  let method = `typed:${type.name}`;
  if (skeleton === null) {
    // The Markdown merge reads the prose around entries; folded runs would read differently to it.
    if (folded) return undefined;
    const proseMerge = await loadProseMerge();
    // Entries written against a paragraph the other side rewrote are appends, not one change with it.
    // Its markers are the skeleton's own, resized as the entries are taken out of its conflicts.
    const prose = proseMerge(b.text, o.text, t.text, { ...opts, markerSize: SKELETON_MARKER }, { entry: (text) => text.includes(HOLE) });
    if (prose.conflicts > 0 && [b.text, o.text, t.text].some((text) => SKELETON_MARKER_LINE.test(text))) {
      return fallbackLineMerge(opts.lineMerge, base, ours, theirs, opts, 'fallback:marker-like-line');
    }
    skeleton = prose.text;
    conflicts = prose.conflicts;
    method += `+${prose.method}`;
  }
  const orderable = type.orderable;
  const order = orderable ? { sortKey: sortKeyOf, orderable: (key: string) => orderable(merged.get(key)!) } : undefined;
  const filled = fill(skeleton, merged, entryConflicts, [o, t], sortKeyOf, names, opts, order, folded?.order, conflicts > 0);
  // Where an entry goes back depends on its neighbours on one side, which folding may have hidden.
  if (filled === undefined || (filled.putBack && folded)) return undefined;
  let { text } = filled;
  // Regions left with nothing to decide once their entries were out are no conflicts any more; the
  // rest are counted as written (git's own count stops at 127).
  if (filled.settled > 0) conflicts = Math.max(filled.conflicts, conflicts - filled.settled);
  conflicts += entryConflicts.size;
  if (conflicts > 0) return { text, conflicts, method };
  // The Markdown merge ends a text with conflicts with a line ending. With every region settled, the
  // file lacks it again where neither side had one, as settleEntryHunks writes it.
  if (filled.settled > 0 && !/\n$/.test(o.text) && !/\n$/.test(t.text)) text = text.replace(/\r?\n$/, '');

  // Check before writing: what we rendered must read back as exactly the entries we merged.
  const reread = indexEntries(type, entriesOf(parseDoc(text, cache)));
  if (sameEntries(reread, merged)) return { text, conflicts: 0, method };
  return fallbackLineMerge(opts.lineMerge, base, ours, theirs, opts, `fallback:${type.name}-verify`);
}

/**
 * Whether a side holds a line of the skeleton in another stretch between folded runs than base does
 * (fewer copies in one stretch, more in another: a side moved it across a run). git aligns such a move
 * by its cost, and a run costs one line folded but all its lines whole, so the two merges can place the
 * move differently: such a merge is not folded.
 */
function movesAcrossRuns(base: string, side: string): boolean {
  // Per line, per stretch: copies on the side minus copies in base.
  const delta = new Map<string, Map<number, number>>();
  const count = (text: string, by: number): void => {
    let stretch = 0;
    for (const line of splitLines(text)) {
      if (line.startsWith(FOLD)) {
        stretch++;
        continue;
      }
      let per = delta.get(line);
      if (!per) delta.set(line, (per = new Map()));
      per.set(stretch, (per.get(stretch) ?? 0) + by);
    }
  };
  count(base, -1);
  count(side, 1);
  for (const per of delta.values()) {
    const changes = [...per.values()];
    if (changes.some((d) => d < 0) && changes.some((d) => d > 0)) return true;
  }
  return false;
}

export function fallbackLineMerge(
  lineMerge: LineMerge,
  base: string,
  ours: string,
  theirs: string,
  opts: MergeOptions,
  method: string,
): MergeResult {
  const result = lineMerge({ base, ours, theirs, markerSize: opts.markerSize, ...(opts.labels ? { labels: opts.labels } : {}) });
  return { text: result.text, conflicts: result.conflicts, method };
}
