// How a conflict is written, as git writes its own (merge.conflictStyle): ours and theirs, and with
// diff3 or zdiff3 the base between them. git passes no style to a merge driver; the driver reads the
// setting when it has a conflict to write, and its fallback, `git merge-file`, reads it too.

export type ConflictStyle = 'merge' | 'diff3' | 'zdiff3';

export function isConflictStyle(value: string): value is ConflictStyle {
  return value === 'merge' || value === 'diff3' || value === 'zdiff3';
}

/**
 * A conflict region. `ours`, `base` and `theirs` are whole lines, each ending in a line ending; `eol`
 * ends the marker lines. A label is written after its marker when there is one.
 */
export function conflictRegion(
  markerSize: number,
  labels: readonly [string, string, string],
  eol: string,
  style: ConflictStyle,
  ours: string,
  base: string,
  theirs: string,
): string {
  const label = (l: string): string => (l ? ` ${l}` : '');
  return (
    '<'.repeat(markerSize) + label(labels[0]) + eol +
    ours +
    (style === 'merge' ? '' : '|'.repeat(markerSize) + label(labels[1]) + eol + base) +
    '='.repeat(markerSize) + eol +
    theirs +
    '>'.repeat(markerSize) + label(labels[2]) + eol
  );
}

/** The style asked once, when the first conflict is written; 'merge' where nobody says. */
export function styleOnce(ask: (() => ConflictStyle) | undefined): () => ConflictStyle {
  let style: ConflictStyle | undefined;
  return () => (style ??= ask?.() ?? 'merge');
}
