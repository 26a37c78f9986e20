/**
 * The generic Markdown three-way merge: git's line merge first; only where that conflicts, a merge over
 * Markdown blocks that keeps both sides' concurrent insertions in a deterministic, symmetric order.
 *
 * Pipeline: line merge → split blocks → match (per side against the base) → cluster overlapping changes
 * → resolve each cluster → render → verify (re-split and compare) → result, or git's conflicted text.
 */
import { hasMarkdownConflict } from '../check/markers.js';
import type { MergeOptions, MergeResult } from '../result.js';
import { sections, splitBlocks, splitLines, type Block } from './blocks.js';
import { type ConflictStyle, conflictRegion, styleOnce } from './conflict-style.js';
import { diff3, matchTokens } from './diff3.js';
import { compareItems, isSorted, linkTarget, listItems, mergeSorted, related, restyleItem, sameEntry } from './lists.js';

export { splitBlocks, splitLines, type Block } from './blocks.js';
export { diff3, diffHunks, matchTokens, type Diff3Chunk } from './diff3.js';

const DEFAULT_LABELS = ['ours', 'base', 'theirs'] as const;

/** Choices where the corpus and the contract pull apart; the defaults follow the SPEC. */
export interface MarkdownTuning {
  /**
   * Concurrent insertions at one place with no order in the document (not a sorted list): `order`
   * keeps both in a symmetric order (SPEC: concurrent appends never conflict); `conflict` leaves them
   * to a person, who would usually have put the first parent's first.
   */
  readonly unordered: 'order' | 'conflict';
  /**
   * Lines that stand for a typed file's entries (the placeholders of its skeleton): one written against
   * a paragraph the other side rewrote is an append (SPEC: concurrent appends never conflict), never one
   * change with it, as prose written there is.
   */
  readonly entry?: (text: string) => boolean;
}

export const DEFAULT_TUNING: MarkdownTuning = { unordered: 'order' };

export function mergeMarkdown(
  base: string,
  ours: string,
  theirs: string,
  opts: MergeOptions,
  given: Partial<MarkdownTuning> = {},
): MergeResult {
  const tuning: MarkdownTuning = { ...DEFAULT_TUNING, ...given };
  const labels = opts.labels ?? DEFAULT_LABELS;
  const line = opts.lineMerge({ base, ours, theirs, markerSize: opts.markerSize, labels });
  if (line.conflicts === 0) return { text: line.text, conflicts: 0, method: 'line' };
  const fallback: MergeResult = { text: line.text, conflicts: line.conflicts, method: 'fallback:line' };
  // A virtual merge base (criss-cross) or a side with markers is beyond a structural merge.
  if ([base, ours, theirs].some(hasConflictMarkers)) return fallback;
  const { prefix, middle, suffix } = trimCommonSections(base, ours, theirs);
  // Markdown parsing is superlinear on some shapes (long runs of brackets): past these sizes a person
  // resolves git's conflicts rather than waiting on the parser.
  if (middle.some((text) => text.length > MAX_BLOCK_MERGE_BYTES || hasLongLine(text))) return { ...fallback, method: 'fallback:too-large' };
  let merged: MergeResult | undefined;
  try {
    merged = mergeBlocks(middle[0], middle[1], middle[2], opts.markerSize, labels, tuning, opts.conflictStyle);
  } catch {
    return fallback;
  }
  return merged ? { ...merged, text: prefix + merged.text + suffix } : fallback;
}

const MAX_BLOCK_MERGE_BYTES = 4 * 1024 * 1024;
const MAX_LINE = 20_000;
const MAX_BRACKETS_PER_LINE = 500;

/** A line too long, or with too many brackets, for micromark's inline parsing to stay fast. */
function hasLongLine(text: string): boolean {
  let start = 0;
  for (let nl = text.indexOf('\n'); ; nl = text.indexOf('\n', start)) {
    const end = nl === -1 ? text.length : nl;
    if (end - start > MAX_LINE) return true;
    if (end - start > MAX_BRACKETS_PER_LINE) {
      let brackets = 0;
      for (let i = text.indexOf('[', start); i !== -1 && i < end; i = text.indexOf('[', i + 1)) {
        if (++brackets > MAX_BRACKETS_PER_LINE) return true;
      }
    }
    if (nl === -1) return false;
    start = nl + 1;
  }
}

