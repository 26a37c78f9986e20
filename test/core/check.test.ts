// The integrity rules, one by one: each both firing and staying quiet, on small hand-written files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Finding, checkDeleted, checkFile, formatGithub, formatJson, formatText, mergeFindings, nestedTasks, reusingBase, sameAs, sameSeqAs, stampIds, unseenFindings, untaggedTasks } from '../../src/core/check/index.js';
import { firstConflict } from '../../src/core/check/markers.js';
import { ROOT } from '../helpers/git.js';

const Q = '# Queue\n\n';
const S1 = '2026-11-27T10:00:00.000Z';
const S2 = '2026-11-27T11:00:00.000Z';

const queue = (text: string, base?: string): Finding[] => checkFile('queue', 'QUEUE.md', Q + text, base === undefined ? undefined : Q + base);
const rules = (findings: readonly Finding[]): string[] => findings.map((f) => f.rule);
const only = (findings: readonly Finding[], rule: string): Finding[] => findings.filter((f) => f.rule === rule);

/** A clean queue the base rules start from. */
const CLEAN = [
  `- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${S1}] set up repo`,
  '- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] [claim:b@2026-11-27T10:05:00.000Z] build',
  '- [ ] [seq:3] [id:cccccccccc] [depends:1,2] [agent:c] deploy',
  '- [-] [seq:4] [id:dddddddddd] [agent:d] cancelled: superseded',
  '  - [at:2026-11-27T10:06:00.000Z] checkpoint: started',
  '',
].join('\n');

