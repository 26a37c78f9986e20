// Folding: a large typed file differs between its three versions in a few places (an agent's heartbeat,
// a handful of new facts), and every line that no side touched merges to itself. A run of such lines —
// the same in base, ours and theirs, in the same order — is replaced by one placeholder line before the
// typed merge and put back after it, so the merge parses and renders only what changed.
//
// This is exact only while no folded entry interacts with an entry the merge does see. Which entries
// interact is the type's to say: `foldTags` (entries whose values of these tags differ never affect each
// other's merge) or a whole `FoldSpec` (the queue: id, seq, depends, order). The caller (typed.ts) parses
// the folded versions and takes entries out of the runs until no visible entry shares a key with a
// folded one; what still depends on hidden neighbours makes it merge unfolded.
import { type Entry, eachTag, lineEnding, splitLines, tagValue, unreadRanges } from '../entries/scan.js';

/** Placeholder for a folded run: a private-use character and the run's number. */
export const FOLD = '\uE001';

/**
 * A key by which a folded line could interact with an entry the merge sees: a string, or a number where
 * a type's keys are numbers (the queue's seqs: no string to make per line of a large file, and a small
 * number is its own hash).
 */
export type FoldKey = string | number;

export interface Run {
  /** First line in base, ours and theirs. */
  readonly at: readonly [number, number, number];
  /** The run's lines, exactly. */
  readonly lines: readonly string[];
  /**
   * Per line, the keys by which it could interact with an entry the merge sees (see `FoldSpec`). Absent
   * for a spec with needles: those keys are read on demand (`KeyReader`).
   */
  readonly keys?: ReadonlyArray<readonly FoldKey[]>;
}