/**
 * Splits off the leading and trailing sections (cut before ATX headings) that all three versions share
 * byte for byte: nothing in them changed, lists never cross a heading, so the block merge of the rest
 * gives the same result — and a large notes file is not parsed whole for a conflict in one section.
 */
function trimCommonSections(base: string, ours: string, theirs: string): { prefix: string; middle: [string, string, string]; suffix: string } {
  const split = (text: string): string[] => {
    const lines = splitLines(text);
    return sections(lines).map(([from, to]) => lines.slice(from, to).join(''));
  };
  const [b, o, t] = [split(base), split(ours), split(theirs)];
  const limit = Math.min(b.length, o.length, t.length);
  let head = 0;
  while (head < limit - 1 && b[head] === o[head] && b[head] === t[head]) head++;
  let tail = 0;
  while (tail < limit - head - 1 && b[b.length - 1 - tail] === o[o.length - 1 - tail] && b[b.length - 1 - tail] === t[t.length - 1 - tail]) tail++;
  const mid = (parts: string[]): string => parts.slice(head, parts.length - tail).join('');
  return { prefix: b.slice(0, head).join(''), middle: [mid(b), mid(o), mid(t)], suffix: tail > 0 ? b.slice(b.length - tail).join('') : '' };
}

function hasConflictMarkers(text: string): boolean {
  return /^(?:<{7}|>{7})(?: |\r?$)/m.test(text) && hasMarkdownConflict(text);
}

// ---------------------------------------------------------------------------------------------------
// Documents

interface Doc {
  readonly blocks: Block[];
  readonly finalNewline: boolean;
  readonly eol: string;
  /** The version's last line, without its line ending. */
  readonly lastLine: string;
}

/** Splits a version into blocks; a missing final newline is added here and restored after the merge. */
function readDoc(text: string): Doc {
  const eol = /^[^\n]*\r\n/.test(text) ? '\r\n' : '\n';
  const finalNewline = text.length === 0 || text.endsWith('\n');
  return { blocks: splitBlocks(finalNewline ? text : text + eol), finalNewline, eol, lastLine: lastLineOf(text) };
}

function lastLineOf(text: string): string {
  const body = text.replace(/\r?\n$/, '');
  return body.slice(body.lastIndexOf('\n') + 1);
}

/** What the block diff compares: trailing spaces, line endings and the bullet character do not count. */
function blockKey(b: Block): string {
  if (b.kind === 'blank') return 'blank';
  let t = b.text.replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '');
  if (b.kind === 'listItem') t = t.replace(/^([ \t]*)[-*+](?=[ \t\n])/, '$1-');
  return b.kind + ':' + t;
}

// ---------------------------------------------------------------------------------------------------
// Regions: what one side did to a range of base blocks

interface Region {
  readonly side: 0 | 1;
  /** Base blocks [b0, b1) replaced by `blocks`; b0 === b1 is an insertion before base block b0. */
  readonly b0: number;
  readonly b1: number;
  readonly blocks: readonly Block[];
  /** Set on both halves of a replacement `splitReplacement` took apart: the region it came from. */
  readonly split?: Region;
}

function sideRegions(
  side: 0 | 1,
  base: readonly Block[],
  mine: readonly Block[],
): { regions: Region[]; counterparts: Array<Block | undefined> } {
  const pairs = matchTokens(base.map(blockKey), mine.map(blockKey));
  const counterparts: Array<Block | undefined> = base.map(() => undefined);
  for (const [pi, pj] of pairs) counterparts[pi] = mine[pj];
  const out: Region[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [base.length, mine.length] as const]) {
    if (pi > i || pj > j) out.push(...splitReplacement({ side, b0: i, b1: pi, blocks: mine.slice(j, pj) }, base));
    if (pi < base.length && base[pi]!.text !== mine[pj]!.text) out.push({ side, b0: pi, b1: pi + 1, blocks: [mine[pj]!] });
    i = pi + 1;
    j = pj + 1;
  }
  return { regions: out, counterparts };
}

/**
 * List items (and headings) replaced by ones that are other entries (no shared link, key or most
 * words) were removed and others added: a concurrent removal of the old ones then agrees instead of
 * conflicting with an "edit".
 */
