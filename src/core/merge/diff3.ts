/**
 * Generic two- and three-way diffs over token arrays (strings compared by value). Pure and
 * deterministic: the same inputs always give the same alignment.
 */

/** A changed region: a[aStart, aEnd) was replaced by b[bStart, bEnd). */
export interface Hunk {
  readonly aStart: number;
  readonly aEnd: number;
  readonly bStart: number;
  readonly bEnd: number;
}

/** Matched index pairs [i, j] (a[i] === b[j]) of a longest common subsequence, increasing. */
export function matchTokens(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const ids = new Map<string, number>();
  const intern = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = ids.size;
      ids.set(t, id);
    }
    return id;
  };
  const A = a.map(intern);
  const B = b.map(intern);
  const pairs: Array<[number, number]> = [];
  let lo = 0;
  while (lo < A.length && lo < B.length && A[lo] === B[lo]) {
    pairs.push([lo, lo]);
    lo++;
  }
  let ha = A.length;
  let hb = B.length;
  const tail: Array<[number, number]> = [];
  while (ha > lo && hb > lo && A[ha - 1] === B[hb - 1]) {
    ha--;
    hb--;
    tail.push([ha, hb]);
  }
  myers(A, B, lo, ha, lo, hb, pairs);
  for (let k = tail.length - 1; k >= 0; k--) pairs.push(tail[k]!);
  return pairs;
}

/** Myers' O(ND) diff over A[a0,a1) and B[b0,b1); appends the matched pairs in order. */
function myers(A: number[], B: number[], a0: number, a1: number, b0: number, b1: number, out: Array<[number, number]>): void {
  const n = a1 - a0;
  const m = b1 - b0;
  if (n === 0 || m === 0) return;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && A[a0 + x] === B[b0 + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace backwards to recover the path.
  const rev: Array<[number, number]> = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const snap = trace[d]!; // holds v[-d-1 .. d+1] as it was before step d
    const get = (k: number): number => snap[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && get(k - 1) < get(k + 1)) ? k + 1 : k - 1;
    const prevX = get(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      rev.push([a0 + x, b0 + y]);
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    rev.push([a0 + x, b0 + y]);
  }
  for (let i = rev.length - 1; i >= 0; i--) out.push(rev[i]!);
}

/** The changed regions between a and b, in order. */
export function diffHunks(a: readonly string[], b: readonly string[]): Hunk[] {
  return hunksFromPairs(matchTokens(a, b), a.length, b.length);
}

export function hunksFromPairs(pairs: ReadonlyArray<readonly [number, number]>, na: number, nb: number): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [na, nb] as const]) {
    if (pi > i || pj > j) hunks.push({ aStart: i, aEnd: pi, bStart: j, bEnd: pj });
    i = pi + 1;
    j = pj + 1;
  }
  return hunks;
}

export type Diff3Chunk =
  | { readonly stable: true; readonly tokens: readonly string[] }
  | {
      readonly stable: false;
      readonly base: readonly string[];
      readonly ours: readonly string[];
      readonly theirs: readonly string[];
    };

export interface Diff3Options {
  /**
   * Changes that touch without an unchanged token between them conflict, as in `git merge-file`
   * (default true).
   */
  readonly adjacentConflicts?: boolean;
}

/**
 * Three-way merge of token arrays. Returns stable chunks (merged without doubt: unchanged, changed on
 * one side only, or changed identically on both) and unstable ones (both sides changed the region
 * differently).
 */
export function diff3(
  base: readonly string[],
  ours: readonly string[],
  theirs: readonly string[],
  options: Diff3Options = {},
): Diff3Chunk[] {
  const adjacent = options.adjacentConflicts ?? true;
  const tagged = [
    ...diffHunks(base, ours).map((h) => ({ side: 0, h })),
    ...diffHunks(base, theirs).map((h) => ({ side: 1, h })),
  ].sort((x, y) => x.h.aStart - y.h.aStart || x.h.aEnd - y.h.aEnd || x.side - y.side);

  const out: Diff3Chunk[] = [];
  const pushStable = (tokens: readonly string[]): void => {
    if (tokens.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.stable) out[out.length - 1] = { stable: true, tokens: [...last.tokens, ...tokens] };
    else out.push({ stable: true, tokens });
  };
  // Offsets (side index - base index) after the last hunk seen on each side.
  const offset = [0, 0];
  let pos = 0;
  let i = 0;
  while (i < tagged.length) {
    const first = tagged[i]!;
    let lo = first.h.aStart;
    let hi = first.h.aEnd;
    const group = [first];
    i++;
    while (i < tagged.length) {
      const next = tagged[i]!.h;
      // git treats changes that touch as one conflict; without that, only shared base tokens (or two
      // insertions at the same point) make changes overlap.
      const overlaps = adjacent
        ? next.aStart <= hi
        : next.aStart < hi || (next.aStart === hi && next.aEnd === hi && hi === lo);
      if (!overlaps) break;
      group.push(tagged[i]!);
      hi = Math.max(hi, next.aEnd);
      i++;
    }
    lo = Math.min(...group.map((g) => g.h.aStart));
    pushStable(base.slice(pos, lo));
    const ranges = [0, 1].map((side) => {
      const mine = group.filter((g) => g.side === side);
      if (mine.length === 0) return [lo + offset[side]!, hi + offset[side]!] as const;
      const f = mine[0]!.h;
      const l = mine[mine.length - 1]!.h;
      offset[side] = l.bEnd - l.aEnd;
      return [f.bStart - (f.aStart - lo), l.bEnd + (hi - l.aEnd)] as const;
    });
    const o = ours.slice(ranges[0]![0], ranges[0]![1]);
    const t = theirs.slice(ranges[1]![0], ranges[1]![1]);
    const sides = new Set(group.map((g) => g.side));
    if (sides.size === 1) pushStable(sides.has(0) ? o : t);
    else if (o.length === t.length && o.every((x, k) => x === t[k])) pushStable(o);
    else out.push({ stable: false, base: base.slice(lo, hi), ours: o, theirs: t });
    pos = hi;
  }
  pushStable(base.slice(pos));
  return out;
}
