// Merging two versions of one entry, shared by the types whose entries change in place (queue, facts):
// single values three-way, and the continuation lines under an entry as text.
import { type Entry, lineBody, reparseEntry, tagValue, withContinuation, withTag, withoutTag } from '../entries/scan.js';
import { stampOrder } from '../clock.js';
import { diff3 } from '../merge/diff3.js';

/** Three-way on one value; `both` decides when the sides changed it differently. */
export function threeWay<T>(base: T, ours: T, theirs: T, both: (o: T, t: T) => T): T {
  if (ours === theirs) return ours;
  if (ours === base) return theirs;
  if (theirs === base) return ours;
  return both(ours, theirs);
}

export function maxString(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a >= b ? a : b;
}

export function singleTags(entry: Entry | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!entry) return map;
  for (const t of entry.tags) if (!map.has(t.key)) map.set(t.key, t.value);
  return map;
}

/** The base's tag keys in their order, then the keys the sides added, in `order`. */
export function mergedKeys(b: ReadonlyMap<string, string>, o: ReadonlyMap<string, string>, t: ReadonlyMap<string, string>, order?: (x: string, y: string) => number): string[] {
  const added = [...new Set([...o.keys(), ...t.keys()])].filter((key) => !b.has(key)).sort(order);
  return [...b.keys(), ...added];
}

/** The entry with each tag set to its merged value (undefined: removed, unless it is the last tag). */
export function withTagValues(entry: Entry, values: Iterable<readonly [string, string | undefined]>, rank?: (key: string) => number): Entry {
  let result = entry;
  for (const [key, value] of values) {
    if (value === undefined) {
      if (tagValue(result, key) !== undefined && result.tags.length > 1) result = withoutTag(result, key);
    } else if (tagValue(result, key) !== value) {
      // A new tag goes before the first tag that ranks after it: where it lands does not depend on
      // which version the merge rebuilt (a merge and a rebase of the same edits give the same bytes).
      const r = rank?.(key) ?? -1;
      const before = r < 0 ? undefined : result.tags.find((t) => rank!(t.key) > r)?.key;
      result = withTag(result, key, value, before);
    }
  }
  return result;
}

/** The entry with `log` (mergeLog's lines) as its continuation, where that differs from what it has. */
export function withLog(entry: Entry, log: readonly string[]): Entry {
  if (log.map(lineBody).join('\n') === entry.lines.slice(1).map(lineBody).join('\n')) return entry;
  const head = entry.lines[0]!;
  const first = head.endsWith('\n') ? head : `${head}${log[0]?.endsWith('\r\n') ? '\r\n' : '\n'}`;
  return withContinuation({ ...entry, lines: [first] }, log);
}

/**
 * Continuation lines (checkpoints, notes) merged as text, three-way: what one side changed is taken,
 * and where both sides added lines at the same place (two agents logging progress), both additions
 * are kept — whole items, each with its deeper lines and code blocks, identical ones once, ordered by
 * `[at:…]` stamp then text. Any other change on both sides (a line edited or removed) is a conflict.
 */
export function mergeLog(base: Entry | undefined, ours: Entry, theirs: Entry): string[] | 'conflict' {
  const body = (e: Entry | undefined): string[] => (e ? e.lines.slice(1).map(lineBody) : []);
  const [b, o, t] = [body(base), body(ours), body(theirs)];
  const eol = [ours, theirs].flatMap((e) => e.lines).find((l) => l.endsWith('\r\n')) ? '\r\n' : '\n';
  const out: string[] = [];
  for (const chunk of diff3(b, o, t, { adjacentConflicts: false })) {
    if (chunk.stable) out.push(...chunk.tokens);
    else if (chunk.base.length > 0) return 'conflict';
    else out.push(...unionOfItems(chunk.ours, chunk.theirs));
  }
  // Lines put together from both sides may not read back as lines of this entry: an item that ended in
  // a blank line may now end the entry, a fence one side opened may close before the other side's item.
  // Then the two sides changed the lines in ways that do not combine: a conflict, not a broken entry.
  // Compared line by line: joined, no lines and one blank line would look the same.
  const sameLines = (x: readonly string[]): boolean => x.length === out.length && x.every((line, k) => line === out[k]);
  if (!sameLines(o) && !sameLines(t)) {
    const lines = out.map((l) => l + eol);
    const readsBack = (e: Entry): boolean => reparseEntry(lineBody(e.lines[0]!) + eol + lines.join(''), 0)?.lines.length === lines.length + 1;
    if (![base, ours, theirs].every((e) => e === undefined || readsBack(e))) return 'conflict';
  }
  return out.map((l) => l + eol);
}

/** Lines split into items: a line at the run's outermost indent starts one, outside a code fence. */
function logItems(lines: readonly string[]): string[][] {
  const indent = (l: string): number => l.length - l.trimStart().length;
  const outer = Math.min(...lines.filter((l) => l.trim() !== '').map(indent));
  const items: string[][] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    const starts = fence === undefined && line.trim() !== '' && indent(line) <= outer;
    if (starts || items.length === 0) items.push([line]);
    else items[items.length - 1]!.push(line);
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence === undefined ? marker : undefined;
  }
  return items;
}

/** Both sides' items, each as often as the side that has it most, ordered by stamp, then text. */
function unionOfItems(ours: readonly string[], theirs: readonly string[]): string[] {
  const count = (items: string[][]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const item of items) m.set(item.join('\n'), (m.get(item.join('\n')) ?? 0) + 1);
    return m;
  };
  const [o, t] = [count(logItems(ours)), count(logItems(theirs))];
  const all: string[] = [];
  for (const key of new Set([...o.keys(), ...t.keys()])) {
    for (let n = Math.max(o.get(key) ?? 0, t.get(key) ?? 0); n > 0; n--) all.push(key);
  }
  // By time, whatever the stamps' precision.
  const stamp = (item: string): string => stampOrder(/\[at:([^\]]*)\]/.exec(item.split('\n', 1)[0]!)?.[1] ?? '');
  all.sort((x, y) => (stamp(x) < stamp(y) ? -1 : stamp(x) > stamp(y) ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return all.flatMap((item) => item.split('\n'));
}
