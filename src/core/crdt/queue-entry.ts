// What a queue entry says on its own: its seq, status and depends as written. Kept apart from the queue
// merge so that the checks and the hook read entries without loading the merge (and its folding).
import { type Entry, lineBody, readTags, tagValue } from '../entries/scan.js';

export type Status = 'open' | 'claimed' | 'done' | 'cancelled';

export function statusOf(entry: Entry): Status {
  if (entry.box === 'x' || entry.box === 'X') return 'done';
  if (entry.box === '-') return 'cancelled';
  return tagValue(entry, 'claim') !== undefined ? 'claimed' : 'open';
}

export const STATUS_RANK: Readonly<Record<Status, number>> = { open: 0, claimed: 1, cancelled: 2, done: 3 };

/**
 * Digits, white space around them allowed: how a seq is written. (A constant: a literal in a function
 * would be a new object on every call, for every task.)
 */
export const WHOLE_NUMBER = /^\s*\d+\s*$/;

/**
 * A seq as written (digits, white space around them allowed) as the number it is; undefined for anything
 * else, and past 2^53 − 1: read as a double such a number would be rounded into another task's.
 */
export function seqNumber(text: string): number | undefined {
  if (!WHOLE_NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function seqOf(entry: Entry): number | undefined {
  const value = tagValue(entry, 'seq');
  return value === undefined ? undefined : seqNumber(value);
}

/** The seq numbers an entry depends on, as written. */
export function dependsOf(entry: Entry): number[] {
  const value = tagValue(entry, 'depends');
  if (value === undefined) return [];
  const deps: number[] = [];
  for (const part of value.split(',')) {
    const dep = seqNumber(part);
    if (dep !== undefined) deps.push(dep);
  }
  return deps;
}

const NESTED_ITEM = /^[ \t]+(?:[-*+]|\d{1,9}[.)])[ \t]+(\[[ xX-]\][ \t]+)?/;

/**
 * The `[seq:…]` of a list item indented under an entry (to the queue, part of that entry's notes: a
 * nested task is not a task), and whether it has a task box; undefined for any other line.
 */
export function nestedItemSeq(line: string): { readonly seq: string; readonly task: boolean } | undefined {
  const body = lineBody(line);
  if (!body.includes('[seq')) return undefined;
  const head = NESTED_ITEM.exec(body);
  const tag = head ? readTags(body.slice(head[0].length)).find((t) => t.key === 'seq') : undefined;
  return tag ? { seq: tag.value, task: head![1] !== undefined } : undefined;
}

/** The seq the list item on line `i` of an entry carries (i ≥ 1: under its first line), as a number. */
export function nestedSeqAt(entry: Entry, i: number): number | undefined {
  return seqNumber(nestedItemSeq(entry.lines[i]!)?.seq ?? '');
}

/** The highest seq the items indented under an entry carry, or 0 where none does. */
export function highestNestedSeq(entry: Entry): number {
  let max = 0;
  for (let i = 1; i < entry.lines.length; i++) {
    const seq = nestedSeqAt(entry, i);
    if (seq !== undefined && seq > max) max = seq;
  }
  return max;
}

/**
 * The seq a new task takes: above every seq a line of the file carries, an item's indented under an
 * entry included. The queue reads such an item as that entry's notes, not as a task, but its number is
 * in the file for a reader, and for the task it becomes once unindented: giving it to another task
 * would make two. check proposes this seq in its hints, `queue add` takes it, and the merge renumbers
 * a clash above it.
 */
export function nextFreeSeq(entries: Iterable<Entry>): number {
  let max = 0;
  for (const entry of entries) {
    const seq = seqOf(entry);
    if (seq !== undefined && seq > max) max = seq;
    const nested = highestNestedSeq(entry);
    if (nested > max) max = nested;
  }
  return max + 1;
}
