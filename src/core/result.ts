import type { ConflictStyle } from './merge/conflict-style.js';
/** What every merge in the core returns: conflicts are data, never exceptions. */
export interface MergeResult {
  /** The merged file, possibly with conflict markers. */
  readonly text: string;
  /** Number of conflict regions written into `text` (0 = clean). */
  readonly conflicts: number;
  /** How the result was reached, for diagnostics (`line`, `blocks`, `typed:heartbeat`, `fallback:…`). */
  readonly method: string;
}

/**
 * A three-way line merge with `git merge-file` semantics. The core never runs git itself; the shell
 * injects an implementation (the driver uses the real `git merge-file`, so "clean where git is clean"
 * holds to the byte).
 */
export type LineMerge = (input: {
  base: string;
  ours: string;
  theirs: string;
  markerSize: number;
  /** Labels for the markers, in git's order: ours, base, theirs. */
  labels?: readonly [string, string, string];
}) => { text: string; conflicts: number };

export interface MergeOptions {
  /** Conflict marker size (`%L`); 7 unless git says otherwise (criss-cross inner merges use more). */
  readonly markerSize: number;
  readonly lineMerge: LineMerge;
  readonly labels?: readonly [string, string, string];
  /**
   * Typed files with more lines than this fold the runs no side changed before merging (default 1000);
   * tests set 0 to fold small files and Infinity to compare with the unfolded merge.
   */
  readonly foldAbove?: number;
  /**
   * How to write a conflict (merge.conflictStyle), asked only when there is one to write; 'merge' when
   * absent.
   */
  readonly conflictStyle?: () => ConflictStyle;
}
