// Conflict markers left in a file: `<<<<<<<` (7 or more, then a space or the end of the line) up to
// its `>>>>>>>`. A lone `=======` is not one: in Markdown it underlines a heading.
import { lineBody, splitLines } from '../entries/scan.js';

export interface MarkerRegion {
  /** 1-based line of the `<<<<<<<` (or of a stray `>>>>>>>`). */
  readonly line: number;
  /** 1-based line of the `>>>>>>>` that closes a whole region. */
  readonly end?: number;
  readonly message: string;
}

const OPEN = /^<{7,}( |$)/;
const SEPARATOR = /^(={7,}|\|{7,}( .*)?)$/;
const CLOSE = /^>{7,}( |$)/;

export function findConflictMarkers(text: string): MarkerRegion[] {
  // Cheap pre-test: most files have no run of seven < or > at all.
  if (!text.includes('<<<<<<<') && !text.includes('>>>>>>>')) return [];
  const lines = splitLines(text);
  const found: MarkerRegion[] = [];
  let open: number | undefined;
  let separator = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lineBody(lines[i]!);
    if (OPEN.test(line)) {
      if (open !== undefined) found.push({ line: open, message: 'conflict marker <<<<<<< without its >>>>>>>' });
      open = i + 1;
      separator = false;
    } else if (open !== undefined && SEPARATOR.test(line)) {
      separator = true;
    } else if (CLOSE.test(line)) {
      if (open === undefined) found.push({ line: i + 1, message: 'conflict marker >>>>>>> without its <<<<<<<' });
      else found.push({ line: open, end: i + 1, message: `unresolved merge conflict (lines ${open}-${i + 1})` });
      open = undefined;
    }
  }
  if (open !== undefined) found.push({ line: open, message: `conflict marker <<<<<<< without its >>>>>>>${separator ? '' : ' or ======='}` });
  return found;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The whole marker regions that sit inside one fenced code block, opened before the region and closed
 * after it: in Markdown that is how a document shows what a conflict looks like. A real conflict in a
 * code block looks the same, which is why only callers outside a merge may leave these out.
 */
export function inFencedCode(text: string, regions: readonly MarkerRegion[]): Set<MarkerRegion> {
  const whole = regions.filter((r) => r.end !== undefined);
  const inside = new Set<MarkerRegion>();
  if (whole.length === 0) return inside;
  const lines = splitLines(text);
  // Each closed fenced block as [opening line, closing line] (1-based). An unclosed one counts for
  // nothing: a conflict can leave a fence unbalanced.
  const blocks: Array<[number, number]> = [];
  let fence: { char: string; length: number; at: number } | undefined;
  lines.forEach((raw, i) => {
    const line = lineBody(raw);
    const m = FENCE.exec(line);
    if (fence) {
      if (m && m[1]![0] === fence.char && m[1]!.length >= fence.length && line.slice(m[0].length).trim() === '') {
        blocks.push([fence.at, i + 1]);
        fence = undefined;
      }
    } else if (m && !(m[1]![0] === '`' && line.slice(m[0].length).includes('`'))) {
      fence = { char: m[1]![0]!, length: m[1]!.length, at: i + 1 };
    }
  });
  for (const r of whole) if (blocks.some(([from, to]) => from < r.line && r.end! < to)) inside.add(r);
  return inside;
}

/**
 * Whether a Markdown text holds a conflict that is not a sample in a fenced code block (a document
 * about git shows one). The merge driver falls back to git's line merge only for those.
 */
export function hasMarkdownConflict(text: string): boolean {
  const markers = findConflictMarkers(text);
  if (markers.length === 0) return false;
  const shown = inFencedCode(text, markers);
  return markers.some((m) => !shown.has(m));
}

/**
 * The first conflict in a file a command is about to read as `type`, or undefined: what `check` reports
 * outside a merge. A typed file never holds markers legitimately; plain Markdown may show a whole
 * conflict in a fenced code block, which is content.
 */
export function firstConflict(text: string, type: string | undefined): MarkerRegion | undefined {
  const markers = findConflictMarkers(text);
  if (markers.length === 0 || type !== 'markdown') return markers[0];
  const shown = inFencedCode(text, markers);
  return markers.find((m) => !shown.has(m));
}