describe('queue: one version', () => {
  it('a clean queue has no findings, with and without a base', () => {
    expect(queue(CLEAN)).toEqual([]);
    expect(queue(CLEAN, CLEAN)).toEqual([]);
  });

  it('malformed-entry: bad seq, missing seq, bad stamps, bad depends, repeated tags', () => {
    const text = [
      '- [ ] [seq:one] [id:aaaaaaaaaa] bad seq',
      '- [ ] [id:bbbbbbbbbb] [agent:x] no seq at all',
      `- [x] [seq:3] [id:cccccccccc] [done:yesterday] bad done`,
      '- [ ] [seq:4] [id:dddddddddd] [claim:x@soon] bad claim',
      '- [ ] [seq:5] [id:eeeeeeeeee] [depends:1,two] bad depends',
      '- [ ] [seq:6] [seq:7] [id:ffffffffff] two seqs',
      '- [ ] [seq:8] [id:gggggggggg] bad log',
      '  - [at:2026-13-45T99:00:00Z] checkpoint',
      '',
    ].join('\n');
    const found = only(queue(text), 'malformed-entry');
    expect(found.map((f) => [f.line, f.message])).toEqual([
      [3, expect.stringContaining('[seq:one] is not a whole number')],
      [4, expect.stringContaining('has no [seq:N]')],
      [5, expect.stringContaining('[done:yesterday] is not a UTC ISO-8601 time stamp')],
      [6, expect.stringContaining("after the @, not a UTC ISO-8601")],
      [7, expect.stringContaining("'two'")],
      [8, expect.stringContaining('more than one [seq:…]')],
      [10, expect.stringContaining('[at:2026-13-45T99:00:00Z] in the log')],
    ]);
    expect(found[0]!.column).toBe(7);
    expect(found[1]!.hint).toContain('[seq:9]');
    for (const f of found) expect(f.hint).not.toBe('');
  });

  it('malformed-entry and duplicate-seq propose a seq that no line uses, a nested item\'s included', () => {
    // Line 4 is notes of task 3 to the queue, but it carries [seq:4]: proposing 4 would make a task whose
    // number the file already shows (and a later unindent would be a duplicate).
    const text = [
      '- [ ] [seq:3] [id:cccccccccc] deploy',
      '  - [ ] [seq:4] build image',
      '- [ ] [id:dddddddddd] no seq yet',
      '- [ ] [seq:3] [id:eeeeeeeeee] took 3 as well',
      '',
    ].join('\n');
    const found = queue(text);
    expect(only(found, 'malformed-entry').map((f) => f.hint)).toEqual(['add [seq:5] (the next free seq) after the task box on line 5']);
    expect(only(found, 'duplicate-seq')[0]!.hint).toContain('[seq:5] [was:3]');
  });

  it('malformed-entry: a seq past 2^53 (a date-time number) is reported, not read rounded into a duplicate', () => {
    const text = [
      '- [ ] [seq:20261128124010811] [id:aaaaaaaaaa] dated seq',
      '- [ ] [seq:20261128124010812] [id:bbbbbbbbbb] the next one',
      '- [ ] [seq:3] [id:cccccccccc] [depends:20261128124010811] waits',
      '',
    ].join('\n');
    const found = queue(text);
    // Both numbers read as 20261128124010812 in a double: no duplicate-seq, no dangling edge.
    expect(rules(found)).toEqual(['malformed-entry', 'malformed-entry', 'malformed-entry']);
    expect(found.map((f) => f.message)).toEqual([
      '[seq:20261128124010811] is larger than 9007199254740991, the largest number strata counts exactly',
      '[seq:20261128124010812] is larger than 9007199254740991, the largest number strata counts exactly',
      "[depends:20261128124010811] has '20261128124010811', larger than 9007199254740991, the largest number strata counts exactly",
    ]);
    expect(queue('- [ ] [seq:9007199254740991] [id:aaaaaaaaaa] the largest\n')).toEqual([]);
    // Sixteen digits and more are not too large in themselves: only their value counts.
    expect(queue('- [ ] [seq:1] [id:aaaaaaaaaa] one\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:00000000000000001] two\n')).toEqual([]);
    expect(rules(queue('- [ ] [seq:1] [id:aaaaaaaaaa] one\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1, 9007199254740992] two\n'))).toEqual(['malformed-entry']);
  });

  it('malformed-entry stays quiet on valid stamps, empty depends and unknown tags', () => {
    const text = `- [x] [seq:1] [id:aaaaaaaaaa] [depends:] [done:2026-11-27T10:00:00Z] [owner:??] [priority:high] fine\n`;
    expect(queue(text)).toEqual([]);
  });

  it('conflict-markers: reported at the <<<<<<< line, and they silence the other rules', () => {
    const text = '<<<<<<< ours\n- [ ] [seq:1] [id:aaaaaaaaaa] a\n=======\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n>>>>>>> theirs\n';
    const found = queue(text);
    expect(found.map((f) => [f.rule, f.line])).toEqual([['conflict-markers', 3]]);
    expect(found[0]!.hint).toMatch(/^git strata resolve QUEUE\.md merges both sides again .*--committed/);
    expect(found[0]!.message).toContain('lines 3-7');
    expect(rules(queue('>>>>>>> theirs\n'))).toEqual(['conflict-markers']);
  });

  it('malformed-entry: a NUL byte makes a typed file binary to git; plain Markdown is left to git', () => {
    const found = queue(`- [ ] [seq:1] [id:aaaaaaaaaa] one\n\u0000junk\n`);
    expect(found.map((f) => [f.rule, f.line])).toEqual([['malformed-entry', 4]]);
    expect(found[0]!.message).toMatch(/NUL byte.*binary/);
    expect(checkFile('ops', 'OPS.md', '# Ops\n\u0000\n').map((f) => f.rule)).toEqual(['malformed-entry']);
    expect(checkFile('markdown', 'NOTES.md', '# Notes\n\u0000\n')).toEqual([]);
  });

  it('conflict-markers: Markdown showing a conflict in a code block passes, except in a merge; typed files never', () => {
    const doc = '# Resolving\n\nGit leaves this:\n\n```text\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> topic\n```\n\nThen fix it.\n';
    expect(checkFile('markdown', 'DOC.md', doc)).toEqual([]);
    expect(checkFile('markdown', 'DOC.md', doc.replaceAll('```', '~~~~'))).toEqual([]);
    // Concluding a merge, a conflict left in a code sample looks the same: then it is reported.
    expect(checkFile('markdown', 'DOC.md', doc, undefined, { inMerge: true }).map((f) => [f.rule, f.line])).toEqual([['conflict-markers', 6]]);
    // ...unless the base had that very sample already (an amend at a rebase's edit stop).
    expect(checkFile('markdown', 'DOC.md', doc.replace('Then', 'Afterwards'), doc, { inMerge: true })).toEqual([]);
    // Outside the block, or a block the conflict opens or leaves unclosed: reported.
    expect(rules(checkFile('markdown', 'DOC.md', doc.replace('```text\n', '').replace('>>>>>>> topic\n```', '>>>>>>> topic')))).toEqual(['conflict-markers']);
    expect(rules(checkFile('markdown', 'DOC.md', '# X\n\n<<<<<<< HEAD\n```js\na\n=======\nb\n>>>>>>> topic\n```\n'))).toEqual(['conflict-markers']);
    expect(rules(checkFile('markdown', 'DOC.md', '# X\n\n```\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> topic\n'))).toEqual(['conflict-markers']);
    expect(rules(queue('```\n<<<<<<< ours\n- [ ] [seq:1] [id:aaaaaaaaaa] a\n=======\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n>>>>>>> theirs\n```\n'))).toEqual(['conflict-markers']);
  });

  it('firstConflict (what the agent commands refuse): the line check reports first, outside a merge', () => {
    const doc = '# Resolving\n\n```text\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> topic\n```\n';
    const real = `${doc}\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n`;
    // A sample in a code block is Markdown content, but never a typed file's.
    expect(firstConflict(doc, 'markdown')).toBeUndefined();
    expect(firstConflict(doc, 'queue')?.line).toBe(4);
    expect(firstConflict(real, 'markdown')).toMatchObject({ line: 11, end: 15 });
    expect(firstConflict('Title\n=======\n', 'queue')).toBeUndefined();
    expect(firstConflict(`${Q}- [ ] [seq:1] a\n>>>>>>> theirs\n`, 'queue')).toMatchObject({ line: 4, message: 'conflict marker >>>>>>> without its <<<<<<<' });
    for (const [type, text] of [['markdown', doc], ['markdown', real], ['queue', doc], ['heartbeat', 'Title\n=======\n']] as const) {
      expect(firstConflict(text, type)?.line, `${type}: ${text}`).toBe(checkFile(type, 'X.md', text)[0]?.line);
    }
  });

  it('conflict-markers: a bare ======= (a heading underline) and a quote are not markers', () => {
    const md = 'Title\n=======\n\n> quoted\n>> nested\n';
    expect(checkFile('markdown', 'NOTES.md', md)).toEqual([]);
    expect(checkFile('markdown', 'NOTES.md', `${md}<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n`).map((f) => f.rule)).toEqual(['conflict-markers']);
  });

  it('duplicate-seq fires on the second entry and names the first', () => {
    const found = queue('- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n');
    expect(found).toEqual([
      expect.objectContaining({ rule: 'duplicate-seq', line: 4, column: 7, message: 'seq 1 is also the seq of the entry at line 3', hint: expect.stringContaining('[seq:2] [was:1]') }),
    ]);
    // Doing what the hint says passes, also against the committed duplicate.
    const dup = '- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n';
    expect(queue('- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [was:1] [id:bbbbbbbbbb] b\n', dup)).toEqual([]);
    expect(queue('- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:bbbbbbbbbb] b\n')).toEqual([]);
  });

  it('duplicate-id fires on the second entry', () => {
    expect(rules(queue('- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:aaaaaaaaaa] b\n'))).toEqual(['duplicate-id']);
    expect(rules(queue('- [ ] [seq:1] a\n- [ ] [seq:2] b\n'))).toEqual([]);
  });

  it('dangling-depends fires for a seq no entry has', () => {
    const found = queue('- [ ] [seq:1] [id:aaaaaaaaaa] [depends:7] a\n');
    expect(found).toEqual([expect.objectContaining({ rule: 'dangling-depends', line: 3, message: 'seq 1 depends on seq 7, which no entry has' })]);
    expect(queue('- [ ] [seq:7] [id:bbbbbbbbbb] b\n- [ ] [seq:1] [id:aaaaaaaaaa] [depends:7] a\n')).toEqual([]);
  });

  it('dangling-depends on a seq written on an item nested under a task says so: that item is the task\'s notes', () => {
    const text = '- [ ] [seq:3] [id:cccccccccc] deploy\n  - [ ] [seq:4] build image\n- [ ] [seq:6] [id:ffffffffff] [depends:4] smoke test\n';
    expect(queue(text)).toEqual([
      expect.objectContaining({
        rule: 'dangling-depends',
        line: 5,
        message: 'seq 6 depends on seq 4, which is written on line 4, indented under the entry at line 3: a nested item is part of that entry\'s notes, not a task',
        hint: 'unindent line 4 to make it a task of its own, or remove 4 from [depends:…]',
      }),
    ]);
  });

  it('self-dependency fires, and is not also reported as a cycle', () => {
    expect(rules(queue('- [ ] [seq:1] [id:aaaaaaaaaa] [depends:1] a\n'))).toEqual(['self-dependency']);
  });

  it('dependency-cycle reports one cycle with its seqs, at its smallest seq', () => {
    const text = [
      '- [ ] [seq:1] [id:aaaaaaaaaa] [depends:3] a',
      '- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] b',
      '- [ ] [seq:3] [id:cccccccccc] [depends:2] c',
      '- [ ] [seq:4] [id:dddddddddd] [depends:3] d, outside the cycle',
      '- [ ] [seq:5] [id:eeeeeeeeee] [depends:6] e',
      '- [ ] [seq:6] [id:ffffffffff] [depends:5] f',
      '',
    ].join('\n');
    const found = only(queue(text), 'dependency-cycle');
    expect(found.map((f) => [f.line, f.message])).toEqual([
      [3, expect.stringContaining('dependency cycle 1 → 3 → 2 → 1')],
      [7, expect.stringContaining('dependency cycle 5 → 6 → 5')],
    ]);
    // Edges to newer entries are fine as long as they close no cycle.
    expect(queue('- [ ] [seq:1] [id:aaaaaaaaaa] [depends:2] a\n- [ ] [seq:2] [id:bbbbbbbbbb] b\n')).toEqual([]);
  });

  it('finds a cycle in a long chain without overflowing the stack', () => {
    const n = 20_000;
    let text = '';
    for (let i = 1; i <= n; i++) text += `- [ ] [seq:${i}] [depends:${i === n ? 1 : i + 1}] t${i}\n`;
    const found = only(queue(text), 'dependency-cycle');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/^dependency cycle 1 → 2 → 3 → 4 → 5 → 6 → 7 → 8 → … \(19990 more\) → 19999 → 20000 → 1 /);
  });

  it('done-before-dependency: done while a dependency is open or claimed', () => {
    const text = [
      '- [ ] [seq:1] [id:aaaaaaaaaa] a',
      `- [ ] [seq:2] [id:bbbbbbbbbb] [claim:x@${S1}] b`,
      `- [x] [seq:3] [id:cccccccccc] [depends:1,2] [done:${S2}] c`,
      '',
    ].join('\n');
    const found = only(queue(text), 'done-before-dependency');
    expect(found.map((f) => f.message)).toEqual([
      'seq 3 is done, but its dependency seq 1 (line 3) is still open',
      'seq 3 is done, but its dependency seq 2 (line 4) is still claimed',
    ]);
  });

  it('done-before-dependency: done earlier than its dependency by the stamps', () => {
    const text = `- [x] [seq:1] [id:aaaaaaaaaa] [done:${S2}] a\n- [x] [seq:2] [id:bbbbbbbbbb] [depends:1] [done:${S1}] b\n`;
    expect(only(queue(text), 'done-before-dependency').map((f) => f.message)).toEqual([
      `seq 2 was done at ${S1}, before its dependency seq 1 was done at ${S2}`,
    ]);
  });

  it('done-before-dependency: a cancelled dependency does not count as done', () => {
    const text = `- [-] [seq:1] [id:aaaaaaaaaa] a\n- [x] [seq:2] [id:bbbbbbbbbb] [depends:1] [done:${S2}] b\n`;
    expect(queue(text)).toEqual([
      expect.objectContaining({ rule: 'done-before-dependency', message: 'seq 2 is done, but its dependency seq 1 (line 3) is cancelled', hint: expect.stringContaining('never gets done') }),
    ]);
  });

  it('done-before-dependency stays quiet for done dependencies in order', () => {
    const text = `- [x] [seq:1] [id:aaaaaaaaaa] [done:${S1}] a\n- [-] [seq:2] [id:bbbbbbbbbb] [depends:1] b\n- [x] [seq:3] [id:cccccccccc] [depends:1] [done:${S2}] c\n- [ ] [seq:4] [id:dddddddddd] [depends:2,3] d\n`;
    expect(queue(text)).toEqual([]);
  });
});

