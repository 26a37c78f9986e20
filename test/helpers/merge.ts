import { mergeFile, type FileType } from '../../src/core/merge/file.js';
import type { MergeResult } from '../../src/core/result.js';
import { gitLineMerge } from '../../src/git/line-merge.js';

/** The core merge with the real `git merge-file` as its line merge, as the driver runs it. */
export function merge(type: FileType, base: string, ours: string, theirs: string, markerSize = 7): Promise<MergeResult> {
  return mergeFile(type, base, ours, theirs, { markerSize, lineMerge: gitLineMerge });
}