function splitReplacement(r: Region, base: readonly Block[]): Region[] {
  if (r.b0 === r.b1 || r.blocks.length === 0) return [r];
  const old = base.slice(r.b0, r.b1);
  const entries = (bs: readonly Block[]): boolean =>
    bs.every((b) => b.kind === 'listItem' || b.kind === 'heading' || b.kind === 'blank');
  if (!entries(old) || !entries(r.blocks)) return [r];
  const edited = r.blocks.some(
    (n) => n.kind !== 'blank' && old.some((o) => o.kind === n.kind && related(o.text, n.text)),
  );
  if (edited) return [r];
  return [
    { side: r.side, b0: r.b0, b1: r.b0, blocks: r.blocks, split: r },
    { side: r.side, b0: r.b0, b1: r.b1, blocks: [], split: r },
  ];
}

/**
 * Both sides replaced one base block with something else (a heading renamed two ways, one item
 * rewritten two ways): taken apart, the two removals would agree and both new versions would be kept
 * side by side. Such replacements are put back together, so they meet as one block edited twice: a
 * conflict. A replacement the other side did not also replace stays apart (its removal may agree
 * with the other side's).
 */
function rejoinDoubleReplacements(ours: Region[], theirs: Region[], base: readonly Block[]): Region[] {
  // A blank line both sides filled is two insertions at one place, not one block edited twice.
  const replaced = (rs: readonly Region[]): Set<number> => {
    const out = new Set<number>();
    for (const r of rs) if (r.split && r.b1 > r.b0) for (let k = r.b0; k < r.b1; k++) if (base[k]!.kind !== 'blank') out.add(k);
    return out;
  };
  const [o, t] = [replaced(ours), replaced(theirs)];
  const both = (r: Region): boolean => {
    for (let k = r.b0; k < r.b1; k++) if (o.has(k) && t.has(k)) return true;
    return false;
  };
  const rejoin = (rs: Region[]): Region[] => {
    const whole = new Set(rs.filter((r) => r.split && both(r.split)).map((r) => r.split!));
    return [...rs.filter((r) => !r.split || !whole.has(r.split)), ...whole];
  };
  return [...rejoin(ours), ...rejoin(theirs)];
}

/**
 * Whether both sides added the same link (one entry) in different words, wherever they put it: a
 * person has to pick one, so the merge leaves it to git's conflict. What counts as added: each new
 * list item's first line, and each new line that starts with a link, bulleted or not (a line typed
 * under an item is a lazy continuation of it, yet one side's entry all the same).
 */
function addedTwice(ours: readonly Region[], theirs: readonly Region[], base: readonly Block[]): boolean {
  // Per link, what a side added with it: whole new items, and new lines that start with it.
  const added = (rs: readonly Region[]): Map<string, Set<string>> => {
    const m = new Map<string, Set<string>>();
    const note = (url: string | undefined, text: string): void => {
      if (url) m.set(url, (m.get(url) ?? new Set()).add(text));
    };
    for (const r of rs) {
      const old = new Map<string, number>();
      for (const b of base.slice(r.b0, r.b1)) for (const line of b.text.split('\n')) old.set(line, (old.get(line) ?? 0) + 1);
      for (const b of r.blocks) {
        if (b.kind === 'listItem') note(linkTarget(b.text), b.text);
        for (const line of b.text.split('\n')) {
          const left = old.get(line) ?? 0;
          if (left > 0) old.set(line, left - 1);
          else if (ENTRY_LINE.test(line)) note(linkTarget(line), line.trimEnd());
        }
      }
    }
    return m;
  };
  const a = added(ours);
  for (const [url, texts] of added(theirs)) {
    const mine = a.get(url);
    if (mine !== undefined && (mine.size !== texts.size || [...texts].some((t) => !mine.has(t)))) return true;
  }
  return false;
}

