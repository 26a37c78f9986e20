/**
 * List-specific rules for the block merge: how curated lists are sorted, where concurrent insertions go,
 * and how an inserted item follows a list's restyling. All rules are symmetric in ours/theirs.
 */
import type { Block } from './blocks.js';

const ITEM_PREFIX = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX-]\][ \t]+)?/;

/**
 * The key a person sorts a list item by: its first line without bullet, task box, markup and
 * punctuation, lower-cased. Code-point order of these keys is machine-independent.
 */
export function sortKey(text: string): string {
  const first = (text.split('\n', 1)[0] ?? '').replace(ITEM_PREFIX, '');
  return first
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Total, symmetric order for list items and insertion runs: sort key, then the raw bytes. */
export function compareItems(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a list's items are in (case-insensitive) sorted order, as curated lists are. */
export function isSorted(items: readonly string[]): boolean {
  if (items.length < 3) return false;
  let inOrder = 0;
  for (let i = 1; i < items.length; i++) if (sortKey(items[i - 1]!) <= sortKey(items[i]!)) inOrder++;
  // A curated list may have a stray item or two out of place; most of it must be sorted.
  return inOrder >= Math.ceil((items.length - 1) * 0.9);
}

/** Merges two runs of items by sort key (each run's own order is kept where it is not sorted). */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], text: (t: T) => string): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (compareItems(text(a[i]!), text(b[j]!)) <= 0) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The items of the list a block belongs to, in a document's block list. */
export function listItems(blocks: readonly Block[], list: number, depth: number): string[] {
  return blocks.filter((b) => b.kind === 'listItem' && b.list === list && b.depth === depth).map((b) => b.text);
}

/** Replaces an item's bullet (`*` → `-`), keeping everything else byte for byte. */
export function restyleItem(text: string, from: string, to: string): string {
  return text.replace(/^([ \t]*)([-*+])(?=[ \t])/, (all, indent: string, bullet: string) =>
    bullet === from ? indent + to : all,
  );
}

const LINK = /\[([^\]]*)\]\(([^)\s]*)/;

/**
 * Whether two items are the same entry worded differently: the same link target or link text, or the
 * same sort key. Both sides adding one entry at one place is a single edit made twice.
 */
export function sameEntry(a: string, b: string): boolean {
  if (a === b) return true;
  const la = LINK.exec(a.split('\n', 1)[0] ?? '');
  const lb = LINK.exec(b.split('\n', 1)[0] ?? '');
  if (la && lb && ((la[2] && la[2] === lb[2]) || (la[1] && sortKey(la[1]) === sortKey(lb[1] ?? '')))) return true;
  const ka = sortKey(a);
  return ka.length > 0 && ka === sortKey(b);
}

/** The first link target on an item's first line, if any. */
export function linkTarget(text: string): string | undefined {
  return LINK.exec(text.split('\n', 1)[0] ?? '')?.[2] || undefined;
}

/**
 * Whether one item is plausibly an edit of the other: the same entry, or mostly the same words.
 * Used to tell "changed this item" from "removed it and added another".
 */
export function related(a: string, b: string): boolean {
  if (sameEntry(a, b)) return true;
  const wa = new Set(sortKey(a).split(' ').filter(Boolean));
  const wb = new Set(sortKey(b).split(' ').filter(Boolean));
  if (wa.size === 0 || wb.size === 0) return false;
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / Math.min(wa.size, wb.size) >= 0.5;
}