describe('queue: against a base', () => {
  const edit = (from: string, to: string): string => {
    expect(CLEAN).toContain(from);
    return CLEAN.replace(from, to);
  };

  it('a deleted typed file: one finding naming how many settled entries, facts or records went with it', () => {
    const base = `${Q}- [x] [seq:1] [id:aaaaaaaaaa] [done:${S1}] one\n- [-] [seq:2] [id:bbbbbbbbbb] two\n- [ ] [seq:3] [id:cccccccccc] three\n`;
    const found = checkDeleted('queue', 'QUEUE.md', base, 'git checkout HEAD -- QUEUE.md');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'QUEUE.md', line: 1, rule: 'settled-entry-removed' });
    expect(found[0]!.message).toMatch(/^QUEUE\.md was deleted, .*2 entries that must stay/);
    expect(found[0]!.hint).toContain('git checkout HEAD -- QUEUE.md');
    // Only open tasks, or a file of a type without history rules: deleting it is allowed.
    expect(checkDeleted('queue', 'QUEUE.md', `${Q}- [ ] [seq:1] [id:aaaaaaaaaa] one\n`)).toEqual([]);
    expect(checkDeleted('markdown', 'NOTES.md', '# Notes\n- a\n')).toEqual([]);
    expect(checkDeleted('facts', 'MEMORY.md', `# Memory\n\n- [entity:api] [attr:owner] [at:${S1}] [agent:a] alice\n`).map((f) => f.rule)).toEqual(['fact-removed']);
  });

  it('settled-entry-removed: a done or cancelled entry deleted', () => {
    const withoutDone = edit(`- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${S1}] set up repo\n`, '');
    const found = queue(withoutDone.replace(/\[depends:1,2\]/, '[depends:2]').replace('[depends:1] ', ''), CLEAN);
    expect(found).toEqual([
      expect.objectContaining({ rule: 'settled-entry-removed', line: 3, message: "the done entry seq 1 [id:aaaaaaaaaa] 'set up repo' (line 3 at the base) was removed" }),
    ]);
    const withoutCancelled = edit('- [-] [seq:4] [id:dddddddddd] [agent:d] cancelled: superseded\n  - [at:2026-11-27T10:06:00.000Z] checkpoint: started\n', '');
    expect(rules(queue(withoutCancelled, CLEAN))).toEqual(['settled-entry-removed']);
  });

  it('settled-entry-removed stays quiet for an open entry removed, and for a file new at the base', () => {
    expect(queue(edit('- [ ] [seq:3] [id:cccccccccc] [depends:1,2] [agent:c] deploy\n', ''), CLEAN)).toEqual([]);
    expect(queue(CLEAN, '')).toEqual([]);
  });

  it('identity-changed: seq, id and agent', () => {
    expect(only(queue(edit('[seq:3] [id:cccccccccc]', '[seq:9] [id:cccccccccc]'), CLEAN), 'identity-changed').map((f) => f.message)).toEqual([
      'the seq of [id:cccccccccc] changed from 3 to 9',
    ]);
    expect(queue(edit('[seq:3] [id:cccccccccc]', '[seq:3] [id:zzzzzzzzzz]'), CLEAN).map((f) => f.message)).toEqual(['the id of seq 3 changed from cccccccccc to zzzzzzzzzz']);
    expect(queue(edit('[seq:3] [id:cccccccccc]', '[seq:3]'), CLEAN).map((f) => f.message)).toEqual(['seq 3 lost its [id:cccccccccc]']);
    expect(queue(edit('[agent:c]', '[agent:q]'), CLEAN).map((f) => f.message)).toEqual(['the agent of seq 3 changed from c to q']);
  });

  it("identity-changed allows the merge driver's renumbering with [was:N], and an agent added", () => {
    expect(queue(edit('[seq:3] [id:cccccccccc]', '[seq:9] [id:cccccccccc] [was:3]'), CLEAN)).toEqual([]);
    const base = '- [ ] [seq:1] [id:aaaaaaaaaa] a\n';
    expect(queue('- [ ] [seq:1] [id:aaaaaaaaaa] [agent:x] a\n', base)).toEqual([]);
  });

  it('an entry without an id in the base is followed by its seq and text (and may get an id)', () => {
    const base = `- [x] [seq:1] [done:${S1}] a\n`;
    expect(queue(`- [x] [seq:1] [id:aaaaaaaaaa] [done:${S1}] a\n`, base)).toEqual([]);
    expect(rules(queue(`- [ ] [seq:1] [id:aaaaaaaaaa] a\n`, base))).toEqual(['status-regressed']);
  });

  it('status-regressed: done reopened, claim dropped, done turned cancelled', () => {
    expect(queue(edit('- [x] [seq:1]', '- [ ] [seq:1]'), CLEAN).map((f) => [f.rule, f.message])).toEqual([
      ['status-regressed', 'seq 1 went from done back to open'],
    ]);
    expect(queue(edit(' [claim:b@2026-11-27T10:05:00.000Z]', ''), CLEAN).map((f) => f.message)).toEqual(['seq 2 went from claimed back to open']);
    expect(queue(edit('- [x] [seq:1]', '- [-] [seq:1]'), CLEAN).map((f) => f.message)).toEqual(['seq 1 went from done to cancelled']);
  });

  it('status-regressed stays quiet when status moves up, and for cancelled → done (what the merge of the two keeps)', () => {
    const up = edit('- [ ] [seq:3] [id:cccccccccc] [depends:1,2]', '- [-] [seq:3] [id:cccccccccc] [depends:1,2]');
    expect(queue(up, CLEAN)).toEqual([]);
    const cancelled = edit('- [x] [seq:1]', '- [-] [seq:1]');
    expect(queue(CLEAN, cancelled)).toEqual([]);
  });
});

