// One record of `git diff --raw -z` or `git diff-tree --raw -z` (`:<old mode> <new mode> <old id>
// <new id> <status>`), as the pre-commit hook and verify read them. No imports: the hook loads it.

export interface RawChange {
  /** The new mode ('000000' for a deleted file). */
  readonly mode: string;
  /** The blob before and after; undefined where the file does not exist (the all-zero id). */
  readonly before: string | undefined;
  readonly after: string | undefined;
}

const regular = (mode: string | undefined): boolean => mode === '100644' || mode === '100755';
const blob = (id: string | undefined): string | undefined => (id && !/^0+$/.test(id) ? id : undefined);

/** The record's change, or undefined unless it is a regular file (or a deleted one that was). */
export function rawChange(record: string): RawChange | undefined {
  const [oldMode, mode, before, after] = record.slice(1).split(' ');
  if (!(regular(mode) || (blob(after) === undefined && regular(oldMode)))) return undefined;
  return { mode: mode!, before: blob(before), after: blob(after) };
}
