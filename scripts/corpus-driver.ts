/**
 * A tiny merge driver for the corpus evaluation: `corpus-driver %O %A %B %L %P`. Merges with
 * mergeMarkdown and the real `git merge-file`, overwrites %A, exits 0 when clean and 1 on conflicts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mergeMarkdown } from '../src/core/merge/markdown.js';
import { gitLineMerge } from '../test/helpers/git-line-merge.js';

const [basePath, oursPath, theirsPath, markerSize] = process.argv.slice(2);
if (!basePath || !oursPath || !theirsPath) {
  process.stderr.write('usage: corpus-driver %O %A %B [%L] [%P]\n');
  process.exit(2);
}
const read = (p: string): string => readFileSync(p, 'utf8');
const result = mergeMarkdown(read(basePath), read(oursPath), read(theirsPath), {
  markerSize: Number(markerSize) || 7,
  lineMerge: gitLineMerge,
}, { unordered: process.env.STRATA_UNORDERED === 'conflict' ? 'conflict' : 'order' });
writeFileSync(oursPath, result.text);
if (process.env.STRATA_DEBUG) process.stderr.write(`${result.method} ${result.conflicts}\n`);
process.exit(result.conflicts > 0 ? 1 : 0);