describe('heartbeat', () => {
  const hb = (text: string, base?: string): Finding[] => checkFile('heartbeat', 'HEARTBEAT.md', text, base);
  const BASE = `# Agents\n\n- [ ] check the inbox\n- [agent:a] [at:${S1}] [status:busy] [ttl:10m] working\n- [agent:b] [at:${S1}] [ttl:30s] idle\n`;

  it('a checklist with agents is clean; later stamps are fine', () => {
    expect(hb(BASE)).toEqual([]);
    expect(hb(BASE.replace(`[agent:a] [at:${S1}]`, `[agent:a] [at:${S2}]`), BASE)).toEqual([]);
  });

  it('malformed-entry: bad stamp, bad ttl, a stamp without an agent', () => {
    expect(hb(`- [agent:a] [at:noon] x\n- [agent:b] [at:${S1}] [ttl:soon] y\n- [at:${S1}] z\n`).map((f) => [f.line, f.rule])).toEqual([
      [1, 'malformed-entry'],
      [2, 'malformed-entry'],
      [3, 'malformed-entry'],
    ]);
  });

  it('heartbeat-backwards: an agent whose at goes back; removal and new agents are fine', () => {
    const found = hb(BASE.replace(`[agent:b] [at:${S1}]`, `[agent:b] [at:2026-11-27T09:00:00.000Z]`), BASE);
    expect(found).toEqual([expect.objectContaining({ rule: 'heartbeat-backwards', line: 5, column: 13, message: expect.stringContaining('the heartbeat of b went back in time') })]);
    expect(hb(BASE.replace(/- \[agent:b\].*\n/, '') + `- [agent:c] [at:2020-01-01T00:00:00.000Z] new\n`, BASE)).toEqual([]);
  });

  it('heartbeat-backwards: a stamp more than 15m ahead of the commit may be moved back (a wrong clock corrected)', () => {
    // b's machine ran a year ahead; the commit that corrects it is made on the 27th.
    const future = BASE.replace(`[agent:b] [at:${S1}]`, '[agent:b] [at:2027-11-27T10:00:00.000Z]');
    const corrected = BASE.replace(`[agent:b] [at:${S1}]`, '[agent:b] [at:2026-11-27T10:05:00.000Z]');
    const at = (stamp: string): Finding[] => checkFile('heartbeat', 'HEARTBEAT.md', corrected, future, { time: Date.parse(stamp) });
    expect(at('2026-11-27T10:05:00.000Z')).toEqual([]);
    // Only a stamp beyond the bound at the time of the commit: one 10 minutes ahead was a clock's honest reading.
    expect(at('2027-11-27T09:50:00.000Z')).toEqual([expect.objectContaining({ rule: 'heartbeat-backwards', line: 5 })]);
    expect(at('2027-11-27T09:40:00.000Z')).toEqual([]);
    // Without the time of the commit (a file checked on its own) the rule holds as written.
    expect(checkFile('heartbeat', 'HEARTBEAT.md', corrected, future)).toEqual([
      expect.objectContaining({ rule: 'heartbeat-backwards', hint: expect.stringContaining('only a stamp more than 15m ahead of the time of the commit') }),
    ]);
  });
});

