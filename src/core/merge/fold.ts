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
import { type Entry, eachTag, lineEnding, splitLines, tagValue } from '../entries/scan.js';

/** Placeholder for a folded run: a private-use character and the run's number. */
export const FOLD = '\uE001';

export interface Run {
  /** First line in base, ours and theirs. */
  readonly at: readonly [number, number, number];
  /** The run's lines, exactly. */
  readonly lines: readonly string[];
  /** Per line, the keys by which it could interact with an entry the merge sees (see `FoldSpec`). */
  readonly keys: ReadonlyArray<readonly string[]>;
}

/** A top-level list item: a run starts at one and is followed by one, so no entry crosses its edges. */
export const TOP_ITEM = /^(?:[-*+]|\d{1,9}[.)])[ \t]/;
/** A list item at any depth, or an indented line under one: the only lines a run may hold. */
const FOLDABLE = /^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]|[ \t]+\S)/;
/** Lines that change how later lines read (fences, comments, inline code): never folded. */
const STATEFUL = /```|~~~|<!--|-->|`|\uE000|\uE001/;
/** A tag anywhere on the line (the entry grammar's, without reading which). */
export const ANY_TAG = /\[[a-z][a-z0-9_-]*::?[^\]\n]*\](?!\()/;

/**
 * What folding needs to know of a type. Keys are strings: a run line that shares one with an entry the
 * merge sees is taken out of the run, until none does; then the hidden entries cannot change the merge.
 */
export interface FoldSpec {
  /** Keys of a raw line in a run (a superset of what its entry could be), or `unsafe`: never fold it. */
  lineKeys(line: string): readonly string[] | 'unsafe';
  /** Keys of an entry the merge sees, or `unsafe`: do not fold this merge at all. */
  entryKeys(entry: Entry): readonly string[] | 'unsafe';
  /**
   * Of a run line's keys, those its entry will have once the merge sees it (default: all): lets the
   * unfolding settle without parsing the text again for every round.
   */
  entryKeysOfLine?(keys: readonly string[]): readonly string[];
  /**
   * For types whose merge orders entries (the queue, by seq): the sort keys of a run's first and last
   * entries, or undefined when the run is not itself in order (it is then not folded).
   */
  runOrder?(lines: readonly string[], keys: ReadonlyArray<readonly string[]>): readonly [string, string] | undefined;
  /**
   * Whether two hidden entries that share a key interact with each other (the queue renumbers one of
   * two tasks that took the same seq): then a merge with such a pair is not folded.
   */
  readonly distinct?: boolean;
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
  readonly starts: readonly [number[], number[], number[]];
}

export function versions(texts: readonly [string, string, string]): Versions {
  const lines = texts.map(splitLines) as [string[], string[], string[]];
  const starts = lines.map((ls) => {
    const at: number[] = new Array(ls.length + 1);
    let offset = 0;
    ls.forEach((line, k) => {
      at[k] = offset;
      offset += line.length;
    });
    at[ls.length] = offset;
    return at;
  }) as [number[], number[], number[]];
  return { texts, lines, starts };
}

/**
 * Runs of at least `minRun` lines that are identical and adjacent in all three versions, start at a
 * line that occurs once in each version, and sit between top-level list items. Symmetric in ours and
 * theirs. Empty when the versions hold placeholder characters already.
 */
export function stableRuns(v: Versions, spec: FoldSpec, minRun: number): Run[] {
  if (v.texts.some((t) => t.includes(FOLD))) return [];
  const [b, o, t] = v.lines;
  // Where each line stands in base, ours and theirs (-1: more than once), in one map.
  const where = new Map<string, [number, number, number]>();
  v.lines.forEach((lines, side) => {
    lines.forEach((line, k) => {
      let at = where.get(line);
      if (!at) where.set(line, (at = [-2, -2, -2]));
      at[side] = at[side] === -2 ? k : -1;
    });
  });
  const edge = (line: string | undefined): boolean => line !== undefined && TOP_ITEM.test(line);
  // Each base line's keys, read once; undefined where the line may not be folded at all.
  const keysAt: Array<readonly string[] | undefined> = [];
  const keysOf = (k: number): readonly string[] | undefined => {
    if (k in keysAt) return keysAt[k];
    const line = b[k];
    const keys = line !== undefined && FOLDABLE.test(line) && !STATEFUL.test(line) ? spec.lineKeys(line) : 'unsafe';
    return (keysAt[k] = keys === 'unsafe' ? undefined : keys);
  };

  const runs: Run[] = [];
  let lastO = 0;
  let lastT = 0;
  let i = 0;
  while (i < b.length) {
    const line = b[i]!;
    const [bi, oi, ti] = where.get(line)!;
    if (!edge(line) || bi !== i || oi < lastO || ti < lastT || !keysOf(i)) {
      i++;
      continue;
    }
    let n = 1;
    while (b[i + n] === o[oi + n] && b[i + n] === t[ti + n] && i + n < b.length && keysOf(i + n)) n++;
    // The line after the run must start a top-level item in every version: no entry continues past it.
    while (n > 0 && !(edge(b[i + n]) && edge(o[oi + n]) && edge(t[ti + n]))) n--;
    // An ordered type folds only runs that are in order themselves.
    const lines = b.slice(i, i + n);
    const keys = lines.map((_, k) => keysOf(i + k)!);
    if (n < minRun || (spec.runOrder && !spec.runOrder(lines, keys))) {
      i++;
      continue;
    }
    runs.push({ at: [i, oi, ti], lines, keys });
    lastO = oi + n;
    lastT = ti + n;
    i += n;
  }
  return runs;
}

/**
 * The runs without the entries whose fold key is in `visible` (each such entry, from its top-level
 * item to the next, stays in the text the merge sees). Every remaining piece stays folded, however
 * short: unfolding it would show the merge more keys, and those split more runs.
 */
export function withoutKeys(runs: readonly Run[], visible: ReadonlySet<string>, removed?: (keys: readonly string[]) => void): Run[] {
  const out: Run[] = [];
  for (const run of runs) {
    const hit = (q: number): boolean => {
      for (const k of run.keys[q]!) if (visible.has(k)) return true;
      return false;
    };
    let q = 0;
    while (q < run.lines.length && !hit(q)) q++;
    if (q === run.lines.length) {
      out.push(run);
      continue;
    }
    const n = run.lines.length;
    let start = 0;
    const piece = (from: number, to: number): void => {
      if (to > from) {
        out.push({ at: run.at.map((a) => a + from) as unknown as [number, number, number], lines: run.lines.slice(from, to), keys: run.keys.slice(from, to) });
      }
    };
    while (q < n) {
      if (!hit(q)) {
        q++;
        continue;
      }
      let from = q;
      while (from > start && !TOP_ITEM.test(run.lines[from]!)) from--;
      let to = q + 1;
      while (to < n && !TOP_ITEM.test(run.lines[to]!)) to++;
      piece(start, from);
      if (removed) for (let k = from; k < to; k++) removed(run.keys[k]!);
      start = to;
      q = to;
    }
    piece(start, n);
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