/** A line that starts with a link, after an optional list marker. */
const ENTRY_LINE = /^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?\[[^\]\n]*\]\(/;

/** Two changes overlap when they share a base block, or insert at the same place. */
function overlaps(a: Region, b: Region): boolean {
  const aIns = a.b0 === a.b1;
  const bIns = b.b0 === b.b1;
  if (aIns && bIns) return a.b0 === b.b0;
  if (aIns) return b.b0 < a.b0 && a.b0 < b.b1;
  if (bIns) return a.b0 < b.b0 && b.b0 < a.b1;
  return a.b0 < b.b1 && b.b0 < a.b1;
}

/**
 * A block of text rewritten on one side while the other side wrote something directly against it (no
 * blank line between): the insertion may depend on the words it was written next to — a placeholder
 * the other side filled in, a sentence it continued — so both meet as one change.
 */
function abuts(a: Region, b: Region, base: readonly Block[], entry: ((text: string) => boolean) | undefined): boolean {
  if (a.side === b.side) return false;
  const check = (edit: Region, ins: Region): boolean => {
    if (edit.b1 !== edit.b0 + 1 || edit.blocks.length === 0 || ins.b0 !== ins.b1) return false;
    if (ins.b0 !== edit.b0 && ins.b0 !== edit.b1) return false;
    const old = base[edit.b0]!;
    if (!ABUT_KINDS.has(old.kind)) return false;
    const first = ins.blocks[0];
    const last = ins.blocks[ins.blocks.length - 1];
    const touching = ins.b0 === edit.b1 ? first : last;
    return touching !== undefined && touching.kind !== 'blank' && !entry?.(touching.text);
  };
  return check(a, b) || check(b, a);
}

const ABUT_KINDS = new Set(['paragraph', 'html', 'other']);

interface Cluster {
  readonly lo: number;
  readonly hi: number;
  readonly regions: Region[];
}

function clusterRegions(regions: Region[], base: readonly Block[], entry?: (text: string) => boolean): Cluster[] {
  const sorted = [...regions].sort((x, y) => x.b0 - y.b0 || x.b1 - y.b1 || x.side - y.side);
  const parent = sorted.map((_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]!]!;
    return k;
  };
  for (let a = 0; a < sorted.length; a++) {
    for (let b = a + 1; b < sorted.length && sorted[b]!.b0 <= sorted[a]!.b1; b++) {
      if (overlaps(sorted[a]!, sorted[b]!) || abuts(sorted[a]!, sorted[b]!, base, entry)) parent[find(b)] = find(a);
    }
  }
  const groups = new Map<number, Region[]>();
  sorted.forEach((r, k) => {
    const root = find(k);
    const g = groups.get(root);
    if (g) g.push(r);
    else groups.set(root, [r]);
  });
  return [...groups.values()]
    .map((rs) => ({ lo: Math.min(...rs.map((r) => r.b0)), hi: Math.max(...rs.map((r) => r.b1)), regions: rs }))
    .sort((x, y) => x.lo - y.lo || x.hi - y.hi);
}

// ---------------------------------------------------------------------------------------------------
// Output pieces

/** A piece of the merged text: a known block (checked after rendering) or opaque merged lines. */
type Piece =
  | { readonly type: 'block'; readonly block: Block; readonly text: string }
  | { readonly type: 'lines'; readonly text: string }
  | { readonly type: 'conflict'; readonly text: string };

const blockPiece = (block: Block, text = block.text): Piece => ({ type: 'block', block, text });

interface Context {
  readonly base: Doc;
  readonly sides: readonly [Doc, Doc];
  readonly markerSize: number;
  readonly labels: readonly [string, string, string];
  readonly tuning: MarkdownTuning;
  /** merge.conflictStyle, read when the first conflict is written. */
  readonly style: () => ConflictStyle;
  /** Per side, the block matched to each base block (undefined where that side changed or removed it). */
  readonly counterparts: readonly [ReadonlyArray<Block | undefined>, ReadonlyArray<Block | undefined>];
  conflicts: number;
  /** Concurrent insertions whose order had no basis in the document (no sorted list around them). */
  unordered: number;
}

