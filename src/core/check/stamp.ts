// The pre-commit hook's one write: an `[id:…]` on every queue entry written by hand without one,
// placed right after its `[seq:…]`. Pure: the ids come from the caller. An entry that the base knows
// under an id (same seq and text) gets that id back, so an id dropped by an edit is restored, not
// replaced by a new one.
import { nestedItemSeq, seqOf } from '../crdt/queue-entry.js';
import { type Entry, type LineCache, entriesOf, entryBody, lineBody, parseDoc, readTags, splitLines, tagValue, unreadRanges } from '../entries/scan.js';

export interface Stamp {
  /** 1-based line of the entry. */
  readonly line: number;
  readonly seq: number | undefined;
  readonly id: string;
  /** How the entry is recognised in another copy of the file: seq and free text. */
  readonly key: string;
}

export interface StampResult {
  readonly text: string;
  readonly stamped: readonly Stamp[];
}

/** Picks the id for an entry (known by `key`) that has none, never one in `taken`; undefined leaves it without. */
export type IdFor = (key: string, taken: ReadonlySet<string>) => string | undefined;

export function contentKey(entry: Entry): string {
  return `${tagValue(entry, 'seq')?.trim() ?? ''}\u001f${entryBody(entry)}`;
}

/** Entries that need an id: queue entries with a seq tag and no id tag at all. */
function needsId(entry: Entry): boolean {
  return tagValue(entry, 'id') === undefined && entry.tags.some((t) => t.key === 'seq');
}

/**
 * A line holding `[seq:` that may be the first line of an entry without an id: it has inline code, or
 * no id tag right after a seq tag as strata writes them (`[seq:12] [id:k7q2m9xa4c]`). That spelling
 * is always read as a tag: no earlier tag can reach over the `]` of the seq before it. No such line in
 * the text: no entry needs an id, and stamping reads nothing.
 */
