// What a queue entry says on its own: its seq, status and depends as written. Kept apart from the queue
// merge so that the checks and the hook read entries without loading the merge (and its folding).
import { type Entry, tagValue } from '../entries/scan.js';

export type Status = 'open' | 'claimed' | 'done' | 'cancelled';

export function statusOf(entry: Entry): Status {
  if (entry.box === 'x' || entry.box === 'X') return 'done';
  if (entry.box === '-') return 'cancelled';
  return tagValue(entry, 'claim') !== undefined ? 'claimed' : 'open';
}

export const STATUS_RANK: Readonly<Record<Status, number>> = { open: 0, claimed: 1, cancelled: 2, done: 3 };

/** A seq past 2^53 is none: read as a double it would be rounded into another task's number. */
export function seqOf(entry: Entry): number | undefined {
  const value = tagValue(entry, 'seq');
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const seq = Number(value.trim());
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** The seq numbers an entry depends on, as written. */
export function dependsOf(entry: Entry): number[] {
  const value = tagValue(entry, 'depends');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter(Number.isSafeInteger);
}
