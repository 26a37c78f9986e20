import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';
import { merge } from '../helpers/merge.js';
import { findConflictMarkers } from '../../src/core/check/markers.js';
import { checkFile } from '../../src/core/check/index.js';
import { sidesInOrder } from '../helpers/conflicts.js';

const HEAD = '# Queue\n\n';

/** The real `git merge-file -p` in the given style, with the labels the core writes. */
function gitMergeFile(base: string, ours: string, theirs: string, style: 'merge' | 'diff3'): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-queue-test-'));
  try {
    const files = (['ours', 'base', 'theirs'] as const).map((name, k) => {
      writeFileSync(join(dir, name), [ours, base, theirs][k]!);
      return join(dir, name);
    });
    const args = ['merge-file', '-p', ...(style === 'diff3' ? ['--diff3'] : []), '-L', 'ours', '-L', 'base', '-L', 'theirs', ...files];
    return spawnSync('git', args, { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const T = (seq: number, id: string, rest: string, box = ' '): string => `- [${box}] [seq:${seq}] [id:${id}] ${rest}\n`;
const base = HEAD + T(141, 'a9d4c1uv0s', '[agent:code-intel] [done:2026-11-27T09:58:00.000Z] set up repo', 'x') + T(142, 'k7q2m9xa4c', '[depends:141] [agent:code-intel] build frontend');

function bySeq(text: string): Map<string, { id: string; depends?: string; was?: string; line: string }> {
  return new Map(
    entriesOf(parseDoc(text)).map((e) => [
      tagValue(e, 'seq')!,
      { id: tagValue(e, 'id')!, depends: tagValue(e, 'depends'), was: tagValue(e, 'was'), line: e.lines[0]!.trim() },
    ]),
  );
}

describe('queue merge', () => {
  it('places a task in conflict where its smaller seq puts it, whichever side is ours', async () => {
    // One id, two seqs (each side wrote the task its own way): the merge cannot pick one, and where the
    // conflict lands among the other tasks must not depend on the side.
    const o = '- [ ] [seq:2] [id:cccccccccc] build\n';
    const t = '- [ ] [seq:2] [id:aaaaaaaaaa] build\n- [ ] [seq:1] [id:cccccccccc] ship\n';
    const [one, two] = [await merge('queue', '', o, t), await merge('queue', '', t, o)];
    expect(one.conflicts).toBe(1);
    expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
    expect(one.text.indexOf('[id:aaaaaaaaaa]')).toBeGreaterThan(one.text.indexOf('>>>>>>>'));
  });

  it('a task in conflict holds both its sides\' seqs: what clashes with either moves, whichever side is ours', async () => {
    // Each side renumbered task x by hand and reworded it (a conflict); theirs also added y at 5, the
    // number ours gave x, and z that depends on x. Reading x's seq from ours' side alone moved y in one
    // order (onto 6, theirs' number for x) and not in the other.
    const b = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaa1] one\n- [ ] [seq:3] [id:xxxxxxxxx1] a\n`;
    const o = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaa1] one\n- [ ] [seq:5] [id:xxxxxxxxx1] b\n`;
    const t = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaa1] one\n- [ ] [seq:6] [id:xxxxxxxxx1] c\n- [ ] [seq:5] [id:yyyyyyyyy1] new\n- [ ] [seq:8] [id:zzzzzzzzz1] [depends:6] after x\n`;
    const [one, two] = [await merge('queue', b, o, t), await merge('queue', b, t, o)];
    expect(one.conflicts).toBe(1);
    expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
    // y moves above every number either side of x holds; z keeps its number and its edge to x.
    expect(one.text).toContain('- [ ] [seq:9] [id:yyyyyyyyy1] [was:5] new\n');
    expect(one.text).toContain('- [ ] [seq:8] [id:zzzzzzzzz1] [depends:5] after x\n');
  });

  it('a task one side removed stays while either side of a task in conflict depends on it', async () => {
    // Found by the hand-edit property: theirs removed task 1 (open, so it may) and both sides reworded
    // task 2, which depends on 1. Ours' side of the conflict kept task 1 alive only when ours was ours.
    const t1 = '- [ ] [seq:1] [id:base100000] step 1\n';
    const t2 = (text: string): string => `- [ ] [seq:2] [id:base200000] [depends:1] ${text}\n`;
    const b = HEAD + t1 + t2('step 2');
    const [o, t] = [HEAD + t1 + t2('build it (o)'), HEAD + t2('build it (t)')];
    const [one, two] = [await merge('queue', b, o, t), await merge('queue', b, t, o)];
    expect(one.conflicts).toBe(1);
    expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
    expect(one.text.startsWith(HEAD + t1 + '<<<<<<<')).toBe(true);
  });

  it('keeps both tasks that took the same seq, renumbers one, and keeps depends on the right task', async () => {
    const ours = base + T(143, 'aaaaaaaaaa', '[depends:142] [agent:A] deploy') + T(144, 'aaaaaaaaab', '[depends:143] [agent:A] smoke test');
    const theirs = base + T(143, 'bbbbbbbbbb', '[agent:B] write docs');
    const one = await merge('queue', base, ours, theirs);
    const two = await merge('queue', base, theirs, ours);
    expect(one.conflicts).toBe(0);
    expect(two.text).toBe(one.text);
    const q = bySeq(one.text);
    expect([...q.keys()]).toEqual(['141', '142', '143', '144', '145']);
    // 'aaaaaaaaaa' < 'bbbbbbbbbb': A's 143 keeps its number, B's moves to 145.
    expect(q.get('143')!.id).toBe('aaaaaaaaaa');
    expect(q.get('145')).toMatchObject({ id: 'bbbbbbbbbb', was: '143' });
    expect(q.get('144')).toMatchObject({ id: 'aaaaaaaaab', depends: '143' });
  });

  it('renumbers a clash to a seq no line carries, an item indented under a task included, whichever side is ours', async () => {
    // The indented item is notes to the queue, but its number is in the file (check's hints skip it):
    // B's 143 moving to 144 would collide with it the day someone unindents it.
    const ours = base + T(143, 'aaaaaaaaaa', '[agent:A] deploy');
    const theirs = base + T(143, 'bbbbbbbbbb', '[agent:B] write docs') + '  - [ ] [seq:144] proofread\n';
    const one = await merge('queue', base, ours, theirs);
    expect(one.conflicts).toBe(0);
    expect((await merge('queue', base, theirs, ours)).text).toBe(one.text);
    expect(bySeq(one.text).get('145')).toMatchObject({ id: 'bbbbbbbbbb', was: '143' });
    expect(one.text).toContain('[seq:145] [id:bbbbbbbbbb] [agent:B] [was:143] write docs\n  - [ ] [seq:144] proofread\n');
    expect(checkFile('queue', 'QUEUE.md', one.text, base)).toEqual([]);
  });

  it('counts an item indented under a task that no side changed, also where a large merge folds the unchanged tasks out', async () => {
    let b = HEAD;
    for (let i = 1; i <= 200; i++) b += T(i, `t${String(i).padStart(9, '0')}`, `task ${i}`) + (i === 50 ? '  - [ ] [seq:700] numbered far ahead\n' : '');
    const o = b + T(201, 'aaaaaaaaaa', 'ours');
    const t = b + T(201, 'bbbbbbbbbb', 'theirs');
    const folded = (x: string, y: string) => mergeFile('queue', b, x, y, { markerSize: 7, lineMerge: gitLineMerge, foldAbove: 0 });
    const whole = (x: string, y: string) => mergeFile('queue', b, x, y, { markerSize: 7, lineMerge: gitLineMerge, foldAbove: Infinity });
    const one = await folded(o, t);
    expect(one.method).toContain('+fold');
    expect((await whole(o, t)).text).toBe(one.text);
    expect((await folded(t, o)).text).toBe(one.text);
    expect(bySeq(one.text).get('701')).toMatchObject({ id: 'bbbbbbbbbb', was: '201' });
  });

  it('counts the items indented under both sides of a task in conflict, so the renumbering does not depend on the side', async () => {
    const b = `${HEAD}- [ ] [seq:1] [id:cccccccccc] plan\n`;
    // Task 1 reworded two ways (a conflict); only theirs' version carries a nested [seq:9].
    const ours = `${HEAD}- [ ] [seq:1] [id:cccccccccc] plan the release\n- [ ] [seq:2] [id:aaaaaaaaaa] deploy\n`;
    const theirs = `${HEAD}- [ ] [seq:1] [id:cccccccccc] plan the launch\n  - [ ] [seq:9] write the notes\n- [ ] [seq:2] [id:bbbbbbbbbb] docs\n`;
    const one = await merge('queue', b, ours, theirs);
    const two = await merge('queue', b, theirs, ours);
    expect(one.conflicts).toBe(1);
    const renumbered = (text: string): string | undefined => /^- \[ \] \[seq:(\d+)\] \[id:bbbbbbbbbb\] \[was:2\]/m.exec(text)?.[1];
    expect(renumbered(one.text)).toBe('10');
    expect(renumbered(two.text)).toBe('10');
  });

  it('rewrites depends when the depended-on task is the one renumbered', async () => {
    const ours = base + T(143, 'zzzzzzzzzz', '[agent:A] deploy') + T(144, 'zzzzzzzzzy', '[depends:143] [agent:A] smoke test');
    const theirs = base + T(143, 'bbbbbbbbbb', '[agent:B] write docs');
    const result = await merge('queue', base, ours, theirs);
    const q = bySeq(result.text);
    expect(q.get('143')!.id).toBe('bbbbbbbbbb');
    expect(q.get('145')).toMatchObject({ id: 'zzzzzzzzzz', was: '143' });
    expect(q.get('144')).toMatchObject({ id: 'zzzzzzzzzy', depends: '145' });
    expect((await merge('queue', base, theirs, ours)).text).toBe(result.text);
  });

  it('status takes the lattice maximum; concurrent claims keep the earliest and record the other', async () => {
    const ours = base.replace('[agent:code-intel] build', '[agent:code-intel] [claim:alice@2026-11-27T10:05:00.000Z] build');
    const theirs = base.replace('[agent:code-intel] build', '[agent:code-intel] [claim:bob@2026-11-27T10:04:00.000Z] build');
    const result = await merge('queue', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(bySeq(result.text).get('142')!.line).toBe(
      '- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] [claim:bob@2026-11-27T10:04:00.000Z] [claim-lost:alice@2026-11-27T10:05:00.000Z] build frontend',
    );
    expect((await merge('queue', base, theirs, ours)).text).toBe(result.text);

    const done = base.replace('- [ ] [seq:142]', '- [x] [seq:142]');
    const claimed = ours;
    const up = await merge('queue', base, done, claimed);
    expect(bySeq(up.text).get('142')!.line).toMatch(/^- \[x\] \[seq:142\].*\[claim:alice@/);
  });

  it('compares claim, done and checkpoint stamps by time, whatever their precision', async () => {
    // As text '10:00:05Z' sorts after '10:00:05.500Z' ('Z' after '.'): the earlier claim and done
    // stamp are the ones without a fraction here, and the log lists their checkpoints first.
    const task = (rest: string, log: string): string => base.replace('[agent:code-intel] build frontend\n', `[agent:code-intel] ${rest}build frontend\n${log}`);
    const ours = task('[claim:alice@2026-11-27T10:00:05Z] ', '  - [at:2026-11-27T10:00:05Z] alice started\n');
    const theirs = task('[claim:bob@2026-11-27T10:00:05.500Z] ', '  - [at:2026-11-27T10:00:05.500Z] bob started\n');
    for (const [x, y] of [[ours, theirs], [theirs, ours]] as const) {
      const result = await merge('queue', base, x, y);
      expect(result.conflicts).toBe(0);
      expect(result.text).toContain('[claim:alice@2026-11-27T10:00:05Z] [claim-lost:bob@2026-11-27T10:00:05.500Z]');
      expect(result.text).toContain('  - [at:2026-11-27T10:00:05Z] alice started\n  - [at:2026-11-27T10:00:05.500Z] bob started\n');
    }
    const doneAt = (stamp: string): string => base.replace('- [ ] [seq:142]', '- [x] [seq:142]').replace('[agent:code-intel] build', `[agent:code-intel] [done:${stamp}] build`);
    for (const [x, y] of [[doneAt('2026-11-27T10:00:05Z'), doneAt('2026-11-27T10:00:05.500Z')], [doneAt('2026-11-27T10:00:05.500Z'), doneAt('2026-11-27T10:00:05Z')]] as const) {
      expect(bySeq((await merge('queue', base, x, y)).text).get('142')!.line).toContain('[done:2026-11-27T10:00:05Z]');
    }
  });

  it('a conflict on the first task of a file with a byte order mark starts with its marker, as git writes it', async () => {
    // The mark goes back on each version's first line, inside the region: before the marker it would
    // hide the marker from check's conflict-markers and from resolve --committed.
    const BOM = '\uFEFF';
    const first = (text: string): string => `- [ ] [seq:1] [id:aaaaaaaaaa] [agent:x] ${text}\n`;
    const rest = '- [ ] [seq:2] [id:bbbbbbbbbb] [agent:x] ship it\n';
    const [b, o, t] = ['build it', 'build it well', 'build it fast'].map((text) => `${BOM}${first(text)}${rest}`) as [string, string, string];
    const result = await mergeFile('queue', b, o, t, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => 'diff3' });
    expect(result.conflicts).toBe(1);
    expect(result.text).toBe(
      `<<<<<<< ours\n${BOM}${first('build it well')}||||||| base\n${BOM}${first('build it')}=======\n${BOM}${first('build it fast')}>>>>>>> theirs\n${rest}`,
    );
    expect(findConflictMarkers(result.text)).toHaveLength(1);
  });

  it('a task edited two ways is a conflict around it, with the base task in diff3 style', async () => {
    const ours = base.replace('build frontend', 'build the frontend');
    const theirs = base.replace('build frontend', 'build frontend and docs');
    const result = await mergeFile('queue', base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => 'diff3' });
    expect(result.conflicts).toBe(1);
    const task = (text: string): string => `[seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] ${text}`;
    expect(result.text).toContain(
      `<<<<<<< ours\n- [ ] ${task('build the frontend')}\n||||||| base\n- [ ] ${task('build frontend')}\n=======\n- [ ] ${task('build frontend and docs')}\n>>>>>>> theirs\n`,
    );
  });

  it('a conflict on the last task of a file without a final newline ends its closing marker line, as git merge-file does', async () => {
    // git gives the sides' last lines a line ending inside the region and ends the closing marker line
    // with one too, in either style and with the file's own line ending.
    for (const style of ['merge', 'diff3'] as const) {
      for (const eol of ['\n', '\r\n']) {
        const [b, o, t] = ['build frontend', 'build the frontend', 'build frontend and docs'].map((text) =>
          base.replace('build frontend', text).replace(/\n$/, '').replace(/\n/g, eol),
        ) as [string, string, string];
        const result = await mergeFile('queue', b, o, t, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => style });
        expect(result.conflicts).toBe(1);
        expect(result.text, `${style} ${JSON.stringify(eol)}`).toBe(gitMergeFile(b, o, t, style));
        expect(result.text.endsWith(`>>>>>>> theirs${eol}`)).toBe(true);
      }
    }
  });

  it('a diff3 base section around prose shows the base\'s prose, and the task once after it, its depends by seq', async () => {
    const head = '# Q\n\n- [ ] [seq:1] [id:aaaaaaaaaa] one\n\n';
    const two = '- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] two\n';
    const b = `${head}Intro para.\n${two}\nOutro.\n`;
    const o = `${head}Intro para ours.\n\nOutro.\n`;
    const t = `${head}Intro para theirs.\n${two.replace(' two', ' [claim:x@2026-11-27T10:00:00.000Z] two')}\nOutro.\n`;
    const result = await mergeFile('queue', b, o, t, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => 'diff3' });
    expect(result.conflicts).toBeGreaterThan(0);
    // The task is the merge's: written outside the region, as the file writes it (not in the merge's
    // internal form, its depends as identities).
    expect(result.text).toContain(`||||||| base\nIntro para.\n=======\nIntro para theirs.\n>>>>>>> theirs\n${two.replace(' two', ' [claim:x@2026-11-27T10:00:00.000Z] two')}\nOutro.\n`);
    expect(result.text).not.toContain('@id:');
  });

  it('a takeover of an expired claim on one side wins over that claim on the other, and is not recorded lost', async () => {
    const alice = '[claim:alice@2026-11-27T10:00:00.000Z]';
    const claimed = base.replace('[agent:code-intel] build', `[agent:code-intel] ${alice} build`);
    // alice, still believing she holds it, logs progress; bob took the expired claim over meanwhile.
    const checkpoint = `${claimed}  - [at:2026-11-27T10:20:00.000Z] half done\n`;
    const takeover = claimed.replace(alice, `[claim:bob@2026-11-27T10:15:00.000Z] [claim-lost:alice@2026-11-27T10:00:00.000Z]`);
    const result = await merge('queue', claimed, checkpoint, takeover);
    expect(result.conflicts).toBe(0);
    expect(result.text).toContain(
      '[claim:bob@2026-11-27T10:15:00.000Z] [claim-lost:alice@2026-11-27T10:00:00.000Z] build frontend\n  - [at:2026-11-27T10:20:00.000Z] half done\n',
    );
    expect(result.text.match(/claim-lost/g)).toHaveLength(1);
    expect((await merge('queue', claimed, takeover, checkpoint)).text).toBe(result.text);
  });

  it('puts a new tag in the same place whichever version the merge rebuilds: merge and rebase agree', async () => {
    const b = '- [ ] [seq:1] [id:aaaaaaaaaa] [agent:x] t\n';
    const claimed = '- [ ] [seq:1] [id:aaaaaaaaaa] [agent:x] [claim:alice@2026-01-01T00:00:05.000Z] t\n';
    const done = '- [x] [seq:1] [id:aaaaaaaaaa] [agent:x] [done:2026-01-01T00:00:02.000Z] t\n';
    const logged = `${done}  - [at:2026-01-01T00:00:03.000Z] cp\n`;
    // git merge: one three-way merge of the tips. git pull --rebase: done replayed on claimed, then the
    // checkpoint on that, with the commit's parent as base.
    const merged = await merge('queue', b, claimed, logged);
    const step = await merge('queue', b, claimed, done);
    const rebased = await merge('queue', done, step.text, logged);
    expect(rebased.text).toBe(merged.text);
    expect(merged.text).toBe('- [x] [seq:1] [id:aaaaaaaaaa] [agent:x] [claim:alice@2026-01-01T00:00:05.000Z] [done:2026-01-01T00:00:02.000Z] t\n  - [at:2026-01-01T00:00:03.000Z] cp\n');
  });

  it('a hand-written task each side stamped keeps the greater id and records the other as an alias, which check accepts', async () => {
    const { checkFile } = await import('../../src/core/check/index.js');
    const b = '- [ ] [seq:1] [agent:human] hand task\n';
    const ours = '- [ ] [seq:1] [id:aaaaaaaaaa] [agent:human] [claim:alice@2026-01-01T00:00:05.000Z] hand task\n';
    const theirs = '- [ ] [seq:1] [id:zzzzzzzzzz] [agent:human] hand task\n  - [at:2026-01-01T00:00:06.000Z] started\n';
    const merged = await merge('queue', b, ours, theirs);
    expect(merged.conflicts).toBe(0);
    expect((await merge('queue', b, theirs, ours)).text).toBe(merged.text);
    expect(merged.text).toBe('- [ ] [seq:1] [id:zzzzzzzzzz] [agent:human] [claim:alice@2026-01-01T00:00:05.000Z] [alias:aaaaaaaaaa] hand task\n  - [at:2026-01-01T00:00:06.000Z] started\n');
    // Against either side (the hook concluding the merge, check --base HEAD^1 or ^2, a rebased commit):
    // the same task, not a changed id.
    for (const side of [ours, theirs]) expect(checkFile('queue', 'QUEUE.md', merged.text, side)).toEqual([]);
    // Merged again with a third stamp, the alias list grows and keeps one id.
    const third = '- [ ] [seq:1] [id:mmmmmmmmmm] [agent:human] hand task\n';
    const again = await merge('queue', b, merged.text, third);
    expect(again.text).toMatch(/\[id:zzzzzzzzzz\].*\[alias:aaaaaaaaaa\] \[alias:mmmmmmmmmm\]/);
  });

  it('a task done on one side and given an edge to an open task on the other is a conflict, not done before its dependency', async () => {
    const q = (two: string): string => `${HEAD}${T(1, 'aaaaaaaaaa', '[agent:x] [done:2026-01-01T00:00:02.000Z] one', 'x')}${two}${T(3, 'cccccccccc', '[agent:x] three')}`;
    const b = q(T(2, 'bbbbbbbbbb', '[depends:1] [agent:x] two'));
    const edge = q(T(2, 'bbbbbbbbbb', '[depends:1,3] [agent:x] two'));
    const done = q(T(2, 'bbbbbbbbbb', '[depends:1] [agent:x] [done:2026-01-01T00:00:09.000Z] two', 'x'));
    for (const [x, y] of [[edge, done], [done, edge]] as const) {
      const result = await merge('queue', b, x, y);
      expect(result.conflicts).toBe(1);
      expect(result.text).toContain('<<<<<<<');
    }
  });

  it('a task done on one side whose dependency the other side only renumbered (a merge) is no conflict', async () => {
    const build = (seq: number, box = ' ', extra = ''): string => T(seq, 'zzzzzzzzz1', `${seq === 1 ? '' : '[was:1] '}${extra}build`, box);
    const b = `${HEAD}${build(1)}${T(2, 'zzzzzzzzz2', '[depends:1] deploy')}`;
    // Another branch's task took 1 in a merge on this side: build moved to 3, deploy's edge with it.
    const renumbered = `${HEAD}${T(1, 'aaaaaaaaaa', 'other branch task')}${T(2, 'zzzzzzzzz2', '[depends:3] deploy')}${build(3)}`;
    const done = `${HEAD}${build(1, 'x', '[done:2026-01-01T00:00:01.000Z] ')}${T(2, 'zzzzzzzzz2', '[depends:1] [done:2026-01-01T00:00:02.000Z] deploy', 'x')}`;
    const expected = `${HEAD}${T(1, 'aaaaaaaaaa', 'other branch task')}${T(2, 'zzzzzzzzz2', '[depends:3] [done:2026-01-01T00:00:02.000Z] deploy', 'x')}${build(3, 'x', '[done:2026-01-01T00:00:01.000Z] ')}`;
    for (const [x, y] of [[renumbered, done], [done, renumbered]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: expected });
  });

  it('an edge is its target: one side removing it beats the other side renumbering its target, and two renumberings keep it once', async () => {
    const b = `${HEAD}${T(1, 'kkkkkkkkkk', 'build')}${T(2, 'zzzzzzzzz2', '[depends:1] deploy')}`;
    // A merge on this side gave 1 to another branch's task: build moved to 3, the edge with it.
    const renumbered = `${HEAD}${T(1, 'aaaaaaaaaa', 'x task')}${T(2, 'zzzzzzzzz2', '[depends:3] deploy')}${T(3, 'kkkkkkkkkk', '[was:1] build')}`;
    const removed = `${HEAD}${T(1, 'kkkkkkkkkk', 'build')}${T(2, 'zzzzzzzzz2', 'deploy')}`;
    const expected = `${HEAD}${T(1, 'aaaaaaaaaa', 'x task')}${T(2, 'zzzzzzzzz2', 'deploy')}${T(3, 'kkkkkkkkkk', '[was:1] build')}`;
    for (const [x, y] of [[renumbered, removed], [removed, renumbered]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: expected });
    // The other side's merge moved build to 5: still one edge, to build.
    const elsewhere = `${HEAD}${T(1, 'bbbbbbbbbb', 'y task')}${T(2, 'zzzzzzzzz2', '[depends:5] deploy')}${T(3, 'bbbbbbbbb3', 'y3')}${T(4, 'bbbbbbbbb4', 'y4')}${T(5, 'kkkkkkkkkk', '[was:1] build')}`;
    for (const [x, y] of [[renumbered, elsewhere], [elsewhere, renumbered]] as const) {
      const result = await merge('queue', b, x, y);
      expect(result.conflicts).toBe(0);
      expect(bySeq(result.text).get('2')!.depends).toBe(String([...bySeq(result.text)].find(([, t]) => t.id === 'kkkkkkkkkk')![0]));
    }
  });

  it('a hand-written task one side stamped and edited, the other stamped and finished, stays one task with its dependents', async () => {
    const { checkFile } = await import('../../src/core/check/index.js');
    const b = `${HEAD}- [ ] [seq:1] [agent:human] fix the login bug\n- [ ] [seq:2] [id:cccccccccc] [depends:1] [agent:x] release\n`;
    const edited = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] [agent:human] fix the login bug on mobile\n- [ ] [seq:2] [id:cccccccccc] [depends:1] [agent:x] release\n`;
    const done = `${HEAD}- [x] [seq:1] [id:bbbbbbbbbb] [agent:human] [done:2026-01-01T00:00:05.000Z] fix the login bug\n- [x] [seq:2] [id:cccccccccc] [depends:1] [agent:x] [done:2026-01-01T00:00:06.000Z] release\n`;
    const result = await merge('queue', b, edited, done);
    expect(result.conflicts).toBe(0);
    expect((await merge('queue', b, done, edited)).text).toBe(result.text);
    expect(result.text).toBe(
      `${HEAD}- [x] [seq:1] [id:bbbbbbbbbb] [agent:human] [done:2026-01-01T00:00:05.000Z] [alias:aaaaaaaaaa] fix the login bug on mobile\n- [x] [seq:2] [id:cccccccccc] [depends:1] [agent:x] [done:2026-01-01T00:00:06.000Z] release\n`,
    );
    for (const side of [edited, done]) expect(checkFile('queue', 'QUEUE.md', result.text, side)).toEqual([]);
  });

  it('a hand-written task reworded where no hook ran (a web edit) and claimed in a clone stays one task', async () => {
    const b = `${HEAD}- [ ] [seq:1] fix bug\n- [ ] [seq:2] [depends:1] release\n`;
    const reworded = `${HEAD}- [ ] [seq:1] fix the login bug\n- [ ] [seq:2] [depends:1] release\n`;
    // The claiming clone's hook stamped ids; without a hook, the same claim with no ids.
    const stamped = `${HEAD}- [ ] [seq:1] [id:kkkkkkkkkk] [claim:bob@2026-01-01T00:00:05.000Z] fix bug\n- [ ] [seq:2] [id:rrrrrrrrrr] [depends:1] release\n`;
    const bare = `${HEAD}- [ ] [seq:1] [claim:bob@2026-01-01T00:00:05.000Z] fix bug\n- [ ] [seq:2] [depends:1] release\n`;
    const cases = [
      [stamped, `${HEAD}- [ ] [seq:1] [id:kkkkkkkkkk] [claim:bob@2026-01-01T00:00:05.000Z] fix the login bug\n- [ ] [seq:2] [id:rrrrrrrrrr] [depends:1] release\n`],
      [bare, `${HEAD}- [ ] [seq:1] [claim:bob@2026-01-01T00:00:05.000Z] fix the login bug\n- [ ] [seq:2] [depends:1] release\n`],
    ] as const;
    for (const [claimed, expected] of cases) {
      for (const [x, y] of [[reworded, claimed], [claimed, reworded]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: expected });
    }
    // Reworded two ways: one task edited twice, a conflict (as with ids), not two tasks.
    const other = `${HEAD}- [ ] [seq:1] fix the bug in the parser\n- [ ] [seq:2] [depends:1] release\n`;
    const twice = await merge('queue', b, reworded, other);
    expect(twice.conflicts).toBe(1);
    expect(twice.text).toContain('<<<<<<<');
  });

  it('merges checkpoint logs as grow-only, ordered by stamp', async () => {
    const withLog = (lines: string[]): string => base + lines.map((l) => `  - [at:2026-11-27T10:0${l}:00.000Z] checkpoint ${l}\n`).join('');
    const b = withLog(['1']);
    const o = withLog(['1', '3']);
    const t = withLog(['1', '2']);
    const result = await merge('queue', b, o, t);
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(withLog(['1', '2', '3']));
    expect((await merge('queue', b, t, o)).text).toBe(result.text);
  });

  it('continuation lines: one side\u2019s notes are taken whole (fences, repeated lines); both sides\u2019 new items are kept whole; an edit on both is a conflict', async () => {
    const task = '- [ ] [seq:1] [id:aaaaaaaaaa] build\n';
    const claimed = '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:bob@2026-11-27T10:00:00.000Z] build\n';
    const notes = '  ```\n  make\n  make\n  ```\n';
    for (const [x, y] of [[claimed, task + notes], [task + notes, claimed]] as const) {
      expect(await merge('queue', HEAD + task, HEAD + x, HEAD + y)).toMatchObject({ conflicts: 0, text: HEAD + claimed + notes });
    }
    const log = (at: string, text: string): string => `  - [at:2026-11-27T10:${at}:00.000Z] ${text}\n`;
    const b = HEAD + task + log('00', 'started');
    const o = b + log('05', 'ours step') + '    ```\n    output\n    ```\n';
    const t = b + log('03', 'theirs step');
    const both = b + log('03', 'theirs step') + log('05', 'ours step') + '    ```\n    output\n    ```\n';
    for (const [x, y] of [[o, t], [t, o]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: both });
    const edited = await merge('queue', HEAD + task + '  note: node 18\n', HEAD + task + '  note: node 20\n', HEAD + claimed + '  note: node 22\n');
    expect(edited.conflicts).toBeGreaterThan(0);
    expect(edited.text).toContain('node 20');
    expect(edited.text).toContain('node 22');
  });

  it('a task one side removed stays when the other side made a new task depend on it; edges that close a cycle conflict', async () => {
    const b = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:bbbbbbbbbb] b\n`;
    const added = `${b}- [ ] [seq:3] [id:cccccccccc] [depends:2] c\n`;
    const removed = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] a\n`;
    for (const [x, y] of [[added, removed], [removed, added]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: added });
    // Without the new edge, the removal wins as before.
    expect((await merge('queue', b, `${b}- [ ] [seq:3] [id:cccccccccc] c\n`, removed)).text).not.toContain('] b\n');

    const aOnB = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] [depends:2] a\n- [ ] [seq:2] [id:bbbbbbbbbb] b\n`;
    const bOnA = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] b\n`;
    for (const [x, y] of [[aOnB, bOnA], [bOnA, aOnB]] as const) {
      const r = await merge('queue', b, x, y);
      expect(r.conflicts).toBe(2);
      expect(r.text).toContain('[depends:2] a');
      expect(r.text).toContain('[depends:1] b');
    }
  });

  it('a task that stays done keeps its [done:…] stamp when one side reverted the done', async () => {
    const t = (box: string, tags: string) => `${HEAD}- [${box}] [seq:1] [id:aaaaaaaaaa] [agent:alice]${tags} A\n`;
    const claim = ' [claim:alice@2026-11-27T10:01:00.000Z]';
    const done = ' [done:2026-11-27T10:02:00.000Z]';
    const b = t('x', claim + done);
    for (const [x, y] of [[t(' ', claim), t('x', done)], [t('x', done), t(' ', claim)]] as const) {
      expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: t('x', done) });
    }
  });

  it('an edge no merge renumbers renders as it was written ([depends:01] stays)', async () => {
    const b = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:01] b\n- [ ] [seq:3] [id:cccccccccc] c\n`;
    const result = await merge('queue', b, b.replace('] a\n', '] a changed\n'), b.replace('] c\n', '] c changed\n'));
    expect(result.text).toContain('[depends:01] b\n');
  });

  it('the same task text edited two ways is a conflict around that entry only', async () => {
    const ours = base.replace('build frontend', 'build frontend with vite');
    const theirs = base.replace('build frontend', 'build frontend with webpack');
    const result = await merge('queue', base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(result.text).toContain('<<<<<<< ours\n- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] build frontend with vite\n=======\n');
    expect(result.text.startsWith(HEAD + T(141, 'a9d4c1uv0s', '[agent:code-intel] [done:2026-11-27T09:58:00.000Z] set up repo', 'x'))).toBe(true);
  });

  it('matches a hand-written entry that one side stamped with an id', async () => {
    const b = `${HEAD}- [ ] [seq:1] write the plan\n`;
    const o = `${HEAD}- [ ] [seq:1] [id:q1w2e3r4t5] write the plan\n`;
    const t = `${HEAD}- [x] [seq:1] write the plan\n`;
    const result = await merge('queue', b, o, t);
    expect(result).toMatchObject({ conflicts: 0, text: `${HEAD}- [x] [seq:1] [id:q1w2e3r4t5] write the plan\n` });
  });

  it('a hand-written task stamped with a different id on each side (two pre-commit hooks) stays one task', async () => {
    const b = `${HEAD}- [ ] [seq:1] write the plan\n- [ ] [seq:2] review it\n`;
    const o = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] write the plan\n- [ ] [seq:2] [id:cccccccccc] review it\n`;
    const t = `${HEAD}- [x] [seq:1] [id:bbbbbbbbbb] write the plan\n- [ ] [seq:2] [id:dddddddddd] review it\n- [ ] [seq:3] [id:eeeeeeeeee] ship\n`;
    const expected = `${HEAD}- [x] [seq:1] [id:bbbbbbbbbb] [alias:aaaaaaaaaa] write the plan\n- [ ] [seq:2] [id:dddddddddd] [alias:cccccccccc] review it\n- [ ] [seq:3] [id:eeeeeeeeee] ship\n`;
    for (const [x, y] of [[o, t], [t, o]] as const) expect(await merge('queue', b, x, y)).toMatchObject({ conflicts: 0, text: expected });
    // A version that holds the hand-written task and, beside it, a new task with the same text and seq
    // keeps both: two entries of one version never become one.
    const both = `${HEAD}- [ ] [seq:1] write the plan\n- [ ] [seq:1] [id:aaaaaaaaaa] write the plan\n- [ ] [seq:2] review it\n`;
    const merged = await merge('queue', b, both, t);
    expect(merged.text.match(/write the plan/g)).toHaveLength(2);
  });

  it('keeps two hand-written tasks (no id) that took the same seq, and the renumbered one stays itself', async () => {
    const b = `${HEAD}- [ ] [seq:1] [id:aaaaaaaaaa] one\n`;
    const o = `${b}- [ ] [seq:2] hand A\n`;
    const t = `${b}- [ ] [seq:2] hand B\n`;
    const merged = await merge('queue', b, o, t);
    expect(merged.conflicts).toBe(0);
    expect((await merge('queue', b, t, o)).text).toBe(merged.text);
    const tasks = entriesOf(parseDoc(merged.text)).map((e) => [tagValue(e, 'seq'), tagValue(e, 'was')]);
    expect(tasks).toEqual([['1', undefined], ['2', undefined], ['3', '2']]);
    expect(merged.text).toContain('hand A');
    expect(merged.text).toContain('hand B');
    // Later merges see the renumbered task as the one written: a third branch that checked it off
    // before the merge reached it, and a merge of the merge with ours, change nothing else.
    const renumbered = merged.text.includes('[seq:3] [was:2] hand A') ? 'A' : 'B';
    const done = (await merge('queue', b, b, `${b}- [x] [seq:2] hand ${renumbered}\n`)).text;
    const again = await merge('queue', b, merged.text, done);
    expect(again.conflicts).toBe(0);
    expect(again.text).toBe(merged.text.replace(`- [ ] [seq:3] [was:2] hand ${renumbered}`, `- [x] [seq:3] [was:2] hand ${renumbered}`));
    expect((await merge('queue', o, merged.text, o)).text).toBe(merged.text);
  });
});