function mergeBlocks(
  baseText: string,
  oursText: string,
  theirsText: string,
  markerSize: number,
  labels: readonly [string, string, string],
  tuning: MarkdownTuning,
  conflictStyle: (() => ConflictStyle) | undefined,
): MergeResult | undefined {
  const base = readDoc(baseText);
  const ours = readDoc(oursText);
  const theirs = readDoc(theirsText);
  const o = sideRegions(0, base.blocks, ours.blocks);
  const t = sideRegions(1, base.blocks, theirs.blocks);
  const ctx: Context = {
    base,
    sides: [ours, theirs],
    markerSize,
    labels,
    tuning,
    style: styleOnce(conflictStyle),
    counterparts: [o.counterparts, t.counterparts],
    conflicts: 0,
    unordered: 0,
  };
  const regions = rejoinDoubleReplacements(o.regions, t.regions, base.blocks);
  if (addedTwice(o.regions, t.regions, base.blocks)) return undefined;
  const pieces: Piece[] = [];
  let pos = 0;
  for (const cluster of clusterRegions(regions, base.blocks, tuning.entry)) {
    for (const b of base.blocks.slice(pos, cluster.lo)) pieces.push(blockPiece(b));
    pieces.push(...resolveCluster(cluster, ctx));
    pos = Math.max(pos, cluster.hi);
  }
  for (const b of base.blocks.slice(pos)) pieces.push(blockPiece(b));

  let text = pieces.map((p) => p.text).join('');
  // A conflict region at the very end keeps the line ending of its closing marker line, as git's does;
  // a conflict elsewhere leaves the end of the file as the merge decides.
  const endsInConflict = pieces.findLast((p) => p.text !== '')?.type === 'conflict';
  if (!endsInConflict && !endsWithNewline(text, base, ours, theirs)) text = text.replace(/\r?\n$/, '');
  if (ctx.conflicts > 0) return { text, conflicts: ctx.conflicts, method: 'blocks' };
  if (!verify(pieces, text)) return undefined;
  return { text, conflicts: 0, method: ctx.unordered > 0 ? 'blocks:unordered' : 'blocks' };
}

/**
 * Whether the merge ends with a newline. A missing final newline belongs to a version's last line: where
 * the merged text ends with the last line of one side only, that side's ending is kept. A side that only
 * dropped the newline after a line the other side has since appended to does not take it from the new
 * last line. Otherwise the usual three-way pick.
 */
function endsWithNewline(text: string, base: Doc, ours: Doc, theirs: Doc): boolean {
  if (ours.finalNewline !== theirs.finalNewline) {
    const last = lastLineOf(text);
    const oursEnds = ours.lastLine === last;
    if (oursEnds !== (theirs.lastLine === last)) return oursEnds ? ours.finalNewline : theirs.finalNewline;
  }
  return pick3(base.finalNewline, ours.finalNewline, theirs.finalNewline);
}

/** A three-way merge of one value: a change on either side wins; on both, they agree or ours is kept. */
function pick3<T>(base: T, ours: T, theirs: T): T {
  if (ours === theirs) return ours;
  return ours === base ? theirs : ours;
}

function sideVersion(side: 0 | 1, cluster: Cluster, base: readonly Block[]): Block[] {
  const out: Block[] = [];
  let p = cluster.lo;
  for (const r of cluster.regions) {
    if (r.side !== side) continue;
    out.push(...base.slice(p, r.b0), ...r.blocks);
    p = r.b1;
  }
  out.push(...base.slice(p, cluster.hi));
  return out;
}

const sameTexts = (a: readonly Block[], b: readonly Block[]): boolean =>
  a.length === b.length && a.every((x, k) => x.text === b[k]!.text);

function resolveCluster(cluster: Cluster, ctx: Context): Piece[] {
  const base = ctx.base.blocks;
  const bySide = new Set(cluster.regions.map((r) => r.side));
  if (bySide.size === 1) {
    const side = bySide.has(0) ? 0 : 1;
    return sideVersion(side, cluster, base).map((b) => blockPiece(b, restyle(b, side, cluster, ctx)));
  }
  const vo = sideVersion(0, cluster, base);
  const vt = sideVersion(1, cluster, base);
  if (sameTexts(vo, vt)) return vo.map((b) => blockPiece(b));
  if (cluster.lo === cluster.hi) {
    const union = unionInsert(vo, vt, cluster.lo, ctx);
    if (union) return union.map((b) => blockPiece(b));
  }
  return lineMerge(base.slice(cluster.lo, cluster.hi), vo, vt, ctx);
}

// ---------------------------------------------------------------------------------------------------
// Concurrent insertions at the same place

