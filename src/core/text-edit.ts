// Edits of a typed file that keep every other byte: replace one entry, insert a line after an entry or
// at the end. Shared by the pure planners of the writer commands (queue, heartbeat, facts).
import { type Doc, type Entry, lineBody, lineEnding, splitLines } from './entries/scan.js';

/** The line ending a file uses: CRLF if its first line ending is CRLF, else LF. */
export function eolOf(text: string): '\n' | '\r\n' {
  const first = splitLines(text).find((line) => lineEnding(line) !== '');
  return first !== undefined && lineEnding(first) === '\r\n' ? '\r\n' : '\n';
}

/** The document's text with `entry` (a block of `doc`) replaced by `next`. */
export function replaceEntry(doc: Doc, entry: Entry, next: Entry): string {
  let out = '';
  for (const block of doc.blocks) for (const line of (block === entry ? next : block).lines) out += line;
  return out;
}

/**
 * The document's text with `line` (no line ending) inserted after `after` (a block of `doc`), or at the
 * end when `after` is undefined. Appending at the end leaves a blank line after prose, so the new item
 * does not read as part of a paragraph.
 */
export function insertLine(doc: Doc, after: Entry | undefined, line: string, eol: '\n' | '\r\n'): string {
  let out = '';
  let inserted = false;
  const put = (): void => {
    if (out !== '' && !out.endsWith('\n')) out += eol;
    out += line + eol;
    inserted = true;
  };
  for (const block of doc.blocks) {
    for (const l of block.lines) out += l;
    if (block === after) put();
  }
  if (!inserted) {
    if (out !== '' && !out.endsWith('\n')) out += eol;
    const lines = splitLines(out);
    const last = lines.length > 0 ? lineBody(lines[lines.length - 1]!) : '';
    if (last.trim() !== '' && !/^\s*([-*+]|\d{1,9}[.)])\s/.test(last)) out += eol;
    put();
  }
  return out;
}

/** Tag values may not contain `]` or a line break; outer white space is dropped. */
export function cleanTagValue(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' || /[\]\r\n]/.test(trimmed) ? undefined : trimmed;
}
