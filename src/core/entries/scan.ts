// The entry grammar of SPEC "Entry grammar", read by a line scanner: entries are line-oriented, and a
// full Markdown parse of a 10k-entry file costs seconds, so only the block merge of prose (which runs
// only where git's line merge conflicts) uses mdast. Every byte of the input is kept: a document is a
// list of blocks whose lines, concatenated, give the input back exactly.

export interface Tag {
  readonly key: string;
  readonly value: string;
  /** Offsets of the whole `[key:value]` in the entry's first line. */
  readonly start: number;
  readonly end: number;
}

export type TaskBox = ' ' | 'x' | 'X' | '-';

export interface Entry {
  readonly kind: 'entry';
  /** Raw lines, each with its own line ending ('' on a last line without one). */
  readonly lines: readonly string[];
  /** 0-based line number in the document it was read from. */
  readonly line: number;
  /** Leading white space of the list marker. */
  readonly indent: string;
  /** `-`, `*`, `+`, `1.` or `1)`. */
  readonly marker: string;
  readonly box: TaskBox | null;
  readonly tags: readonly Tag[];
  /**
   * Values derived from the entry's text (identity, sort key…), filled in lazily by the merge: each is
   * asked for several times per merge. Only text decides them, so a copy with another `line` may share it.
   * Made by the first value kept (`memoOf`): a check, which keeps none, makes no 10k empty objects.
   */
  memo: Record<string, unknown> | undefined;
}

export interface Prose {
  readonly kind: 'prose';
  readonly lines: readonly string[];
  readonly line: number;
}

export type Block = Entry | Prose;

export interface Doc {
  readonly blocks: readonly Block[];
}

