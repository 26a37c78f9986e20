// What the pre-commit hook's slow path (a typed file staged) uses, as one module: imported lazily
// together, so it is one file to load rather than one per module (each ES module costs a load and a
// link, which on a commit is a large share of the hook's time).
import type { Held } from '../ops/lock.js';
export {
  checkDeleted,
  checkFile,
  decodeText,
  findConflictMarkers,
  formatText,
  mergeFindings,
  nestedTasks,
  reusingBase,
  sameAs,
  sameSeqAs,
  stampIds,
  unreadable,
  unseenFindings,
  untaggedTasks,
} from '../core/check/index.js';
export { catBlobs, catTexts, commitTime, retypedSince, typesOf } from './check.js';
export { stoppedOperation } from '../git/operation.js';
export { isFileType } from '../core/file-types.js';
export { newId } from '../core/ids.js';
export { randomBytes } from 'node:crypto';
export { underGitIndexLock } from '../ops/index-lock.js';
export { writeFileAtomicSync } from '../git/atomic-write.js';

/**
 * The writers' lock, loaded when the hook stamps ids and takes it: proper-lockfile (with graceful-fs,
 * which patches fs as it loads) took some 5 ms of every commit that stages a typed file.
 */
export async function withFileLock<T>(top: string, path: string, fn: (held: Held) => Promise<T>): Promise<T> {
  return (await import('../ops/lock.js')).withFileLock(top, path, fn);
}
