// Conflict markers left in a file: `<<<<<<<` (7 or more, then a space or the end of the line) up to
// its `>>>>>>>`. A lone `=======` is not one: in Markdown it underlines a heading.
import { lineBody, splitLines } from '../entries/scan.js';

export interface MarkerRegion {
  /** 1-based line of the `<<<<<<<` (or of a stray `>>>>>>>`). */
  readonly line: number;
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
      else found.push({ line: open, message: `unresolved merge conflict (lines ${open}-${i + 1})` });
      open = undefined;
    }
  }
  if (open !== undefined) found.push({ line: open, message: `conflict marker <<<<<<< without its >>>>>>>${separator ? '' : ' or ======='}` });
  return found;
}