/** Both sides' insertions in a symmetric order, or undefined where they look like one edit made twice. */
function unionInsert(oi: readonly Block[], ti: readonly Block[], gap: number, ctx: Context): Block[] | undefined {
  // Blocks inserted identically by both sides appear once. Within list items an identical item anchors
  // the rest; elsewhere (a boilerplate comment, a code fence) only a shared head or tail is merged,
  // since such blocks may repeat legitimately.
  const itemsOnly = [...oi, ...ti].every((b) => b.kind === 'listItem' || b.kind === 'blank');
  let pairs: Array<[number, number]>;
  if (itemsOnly) {
    const key = (side: string) => (b: Block, k: number): string =>
      b.kind === 'listItem' ? b.text : `\u0000${side}${k}`;
    pairs = matchTokens(oi.map(key('o')), ti.map(key('t')));
    // An item both sides inserted that the matching left out on both: the two sides put the same items
    // in different orders. Which one anchors is then a matter of side, and keeping both copies loses
    // nothing but duplicates the item: a person decides.
    const matchedO = new Set(pairs.map(([i]) => i));
    const matchedT = new Set(pairs.map(([, j]) => j));
    const leftO = new Set(oi.filter((b, i) => b.kind === 'listItem' && !matchedO.has(i)).map((b) => b.text));
    if (ti.some((b, j) => b.kind === 'listItem' && !matchedT.has(j) && leftO.has(b.text))) return undefined;
  } else {
    pairs = [];
    // A blank line is a separator, not content: each side's run keeps its own, except inside a shared
    // head (both started the same new section: `\n## 2026-11-28\n\n` and then each its own items).
    const same = (x: Block, y: Block): boolean => x.kind !== 'blank' && x.text === y.text;
    let h = 0;
    for (let k = 0; k < oi.length && k < ti.length && oi[k]!.text === ti[k]!.text; k++) if (oi[k]!.kind !== 'blank') h = k + 1;
    for (let k = 0; k < h; k++) pairs.push([k, k]);
    const tail: Array<[number, number]> = [];
    let a = oi.length;
    let b = ti.length;
    while (a > h && b > h && same(oi[a - 1]!, ti[b - 1]!)) tail.unshift([--a, --b]);
    pairs.push(...tail);
  }
  const out: Block[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [oi.length, ti.length] as const]) {
    const run = orderRuns(oi.slice(i, pi), ti.slice(j, pj), gap, ctx);
    if (!run) return undefined;
    out.push(...run);
    if (pi < oi.length) out.push(oi[pi]!);
    i = pi + 1;
    j = pj + 1;
  }
  return out;
}

function orderRuns(os: Block[], ts: Block[], gap: number, ctx: Context): Block[] | undefined {
  if (os.length === 0) return ts;
  if (ts.length === 0) return os;
  // The same entry added twice with different wording is one edit made two ways: a real conflict. So
  // is one front matter key given two values (two `updated:` lines would not even be YAML).
  if (os.some((o) => o.kind !== 'blank' && ts.some((t) => sameEntry(o.text, t.text)))) return undefined;
  const keys = (bs: Block[]): string[] => bs.flatMap((b) => (b.kind === 'other' ? [/^([ \t]*[\w.-]+):(?:[ \t]|\r?\n|$)/.exec(b.text)?.[1]].filter((k): k is string => k !== undefined) : []));
  const mine = new Set(keys(os));
  if (keys(ts).some((k) => mine.has(k))) return undefined;
  // Blank lines around a run separate it from its neighbours; they are not content. Two runs of list
  // items continue one list: their cores go together and the separators appear once, around both.
  const a = trimBlanks(os);
  const b = trimBlanks(ts);
  const sameList =
    a.core.length > 0 &&
    b.core.length > 0 &&
    [...a.core, ...b.core].every((x) => x.kind === 'listItem' && x.marker === a.core[0]!.marker);
  const ordered = orderCores(sameList ? a.core : os, sameList ? b.core : ts, gap, ctx);
  if (!ordered || !sameList) return ordered;
  return [...widerBlank(a.lead, b.lead), ...ordered, ...widerBlank(a.trail, b.trail)];
}