describe('facts', () => {
  const facts = (text: string, base?: string): Finding[] => checkFile('facts', 'MEMORY.md', text, base);
  const BASE = `# Memory\n\n- [entity:frontend] [attr:framework] [at:${S1}] [agent:research] React\n- [entity:db] [attr:engine] [at:${S1}] [agent:ops] Postgres\n- a plain note [source:web]\n`;

  it('a clean file, a new fact and a superseded mark are fine', () => {
    expect(facts(BASE)).toEqual([]);
    const next = BASE.replace('React\n', 'React [superseded:yes]\n') + `- [entity:frontend] [attr:framework] [at:${S2}] [agent:research] Vue\n`;
    expect(facts(next, BASE)).toEqual([]);
  });

  it('malformed-entry: a fact without attr or at, or with a bad stamp', () => {
    expect(facts(`- [entity:x] [at:${S1}] v\n- [entity:y] [attr:z] [at:later] w\n`).map((f) => f.message)).toEqual([
      'fact without [attr:…]',
      `[at:later] is not a UTC ISO-8601 time stamp like ${S1}`,
    ]);
  });

  it('fact-edited: the value or the stamp changed in place', () => {
    expect(facts(BASE.replace('Postgres', 'MySQL'), BASE)).toEqual([
      expect.objectContaining({ rule: 'fact-edited', line: 4, message: `the fact db.engine by ops at ${S1} was edited: it changed its value from 'Postgres' to 'MySQL'` }),
    ]);
    expect(rules(facts(BASE.replace(`[at:${S1}] [agent:ops]`, `[at:${S2}] [agent:ops]`), BASE))).toEqual(['fact-edited']);
  });

  it('fact-removed: a fact deleted', () => {
    expect(facts(BASE.replace(/- \[entity:db\].*\n/, ''), BASE)).toEqual([
      expect.objectContaining({ rule: 'fact-removed', line: 4, message: expect.stringContaining("the fact db.engine by ops at 2026-11-27T10:00:00.000Z ('Postgres'") }),
    ]);
    // A plain note is not a fact: removing it is prose editing.
    expect(facts(BASE.replace('- a plain note [source:web]\n', ''), BASE)).toEqual([]);
  });
});