/** A top-level list item: a run starts at one and is followed by one, so no entry crosses its edges. */
export const TOP_ITEM = /^(?:[-*+]|\d{1,9}[.)])[ \t]/;
/** A list item at any depth, or an indented line under one: the only lines a run may hold. */
const FOLDABLE = /^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]|[ \t]+\S)/;
/** A tag anywhere on the line (the entry grammar's, without reading which). */
export const ANY_TAG = /\[[a-z][a-z0-9_-]*::?[^\]\n]*\](?!\()/;

/**
 * What folding needs to know of a type. Keys are strings: a run line that shares one with an entry the
 * merge sees is taken out of the run, until none does; then the hidden entries cannot change the merge.
 */
export interface FoldSpec {
  /** Keys of a raw line in a run (a superset of what its entry could be), or `unsafe`: never fold it. */
  lineKeys(line: string): readonly FoldKey[] | 'unsafe';
  /** Keys of an entry the merge sees, or `unsafe`: do not fold this merge at all. */
  entryKeys(entry: Entry): readonly FoldKey[] | 'unsafe';
  /**
   * Of a run line's keys, how many (the first ones) its entry will have once the merge sees it
   * (default: all): lets the unfolding settle without parsing the text again for every round.
   */
  readonly entryKeysOfLine?: number;
  /**
   * For types whose merge orders entries (the queue, by seq): the sort keys of a run's first and last
   * entries, or undefined when the run is not itself in order (it is then not folded).
   */
  runOrder?(lines: readonly string[], keys: ReadonlyArray<readonly FoldKey[]>): readonly [string, string] | undefined;
  /**
   * Whether two hidden entries that share a key interact with each other (the queue renumbers one of
   * two tasks that took the same seq): then a merge with such a pair is not folded.
   */
  readonly distinct?: boolean;
  /**
   * A tag and the value it has on every line with this key (undefined where there is none, as for a
   * key of empty values). With it, a large file folds without reading every line's keys: only the lines
   * where a visible key's needle tag has its value are read. A spec with needles has neither `runOrder`
   * nor `distinct`, which read the keys of every folded line.
   */
  needle?(key: FoldKey): readonly [tag: string, value: string] | undefined;
}

/**
 * The spec of types whose entries interact only through the values of some tags (heartbeat: agent;
 * facts: entity and attr; ops and ledger: op). A line's key is those values joined ('' for a missing
 * one), compared trimmed, so it matches at least every entry it could be; a line where one of them
 * repeats is unsafe.
 */
export function tagFold(tags: readonly string[]): FoldSpec {
  const key = (values: readonly string[]): string => values.join('\u001f');
  return {
    lineKeys(line) {
      if (!ANY_TAG.test(line)) return [];
      const values = tagsOnce(line, tags);
      return values === 'unsafe' ? values : [key(tags.map((tag) => values.get(tag) ?? ''))];
    },
    entryKeys: (entry) => [key(tags.map((tag) => (tagValue(entry, tag) ?? '').trim()))],
    // A line with this key has each of these tags with its value: the first that is not empty will do.
    // A value holding the separator itself splits wrong: then every line is a candidate.
    needle: (k) => {
      const values = String(k).split('\u001f');
      if (values.length !== tags.length) return undefined;
      const at = values.findIndex((value) => value !== '');
      return at === -1 ? undefined : [tags[at]!, values[at]!];
    },
  };
}

/**
 * The values of `keys` on a raw line as the entry parser reads them (`readTags`), trimmed; `unsafe`
 * where one of them repeats (which one counts is then not obvious at a glance, so the line stays in).
 */
export function tagsOnce(line: string, keys: readonly string[]): Map<string, string> | 'unsafe' {
  if (line.includes('`')) return 'unsafe';
  return quickTags(line, keys) ?? scannedTags(line, keys);
}

/** `tagsOnce` by the tag scanner alone (exported for the test that holds the shortcut to it). */
export function scannedTags(line: string, keys: readonly string[]): Map<string, string> | 'unsafe' {
  if (line.includes('`')) return 'unsafe';
  const out = new Map<string, string>();
  let repeated = false;
  eachTag(line, (key, value) => {
    if (!keys.includes(key)) return;
    if (out.has(key)) repeated = true;
    else out.set(key, value.trim());
  });
  return repeated ? 'unsafe' : out;
}

/**
 * `tagsOnce` without running the tag scanner over the whole line, for the common line where each key
 * is absent or written once as a plain tag; undefined where that is not plain to see (the scanner
 * decides). Folding asks this of every line of a large file.
 *
 * Exact: the scanner's tags start at `[` and end at the first `]` after it, so a tag starting before
 * `[key:` can cover it only if no `]` closes the last `[` before it.
 */
function quickTags(line: string, keys: readonly string[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const key of keys) {
    const needle = `[${key}:`;
    const at = line.indexOf(needle);
    if (at === -1) continue;
    if (line.indexOf(needle, at + 1) !== -1) return undefined;
    if (at > 0 && line.lastIndexOf('[', at - 1) > line.lastIndexOf(']', at - 1)) return undefined;
    const close = line.indexOf(']', at);
    if (close === -1 || line[close + 1] === '(') return undefined;
    const newline = line.indexOf('\n', at);
    if (newline !== -1 && newline < close) return undefined;
    const raw = line.slice(at + needle.length, close);
    out.set(key, (raw.startsWith(':') ? raw.slice(1) : raw).trim());
  }
  return out;
}

/** The three versions, split into lines once, with where each line starts. */
export interface Versions {
  readonly texts: readonly [string, string, string];
  readonly lines: readonly [string[], string[], string[]];
  /** Where each line starts, and the text's length after the last. */
  readonly starts: readonly [Int32Array, Int32Array, Int32Array];
}

export function versions(texts: readonly [string, string, string]): Versions {
  const lines = texts.map(splitLines) as [string[], string[], string[]];
  const starts = lines.map((ls) => {
    const at = new Int32Array(ls.length + 1);
    let offset = 0;
    for (let k = 0; k < ls.length; k++) {
      at[k] = offset;
      offset += ls[k]!.length;
    }
    at[ls.length] = offset;
    return at;
  }) as unknown as [Int32Array, Int32Array, Int32Array];
  return { texts, lines, starts };
}

/** `TOP_ITEM.test(line)`, without the regular expression for the usual `- ` (a large file asks it of every line). */
export function isTopItem(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c === 45 || c === 42 || c === 43) {
    const next = line.charCodeAt(1);
    return next === 32 || next === 9;
  }
  return c >= 48 && c <= 57 && TOP_ITEM.test(line);
}

