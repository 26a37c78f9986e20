// Folding: a large typed file differs between its three versions in a few places (an agent's heartbeat,
// a handful of new facts), and every line that no side touched merges to itself. A run of such lines —
// the same in base, ours and theirs, in the same order — is replaced by one placeholder line before the
// typed merge and put back after it, so the merge parses and renders only what changed.
//
// This is exact only while no folded entry interacts with an entry the merge does see. Which entries
// interact is the type's to say (`foldTags`: entries whose values of these tags differ never affect each
// other's merge). The caller checks that after parsing the folded versions and unfolds runs until no
// visible entry shares a key with a folded one.
import { lineEnding, splitLines } from '../entries/scan.js';

/** Placeholder for a folded run: a private-use character and the run's number. */
export const FOLD = '\uE001';

export interface Run {
  /** First line in base, ours and theirs. */
  readonly at: readonly [number, number, number];
  /** The run's lines, exactly. */
  readonly lines: readonly string[];
  /** Per line, its fold key (see `lineFoldKey`), or null for a line without tags. */
  readonly keys: ReadonlyArray<string | null>;
}

/** A top-level list item: a run starts at one and is followed by one, so no entry crosses its edges. */
const TOP_ITEM = /^(?:[-*+]|\d{1,9}[.)])[ \t]/;
/** A list item at any depth, or an indented line under one: the only lines a run may hold. */
const FOLDABLE = /^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]|[ \t]+\S)/;
/** Lines that change how later lines read (fences, comments, inline code): never folded. */
const STATEFUL = /```|~~~|<!--|-->|`|\uE000|\uE001/;
const ANY_TAG = /\[[a-z][a-z0-9_-]*::?[^\]\n]*\](?!\()/;

/**
 * The fold key of a raw line: the values of `tags` joined ('' for a missing one), `null` for a line that
 * carries no tag (not an entry), or `unsafe` where a tag repeats (the line's reading is not obvious).
 * Values are compared trimmed, so a key matches at least every entry whose tags it could be.
 */
export function lineFoldKey(line: string, tags: readonly string[]): string | null | 'unsafe' {
  if (!ANY_TAG.test(line)) return null;
  const values: string[] = [];
  for (const tag of tags) {
    const re = tagPattern(tag);
    re.lastIndex = 0;
    const first = re.exec(line);
    if (first && re.exec(line)) return 'unsafe';
    values.push((first?.[1] ?? '').trim());
  }
  return values.join('\u001f');
}

const patterns = new Map<string, RegExp>();
function tagPattern(tag: string): RegExp {
  let re = patterns.get(tag);
  if (!re) patterns.set(tag, (re = new RegExp(`\\[${tag}::?([^\\]\\n]*)\\](?!\\()`, 'g')));
  return re;
}

/**
 * Runs of at least `minRun` lines that are identical and adjacent in all three versions, start at a
 * line that occurs once in each version, and sit between top-level list items. Symmetric in ours and
 * theirs. Empty when the versions hold placeholder characters already.
 */
export function stableRuns(texts: readonly [string, string, string], tags: readonly string[], minRun: number): Run[] {
  if (texts.some((t) => t.includes(FOLD))) return [];
  const [b, o, t] = texts.map(splitLines) as [string[], string[], string[]];
  const unique = (lines: readonly string[]): Map<string, number> => {
    const at = new Map<string, number>();
    lines.forEach((line, k) => at.set(line, at.has(line) ? -1 : k));
    return at;
  };
  const [ub, uo, ut] = [unique(b), unique(o), unique(t)];
  const foldable = (line: string | undefined): boolean => line !== undefined && FOLDABLE.test(line) && !STATEFUL.test(line);
  const edge = (line: string | undefined): boolean => line !== undefined && TOP_ITEM.test(line);

  const runs: Run[] = [];
  let lastO = 0;
  let lastT = 0;
  let i = 0;
  while (i < b.length) {
    const line = b[i]!;
    const oi = uo.get(line) ?? -1;
    const ti = ut.get(line) ?? -1;
    if (!edge(line) || !foldable(line) || ub.get(line) !== i || oi < lastO || ti < lastT) {
      i++;
      continue;
    }
    let n = 1;
    while (foldable(b[i + n]) && b[i + n] === o[oi + n] && b[i + n] === t[ti + n]) n++;
    // The line after the run must start a top-level item in every version: no entry continues past it.
    while (n > 0 && !(edge(b[i + n]) && edge(o[oi + n]) && edge(t[ti + n]))) n--;
    if (n < minRun) {
      i++;
      continue;
    }
    const lines = b.slice(i, i + n);
    const keys: Array<string | null> = [];
    let safe = true;
    for (const l of lines) {
      const key = lineFoldKey(l, tags);
      if (key === 'unsafe') safe = false;
      keys.push(key === 'unsafe' ? null : key);
    }
    if (safe) {
      runs.push({ at: [i, oi, ti], lines, keys });
      lastO = oi + n;
      lastT = ti + n;
    }
    i += n;
  }
  return runs;
}

/**
 * The runs without the entries whose fold key is in `visible` (each such entry, from its top-level
 * item to the next, stays in the text the merge sees). Every remaining piece stays folded, however
 * short: unfolding it would show the merge more keys, and those split more runs.
 */
export function withoutKeys(runs: readonly Run[], visible: ReadonlySet<string>): Run[] {
  const out: Run[] = [];
  for (const run of runs) {
    if (!run.keys.some((k) => k !== null && visible.has(k))) {
      out.push(run);
      continue;
    }
    const n = run.lines.length;
    let start = 0;
    let q = 0;
    const piece = (from: number, to: number): void => {
      if (to > from) {
        out.push({ at: run.at.map((a) => a + from) as unknown as [number, number, number], lines: run.lines.slice(from, to), keys: run.keys.slice(from, to) });
      }
    };
    while (q < n) {
      const key = run.keys[q];
      if (key === null || key === undefined || !visible.has(key)) {
        q++;
        continue;
      }
      let from = q;
      while (from > start && !TOP_ITEM.test(run.lines[from]!)) from--;
      let to = q + 1;
      while (to < n && !TOP_ITEM.test(run.lines[to]!)) to++;
      piece(start, from);
      start = to;
      q = to;
    }
    piece(start, n);
  }
  return out;
}

/** The three versions with each run replaced by its placeholder line. */
export function fold(texts: readonly [string, string, string], runs: readonly Run[]): [string, string, string] {
  return texts.map((text, side) => {
    const lines = splitLines(text);
    const parts: string[] = [];
    let p = 0;
    runs.forEach((run, n) => {
      const at = run.at[side]!;
      parts.push(...lines.slice(p, at));
      // The run's own line ending: a line put back next to it takes its ending from its neighbours.
      parts.push(`${FOLD}${n}${lineEnding(run.lines[run.lines.length - 1]!)}`);
      p = at + run.lines.length;
    });
    parts.push(...lines.slice(p));
    return parts.join('');
  }) as [string, string, string];
}

/** Puts every folded run back in place of its placeholder line. */
export function unfold(text: string, runs: readonly Run[]): string {
  if (runs.length === 0) return text;
  return text.replace(/\uE001(\d+)\r?\n/g, (all, n: string) => runs[Number(n)]?.lines.join('') ?? all);
}
