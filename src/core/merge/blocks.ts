/**
 * Splits Markdown into blocks: contiguous line ranges of the original text that follow the document's
 * structure (headings, paragraphs, code fences, html, table rows, list items, blank-line runs). Blocks
 * never lose a byte: joining every block's `text` gives the input back exactly.
 *
 * The parser is loaded statically; only `markdown.ts` imports this module, and the driver loads that
 * one only when git's line merge conflicted.
 */
import type { Nodes, Parent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export type BlockKind =
  | 'listItem'
  | 'heading'
  | 'paragraph'
  | 'code'
  | 'html'
  | 'tableRow'
  | 'table'
  | 'blank'
  | 'other';

export interface Block {
  readonly kind: BlockKind;
  /** First line (0-based) and the line after the last one. */
  readonly start: number;
  readonly end: number;
  /** The block's exact bytes, line terminators included. */
  readonly text: string;
  /** For list items: the list they belong to (its first line, unique within one document), else -1. */
  readonly list: number;
  /** For list items: nesting depth (0 = top-level list). */
  readonly depth: number;
  /** For list items: the bullet (`-`, `*`, `+`) or the ordered delimiter (`.`, `)`). */
  readonly marker: string;
}

/** Splits text into lines that keep their terminators (`\n` or `\r\n`); the last one may have none. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) break;
    lines.push(text.slice(from, nl + 1));
    from = nl + 1;
  }
  if (from < text.length) lines.push(text.slice(from));
  return lines;
}

const BLANK_LINE = /^[ \t]*\r?\n?$/;
const isBlank = (line: string): boolean => BLANK_LINE.test(line);

interface Span {
  kind: BlockKind;
  start: number;
  end: number;
  list: number;
  depth: number;
  marker: string;
}

/** Line range [start, end) of a node, 0-based. */
function lineRange(node: Nodes): [number, number] | undefined {
  const pos = node.position;
  if (!pos) return undefined;
  const start = pos.start.line - 1;
  // A node that ends at column 1 ends before that line (its last byte was the previous line's newline).
  const end = pos.end.column === 1 && pos.end.line > pos.start.line ? pos.end.line - 1 : pos.end.line;
  return [start, end];
}

function kindOf(node: Nodes): BlockKind {
  switch (node.type) {
    case 'heading':
    case 'paragraph':
    case 'code':
    case 'html':
    case 'listItem':
    case 'tableRow':
    case 'table':
      return node.type;
    default:
      return 'other';
  }
}

function markerOf(line: string): string {
  const m = /^[ \t]*(?:([-*+])|\d{1,9}([.)]))/.exec(line);
  return m ? (m[1] ?? m[2] ?? '') : '';
}

/**
 * Emits spans for the children of `parent` within [from, to): lists are descended into so that every
 * list item is its own span (nested lists too); tables are split into rows. Other lines are kept in
 * runs so that nothing is lost.
 */
function collect(parent: Parent, lines: string[], from: number, to: number, depth: number, out: Span[]): void {
  let cursor = from;
  const pushRest = (until: number, kind: BlockKind): void => {
    if (until > cursor) out.push({ kind, start: cursor, end: until, list: -1, depth: 0, marker: '' });
    cursor = Math.max(cursor, until);
  };
  for (const child of parent.children as Nodes[]) {
    const range = lineRange(child);
    if (!range) continue;
    const [s, e] = range;
    if (s < cursor || e > to) continue; // shares a line with the previous node: stays inside it
    pushRest(s, 'other');
    if (child.type === 'list') {
      for (const item of child.children) {
        const r = lineRange(item);
        if (!r || r[0] < cursor) continue;
        pushRest(r[0], 'other');
        emitItem(item, r[0], Math.min(r[1], e), lines, depth, s, out);
        cursor = Math.max(cursor, Math.min(r[1], e));
      }
      pushRest(e, 'other');
    } else if (child.type === 'table') {
      for (const row of child.children) {
        const r = lineRange(row);
        if (!r || r[0] < cursor) continue;
        pushRest(r[0], 'other');
        out.push({ kind: 'tableRow', start: r[0], end: r[1], list: -1, depth: 0, marker: '' });
        cursor = r[1];
      }
      pushRest(e, 'other');
    } else {
      out.push({ kind: kindOf(child), start: s, end: e, list: -1, depth: 0, marker: '' });
      cursor = e;
    }
  }
  pushRest(to, 'other');
}

