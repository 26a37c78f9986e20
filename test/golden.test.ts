/**
 * Golden merge cases: test/fixtures/merge/<case>/{base,ours,theirs,expected}.md, run from a table.
 * `UPDATE=1` rewrites expected.md from the current result. A folder with a `type` file merges as that
 * strata type (heartbeat, facts, …) through the driver's core entry point, as `git strata merge --type`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileType, mergeFile } from '../src/core/merge/file.js';
import { mergeMarkdown } from '../src/core/merge/markdown.js';
import { gitLineMerge } from './helpers/git-line-merge.js';

const root = join(import.meta.dirname, 'fixtures', 'merge');
const cases = existsSync(root) ? readdirSync(root).sort() : [];
const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

describe('golden merges', () => {
  for (const name of cases) {
    const dir = join(root, name);
    const type = existsSync(join(dir, 'type')) ? read(dir, 'type').trim() : 'markdown';
    // Markdown through its own merge (the line merge first), typed files through the whole typed merge.
    const merge = (base: string, ours: string, theirs: string) =>
      type === 'markdown'
        ? mergeMarkdown(base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge })
        : mergeFile(type as FileType, base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge });
    it(type === 'markdown' ? name : `${name} (${type})`, async () => {
      const [base, ours, theirs] = ['base.md', 'ours.md', 'theirs.md'].map((f) => read(dir, f)) as [string, string, string];
      const result = await merge(base, ours, theirs);
      const swapped = await merge(base, theirs, ours);
      if (result.conflicts === 0) expect(swapped.text).toBe(result.text);
      if (process.env.UPDATE) writeFileSync(join(dir, 'expected.md'), result.text);
      expect(result.text).toBe(read(dir, 'expected.md'));
    });
  }
});