/** `FOLDABLE.test(line)`, the same way. */
function isFoldable(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c === 45 || c === 42 || c === 43) {
    const next = line.charCodeAt(1);
    return next === 32 || next === 9;
  }
  return ((c >= 48 && c <= 57) || c === 32 || c === 9) && FOLDABLE.test(line);
}

/**
 * Lines that change how later lines read (fences, comments, inline code, placeholders): never folded.
 * Every fence and comment marker holds one of these.
 */
const STATEFUL_NEEDLES = ['`', '~~~', '<!--', '-->', '\uE000', '\uE001'];

/** The lines of a text that hold a stateful needle: a plain search per needle, from line to line. */
function statefulLines(text: string, starts: Int32Array): Set<number> {
  const out = new Set<number>();
  for (const needle of STATEFUL_NEEDLES) {
    for (let at = text.indexOf(needle); at !== -1; ) {
      const line = lineAt(starts, at);
      out.add(line);
      const next = starts[line + 1] ?? text.length;
      at = next >= text.length ? -1 : text.indexOf(needle, next);
    }
  }
  return out;
}

/**
 * Where one version's parser may read no entries (front matter, a fence, a comment): a run's own lines
 * never hold a fence or comment marker, but a version may open a fence before them and close it after
 * (ours wrapped the tasks in a code block), and then the run must not be folded. Only the lines a
 * search found markers on are read.
 */
function insideRanges(v: Versions, side: 0 | 1 | 2): Array<readonly [number, number]> {
  return unreadRanges(v.lines[side], [...statefulLines(v.texts[side], v.starts[side])].sort((a, b) => a - b));
}

/** The line that holds offset `at` (binary search over the line starts). */
function lineAt(starts: Int32Array, at: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A monotone matching of equal lines between base and another version: `at[i]` is where base line `i`
 * stands in the other version (-1: unmatched), and `unmatched` holds the other version's lines the
 * matching left out. Equal lines are paired in step; after a difference, the walk resumes at the next
 * line of the other version that occurs once in base, further down. Not a minimal diff, and it need
 * not be: it only has to pair equal lines, monotonically, and leave out what it does not pair.
 */
function matching(b: readonly string[], x: readonly string[], inBase: ReadonlyMap<string, number>): { at: Int32Array; unmatched: Set<string> } {
  const at = new Int32Array(b.length).fill(-1);
  const unmatched = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < b.length && j < x.length) {
    if (b[i] === x[j]) {
      at[i++] = j++;
      continue;
    }
    let resume = -1;
    for (; j < x.length; j++) {
      const k = inBase.get(x[j]!);
      if (k !== undefined && k >= i) {
        resume = k;
        break;
      }
      unmatched.add(x[j]!);
    }
    if (resume === -1) break;
    i = resume;
  }
  for (; j < x.length; j++) unmatched.add(x[j]!);
  return { at, unmatched };
}

/**
 * Runs of at least `minRun` lines that are identical and adjacent in all three versions, start at a
 * line that occurs once in each version, and sit between top-level list items. Symmetric in ours and
 * theirs. Empty when the versions hold placeholder characters already.
 *
 * Where a line occurs once: once in base by a map of base's lines; once in ours (theirs) when the
 * matching pairs it and left no equal line of ours unpaired — the paired lines equal to it are paired
 * with base lines equal to it, and there is one. So ours and theirs are never indexed whole.
 *
 * For a spec with needles, a line's keys are not read here at all (see `KeyReader`).
 */
