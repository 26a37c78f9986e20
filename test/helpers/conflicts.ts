// Conflict regions read back out of a merge result, for the laws a conflicted merge keeps.

type Piece = { readonly line: string } | { readonly ours: string; readonly base: string | undefined; readonly theirs: string };

const body = (line: string): string => line.replace(/\r?\n$/, '');
const marker = (line: string, char: string, size: number): boolean =>
  body(line).startsWith(char.repeat(size)) && (body(line).length === size || body(line)[size] === ' ');

/** Lines outside regions and whole regions, in order. Throws where a region opens inside another or never closes. */
function pieces(text: string, size: number): Piece[] {
  const out: Piece[] = [];
  let region: { ours: string; base: string | undefined; theirs: string; section: 'ours' | 'base' | 'theirs' } | undefined;
  for (const line of text.split(/(?<=\n)/)) {
    if (line === '') continue;
    if (!region) {
      if (marker(line, '<', size)) region = { ours: '', base: undefined, theirs: '', section: 'ours' };
      else out.push({ line });
      continue;
    }
    if (marker(line, '<', size)) throw new Error(`a conflict region opens inside another:\n${text}`);
    if (region.section === 'ours' && marker(line, '|', size)) {
      region.section = 'base';
      region.base = '';
    } else if (region.section !== 'theirs' && body(line) === '='.repeat(size)) region.section = 'theirs';
    else if (region.section === 'theirs' && marker(line, '>', size)) {
      out.push({ ours: region.ours, base: region.base, theirs: region.theirs });
      region = undefined;
    } else region[region.section] += line;
  }
  if (region) throw new Error(`a conflict region does not close:\n${text}`);
  return out;
}

/**
 * The text with each region's two sides in one order (by their text) and without labels: swapping ours
 * and theirs (and their labels) may swap the sections of a region, and must change nothing else.
 */
export function sidesInOrder(text: string, size = 7): string {
  return pieces(text, size)
    .map((p) => {
      if ('line' in p) return p.line;
      const [a, b] = [p.ours, p.theirs].sort();
      return `${'<'.repeat(size)}\n${a}${p.base === undefined ? '' : `${'|'.repeat(size)}\n${p.base}`}${'='.repeat(size)}\n${b}${'>'.repeat(size)}\n`;
    })
    .join('');
}

/** The lines outside every conflict region. */
export function outsideConflicts(text: string, size = 7): string {
  return pieces(text, size)
    .map((p) => ('line' in p ? p.line : ''))
    .join('');
}

/** The sections of every conflict region (ours, base where written, theirs), one after the other. */
export function insideConflicts(text: string, size = 7): string {
  return pieces(text, size)
    .map((p) => ('line' in p ? '' : p.ours + (p.base ?? '') + p.theirs))
    .join('');
}

/** The text as a person leaves it who keeps one side (0 ours, 1 theirs) of every conflict region. */
export function keepSide(text: string, side: 0 | 1, size = 7): string {
  return pieces(text, size)
    .map((p) => ('line' in p ? p.line : side === 0 ? p.ours : p.theirs))
    .join('');
}