describe('id stamping', () => {
  let n = 0;
  const fresh = (): string => `new${String(++n).padStart(7, '0')}`;

  it('puts a new id right after seq on entries without one, keeping every other byte', () => {
    n = 0;
    const text = '# Q\r\n\r\n- [ ] [seq:1] [agent:a] one\r\n- [ ] [seq:2] [id:kept000000] two\r\n- [x] [seq:3] three\r\n  - [at:2026-11-27T10:00:00.000Z] log\r\n- [ ] no tags\r\n';
    const result = stampIds(text, reusingBase(undefined, fresh));
    expect(result.text).toBe(
      '# Q\r\n\r\n- [ ] [seq:1] [id:new0000001] [agent:a] one\r\n- [ ] [seq:2] [id:kept000000] two\r\n- [x] [seq:3] [id:new0000002] three\r\n  - [at:2026-11-27T10:00:00.000Z] log\r\n- [ ] no tags\r\n',
    );
    expect(result.stamped.map((s) => [s.line, s.seq, s.id])).toEqual([
      [3, 1, 'new0000001'],
      [5, 3, 'new0000002'],
    ]);
    expect(stampIds(result.text, reusingBase(undefined, fresh)).stamped).toEqual([]);
  });

  it('gives an entry the base knows back its id, and the work tree the same ids as the index', () => {
    n = 0;
    const base = '- [ ] [seq:1] [id:basebase01] one\n';
    const index = stampIds('- [ ] [seq:1] one\n- [ ] [seq:2] two\n', reusingBase(base, fresh));
    expect(index.text).toBe('- [ ] [seq:1] [id:basebase01] one\n- [ ] [seq:2] [id:new0000001] two\n');
    const worktree = stampIds('- [ ] [seq:1] one\n- [ ] [seq:2] two\n', sameAs(index.stamped, fresh));
    expect(worktree.text).toBe(index.text);
  });

  it('stamps only the entries the index got ids for in a partly staged work tree', () => {
    n = 0;
    const index = stampIds('- [ ] [seq:1] one\n', reusingBase(undefined, fresh));
    // The work tree also holds an unstaged task: it stays without an id until it is committed.
    const worktree = stampIds('- [ ] [seq:1] one\n- [ ] [seq:2] unstaged\n', sameAs(index.stamped));
    expect(worktree.text).toBe('- [ ] [seq:1] [id:new0000001] one\n- [ ] [seq:2] unstaged\n');
    expect(worktree.stamped.map((s) => s.seq)).toEqual([1]);
  });

  it('gives a reworded copy of a stamped entry its id by seq, after the exact matches, one entry per seq', () => {
    n = 0;
    const index = stampIds('- [ ] [seq:1] one\n- [ ] [seq:2] two\n', reusingBase(undefined, fresh));
    const bySeq = (copy: string): string => stampIds(stampIds(copy, sameAs(index.stamped)).text, sameSeqAs(index.stamped)).text;
    // The first entry with seq 1 gets its id; the second one with seq 1 gets none (the id is used).
    expect(bySeq('- [ ] [seq:1] one, reworded\n- [ ] [seq:2] two\n- [ ] [seq:1] another one\n')).toBe(
      '- [ ] [seq:1] [id:new0000001] one, reworded\n- [ ] [seq:2] [id:new0000002] two\n- [ ] [seq:1] another one\n',
    );
    // An exact copy anywhere in the file keeps the id for itself.
    expect(bySeq('- [ ] [seq:1] one, reworded\n- [ ] [seq:1] one\n')).toBe('- [ ] [seq:1] one, reworded\n- [ ] [seq:1] [id:new0000001] one\n');
    // Renumbered in the copy: nothing to go by.
    expect(bySeq('- [ ] [seq:7] one, reworded\n')).toBe('- [ ] [seq:7] one, reworded\n');
  });

  it('stamps ids that are unique in the file and pass the checks', () => {
    const text = Array.from({ length: 50 }, (_, i) => `- [ ] [seq:${i + 1}] task ${i}\n`).join('');
    let k = 0;
    const stamped = stampIds(text, reusingBase(undefined, (taken) => {
      // A deliberately colliding source: every other id repeats until it is taken.
      const id = `id${String(Math.floor(k++ / 2)).padStart(8, '0')}`;
      return taken.has(id) ? `id${String(k + 1000).padStart(8, '0')}` : id;
    }));
    expect(checkFile('queue', 'Q.md', stamped.text)).toEqual([]);
  });
});