export function stableRuns(v: Versions, spec: FoldSpec, minRun: number): Run[] {
  if (v.texts.some((t) => t.includes(FOLD))) return [];
  const [b, o, t] = v.lines;
  const inBase = new Map<string, number>();
  for (let k = 0; k < b.length; k++) {
    const line = b[k]!;
    inBase.set(line, inBase.has(line) ? -1 : k);
  }
  const [mo, mt] = [matching(b, o, inBase), matching(b, t, inBase)];
  const stateful = statefulLines(v.texts[0], v.starts[0]);
  const lazy = spec.needle !== undefined;
  // Each base line's keys, read once; undefined where the line may not be folded at all. With needles,
  // only whether it may be folded (0: not asked yet, 1: yes, 2: no).
  const keysAt: Array<readonly FoldKey[] | undefined> = lazy ? [] : new Array(b.length);
  const foldable = new Uint8Array(b.length + 1);
  const keysOf = (k: number): readonly FoldKey[] | undefined => {
    if (foldable[k] === 0) {
      const line = b[k];
      const keys = line === undefined || !isFoldable(line) || stateful.has(k) ? 'unsafe' : lazy ? NOT_READ : spec.lineKeys(line);
      foldable[k] = keys === 'unsafe' ? 2 : 1;
      if (!lazy && keys !== 'unsafe') keysAt[k] = keys;
    }
    return foldable[k] === 2 ? undefined : lazy ? NOT_READ : keysAt[k];
  };
  const edge = (line: string | undefined): boolean => line !== undefined && isTopItem(line);
  // Where a version's parser may be inside a fence, comment or front matter around a run.
  const inside = ([0, 1, 2] as const).map((side) => insideRanges(v, side));
  const enclosed = (at: readonly number[], n: number): boolean =>
    inside.some((ranges, side) => ranges.some(([open, close]) => open < at[side]! + n && close >= at[side]!));

  const runs: Run[] = [];
  let lastO = 0;
  let lastT = 0;
  let i = 0;
  while (i < b.length) {
    const line = b[i]!;
    const oi = mo.at[i]!;
    const ti = mt.at[i]!;
    if (oi < lastO || ti < lastT || !edge(line) || inBase.get(line) !== i || mo.unmatched.has(line) || mt.unmatched.has(line) || !keysOf(i)) {
      i++;
      continue;
    }
    let n = 1;
    // The matchings paired equal lines only: a line paired in step with the run's start equals it.
    while (i + n < b.length && mo.at[i + n] === oi + n && mt.at[i + n] === ti + n && keysOf(i + n)) n++;
    // The line after the run must start a top-level item in every version: no entry continues past it.
    while (n > 0 && !(edge(b[i + n]) && edge(o[oi + n]) && edge(t[ti + n]))) n--;
    // An ordered type folds only runs that are in order themselves.
    const lines = b.slice(i, i + n);
    const keys = lazy ? undefined : lines.map((_, k) => keysOf(i + k)!);
    if (n < minRun || enclosed([i, oi, ti], n) || (spec.runOrder && !spec.runOrder(lines, keys!))) {
      i++;
      continue;
    }
    runs.push(keys ? { at: [i, oi, ti], lines, keys } : { at: [i, oi, ti], lines });
    lastO = oi + n;
    lastT = ti + n;
    i += n;
  }
  return runs;
}

/** The keys of a foldable line a spec with needles has not read. */
const NOT_READ: readonly FoldKey[] = Object.freeze([]);

/**
 * Reads the keys of a spec with needles on demand. The lines of base a visible key could be on are
 * those that hold its needle tag's value: found by one regular-expression search of base for all the
 * values not searched yet (native: no line is read), or, past `direct` values at once, through an
 * index of every `[tag:` of the text (built once for the whole merge). Only the lines found are read.
 */