function emitItem(
  item: Parent,
  start: number,
  end: number,
  lines: string[],
  depth: number,
  list: number,
  out: Span[],
): void {
  const marker = markerOf(lines[start] ?? '');
  // The item's own lines run up to its first nested list; nested items become blocks of their own.
  const nested = (item.children as Nodes[]).find((c) => c.type === 'list');
  const nestedRange = nested ? lineRange(nested) : undefined;
  if (!nested || !nestedRange || nestedRange[0] <= start || nestedRange[1] > end) {
    out.push({ kind: 'listItem', start, end, list, depth, marker });
    return;
  }
  out.push({ kind: 'listItem', start, end: nestedRange[0], list, depth, marker });
  const wrapper: Parent = { type: 'root', children: [nested] } as Parent;
  collect(wrapper, lines, nestedRange[0], end, depth + 1, out);
  // Anything after the nested list (a lazy paragraph, say) was already emitted as a run by collect.
}

/** Blank lines between blocks become runs of their own; other uncovered lines stay as `other`. */
function refine(spans: Span[], lines: string[]): Span[] {
  const out: Span[] = [];
  for (const span of spans) {
    if (span.kind !== 'other') {
      out.push(span);
      continue;
    }
    let i = span.start;
    while (i < span.end) {
      const blank = isBlank(lines[i] ?? '');
      let j = i + 1;
      while (j < span.end && isBlank(lines[j] ?? '') === blank) j++;
      out.push({ ...span, kind: blank ? 'blank' : 'other', start: i, end: j });
      i = j;
    }
  }
  return out;
}

/**
 * Splits Markdown into blocks whose texts, joined, give the input back byte for byte.
 *
 * Parsing is the merge's largest cost, so the text is cut at ATX headings (which always start a
 * top-level block outside fences and HTML comments) and each section is parsed once and cached: base,
 * ours, theirs and the rendered result share most sections.
 */
export function splitBlocks(text: string): Block[] {
  const lines = splitLines(text);
  const out: Block[] = [];
  // YAML front matter is not Markdown: each of its lines is a block of its own, so a key one side
  // added and an item the other added under another key keep their places.
  const matter = frontMatterEnd(lines);
  for (let k = 0; k < matter; k++) out.push({ kind: 'other', start: k, end: k + 1, list: -1, depth: 0, marker: '', text: lines[k]! });
  for (const [from, to] of sections(lines, matter)) {
    const chunk = lines.slice(from, to).join('');
    let spans = cache.get(chunk);
    if (!spans) {
      spans = parseSpans(chunk);
      if (cache.size >= 4096) cache.clear();
      cache.set(chunk, spans);
    }
    for (const s of spans) {
      out.push({
        ...s,
        start: s.start + from,
        end: s.end + from,
        list: s.list < 0 ? -1 : s.list + from,
        text: lines.slice(s.start + from, s.end + from).join(''),
      });
    }
  }
  return out;
}

const cache = new Map<string, readonly Span[]>();

function parseSpans(text: string): Span[] {
  const lines = splitLines(text);
  if (lines.length === 0) return [];
  const tree = fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const spans: Span[] = [];
  collect(tree, lines, 0, lines.length, 0, spans);
  return refine(spans, lines);
}

/** The line after a YAML front matter block (`---` on the first line to `---` or `...`), or 0. */
function frontMatterEnd(lines: readonly string[]): number {
  if (lines.length === 0 || lines[0]!.replace(/\r?\n$/, '') !== '---') return 0;
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!.replace(/\r?\n$/, '');
    if (line === '---' || line === '...') return k + 1;
  }
  return 0;
}

// (Constants: a regular expression literal in a loop is a new object on every line.)
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const COMMENT_OPEN = /^ {0,3}<!--/;
const ATX_HEADING = /^#{1,6}(?:[ \t]|$)/;

/** Line ranges that can be parsed independently: cut before ATX headings outside fences and comments. */
export function sections(lines: readonly string[], from = 0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = from;
  let fence: { char: string; len: number } | undefined;
  let inComment = false;
  lines.forEach((raw, k) => {
    if (k < from) return;
    const line = raw.replace(/\r?\n$/, '');
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.len) fence = undefined;
      return;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      return;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = { char: open[1]![0]!, len: open[1]!.length };
      return;
    }
    if (COMMENT_OPEN.test(line) && !line.includes('-->')) {
      inComment = true;
      return;
    }
    if (k > start && ATX_HEADING.test(line)) {
      out.push([start, k]);
      start = k;
    }
  });
  if (lines.length > start) out.push([start, lines.length]);
  return out;
}