const MAY_NEED_ID = /^(?=[^\n]*\[seq:)(?:[^\n]*`|(?![^\n]*\[seq:\d+\] \[id:[^\]\n]*\](?!\()))/m;

/** Whether an entry of the text may need an id; false: surely none does (see MAY_NEED_ID). */
export function mayNeedIds(text: string): boolean {
  return MAY_NEED_ID.test(text);
}

export function stampIds(text: string, idFor: IdFor, reads?: LineCache): StampResult {
  // An entry's seq tag is on its first line, and so is its id tag. The hook stamps every staged queue,
  // and a 10k-task queue written by strata is answered here without a parse.
  if (!mayNeedIds(text)) return { text, stamped: [] };
  const entries = entriesOf(parseDoc(text, reads, false));
  const missing = entries.filter(needsId);
  if (missing.length === 0) return { text, stamped: [] };

  const taken = new Set<string>();
  for (const entry of entries) {
    const id = tagValue(entry, 'id')?.trim();
    if (id) taken.add(id);
  }
  const lines = splitLines(text);
  const stamped: Stamp[] = [];
  for (const entry of missing) {
    const key = contentKey(entry);
    const id = idFor(key, taken);
    if (id === undefined) continue;
    taken.add(id);
    const seqTag = entry.tags.find((t) => t.key === 'seq')!;
    const first = lines[entry.line]!;
    const body = lineBody(first);
    lines[entry.line] = `${body.slice(0, seqTag.end)} [id:${id}]${body.slice(seqTag.end)}${first.slice(body.length)}`;
    stamped.push({ line: entry.line + 1, seq: seqOf(entry), id, key });
  }
  return { text: lines.join(''), stamped };
}

/**
 * Ids the base knows its entries by (seq and text → id), then fresh ones from `fresh`. The base is read
 * only when an entry needs an id: most commits stamp none.
 */
export function reusingBase(baseText: string | undefined, fresh: (taken: ReadonlySet<string>) => string, reads?: LineCache): IdFor {
  let known: Map<string, string> | undefined;
  const read = (): Map<string, string> => {
    const ids = new Map<string, string>();
    if (baseText !== undefined) {
      for (const entry of entriesOf(parseDoc(baseText, reads, false))) {
        const id = tagValue(entry, 'id')?.trim();
        if (id) ids.set(contentKey(entry), id);
      }
    }
    return ids;
  };
  return (key, taken) => {
    known ??= read();
    const id = known.get(key);
    known.delete(key);
    return id !== undefined && !taken.has(id) ? id : fresh(taken);
  };
}

/**
 * The same ids again, for another copy of the file (the working tree beside the index); other entries
 * get fresh ones, or, without `fresh`, stay as they are.
 */
export function sameAs(stamped: readonly Stamp[], fresh?: (taken: ReadonlySet<string>) => string): IdFor {
  const ids = new Map(stamped.map((s) => [s.key, s.id]));
  return (key, taken) => {
    const id = ids.get(key);
    ids.delete(key);
    return id !== undefined && !taken.has(id) ? id : fresh?.(taken);
  };
}

/**
 * After `sameAs`: an entry of the copy whose text differs (reworded there, unstaged) gets the id of the
 * stamped entry with its seq, where exactly one was stamped with that seq and the copy does not hold
 * that id already. Only for a copy of the same commit's file: there that seq names the task the index
 * holds, not a task deleted earlier. Other entries stay as they are.
 */
export function sameSeqAs(stamped: readonly Stamp[]): IdFor {
  const seqs = new Map<string, string | undefined>();
  for (const s of stamped) {
    const seq = s.key.slice(0, s.key.indexOf('\u001f'));
    seqs.set(seq, seqs.has(seq) ? undefined : s.id);
  }
  return (key, taken) => {
    const seq = key.slice(0, key.indexOf('\u001f'));
    const id = seq === '' ? undefined : seqs.get(seq);
    seqs.delete(seq);
    return id !== undefined && !taken.has(id) ? id : undefined;
  };
}

const TASK_BOX = /^[-*+][ \t]+\[[ xX-]\][ \t]+\S/;
/** Whether a line without inline code has a tag: what readTags would find, without reading them. */
const ANY_TAG = /\[[a-z][a-z0-9_-]*::?[^\]\n]*\](?!\()/;

/**
 * Top-level task-box items with no tag at all (`- [ ] fix the login bug`): to the queue they are prose,
 * never stamped and never listed by `queue next`. The hook names them without refusing the commit (a
 * queue file's notes may hold a checklist). Lines the parser may read as front matter, code or a
 * comment are left out.
 */
export function untaggedTasks(text: string): Array<{ line: number; text: string }> {
  const lines = splitLines(text);
  // Runs in the hook on every staged queue, whose 10k task lines all have tags: a line is read only
  // when it may be one, and where the parser stops reading only when one is found.
  let unread: Array<readonly [number, number]> | undefined;
  const out: Array<{ line: number; text: string }> = [];
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k]!;
    if (!TASK_BOX.test(raw) || (raw.includes('`') ? readTags(raw).length > 0 : ANY_TAG.test(raw))) continue;
    unread ??= unreadRanges(lines);
    if (unread.some(([open, close]) => open <= k && k <= close)) continue;
    out.push({ line: k + 1, text: lineBody(raw) });
  }
  return out;
}

/** A list item with a task box, indented: under an entry it is that entry's notes, whatever it says. */
const NESTED_TASK = /^[ \t]+(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX-]\][ \t][^\n]*\[seq::?/m;

/**
 * Task-box items with a `[seq:…]` indented under an entry (`  - [ ] [seq:4] subtask`): to the queue
 * they are that entry's notes, never stamped, listed or checked as tasks. The hook names them without
 * refusing the commit. Read only where a native search finds such a line; lines in a code block under
 * the entry are left out.
 */
export function nestedTasks(text: string): Array<{ line: number; text: string; under: number }> {
  if (!NESTED_TASK.test(text)) return [];
  const out: Array<{ line: number; text: string; under: number }> = [];
  for (const entry of entriesOf(parseDoc(text))) {
    let fenced = false;
    for (let i = 1; i < entry.lines.length; i++) {
      const body = lineBody(entry.lines[i]!);
      if (/^[ \t]*(?:```|~~~)/.test(body)) fenced = !fenced;
      if (fenced || !nestedItemSeq(body)?.task) continue;
      out.push({ line: entry.line + i + 1, text: body.trim(), under: entry.line + 1 });
    }
  }
  return out;
}