describe('untagged task-box items', () => {
  it('are found at the top level, outside fences and comments, and only without any tag', () => {
    const text = [
      '# Queue',
      '- [ ] fix the login bug',
      '- [x] done by hand',
      '- [ ] [seq:1] [id:aaaaaaaaaa] a task',
      '  - [ ] a sub-item',
      '- plain item',
      '```',
      '- [ ] in a fence',
      '```',
      '<!--',
      '- [ ] in a comment',
      '-->',
      '* [ ] star bullet',
      '',
    ].join('\n');
    expect(untaggedTasks(text)).toEqual([
      { line: 2, text: '- [ ] fix the login bug' },
      { line: 3, text: '- [x] done by hand' },
      { line: 13, text: '* [ ] star bullet' },
    ]);
  });
});

describe('nestedTasks', () => {
  it('names task items with a seq indented under an entry, not those in a code block or without a seq', () => {
    const text = [
      '# Queue',
      '',
      '- [ ] [seq:3] [id:aaaaaaaaaa] build',
      '  - [ ] [seq:4] a subtask',
      '  - [ ] a checklist item',
      '  - [at:2026-11-27T10:00:00.000Z] a log line',
      '  ```',
      '  - [ ] [seq:9] in a code sample',
      '  ```',
      '- [ ] [seq:5] [id:bbbbbbbbbb] ship',
      '',
    ].join('\n');
    expect(nestedTasks(text)).toEqual([{ line: 4, text: '- [ ] [seq:4] a subtask', under: 3 }]);
    expect(nestedTasks(text.replace('  - [ ] [seq:4] a subtask\n', ''))).toEqual([]);
  });
});

describe('formats', () => {
  const findings: Finding[] = [
    { path: 'queues/a,b.md', line: 3, column: 7, rule: 'duplicate-seq', message: 'seq 1: 100% taken', hint: 'renumber' },
    { path: 'QUEUE.md', line: 1, rule: 'conflict-markers', message: 'conflict', hint: 'resolve\nit' },
  ];

  it('text: path:line: rule: message, then the hint', () => {
    expect(formatText(findings)).toBe('queues/a,b.md:3: duplicate-seq: seq 1: 100% taken\n  hint: renumber\nQUEUE.md:1: conflict-markers: conflict\n  hint: resolve\nit\n');
  });

  it('github: one escaped ::error annotation per finding', () => {
    expect(formatGithub(findings).split('\n')).toEqual([
      '::error file=queues/a%2Cb.md,line=3,col=7,title=duplicate-seq::seq 1: 100%25 taken%0Ahint: renumber',
      '::error file=QUEUE.md,line=1,title=conflict-markers::conflict%0Ahint: resolve%0Ait',
      '',
    ]);
    const withCommit = formatGithub([{ ...findings[1]!, commit: { sha: 'f'.repeat(40), short: 'fffffff', subject: 'add, things' } }]);
    expect(withCommit).toBe('::error file=QUEUE.md,line=1,title=conflict-markers (commit fffffff)::in commit fffffff "add, things": conflict%0Ahint: resolve%0Ait\n');
  });

  it('json: ok, extra fields and the findings', () => {
    expect(JSON.parse(formatJson(findings, { files: 2 }))).toEqual({ ok: false, files: 2, findings });
    expect(JSON.parse(formatJson([]))).toEqual({ ok: true, findings: [] });
  });
});