const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)(?:\[([ xX-])\](?=[ \t]|\r?\n?$)[ \t]*)?/;
const TAG = /\[([a-z][a-z0-9_-]*)(::?)([^\]\n]*)\](?!\()/g;
const FENCE = /^[ \t]*(`{3,}|~{3,})/;
const INLINE_CODE = /(`+)[^`]*?\1/g;

/** A line with its ending, or the last one without. */
const LINE = /[^\n]*\n|[^\n]+$/g;

/**
 * Splits text into lines that keep their line endings; joining them gives the text back. One native
 * match: a large merge splits three 1 MB versions, and a loop over them runs cold.
 */
export function splitLines(text: string): string[] {
  return text.match(LINE) ?? [];
}

/** The line without its line ending. */
export function lineBody(line: string): string {
  if (line.endsWith('\r\n')) return line.slice(0, -2);
  if (line.endsWith('\n')) return line.slice(0, -1);
  return line;
}

export function lineEnding(line: string): '' | '\n' | '\r\n' {
  if (line.endsWith('\r\n')) return '\r\n';
  if (line.endsWith('\n')) return '\n';
  return '';
}

// These two run on every line of a file the parser reads (twice for a line after an entry): char codes,
// no string made.
function indentWidth(line: string): number {
  let width = 0;
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 32) width += 1;
    else if (c === 9) width += 4 - (width % 4);
    else break;
  }
  return width;
}

/** Whether the line is empty or white space only (what `trim` removes, as before). */
function isBlank(line: string): boolean {
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    // A visible ASCII character; anything else may be white space to `trim` (NBSP, U+2028…).
    if (c > 32 && c < 127) return false;
    return lineBody(line).trim() === '';
  }
  return true;
}

/**
 * Each tag of a line without backticks, as `readTags` reads it (Dataview values trimmed), without
 * building Tag objects: folding reads a few tags of every line of a large file.
 */
export function eachTag(line: string, visit: (key: string, value: string) => void): void {
  if (line.includes('`')) throw new Error('eachTag reads lines without inline code only');
  TAG.lastIndex = 0;
  for (let m = TAG.exec(line); m; m = TAG.exec(line)) visit(m[1]!, m[2] === '::' ? (m[3] ?? '').trim() : (m[3] ?? ''));
}

/**
 * The keys of SPEC's tags, each one string: a key read from a line is replaced by its copy here, so the
 * tags of a 10k-entry file hold a handful of key strings, not one per tag that the garbage collector
 * moves (a file's entries live as long as the merge or check that read them).
 */
const KEYS = new Map(
  ['seq', 'id', 'agent', 'at', 'depends', 'claim', 'done', 'was', 'status', 'ttl', 'entity', 'attr', 'superseded', 'op', 'kind', 'args', 'state', 'by', 'lease', 'exit', 'out', 'resolved', 'key', 'claim-lost', 'alias'].map(
    (key) => [key, key],
  ),
);

/** Tags of a first line; inline code spans are masked so `[x:y]` inside backticks is not a tag. */
export function readTags(firstLine: string, from = 0): Tag[] {
  const body = lineBody(firstLine);
  const masked = body.includes('`') ? body.replace(INLINE_CODE, (m) => ' '.repeat(m.length)) : body;
  const tags: Tag[] = [];
  TAG.lastIndex = from;
  for (let m = TAG.exec(masked); m; m = TAG.exec(masked)) {
    const dataview = m[2] === '::';
    const value = dataview ? (m[3] ?? '').trim() : (m[3] ?? '');
    const key = m[1]!;
    tags.push({ key: KEYS.get(key) ?? key, value, start: m.index, end: m.index + m[0].length });
  }
  return tags;
}

interface ListItemHead {
  readonly indent: string;
  readonly marker: string;
  readonly box: TaskBox | null;
  /** Offset where the item's text starts (after marker and box). */
  readonly textStart: number;
}

function listItemHead(line: string): ListItemHead | null {
  const m = LIST_ITEM.exec(line);
  if (!m) return null;
  return { indent: m[1]!, marker: m[2]!, box: (m[4] as TaskBox | undefined) ?? null, textStart: m[0].length };
}

/**
 * Parses a typed file into prose and entries. Entries are list items with at least one tag on their
 * first line, outside front matter, code fences and HTML comments; their continuation is every
 * following line indented deeper than the marker, with blank lines between such lines.
 */
/**
 * Reads of lines, shared by the parses of one merge: the three versions of a file share almost all
 * their lines, so each distinct line is matched and its tags read once, and a one-line entry is one
 * object in every version that has it (so what the merge derives from it is computed once). Such a
 * shared entry's `line` is where the first parse met it.
 */
export type LineCache = Map<string, { head: ListItemHead | null; tags: Tag[]; entry?: Entry }>;

/**
 * With `shareEntries` false, the cache shares only the reads of lines (list item head, tags), never
 * entry objects: for the checks, whose findings need each parse's own line numbers.
 */
/** Front matter: `---` on the first line up to the closing `---` or `...`; the closing line's index. */
function frontMatterEnd(lines: readonly string[]): number | undefined {
  if (lines.length === 0 || lineBody(lines[0]!).trimEnd() !== '---') return undefined;
  let end = 1;
  while (end < lines.length && !/^(---|\.\.\.)\s*$/.test(lineBody(lines[end]!))) end++;
  return end < lines.length ? end : undefined;
}

export function parseDoc(text: string, cache?: LineCache, shareEntries = true): Doc {
  const lines = splitLines(text);
  const blocks: Block[] = [];
  let prose: string[] = [];
  let proseStart = 0;
  const flushProse = (): void => {
    if (prose.length > 0) blocks.push({ kind: 'prose', lines: prose, line: proseStart });
    prose = [];
  };
  const addProse = (line: string, at: number): void => {
    if (prose.length === 0) proseStart = at;
    prose.push(line);
  };

  let i = 0;
  const front = frontMatterEnd(lines);
  if (front !== undefined) for (; i <= front; i++) addProse(lines[i]!, i);

  let fence: { char: string; length: number } | null = null;
  let inComment = false;
  while (i < lines.length) {
    const line = lines[i]!;
    if (fence) {
      const close = FENCE.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length && lineBody(line).slice(lineBody(line).indexOf(close[1]!) + close[1]!.length).trim() === '') {
        fence = null;
      }
      addProse(line, i++);
      continue;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      addProse(line, i++);
      continue;
    }
    const open = line.includes('``') || line.includes('~~') ? FENCE.exec(line) : null;
    if (open) {
      fence = { char: open[1]![0]!, length: open[1]!.length };
      addProse(line, i++);
      continue;
    }
    const commentAt = line.indexOf('<!--');
    if (commentAt !== -1 && line.indexOf('-->', commentAt + 4) === -1) {
      inComment = true;
      addProse(line, i++);
      continue;
    }
    let read = cache?.get(line);
    if (!read) {
      const head = listItemHead(line);
      read = { head, tags: head ? readTags(line, head.textStart) : [] };
      cache?.set(line, read);
    }
    const { head, tags } = read;
    if (!head || tags.length === 0) {
      addProse(line, i++);
      continue;
    }
    flushProse();
    const start = i;
    const width = indentWidth(line);
    const entryLines = [line];
    i++;
    let innerFence: { char: string; length: number } | null = null;
    while (i < lines.length) {
      const next = lines[i]!;
      if (innerFence) {
        entryLines.push(next);
        i++;
        const close = FENCE.exec(next);
        if (close && close[1]![0] === innerFence.char && close[1]!.length >= innerFence.length) innerFence = null;
        continue;
      }
      if (isBlank(next)) {
        // Blank lines belong to the entry only when an indented line follows them (a loose item).
        let after = i;
        while (after < lines.length && isBlank(lines[after]!)) after++;
        if (after >= lines.length || indentWidth(lines[after]!) <= width) break;
        while (i < after) entryLines.push(lines[i++]!);
        continue;
      }
      if (indentWidth(next) <= width) break;
      const f = FENCE.exec(next);
      if (f) innerFence = { char: f[1]![0]!, length: f[1]!.length };
      entryLines.push(next);
      i++;
    }
    if (entryLines.length === 1 && read.entry && shareEntries) {
      blocks.push(read.entry);
      continue;
    }
    const entry: Entry = { kind: 'entry', lines: entryLines, line: start, indent: head.indent, marker: head.marker, box: head.box, tags, memo: undefined };
    if (entryLines.length === 1 && cache && shareEntries) read.entry = entry;
    blocks.push(entry);
  }
  flushProse();
  return { blocks };
}

