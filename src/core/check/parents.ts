// A merge answers to every parent: to the first as any commit does, to the others for what it dropped
// of theirs (a merge resolved by taking one side loses the other side's settled work). Some differences
// from a parent are what the merge kept from another parent, not a loss: this module tells them apart,
// for verify (a merge commit) and the pre-commit hook (a commit that concludes a merge, against
// MERGE_HEAD).
import { stampAheadOf } from './ahead.js';
import type { Finding } from './finding.js';

/** How one parent of a merge has a file: the merge's own version, or another text (undefined: it lacked the file). */
export type InParent = { readonly same: true } | { readonly same: false; readonly text: string | undefined };

const ID_CHANGED = /^the id of .* changed from \S+ to (\S+)$/;

/**
 * The findings of a merge's version of a file against its parent `n` (0: the first) that the merge
 * answers for. Left out: conflict markers against a parent other than the first (content is the first
 * parent's check's to judge), the id the merge chose for a task both sides stamped, which another
 * parent's version has, and a stamp far ahead that another parent's version has (the commit that
 * brought it is that parent's, and answers for it). `inParents(path)` gives how every parent, in
 * order, has the file.
 */
export function mergeFindings(found: readonly Finding[], n: number, inParents: (path: string) => readonly InParent[]): Finding[] {
  const inOther = (text: string, path: string): boolean => inParents(path).some((parent, k) => k !== n && (parent.same || (parent.text ?? '').includes(text)));
  return found.filter((f) => {
    if (n > 0 && f.rule === 'conflict-markers') return false;
    const id = f.rule === 'identity-changed' ? ID_CHANGED.exec(f.message)?.[1] : undefined;
    if (id !== undefined) return !inOther(`[id:${id}]`, f.path);
    const stamp = stampAheadOf(f);
    return stamp === undefined || !inOther(stamp, f.path);
  });
}

/**
 * The findings not made before: the check against one parent repeats what the check against another
 * already found in the merge's own version (a duplicate seq, a cycle). `seen` carries over between
 * calls for one merge.
 */
export function unseenFindings(found: readonly Finding[], seen: Set<string>): Finding[] {
  return found.filter((f) => {
    const key = `${f.path}:${f.line}:${f.rule}:${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