describe('architecture of the checks', () => {
  it('src/core/check imports no I/O', () => {
    const dir = join(ROOT, 'src/core/check');
    for (const name of readdirSync(dir)) {
      const source = readFileSync(join(dir, name), 'utf8');
      expect(source, name).not.toMatch(/from ['"](node:|fs|child_process|isomorphic-git|execa)/);
    }
  });

  it('check loads isomorphic-git only through a dynamic import (for --base)', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown>; entryPoint?: string }>;
    };
    const outputs = meta.outputs;
    // One CommonJS file, which the entry requires.
    const check = outputs['dist/cmd-check.cjs']!;
    expect(check.entryPoint).toBe('src/cli/check.ts');
    const inputs = Object.keys(check.inputs);
    expect(inputs).toContain('src/core/check/queue.ts');
    expect(inputs.filter((i) => /isomorphic-git|src\/git\/history|commander|execa/.test(i))).toEqual([]);
    // --base imports the history reader, an ES module of its own.
    expect(check.imports.filter((imp) => imp.kind === 'dynamic-import').map((imp) => imp.path)).toEqual(['./lazy-history.mjs']);
    expect(outputs['dist/lazy-history.mjs']?.entryPoint).toBe('src/git/history.ts');
    expect(readFileSync(join(ROOT, 'dist/git-strata.cjs'), 'utf8')).toContain('require("./cmd-check.cjs")');

    // The pre-commit hook's fast path (no typed file staged) runs none of the checks: they are in its
    // file, and run only from the lazy import of hook-deps.
    const hook = readFileSync(join(ROOT, 'dist/cmd-hook.cjs'), 'utf8');
    expect(outputs['dist/cmd-hook.cjs']?.entryPoint).toBe('src/cli/hook.ts');
    expect(hook).toMatch(/\bvar init_hook_deps = __esm\(/);
    const calls = [...hook.matchAll(/.*\binit_hook_deps\(\).*/g)].map((m) => m[0].trim());
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/await Promise\.resolve\(\)\.then\(\(\) => \(init_hook_deps\(\), hook_deps_exports\)\);$/);
    expect(Object.keys(outputs['dist/cmd-hook.cjs']!.inputs).filter((i) => /isomorphic-git|commander|execa/.test(i))).toEqual([]);
  });
});

describe('a merge against its parents', () => {
  const base = `- [x] [seq:1] [id:aaaaaaaaaa] [done:${S1}] one\n- [ ] [seq:2] [id:bbbbbbbbbb] two\n`;
  it('keeps what the merge dropped of a parent, not the id it took from another parent or that parent\'s conflict markers', () => {
    // The merge took the first parent's version: against the second, the done task is gone.
    const merged = `- [ ] [seq:2] [id:bbbbbbbbbb] two\n`;
    const lost = queue(merged, base);
    expect(rules(mergeFindings(lost, 1, () => [{ same: true }, { same: false, text: Q + base }]))).toEqual(['settled-entry-removed']);
    // The id the merge chose for a task both sides stamped is in the other parent's version.
    const chose = queue('- [ ] [seq:2] [id:cccccccccc] [alias:dddddddddd] two\n', '- [ ] [seq:2] [id:dddddddddd] two\n');
    expect(rules(chose)).toEqual([]);
    const renamed = queue('- [ ] [seq:2] [id:cccccccccc] two\n', '- [ ] [seq:2] [id:dddddddddd] two\n');
    expect(rules(renamed)).toEqual(['identity-changed']);
    expect(mergeFindings(renamed, 1, () => [{ same: false, text: Q + '- [ ] [seq:2] [id:cccccccccc] two\n' }, { same: false, text: '' }])).toEqual([]);
    expect(mergeFindings(renamed, 1, () => [{ same: false, text: Q + '- [ ] [seq:2] [id:eeeeeeeeee] two\n' }, { same: false, text: '' }])).toHaveLength(1);
    const markers = queue('<<<<<<< a\n- [ ] [seq:3] x\n=======\n- [ ] [seq:3] y\n>>>>>>> b\n');
    expect(mergeFindings(markers, 0, () => [])).toHaveLength(1);
    expect(mergeFindings(markers, 1, () => [])).toEqual([]);
  });

  it('reports a finding once across parents', () => {
    const seen = new Set<string>();
    const twice = queue('- [ ] [seq:1] a\n- [ ] [seq:1] b\n');
    expect(unseenFindings(twice, seen)).toHaveLength(rules(twice).length);
    expect(unseenFindings(twice, seen)).toEqual([]);
  });
});