/**
 * The line ranges [open, close] (0-based; close Infinity when never closed) that `parseDoc` may read as
 * front matter, the inside of a code fence or of an HTML comment: there a list item is no entry. A fence
 * inside an entry closes on any closing line, one outside on a bare one only; an indented line may be
 * either (or, opening a comment, an entry's note), so every reading is followed, fence by fence, and a
 * range any of them has is given. `marked`: the indices of the lines that may open or close a fence or
 * comment, ascending (the caller may know them from a search of the text); all lines when absent.
 */
export function unreadRanges(lines: readonly string[], marked?: readonly number[]): Array<readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  const range = (open: number, close: number): void => void out.set(`${open}:${close}`, [open, close]);
  let from = 0;
  const front = frontMatterEnd(lines);
  if (front !== undefined) {
    range(0, front);
    from = front + 1;
  }
  // The states the parser may be in: outside, or in a fence (lenient: an entry's, closed by any closing
  // line) or a comment opened at a line. One reading per fence, not per file: two passes, one strict and
  // one lenient throughout, both miss a fence opened after an entry's fence and a top-level one closed.
  type State = { readonly at: number; readonly fence?: { char: string; length: number; lenient: boolean } } | undefined;
  let states: State[] = [undefined];
  for (const k of marked ?? lines.map((_, n) => n)) {
    if (k < from) continue;
    const line = lineBody(lines[k]!);
    const next = new Map<string, State>();
    const add = (state: State): void => void next.set(state === undefined ? '' : `${state.at}:${state.fence?.lenient ?? 'comment'}`, state);
    const indented = line.startsWith(' ') || line.startsWith('\t');
    for (const state of states) {
      if (state?.fence) {
        const { char, length, lenient } = state.fence;
        const close = FENCE.exec(line);
        const bare = close !== null && line.slice(line.indexOf(close[1]!) + close[1]!.length).trim() === '';
        if (close && close[1]![0] === char && close[1]!.length >= length && (bare || lenient)) {
          range(state.at, k);
          add(undefined);
        } else add(state);
        continue;
      }
      if (state) {
        if (line.includes('-->')) {
          range(state.at, k);
          add(undefined);
        } else add(state);
        continue;
      }
      const open = FENCE.exec(line);
      if (open) {
        add({ at: k, fence: { char: open[1]![0]!, length: open[1]!.length, lenient: false } });
        if (indented) add({ at: k, fence: { char: open[1]![0]!, length: open[1]!.length, lenient: true } });
        continue;
      }
      const c = line.indexOf('<!--');
      if (c !== -1 && line.indexOf('-->', c + 4) === -1) {
        add({ at: k });
        if (indented) add(undefined);
      } else add(undefined);
    }
    states = [...next.values()];
    // Readings that keep apart are rare; too many of them, and everything from the first is unread.
    if (states.length > MAX_READINGS) {
      range(Math.min(...states.map((state) => state?.at ?? k)), Number.POSITIVE_INFINITY);
      return [...out.values()];
    }
  }
  for (const state of states) if (state) range(state.at, Number.POSITIVE_INFINITY);
  return [...out.values()];
}

const MAX_READINGS = 32;

export function renderDoc(doc: Doc): string {
  let out = '';
  for (const block of doc.blocks) for (const line of block.lines) out += line;
  return out;
}

/** The entry's memo (see Entry.memo), made on first use. */
export function memoOf(entry: Entry): Record<string, unknown> {
  return (entry.memo ??= {});
}

export function entriesOf(doc: Doc): Entry[] {
  return doc.blocks.filter((b): b is Entry => b.kind === 'entry');
}