export class KeyReader {
  private readonly read = new Map<number, readonly FoldKey[] | 'unsafe'>();
  private readonly searched = new Set<FoldKey>();
  private readonly candidates = new Set<number>();
  /** The candidates in order, once asked for (until more come in). */
  private sorted: Int32Array | undefined;
  private readonly indexes = new Map<string, Map<string, number[]>>();
  private everything = false;

  constructor(
    private readonly v: Versions,
    private readonly spec: FoldSpec,
    /** How many values one search may look for at once (the expression grows with them). */
    private readonly direct = 1000,
  ) {}

  /** The keys of base line `k`. */
  keys(k: number): readonly FoldKey[] | 'unsafe' {
    let keys = this.read.get(k);
    if (keys === undefined) this.read.set(k, (keys = this.spec.lineKeys(this.v.lines[0][k]!)));
    return keys;
  }

  /**
   * Of base lines `first` to `first + n`, those that may share a key with `visible` (an unreadable line
   * may), as offsets from `first`, in order. Only the candidates in that range are looked at.
   */
  hitsIn(first: number, n: number, visible: ReadonlySet<FoldKey>): number[] {
    const out: number[] = [];
    const hit = (k: number): boolean => {
      const keys = this.keys(k);
      if (keys === 'unsafe') return true;
      for (const key of keys) if (visible.has(key)) return true;
      return false;
    };
    if (this.everything) {
      for (let k = first; k < first + n; k++) if (hit(k)) out.push(k - first);
      return out;
    }
    if (this.sorted === undefined) this.sorted = Int32Array.from(this.candidates).sort();
    const sorted = this.sorted;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < first) lo = mid + 1;
      else hi = mid;
    }
    for (let c = lo; c < sorted.length && sorted[c]! < first + n; c++) if (hit(sorted[c]!)) out.push(sorted[c]! - first);
    return out;
  }

  /** Takes in the keys of `visible` not searched yet; a key without a needle makes every line a candidate. */
  search(visible: ReadonlySet<FoldKey>): void {
    const needles: Array<readonly [string, string]> = [];
    for (const key of visible) {
      if (this.everything) return;
      if (this.searched.has(key)) continue;
      this.searched.add(key);
      const needle = this.spec.needle!(key);
      if (needle === undefined) {
        this.everything = true;
        return;
      }
      needles.push(needle);
    }
    if (needles.length === 0) return;
    this.sorted = undefined;
    if (needles.length <= this.direct && this.linesHolding(needles.map(([, value]) => value))) return;
    for (const [tag, value] of needles) for (const line of this.index(tag).get(value) ?? []) this.candidates.add(line);
  }

  /**
   * Takes in every line of base that holds one of `values` anywhere: a superset of the lines where a
   * tag has one (a tag's value is on one line; the values here are trimmed and not empty). False
   * where the values make too large an expression.
   */
  private linesHolding(values: readonly string[]): boolean {
    const text = this.v.texts[0];
    const starts = this.v.starts[0];
    let any: RegExp;
    try {
      any = new RegExp(values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    } catch {
      return false;
    }
    for (let m = any.exec(text); m !== null; m = any.exec(text)) {
      const line = lineAt(starts, m.index);
      this.candidates.add(line);
      // One hit per line is enough: on to the next.
      any.lastIndex = starts[line + 1]!;
    }
    return true;
  }

  /**
   * Base's lines by the value of `tag` on them, read at every `[tag:` the way the tag scanner reads a
   * value (to the first `]`, on the same line; a second `:` dropped; trimmed): a superset of where the
   * scanner can find that tag with that value.
   */
  private index(tag: string): Map<string, number[]> {
    let index = this.indexes.get(tag);
    if (index) return index;
    index = new Map();
    this.indexes.set(tag, index);
    const text = this.v.texts[0];
    const starts = this.v.starts[0];
    const open = `[${tag}:`;
    let line = 0;
    for (let at = text.indexOf(open); at !== -1; at = text.indexOf(open, at + 1)) {
      const from = at + open.length;
      const close = text.indexOf(']', from);
      if (close === -1) break;
      const newline = text.indexOf('\n', from);
      if (newline !== -1 && newline < close) continue;
      let raw = text.slice(from, close);
      if (raw.startsWith(':')) raw = raw.slice(1);
      const value = raw.trim();
      while (starts[line + 1]! <= at) line++;
      const lines = index.get(value);
      if (lines) lines.push(line);
      else index.set(value, [line]);
    }
    return index;
  }
}

