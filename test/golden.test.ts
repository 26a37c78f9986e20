/**
 * Golden merge cases: test/fixtures/merge/<case>/{base,ours,theirs,expected}.md, run from a table.
 * `UPDATE=1` rewrites expected.md from the current result. A folder with a `type` file other than
 * `markdown` belongs to another merge and is skipped here.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeMarkdown } from '../src/core/merge/markdown.js';
import { gitLineMerge } from './helpers/git-line-merge.js';

const root = join(import.meta.dirname, 'fixtures', 'merge');
const cases = existsSync(root) ? readdirSync(root).sort() : [];
const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

describe('golden merges', () => {
  for (const name of cases) {
    const dir = join(root, name);
    const type = existsSync(join(dir, 'type')) ? read(dir, 'type').trim() : 'markdown';
    if (type !== 'markdown') continue;
    it(name, () => {
      const [base, ours, theirs] = ['base.md', 'ours.md', 'theirs.md'].map((f) => read(dir, f)) as [string, string, string];
      const result = mergeMarkdown(base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge });
      const swapped = mergeMarkdown(base, theirs, ours, { markerSize: 7, lineMerge: gitLineMerge });
      if (result.conflicts === 0) expect(swapped.text).toBe(result.text);
      if (process.env.UPDATE) writeFileSync(join(dir, 'expected.md'), result.text);
      expect(result.text).toBe(read(dir, 'expected.md'));
    });
  }
});