/** The first value of a tag, or undefined. */
export function tagValue(entry: Entry, key: string): string | undefined {
  const tags = entry.tags;
  for (let k = 0; k < tags.length; k++) if (tags[k]!.key === key) return tags[k]!.value;
  return undefined;
}

/** The entry's whole text. */
export function entryText(entry: Entry): string {
  return entry.lines.join('');
}

/** The free text of the first line: what remains after the marker, box and every tag. */
export function entryBody(entry: Entry): string {
  const first = lineBody(entry.lines[0]!);
  const head = listItemHead(first);
  let body = '';
  let at = head ? head.textStart : 0;
  for (const t of entry.tags) {
    body += first.slice(at, t.start);
    at = t.end;
  }
  body += first.slice(at);
  return body.replace(/\s+/g, ' ').trim();
}

/** Re-reads an entry from new text (a single entry's lines), keeping its position. */
export function reparseEntry(text: string, line: number): Entry | null {
  const doc = parseDoc(text);
  const [only] = doc.blocks;
  if (doc.blocks.length !== 1 || !only || only.kind !== 'entry') return null;
  return { ...only, line };
}

/**
 * Returns the entry with tag `key` set to `value`: an existing tag is rewritten in place, a new one is
 * inserted after the last tag of the first line, so the free text stays where it was.
 */
export function withTag(entry: Entry, key: string, value: string, before?: string): Entry {
  const first = entry.lines[0]!;
  const existing = entry.tags.find((t) => t.key === key);
  const tag = `[${key}:${value}]`;
  const next = existing || before === undefined ? undefined : entry.tags.find((t) => t.key === before);
  const nextFirst = existing
    ? first.slice(0, existing.start) + tag + first.slice(existing.end)
    : next
      ? `${first.slice(0, next.start)}${tag} ${first.slice(next.start)}`
      : insertAfterLastTag(first, entry.tags, tag);
  return replaceFirstLine(entry, nextFirst);
}

function insertAfterLastTag(first: string, tags: readonly Tag[], tag: string): string {
  const last = tags[tags.length - 1];
  if (!last) throw new Error('an entry always has a tag');
  return `${first.slice(0, last.end)} ${tag}${first.slice(last.end)}`;
}

/** All values of a tag, in order (tags may repeat, e.g. `[claim-lost:…]`). */
export function tagValues(entry: Entry, key: string): string[] {
  return entry.tags.filter((t) => t.key === key).map((t) => t.value);
}

/** Returns the entry without any `[key:…]` tag (and the space before each). */
export function withoutTag(entry: Entry, key: string): Entry {
  if (!entry.tags.some((t) => t.key === key)) return entry;
  let first = entry.lines[0]!;
  for (const t of [...entry.tags].reverse()) {
    if (t.key !== key) continue;
    const start = t.start > 0 && first[t.start - 1] === ' ' ? t.start - 1 : t.start;
    first = first.slice(0, start) + first.slice(t.end);
  }
  return replaceFirstLine(entry, first);
}

/** Returns the entry with a further `[key:value]` tag after its last tag (for repeatable tags). */
export function withAddedTag(entry: Entry, key: string, value: string): Entry {
  return replaceFirstLine(entry, insertAfterLastTag(entry.lines[0]!, entry.tags, `[${key}:${value}]`));
}

/** Returns the entry with its task box set (`null` removes it). */
export function withBox(entry: Entry, box: TaskBox | null): Entry {
  if (entry.box === box) return entry;
  const first = entry.lines[0]!;
  const m = /^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)(\[[ xX-]\][ \t]*)?/.exec(first)!;
  const boxText = box === null ? '' : `[${box}] `;
  return replaceFirstLine(entry, m[1] + boxText + first.slice(m[0].length));
}

/** Returns the entry with new lines after its first line. */
export function withContinuation(entry: Entry, lines: readonly string[]): Entry {
  const rebuilt = reparseEntry([entry.lines[0]!, ...lines].join(''), entry.line);
  if (!rebuilt) throw new Error(`continuation lines break the entry at line ${entry.line + 1}`);
  return rebuilt;
}

/**
 * The entry with a new first line. Reads only that line again (the merge edits thousands of entries:
 * a whole-document parse per edit was most of a queue merge's time); the continuation is unchanged.
 */
function replaceFirstLine(entry: Entry, first: string): Entry {
  const head = lineBody(first).includes('\n') ? null : listItemHead(first);
  const tags = head ? readTags(first, head.textStart) : [];
  if (!head || tags.length === 0 || head.indent !== entry.indent) {
    throw new Error(`editing line ${entry.line + 1} produced a non-entry`);
  }
  return { kind: 'entry', lines: [first, ...entry.lines.slice(1)], line: entry.line, indent: head.indent, marker: head.marker, box: head.box, tags, memo: undefined };
}