function orderCores(os: Block[], ts: Block[], gap: number, ctx: Context): Block[] | undefined {
  const base = ctx.base.blocks;
  const allItems = [...os, ...ts].every((b) => b.kind === 'listItem');
  const neighbour = allItems ? siblingAt(base, gap, Math.min(...[...os, ...ts].map((b) => b.depth))) : undefined;
  if (neighbour && isSorted(listItems(base, neighbour.list, neighbour.depth))) {
    // Items nested deeper at the head of a run continue the item above the gap: they stay first.
    const [a, b] = [entries(os, neighbour.depth), entries(ts, neighbour.depth)];
    const lead = (es: Block[][]): Block[] => (es[0] && es[0][0]!.depth > neighbour.depth ? es.shift()! : []);
    const [la, lb] = [lead(a), lead(b)];
    const join = (bs: Block[]): string => bs.map((x) => x.text).join('');
    const leads = compareItems(join(la), join(lb)) <= 0 ? [...la, ...lb] : [...lb, ...la];
    return [...leads, ...mergeSorted(a, b, (e) => e[0]!.text).flat()];
  }
  // Blank lines one side added (a separator) where the other added content: content that continues the
  // block above (no blank line of its own first: an item appended to the list) comes first, so that the
  // separator does not split it off; content that starts apart (its own blank line first: a new section)
  // comes after the separator, which stays with the block above.
  const blankOnly = (bs: Block[]): boolean => bs.every((b) => b.kind === 'blank');
  if (blankOnly(os) !== blankOnly(ts)) {
    const [blank, content] = blankOnly(os) ? [os, ts] : [ts, os];
    return content[0]!.kind === 'blank' ? [...blank, ...content] : [...content, ...blank];
  }
  if (ctx.tuning.unordered === 'conflict') return undefined;
  // What belongs to the block above comes before what starts something new: a paragraph added to a
  // section before a section the other side added after it, a nested item before a sibling item.
  const [ra, rb] = [attachment(os), attachment(ts)];
  if (ra[0] !== rb[0] || ra[1] !== rb[1]) return ra[0] < rb[0] || (ra[0] === rb[0] && ra[1] < rb[1]) ? [...os, ...ts] : [...ts, ...os];
  ctx.unordered++;
  const join = (bs: Block[]): string => bs.map((b) => b.text).join('');
  return compareItems(join(os), join(ts)) <= 0 ? [...os, ...ts] : [...ts, ...os];
}

/** A run of items cut into entries: an item at `depth` with the items nested under it, kept together. */
function entries(run: readonly Block[], depth: number): Block[][] {
  const out: Block[][] = [];
  for (const b of run) {
    const last = out[out.length - 1];
    if (last && b.depth > depth) last.push(b);
    else out.push([b]);
  }
  return out;
}

/**
 * The base list item at `depth` next to a gap: the one before it (past the items nested under it, as
 * a dated entry with its details) or the one after it.
 */
function siblingAt(base: readonly Block[], gap: number, depth: number): Block | undefined {
  for (let k = gap - 1; k >= 0 && base[k]!.kind === 'listItem' && base[k]!.depth >= depth; k--) {
    if (base[k]!.depth === depth) return base[k];
  }
  const next = base[gap];
  return next?.kind === 'listItem' && next.depth === depth ? next : undefined;
}

/**
 * How far an inserted run reaches back into what precedes it, smaller first: content (deeper indented
 * first, as it continues the item above), then headings (deeper levels first, as a subsection belongs
 * to the section above, a new section starts after it).
 */