/**
 * The runs without the entries whose fold key is in `visible` (each such entry, from its top-level
 * item to the next, stays in the text the merge sees). Every remaining piece stays folded, however
 * short: unfolding it would show the merge more keys, and those split more runs. Runs of a spec with
 * needles (no `keys`) are read through `reader`.
 */
export function withoutKeys(runs: readonly Run[], visible: ReadonlySet<FoldKey>, removed?: (keys: readonly FoldKey[]) => void, reader?: KeyReader): Run[] {
  reader?.search(visible);
  const out: Run[] = [];
  for (const run of runs) {
    const n = run.lines.length;
    const hits = run.keys ? hitsByKeys(run.keys, visible) : reader!.hitsIn(run.at[0], n, visible);
    if (hits.length === 0) {
      out.push(run);
      continue;
    }
    const keysOfLine = (q: number): readonly FoldKey[] => {
      if (run.keys) return run.keys[q]!;
      const keys = reader!.keys(run.at[0] + q);
      return keys === 'unsafe' ? [] : keys;
    };
    let start = 0;
    const piece = (from: number, to: number): void => {
      if (to <= from) return;
      const at = run.at.map((a) => a + from) as unknown as [number, number, number];
      const lines = run.lines.slice(from, to);
      out.push(run.keys ? { at, lines, keys: run.keys.slice(from, to) } : { at, lines });
    };
    for (const q of hits) {
      // A hit inside an entry taken out already.
      if (q < start) continue;
      let from = q;
      while (from > start && !isTopItem(run.lines[from]!)) from--;
      let to = q + 1;
      while (to < n && !isTopItem(run.lines[to]!)) to++;
      piece(start, from);
      if (removed) for (let k = from; k < to; k++) removed(keysOfLine(k));
      start = to;
    }
    piece(start, n);
  }
  return out;
}

/** The lines of a run with eagerly read keys that hold a key in `visible`. */
function hitsByKeys(keys: ReadonlyArray<readonly FoldKey[]>, visible: ReadonlySet<FoldKey>): number[] {
  // Indexed loops: this runs cold over every line of a large file, where for-of makes an iterator and a
  // result object per step.
  const out: number[] = [];
  for (let q = 0; q < keys.length; q++) {
    const line = keys[q]!;
    for (let k = 0; k < line.length; k++) {
      if (visible.has(line[k]!)) {
        out.push(q);
        break;
      }
    }
  }
  return out;
}

/** The three versions with each run replaced by its placeholder line. */
export function fold(v: Versions, runs: readonly Run[]): [string, string, string] {
  return v.texts.map((text, side) => {
    const starts = v.starts[side]!;
    const parts: string[] = [];
    let p = 0;
    runs.forEach((run, n) => {
      const at = run.at[side]!;
      parts.push(text.slice(starts[p], starts[at]));
      // The run's own line ending: a line put back next to it takes its ending from its neighbours.
      parts.push(`${FOLD}${n}${lineEnding(run.lines[run.lines.length - 1]!)}`);
      p = at + run.lines.length;
    });
    parts.push(text.slice(starts[p]));
    return parts.join('');
  }) as [string, string, string];
}

/** Puts every folded run back in place of its placeholder line. */
export function unfold(text: string, runs: readonly Run[]): string {
  if (runs.length === 0) return text;
  return text.replace(/\uE001(\d+)\r?\n/g, (all, n: string) => runs[Number(n)]?.lines.join('') ?? all);
}
