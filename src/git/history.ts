// Files as they were at a commit, read straight from the object database with isomorphic-git: no
// checkout, no temporary work tree, and no git process per file. Only `check --base` loads this
// module (the CLI imports it lazily), so every other command stays free of isomorphic-git.
import fs from 'node:fs';
import { Errors, readBlob } from 'isomorphic-git';
import { decodeText } from '../core/check/encoding.js';

/**
 * The text of each path at `commit` (a full object id); undefined for a path the commit does not
 * have. `gitdir` is the common git directory (linked worktrees share its objects).
 */
export async function readFilesAt(gitdir: string, commit: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const cache = {};
  const texts = new Map<string, string | undefined>();
  for (const filepath of paths) {
    try {
      const { blob } = await readBlob({ fs, gitdir, oid: commit, filepath, cache });
      texts.set(filepath, decodeText(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)));
    } catch (error) {
      if (error instanceof Errors.NotFoundError) texts.set(filepath, undefined);
      else throw error;
    }
  }
  return texts;
}