function attachment(run: readonly Block[]): [number, number] {
  const first = run.find((b) => b.kind !== 'blank');
  if (!first) return [0, 0];
  if (first.kind === 'heading') {
    const atx = /^ {0,3}(#{1,6})(?:[ \t]|\r?\n|$)/.exec(first.text);
    const level = atx ? atx[1]!.length : /\n {0,3}=+[ \t]*\r?\n?$/.test(first.text) ? 1 : 2;
    return [1, 7 - level];
  }
  const indent = /^[ \t]*/.exec(first.text)![0].replace(/\t/g, '    ').length;
  return [0, -(first.kind === 'listItem' ? Math.max(indent, first.depth * 2) : indent)];
}

/** A run split into its leading blank lines, its content and its trailing blank lines. */
function trimBlanks(run: Block[]): { lead: Block[]; core: Block[]; trail: Block[] } {
  let i = 0;
  while (i < run.length && run[i]!.kind === 'blank') i++;
  let j = run.length;
  while (j > i && run[j - 1]!.kind === 'blank') j--;
  return { lead: run.slice(0, i), core: run.slice(i, j), trail: run.slice(j) };
}

/** Of two separators, the one with more lines (then the smaller text): symmetric in its arguments. */
function widerBlank(x: Block[], y: Block[]): Block[] {
  const lines = (bs: Block[]): number => bs.reduce((n, b) => n + b.end - b.start, 0);
  const text = (bs: Block[]): string => bs.map((b) => b.text).join('');
  if (lines(x) !== lines(y)) return lines(x) > lines(y) ? x : y;
  return text(x) <= text(y) ? x : y;
}

// ---------------------------------------------------------------------------------------------------
// Restyling: one side changed the bullets of a list, the other inserted an item in the old style

/** The text of an inserted list item, with the bullet the other side gave its neighbours. */
function restyle(block: Block, side: 0 | 1, cluster: Cluster, ctx: Context): string {
  if (block.kind !== 'listItem' || !/^[-*+]$/.test(block.marker)) return block.text;
  if (!cluster.regions.some((r) => r.blocks.includes(block))) return block.text; // not inserted here
  const base = ctx.base.blocks;
  const other = ctx.counterparts[side === 0 ? 1 : 0];
  let to: string | undefined;
  for (const k of [cluster.lo - 1, cluster.hi]) {
    const b = base[k];
    const o = other[k];
    if (!b || !o || b.kind !== 'listItem' || b.depth !== block.depth || b.marker !== block.marker) continue;
    if (o.marker === b.marker || !/^[-*+]$/.test(o.marker)) return block.text;
    if (to !== undefined && to !== o.marker) return block.text;
    to = o.marker;
  }
  return to ? restyleItem(block.text, block.marker, to) : block.text;
}

// ---------------------------------------------------------------------------------------------------
// Both sides changed the same blocks: a line merge of just that region, markers where it conflicts

function lineMerge(base: readonly Block[], vo: readonly Block[], vt: readonly Block[], ctx: Context): Piece[] {
  const join = (bs: readonly Block[]): string => bs.map((b) => b.text).join('');
  const chunks = diff3(splitLines(join(base)), splitLines(join(vo)), splitLines(join(vt)));
  const out: Piece[] = [];
  const eol = ctx.sides[0].eol;
  for (const c of chunks) {
    if (c.stable) {
      out.push({ type: 'lines', text: c.tokens.join('') });
      continue;
    }
    // The lines both sides share at the ends go outside the markers, except in diff3 style, which
    // shows the three regions whole (as git does).
    const style = ctx.style();
    let pre = 0;
    let suf = 0;
    if (style !== 'diff3') {
      while (pre < c.ours.length && pre < c.theirs.length && c.ours[pre] === c.theirs[pre]) pre++;
      while (
        suf < c.ours.length - pre &&
        suf < c.theirs.length - pre &&
        c.ours[c.ours.length - 1 - suf] === c.theirs[c.theirs.length - 1 - suf]
      )
        suf++;
    }
    if (pre > 0) out.push({ type: 'lines', text: c.ours.slice(0, pre).join('') });
    out.push({
      type: 'conflict',
      text: conflictRegion(ctx.markerSize, ctx.labels, eol, style, c.ours.slice(pre, c.ours.length - suf).join(''), c.base.join(''), c.theirs.slice(pre, c.theirs.length - suf).join('')),
    });
    ctx.conflicts++;
    if (suf > 0) out.push({ type: 'lines', text: c.ours.slice(c.ours.length - suf).join('') });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Verification: the rendered text must split into the blocks we merged

function verify(pieces: readonly Piece[], text: string): boolean {
  const blocks = splitBlocks(text);
  const exact = new Set<string>();
  const bounds = new Set<number>();
  for (const b of blocks) {
    exact.add(`${b.start}:${b.end}:${b.kind}`);
    bounds.add(b.start);
    bounds.add(b.end);
    if (b.kind === 'blank') for (let k = b.start; k <= b.end; k++) bounds.add(k);
  }
  let line = 0;
  for (const p of pieces) {
    const n = splitLines(p.text).length;
    if (p.type === 'block' && p.block.kind !== 'blank') {
      if (!exact.has(`${line}:${line + n}:${p.block.kind}`)) return false;
    } else if (n > 0 && (!bounds.has(line) || !bounds.has(line + n))) {
      return false;
    }
    line += n;
  }
  return true;
}
