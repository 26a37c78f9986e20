// A latin-1 file falls back to git's line merge, and its bytes must come back exactly as git merged them
// (a decoded-and-re-encoded result once turned every accented byte into U+FFFD and still exited 0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeSandbox } from '../helpers/git.js';
import { clonesWithStrata, commitFiles, gitEnv } from '../helpers/scenario.js';

const sandbox = makeSandbox('strata-latin1-');
const box = makeSandbox('strata-encoding-');
afterAll(() => {
  sandbox.cleanup();
  box.cleanup();
});
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

it('a typed file that is not UTF-8, or starts with a BOM, is refused by the writers, the hook and check, and keeps its bytes', () => {
  const queue = latin('# Queue\n\n- [ ] [seq:1] [id:aaaaaaaaaa] caf\u00e9\n');
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('- [ ] [seq:1] [id:aaaaaaaaaa] first task\n')]);
  const dir = clonesWithStrata(box, ['W'], { files: { 'QUEUE.md': queue, 'queues/bom.md': bom } }).clones.W!;
  for (const [file, bytes, why] of [['QUEUE.md', queue, /QUEUE\.md:3: QUEUE\.md is not UTF-8/], ['queues/bom.md', bom, /queues\/bom\.md:1: queues\/bom\.md starts with a byte order mark/]] as const) {
    for (const args of [['queue', 'add', '--file', file, 'new task'], ['queue', 'next', '--file', file]]) {
      const r = box.strata(dir, args, { allowFail: true });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(why);
    }
    expect(readFileSync(join(dir, file)).equals(bytes)).toBe(true);
  }
  const checked = box.strata(dir, ['check'], { allowFail: true });
  expect(checked.status).toBe(1);
  expect(checked.stdout).toMatch(/QUEUE\.md:3: malformed-entry: QUEUE\.md is not UTF-8/);
  expect(checked.stdout).toMatch(/queues\/bom\.md:1: malformed-entry: .*byte order mark/);
  // A hand-written task (no id) the hook would stamp: refused, and the staged bytes stay as they were.
  const handWritten = latin('# Queue\n\n- [ ] [seq:1] [id:aaaaaaaaaa] caf\u00e9\n- [ ] [seq:2] na\u00efve\n');
  box.write(join(dir, 'QUEUE.md'), handWritten);
  box.git(dir, ['add', 'QUEUE.md']);
  const commit = gitEnv(box, dir, ['commit', '-q', '-m', 'latin-1 task']);
  expect(commit.status).toBe(1);
  expect(commit.stderr).toMatch(/QUEUE\.md is not UTF-8.*\n.*iconv/);
  expect(readFileSync(join(dir, 'QUEUE.md')).equals(handWritten)).toBe(true);
  expect(box.git(dir, ['rev-parse', ':QUEUE.md']).stdout).toBe(box.git(dir, ['hash-object', 'QUEUE.md']).stdout);

  // The fix the message gives (iconv -f latin1 -t utf-8) commits: the old version is read as Latin-1,
  // so no entry counts as edited. verify agrees.
  box.write(join(dir, 'QUEUE.md'), Buffer.from(queue.toString('latin1'), 'utf8'));
  box.git(dir, ['add', 'QUEUE.md']);
  const converted = gitEnv(box, dir, ['commit', '-q', '-m', 'QUEUE.md to UTF-8']);
  expect(converted.status, converted.stderr).toBe(0);
  expect(box.strata(dir, ['verify', '--range', 'HEAD~1..HEAD'], { allowFail: true }).status).toBe(0);
  // What the hook refuses and --no-verify lets through, verify reports.
  box.write(join(dir, 'QUEUE.md'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(box.read(join(dir, 'QUEUE.md')))]));
  box.git(dir, ['add', 'QUEUE.md']);
  box.git(dir, ['commit', '-q', '--no-verify', '-m', 'a BOM']);
  const verified = box.strata(dir, ['verify', '--range', 'HEAD~1..HEAD'], { allowFail: true });
  expect(verified.status).toBe(1);
  expect(verified.stdout).toMatch(/QUEUE\.md:1: malformed-entry: QUEUE\.md starts with a byte order mark/);
});
