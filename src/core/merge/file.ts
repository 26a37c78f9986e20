// The merge of one file, whatever its type: the single entry point of the core that the driver calls.
import { facts } from '../crdt/facts.js';
import { heartbeat } from '../crdt/heartbeat.js';
import { ledger } from '../crdt/ledger.js';
import { ops } from '../crdt/ops.js';
import { queue } from '../crdt/queue.js';
import type { EntryType } from '../crdt/keyed.js';
import { hasMarkdownConflict } from '../check/markers.js';
import type { LineMerge, MergeOptions, MergeResult } from '../result.js';
import { fallbackLineMerge, mergeTyped } from './typed.js';
import type { FileType } from '../file-types.js';

export { FILE_TYPES, type FileType, isFileType } from '../file-types.js';

/** Entry types with a CRDT merge; `markdown` has none. */
const ENTRY_TYPES: Partial<Record<FileType, EntryType>> = { heartbeat, facts, queue, ops, ledger };

const CONFLICT_OPEN = /^<{7,}(?: |\r?$)/m;
const CONFLICT_CLOSE = /^>{7,}(?: |\r?$)/m;

/** Whether a text holds a conflict: an opening and a closing marker line (a lone ======= is Markdown). */
export function hasConflictMarkers(text: string): boolean {
  // The plain searches first: a multiline expression over a large file is slow to say "no".
  if (!text.includes('<<<<<<<') || !text.includes('>>>>>>>')) return false;
  return CONFLICT_OPEN.test(text) && CONFLICT_CLOSE.test(text);
}

/** Whether `text`, of type `type`, holds a conflict: in plain Markdown, one outside a fenced code block. */
export function hasConflict(text: string, type?: string): boolean {
  return hasConflictMarkers(text) && (type !== 'markdown' || hasMarkdownConflict(text));
}

/**
 * Why an input cannot be merged structurally, or null. In plain Markdown a conflict shown in a fenced
 * code block is content (a document about git), not a virtual merge base.
 */
export function unmergeableReason(texts: readonly string[], type?: FileType): string | null {
  return texts.some((text) => hasConflict(text, type)) ? 'input-has-conflict-markers' : null;
}

const BOM = '\uFEFF';

/**
 * The byte order mark put back on a merge of the texts without it. Where the text starts with a
 * conflict, the mark goes on each section's first line, where git's line merge of the whole files has
 * it: before the opening marker it would hide the marker from every reader of markers.
 */
function withBom(text: string, markerSize: number): string {
  if (!text.startsWith('<'.repeat(markerSize))) return BOM + text;
  const lines = text.split(/(?<=\n)/);
  const marker = (line: string | undefined, char: string): boolean => line !== undefined && line.startsWith(char.repeat(markerSize));
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    const next = lines[k + 1];
    const opens = k === 0 || marker(line, '|') || (marker(line, '=') && line.replace(/\r?\n$/, '') === '='.repeat(markerSize));
    if (opens && next !== undefined && !marker(next, '|') && !marker(next, '=') && !marker(next, '>')) lines[k + 1] = BOM + next;
    if (marker(line, '>')) break;
  }
  return lines.join('');
}

/** Runs a line merge at most once per input: the Markdown merge starts with the same line merge. */
function memoize(lineMerge: LineMerge): LineMerge {
  let last: { input: Parameters<LineMerge>[0]; result: ReturnType<LineMerge> } | undefined;
  const same = (a: Parameters<LineMerge>[0], b: Parameters<LineMerge>[0]): boolean =>
    a.base === b.base && a.ours === b.ours && a.theirs === b.theirs && a.markerSize === b.markerSize && (a.labels ?? []).join('\0') === (b.labels ?? []).join('\0');
  return (input) => {
    if (!last || !same(last.input, input)) last = { input, result: lineMerge(input) };
    return last.result;
  };
}

/**
 * Merges one file of `type`. Async only because the Markdown block merge (and the Markdown parser it
 * needs) is loaded when a line merge conflicts, never on the common clean path.
 */
export async function mergeFile(type: FileType, base: string, ours: string, theirs: string, options: MergeOptions): Promise<MergeResult> {
  // The three-way identities, for every type: one side unchanged, or both sides the same.
  if (ours === theirs || theirs === base) return { text: ours, conflicts: 0, method: 'trivial' };
  if (ours === base) return { text: theirs, conflicts: 0, method: 'trivial' };
  const opts: MergeOptions = { ...options, lineMerge: memoize(options.lineMerge) };
  const reason = unmergeableReason([base, ours, theirs], type);
  if (reason) return fallbackLineMerge(opts.lineMerge, base, ours, theirs, opts, `fallback:${reason}`);

  const entryType = ENTRY_TYPES[type];
  if (entryType) {
    const prose = async () => (await loadMarkdown()).mergeMarkdown;
    // A byte order mark (a Windows editor's) before the first entry hides it from the entry grammar:
    // on all three versions it is no part of any entry, merged without it and put back.
    if (base.startsWith(BOM) && ours.startsWith(BOM) && theirs.startsWith(BOM)) {
      const result = await mergeTyped(entryType, base.slice(1), ours.slice(1), theirs.slice(1), opts, prose);
      return { ...result, text: withBom(result.text, opts.markerSize) };
    }
    return mergeTyped(entryType, base, ours, theirs, opts, prose);
  }
  const line = opts.lineMerge({ base, ours, theirs, markerSize: opts.markerSize, ...(opts.labels ? { labels: opts.labels } : {}) });
  if (line.conflicts === 0) return { text: line.text, conflicts: 0, method: 'line' };
  const { mergeMarkdown } = await loadMarkdown();
  return mergeMarkdown(base, ours, theirs, opts);
}

function loadMarkdown(): Promise<typeof import('./markdown.js')> {
  return import('./markdown.js');
}
