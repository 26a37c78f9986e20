// A latin-1 file falls back to git's line merge, and its bytes must come back exactly as git merged them
// (a decoded-and-re-encoded result once turned every accented byte into U+FFFD and still exited 0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeSandbox } from '../helpers/git.js';
import { clonesWithStrata, commitFiles, gitEnv } from '../helpers/scenario.js';

const sandbox = makeSandbox('strata-latin1-');
afterAll(() => sandbox.cleanup());
const latin = (s: string): Buffer => Buffer.from(s, 'latin1');

it('a latin-1 .md changed on both sides (different regions) keeps its bytes, like git', () => {
  const { A } = clonesWithStrata(sandbox, ['A'], { files: { 'CAFE.md': latin('# caf\u00e9\n\n- one\n\nmiddle\n\n- end\n') } }).clones;
  const base = sandbox.git(A!, ['rev-parse', 'HEAD']).stdout.trim();
  commitFiles(sandbox, A!, { 'CAFE.md': latin('# caf\u00e9\n\n- one\n\nmiddle\n\n- end na\u00efve\n') }, 'theirs');
  sandbox.git(A!, ['branch', 'theirs']);
  sandbox.git(A!, ['reset', '-q', '--hard', base]);
  commitFiles(sandbox, A!, { 'CAFE.md': latin('# caf\u00e9\n\n- one cr\u00e8me\n\nmiddle\n\n- end\n') }, 'ours');
  const merge = gitEnv(sandbox, A!, ['merge', '--no-edit', 'theirs']);
  expect(merge.status, merge.stderr).toBe(0);
  const merged = readFileSync(join(A!, 'CAFE.md'));
  // git merge-file (and git without the driver) give exactly these bytes.
  expect(merged.toString('hex')).toBe(latin('# caf\u00e9\n\n- one cr\u00e8me\n\nmiddle\n\n- end na\u00efve\n').toString('hex'));
});
