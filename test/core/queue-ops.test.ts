import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/errors.js';
import { entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { checkFile } from '../../src/core/check/index.js';
import { getFacts, setFact } from '../../src/core/fact-ops.js';
import { beat, isAlive, leases } from '../../src/core/heartbeat-ops.js';
import { type Liveness, add, checkpoint, claim, done, graph, lostClaim, next, resolveTask, tasks } from '../../src/core/queue-ops.js';

const S = (min: number, sec = 0): string => `2026-11-27T10:${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}.000Z`;
const NOW = Date.parse(S(30));

const QUEUE = [
  '# Queue',
  '',
  '- [x] [seq:141] [id:a9d4c1uv0s] [agent:code-intel] [done:2026-11-27T09:58:00.000Z] set up repo',
  '- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] build frontend',
  '- [ ] [seq:143] [id:p3n8w2re6t] [depends:142] [agent:deploy] [claim:deploy@2026-11-27T10:02:11.000Z] push to staging',
  '  - [at:2026-11-27T10:05:00.000Z] checkpoint: image built',
  '- [ ] [seq:144] [id:m4m4m4m4m4] [agent:docs] write docs',
  '',
  'Notes below the queue stay where they are.',
  '',
].join('\n');

function heartbeats(lines: string[]): Liveness {
  return { leases: leases(`# Heartbeat\n\n${lines.map((l) => `${l}\n`).join('')}`), now: NOW };
}

function refusal(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    return error as StrataError;
  }
  throw new Error('expected a refusal');
}

function line(text: string, seq: number): string {
  const entry = entriesOf(parseDoc(text)).find((e) => tagValue(e, 'seq') === String(seq));
  return entry ? entry.lines.join('') : '';
}

describe('naming a task', () => {
  const q = [
    '# Queue',
    '',
    '- [ ] [seq:1] [id:cccccccccc] c task',
    '- [ ] [seq:2] [id:bbbbbbbbbb] b task',
    '- [ ] [seq:3] [id:dddddddddd] [alias:eeeeeeeeee] d task',
    '- [ ] [seq:5] [id:aaaaaaaaaa] [was:1] build frontend',
    '',
  ].join('\n');

  it('takes a seq, an id, id:X, or an alias the merge kept', () => {
    expect(resolveTask(q, '2')).toBe(2);
    expect(resolveTask(q, 'aaaaaaaaaa')).toBe(5);
    expect(resolveTask(q, 'id:bbbbbbbbbb')).toBe(2);
    expect(resolveTask(q, 'eeeeeeeeee')).toBe(3);
    expect(refusal(() => resolveTask(q, 'ffffffffff')).message).toContain('no task has [id:ffffffffff]');
    expect(refusal(() => resolveTask(q, 'not a task')).code).toBe('USAGE');
  });

  it('refuses a seq a merge renumbered a task from, or that is also an id, naming the tasks by id', () => {
    // An agent that claimed "task 1" before the pull must not finish what is task 1 after it.
    const error = refusal(() => resolveTask(q, '1'));
    expect(error.message).toContain('1 is ambiguous');
    expect(error.message).toContain("'build frontend' [id:aaaaaaaaaa] had 1 until a merge renumbered it to 5");
    expect(error.message).toContain("'c task' [id:cccccccccc] has seq 1 now");
    // No ready-made command in the hint: it could name the other agent's task.
    expect(error.hint).not.toMatch(/queue (done|claim) \w/);
    // The new number is not ambiguous.
    expect(resolveTask(q, '5')).toBe(5);
    // A hand-written id that is digits, or holds other characters: id:X names it exactly.
    const odd = `${q}- [ ] [seq:9] [id:2] digits\n- [ ] [seq:10] [id:T-1] dashed\n`;
    expect(refusal(() => resolveTask(odd, '2')).message).toContain("'digits' [id:2] (seq 9) has the id 2");
    expect(resolveTask(odd, 'id:2')).toBe(9);
    expect(resolveTask(odd, 'T-1')).toBe(10);
    expect(refusal(() => resolveTask(`${q}- [ ] [seq:11] [id:bbbbbbbbbb] twin\n`, 'bbbbbbbbbb')).code).toBe('BAD_INPUT');
  });
});

describe('a lost claim', () => {
  it('names the holder to the agent a merge recorded as claim-lost, and to no one else (names may hold an @)', () => {
    const at = '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:bot@hostA@2026-11-27T10:00:00.000Z] [claim-lost:bot@hostB@2026-11-27T10:00:05.000Z] build\n';
    expect(lostClaim(at, 1, 'bot@hostB')).toBe('bot@hostA');
    expect(lostClaim(at, 1, 'bot@hostA')).toBeUndefined();
    const q = '- [ ] [seq:6] [id:aaaaaaaaaa] [claim:a@2026-11-27T10:00:00.000Z] [claim-lost:c@2026-11-27T10:00:05.000Z] build\n';
    expect(lostClaim(q, 6, 'c')).toBe('a');
    expect(lostClaim(q, 6, 'a')).toBeUndefined();
    expect(lostClaim(q, 6, 'b')).toBeUndefined();
    expect(lostClaim(q, 7, 'c')).toBeUndefined();
  });
});

describe('queue add', () => {
  it('appends the next seq after the last task, with id, depends, agent and stamp', () => {
    const result = add(QUEUE, { text: 'smoke test', depends: [143, 142], agent: 'qa', id: 'q1q1q1q1q1', stamp: S(10) });
    expect(result.seq).toBe(145);
    expect(result.text).toBe(
      QUEUE.replace(
        '- [ ] [seq:144] [id:m4m4m4m4m4] [agent:docs] write docs\n',
        '- [ ] [seq:144] [id:m4m4m4m4m4] [agent:docs] write docs\n- [ ] [seq:145] [id:q1q1q1q1q1] [depends:142,143] [agent:qa] [at:2026-11-27T10:10:00.000Z] smoke test\n',
      ),
    );
  });

  it('notes a bracketed reference in the text, which strata reads as a tag, and not one in backticks', () => {
    const tagged = add(QUEUE, { text: 'fix [bug:123] in the parser', agent: 'qa', id: 'q1q1q1q1q1', stamp: S(10) });
    expect(tagged.text).toContain('[at:2026-11-27T10:10:00.000Z] fix [bug:123] in the parser\n');
    expect(tagged.notes).toEqual(['[bug:123] in the text is a tag to strata: queue next and graph show the text without it (in backticks, `[bug:123]` stays text)']);
    expect(add(QUEUE, { text: 'fix `[bug:123]` in the parser', agent: 'qa', id: 'q1q1q1q1q1', stamp: S(10) }).notes).toBeUndefined();
    expect(add(QUEUE, { text: 'smoke test', agent: 'qa', id: 'q1q1q1q1q1', stamp: S(10) }).notes).toBeUndefined();
  });

  it('starts at 1 in a file with only a header, and keeps a blank line after prose', () => {
    expect(add('# Queue\n\n', { text: 'first', agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) }).text).toBe(
      '# Queue\n\n- [ ] [seq:1] [id:aaaaaaaaaa] [agent:a] [at:2026-11-27T10:00:00.000Z] first\n',
    );
    expect(add('# Queue\nSome prose', { text: 'first', agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) }).text).toBe(
      '# Queue\nSome prose\n\n- [ ] [seq:1] [id:aaaaaaaaaa] [agent:a] [at:2026-11-27T10:00:00.000Z] first\n',
    );
  });

  it('keeps CRLF files CRLF and a last line without a newline intact', () => {
    const crlf = '# Q\r\n\r\n- [ ] [seq:1] [id:aaaaaaaaaa] a\r\n';
    expect(add(crlf, { text: 'b', agent: 'x', id: 'bbbbbbbbbb', stamp: S(0) }).text).toBe(`${crlf}- [ ] [seq:2] [id:bbbbbbbbbb] [agent:x] [at:${S(0)}] b\r\n`);
    const open = '- [ ] [seq:1] [id:aaaaaaaaaa] a';
    expect(add(open, { text: 'b', agent: 'x', id: 'bbbbbbbbbb', stamp: S(0) }).text).toBe(`${open}\n- [ ] [seq:2] [id:bbbbbbbbbb] [agent:x] [at:${S(0)}] b\n`);
  });

  it('refuses a dependency on a seq that does not exist, naming it', () => {
    const error = refusal(() => add(QUEUE, { text: 'x', depends: [142, 999], agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/cannot depend on 999: no such task/);
    expect(error.hint).toBeDefined();
  });

  it('refuses a dependency on a cancelled task, or on one that can never be done: the new task never could be', () => {
    const q = '# Queue\n\n- [-] [seq:1] [id:aaaaaaaaaa] cancelled\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] waits for it\n- [x] [seq:3] [id:cccccccccc] [depends:1] done anyway\n';
    const cancelled = refusal(() => add(q, { text: 'x', depends: [1], agent: 'a', id: 'dddddddddd', stamp: S(0) }));
    expect(cancelled.code).toBe('BAD_INPUT');
    expect(cancelled.message).toBe('QUEUE.md: cannot depend on 1: it is cancelled, so the new task could never be done (only done satisfies a dependency)');
    expect(cancelled.hint).toBe('a cancelled task is never done: depend on the task that does that work now (add one first with git strata queue add, if there is none), or leave 1 out');
    const doomed = refusal(() => add(q, { text: 'x', depends: [2], agent: 'a', id: 'dddddddddd', stamp: S(0) }));
    expect(doomed.message).toBe('QUEUE.md: cannot depend on 2: it waits for 1, which is cancelled, so neither 2 nor the new task could ever be done');
    expect(doomed.hint).toMatch(/^leave 2 out, or first mend what keeps 2 from being done \(a cancelled task is never done: if task 2 still needs what 1 was for, .*\)$/);
    // A done task is done, whatever it waited for.
    expect(add(q, { text: 'x', depends: [3], agent: 'a', id: 'dddddddddd', stamp: S(0) }).seq).toBe(4);
  });

  it('takes a seq above every seq the file carries, a task indented under another included, as check\'s hints count them', () => {
    // To the queue the indented item is the notes of seq 144; its number is in the file all the same,
    // and once someone unindents it (the hook's note says to), a task added as 146 would be a duplicate.
    const nested = QUEUE.replace('[agent:docs] write docs\n', '[agent:docs] write docs\n  - [ ] [seq:146] proofread the docs\n');
    const result = add(nested, { text: 'smoke test', agent: 'qa', id: 'q1q1q1q1q1', stamp: S(10) });
    expect(result.seq).toBe(147);
    expect(result.text).toContain('  - [ ] [seq:146] proofread the docs\n- [ ] [seq:147] [id:q1q1q1q1q1] [agent:qa]');
    // The seq check proposes for a task that lacks one is the seq add takes.
    const hint = checkFile('queue', 'QUEUE.md', `${nested}- [ ] [id:zzzzzzzzzz] no seq\n`).find((f) => f.rule === 'malformed-entry')?.hint;
    expect(hint).toContain(`[seq:${result.seq}]`);
    const unindented = result.text.replace('  - [ ] [seq:146] proofread the docs\n', '- [ ] [seq:146] [id:p1p1p1p1p1] proofread the docs\n');
    expect(checkFile('queue', 'QUEUE.md', unindented).filter((f) => f.rule === 'duplicate-seq')).toEqual([]);
  });

  it('refuses empty text, tags that strata writes itself, and a taken id', () => {
    expect(refusal(() => add(QUEUE, { text: '  ', agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) })).code).toBe('USAGE');
    expect(refusal(() => add(QUEUE, { text: 'x [seq:7]', agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) })).message).toMatch(/\[seq:/);
    // An alias names another task's id: such a task would make that id name two tasks.
    expect(refusal(() => add(QUEUE, { text: 'x [alias:k7q2m9xa4c]', agent: 'a', id: 'aaaaaaaaaa', stamp: S(0) })).message).toMatch(/\[alias:/);
    expect(refusal(() => add(QUEUE, { text: 'x', agent: 'a', id: 'k7q2m9xa4c', stamp: S(0) })).message).toMatch(/taken/);
    expect(refusal(() => add(QUEUE, { text: 'x', agent: 'a]', id: 'aaaaaaaaaa', stamp: S(0) })).code).toBe('USAGE');
  });
});

describe('queue claim', () => {
  it('sets [claim:agent@stamp] on an open task', () => {
    const result = claim(QUEUE, 142, 'code-intel', S(10), heartbeats([]));
    expect(line(result.text, 142)).toBe(`- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] [claim:code-intel@${S(10)}] build frontend\n`);
    expect(result.text.replace(`[claim:code-intel@${S(10)}] `, '')).toBe(QUEUE);
  });

  it('refuses a task held by an agent whose heartbeat is alive', () => {
    const live = heartbeats([`- [agent:deploy] [at:${S(25)}] [status:busy] [ttl:10m] pushing`]);
    const error = refusal(() => claim(QUEUE, 143, 'other', S(30), live));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe(`QUEUE.md: task 143 is claimed by deploy (since 2026-11-27T10:02:11.000Z), whose heartbeat is alive until ${S(35)}`);
    expect(error.hint).toBe(`pick another task (git strata queue next --agent other), or wait until deploy's heartbeat expires (${S(35)}, unless renewed)`);
  });

  it('takes over a claim whose lease expired, keeping the old claim on record', () => {
    const expired = heartbeats([`- [agent:deploy] [at:${S(15)}] [status:busy] [ttl:10m] pushing`]);
    const result = claim(QUEUE, 143, 'other', S(30), expired);
    expect(result.message).toBe(`claimed 143 for other (took over from deploy, whose heartbeat expired at ${S(25)})`);
    expect(line(result.text, 143)).toContain(`[claim:other@${S(30)}] [claim-lost:deploy@2026-11-27T10:02:11.000Z]`);
    // The checkpoint log the new agent resumes from is still there.
    expect(line(result.text, 143)).toContain('checkpoint: image built');
  });

  it('without a heartbeat, a claim holds for the default ttl from its own stamp', () => {
    const young = '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:ghost@2026-11-27T10:25:00.000Z] task\n';
    // The refusal says why it holds — not a heartbeat "lease is alive" that does not exist — and until when.
    const refused = refusal(() => claim(young, 1, 'me', S(30), heartbeats([])));
    expect(refused.message).toBe(`QUEUE.md: task 1 is claimed by ghost (since ${S(25)}), who has no heartbeat, so the claim itself holds for 10m, until ${S(35)}`);
    expect(refused.hint).toBe(`pick another task (git strata queue next --agent me), or wait until ${S(35)}, when ghost's claim runs out unless ghost sends a heartbeat`);
    const doneRefused = refusal(() => done(young, 1, S(30), 'QUEUE.md', { agent: 'me', liveness: heartbeats([]), force: false }));
    expect(doneRefused.message).toMatch(/claimed by ghost .*who has no heartbeat, so the claim itself holds for 10m, until 2026-11-27T10:35:00\.000Z; you are me$/);
    expect(doneRefused.hint).toBe(`let ghost finish it, wait until ${S(35)}, when ghost's claim runs out unless ghost sends a heartbeat, or pass --force to mark it done anyway`);
    // Other agents' heartbeats do not matter; ghost's own would (alive until 10:40 here).
    const others = heartbeats([`- [agent:me] [at:${S(29)}] [ttl:10m] here`]);
    expect(refusal(() => claim(young, 1, 'me', S(30), others)).message).toContain('who has no heartbeat');
    expect(refusal(() => claim(young, 1, 'me', S(36), heartbeats([`- [agent:ghost] [at:${S(30)}] [ttl:10m] back`]))).message).toContain(`whose heartbeat is alive until ${S(40)}`);
    const old = '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:ghost@2026-11-27T10:15:00.000Z] task\n';
    const taken = claim(old, 1, 'me', S(30), heartbeats([]));
    expect(taken.text).toContain(`[claim:me@${S(30)}]`);
    expect(taken.message).toBe('claimed 1 for me (took over from ghost, who has no heartbeat, and whose claim is older than 10m)');
  });

  it('does not count a heartbeat stamped more than 15m ahead: the claim holds for one lease from its own stamp', () => {
    const q = `- [ ] [seq:1] [id:aaaaaaaaaa] [claim:bob@${S(25)}] task\n`;
    // One machine ran a year ahead, and an older strata stamped bob's beats after its line.
    const beats = (now: number): Liveness => ({
      ...heartbeats(['- [agent:skewed] [at:2027-11-27T10:00:00.000Z] [ttl:10m] ahead', '- [agent:bob] [at:2027-11-27T10:00:00.001Z] [ttl:10m] bob']),
      now,
    });
    const ahead = 'whose heartbeat (HEARTBEAT.md:4) is stamped 2027-11-27T10:00:00.001Z, 365 days ahead of this clock: more than the 15m a clock may be off, so it does not count';
    const fresh = refusal(() => claim(q, 1, 'me', S(30), beats(NOW)));
    expect(fresh.message).toBe(`QUEUE.md: task 1 is claimed by bob (since ${S(25)}), ${ahead}; the claim itself holds for one lease (10m), until ${S(35)}`);
    expect(fresh.hint).toBe(`pick another task (git strata queue next --agent me), or wait until ${S(35)}, when bob's claim runs out unless bob sends a heartbeat`);
    expect(next(q, 'me', beats(NOW))).toEqual([]);
    // bob died: one lease after his claim, his task is free, not a year later.
    const later = Date.parse(S(36));
    const taken = claim(q, 1, 'me', S(36), beats(later));
    expect(taken.message).toBe(`claimed 1 for me (took over from bob, ${ahead}, and the claim is older than one lease (10m))`);
    expect(taken.text).toContain(`[claim:me@${S(36)}] [claim-lost:bob@${S(25)}]`);
    expect(next(q, 'me', beats(later)).map((t) => t.seq)).toEqual([1]);
    expect(done(q, 1, S(36), 'QUEUE.md', { agent: 'me', liveness: beats(later), force: false }).changed).toBe(true);
    // Within the bound a heartbeat counts as ever: 14 minutes ahead, alive until at + ttl.
    const near = { ...heartbeats([`- [agent:bob] [at:${S(44)}] [ttl:10m] bob`]), now: NOW };
    expect(refusal(() => claim(q, 1, 'me', S(30), near)).message).toContain(`whose heartbeat is alive until ${S(54)}`);
  });

  it('holds a claim stamped beyond the bound too (this clock may be the wrong one), saying which stamp to correct', () => {
    const q = '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:skewed@2027-11-27T10:00:00.000Z] task\n';
    const beats = heartbeats(['- [agent:skewed] [at:2027-11-27T10:00:00.000Z] [ttl:10m] ahead']);
    const refused = refusal(() => claim(q, 1, 'me', S(30), beats));
    expect(refused.message).toBe(
      'QUEUE.md: task 1 is claimed by skewed (since 2027-11-27T10:00:00.000Z), whose heartbeat (HEARTBEAT.md:3) is stamped 2027-11-27T10:00:00.000Z, 365 days ahead of this clock: ' +
        'more than the 15m a clock may be off, so it does not count, and the claim is stamped that far ahead too: one of the two clocks is wrong, and a task is not taken over on a clock that may be the wrong one',
    );
    expect(refused.hint).toBe(
      "pick another task (git strata queue next --agent me), or if this machine's clock is right, skewed's was wrong: correct the [at:…] of its heartbeat (HEARTBEAT.md:3) to when it really beat (git strata check accepts that), then claim again; if this clock is wrong, fix it",
    );
    // Corrected (skewed last beat at 10:05), the lease counts again: expired at 10:15, the task is free.
    const corrected = heartbeats(['- [agent:skewed] [at:2026-11-27T10:05:00.000Z] [ttl:10m] ahead']);
    expect(claim(q, 1, 'me', S(30), corrected).message).toBe(`claimed 1 for me (took over from skewed, whose heartbeat expired at ${S(15)})`);
    // An agent with no heartbeat whose claim is that far ahead: held until its stamp + 10m, and said why.
    const lone = refusal(() => claim(q, 1, 'me', S(30), heartbeats([])));
    expect(lone.message).toContain('who has no heartbeat, and whose claim is stamped 365 days ahead of this clock (more than the 15m a clock may be off: one of the two clocks is wrong), so it holds until 2027-11-27T10:10:00.000Z');
    expect(lone.hint).toContain("or if this machine's clock is right, skewed's was wrong: correct the stamp of its [claim:…]");
  });

  it('is a no-op for the agent that holds the claim; done, cancelled and missing tasks are refused', () => {
    const mine = claim(QUEUE, 143, 'deploy', S(30), heartbeats([]));
    expect(mine.changed).toBe(false);
    expect(mine.text).toBe(QUEUE);
    expect(refusal(() => claim(QUEUE, 141, 'x', S(30))).message).toMatch(/141 is done/);
    expect(refusal(() => claim('- [-] [seq:1] [id:aaaaaaaaaa] gone\n', 1, 'x', S(30))).message).toMatch(/cancelled/);
    expect(refusal(() => claim(QUEUE, 7, 'x', S(30))).message).toMatch(/no task with seq 7/);
  });

  it('refuses a task that can never be done: a dependency cancelled or missing, here or further down its chain', () => {
    const q = [
      '# Queue',
      '',
      '- [-] [seq:1] [id:aaaaaaaaaa] cancelled',
      '- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] waits for it',
      '- [ ] [seq:3] [id:cccccccccc] [depends:2] waits for 2',
      '- [ ] [seq:4] [id:dddddddddd] [depends:9] waits for nothing there',
      '- [ ] [seq:5] [id:eeeeeeeeee] open',
      '- [ ] [seq:6] [id:ffffffffff] [depends:5] waits for 5',
      '',
    ].join('\n');
    // next never offers them; claim said nothing and took them.
    expect(next(q).map((t) => t.seq)).toEqual([5]);
    const direct = refusal(() => claim(q, 2, 'me', S(30), heartbeats([])));
    expect(direct.code).toBe('BAD_INPUT');
    expect(direct.message).toBe('QUEUE.md: task 2 can never be done, so it cannot be claimed: it waits for 1, which is cancelled');
    expect(direct.hint).toBe(
      "a cancelled task is never done: if it still needs what 1 was for, add a task for that (git strata queue add) and put it in task 2's [depends:…] in QUEUE.md instead of 1; if not, remove 1 from there; " +
        'or cancel task 2. git strata queue next lists the tasks that are ready',
    );
    // Further down: the edge to change is task 2's, and the message follows the chain there.
    const chain = refusal(() => claim(q, 3, 'me', S(30), heartbeats([])));
    expect(chain.message).toBe('QUEUE.md: task 3 can never be done, so it cannot be claimed: it waits for 2, which waits for 1, which is cancelled');
    expect(chain.hint).toMatch(/^a cancelled task is never done: if task 2 still needs what 1 was for, .* put it in task 2's \[depends:…\] in QUEUE\.md instead of 1; .*or cancel task 3\./);
    const missing = refusal(() => claim(q, 4, 'me', S(30), heartbeats([])));
    expect(missing.message).toBe('QUEUE.md: task 4 can never be done, so it cannot be claimed: it waits for 9, which no task has');
    expect(missing.hint).toMatch(/^remove 9 from task 4's \[depends:…\] in QUEUE\.md, or put the seq of the task meant there/);
    // Waiting for an open task is waiting, not never: that claim is taken, as before.
    expect(claim(q, 6, 'me', S(30), heartbeats([])).changed).toBe(true);
    // done agrees, and says where the chain breaks instead of "finish 2 first".
    const finish = refusal(() => done(q, 3, S(30)));
    expect(finish.message).toBe('QUEUE.md: task 3 waits for 2 (open); it cannot be done before its dependencies');
    expect(finish.hint).toMatch(/^2 will never be done either: it waits for 1, which is cancelled; a cancelled task is never done: if task 2 still needs/);
    expect(finish.hint).not.toContain('finish 2 first');
    // A long chain is followed without recursion.
    const long = ['- [-] [seq:1] [id:a0] first', ...Array.from({ length: 20_000 }, (_, k) => `- [ ] [seq:${k + 2}] [id:a${k + 2}] [depends:${k + 1}] step`), ''].join('\n');
    expect(refusal(() => claim(long, 20_001, 'me', S(30), heartbeats([]))).message).toMatch(/it waits for 20000, which waits for 19999, .*, which waits for 1, which is cancelled$/);
  });

  it('refuses an ambiguous seq (a duplicate in the file)', () => {
    const dup = '- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n';
    expect(refusal(() => claim(dup, 1, 'x', S(0))).message).toMatch(/appears 2 times/);
  });
});

describe('queue checkpoint', () => {
  it('appends a sub-item after the existing log', () => {
    const result = checkpoint(QUEUE, 143, 'pushed', S(20));
    expect(line(result.text, 143)).toBe(
      '- [ ] [seq:143] [id:p3n8w2re6t] [depends:142] [agent:deploy] [claim:deploy@2026-11-27T10:02:11.000Z] push to staging\n' +
        '  - [at:2026-11-27T10:05:00.000Z] checkpoint: image built\n' +
        `  - [at:${S(20)}] pushed\n`,
    );
    expect(tasks(result.text)).toHaveLength(4);
  });

  it('starts a log on a task at the end of a file without a final newline', () => {
    const text = '- [ ] [seq:1] [id:aaaaaaaaaa] a';
    expect(checkpoint(text, 1, 'half', S(1)).text).toBe(`${text}\n  - [at:${S(1)}] half\n`);
  });
});

describe('queue done', () => {
  it('refuses while a dependency is not done, and says which', () => {
    const error = refusal(() => done(QUEUE, 143, S(30)));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/waits for 142 \(open\)/);
    expect(error.hint).toBe('finish 142 first (git strata queue done N)');
  });

  it('says a cancelled dependency will never be done, instead of "finish it first"', () => {
    const q = '# Queue\n\n- [-] [seq:1] [id:aaaaaaaaaa] dropped\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] after it\n';
    const error = refusal(() => done(q, 2, S(30)));
    expect(error.message).toMatch(/waits for 1 \(cancelled\)/);
    expect(error.hint).toMatch(/^1 will never be done: remove it from this task's \[depends:…\]/);
    expect(error.hint).not.toContain('finish');
  });

  it('marks [x] and [done:stamp] once the dependencies are done', () => {
    const first = done(QUEUE, 142, S(30));
    expect(line(first.text, 142)).toBe(`- [x] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] [done:${S(30)}] build frontend\n`);
    const second = done(first.text, 143, S(31));
    expect(line(second.text, 143)).toMatch(/^- \[x\] .*\[done:2026-11-27T10:31:00.000Z\] push to staging/);
    expect(done(second.text, 143, S(32))).toMatchObject({ changed: false, text: second.text });
  });

  it("refuses a task another agent holds by a live claim, unless forced; the holder's own and expired claims pass", () => {
    const ready = done(QUEUE, 142, S(30)).text;
    const live = heartbeats([`- [agent:deploy] [at:${S(25)}] [status:busy] [ttl:10m] pushing`]);
    const error = refusal(() => done(ready, 143, S(31), 'QUEUE.md', { agent: 'docs', liveness: live, force: false }));
    expect(error.message).toMatch(/task 143 is claimed by deploy .*whose heartbeat is alive until 2026-11-27T10:35:00\.000Z; you are docs$/);
    expect(error.hint).toMatch(/--force/);
    // Without a name, a live claim is someone else's too.
    expect(refusal(() => done(ready, 143, S(31), 'QUEUE.md', { agent: undefined, liveness: live, force: false })).message).toMatch(/claimed by deploy/);
    expect(done(ready, 143, S(31), 'QUEUE.md', { agent: 'deploy', liveness: live, force: false }).changed).toBe(true);
    expect(done(ready, 143, S(31), 'QUEUE.md', { agent: 'docs', liveness: live, force: true }).changed).toBe(true);
    const expired = heartbeats([`- [agent:deploy] [at:${S(15)}] [status:busy] [ttl:10m] pushing`]);
    expect(done(ready, 143, S(31), 'QUEUE.md', { agent: 'docs', liveness: expired, force: false }).changed).toBe(true);
  });
});

describe('queue next', () => {
  it('gives the causally ready tasks in seq order', () => {
    expect(next(QUEUE, undefined, heartbeats([])).map((t) => t.seq)).toEqual([142, 144]);
    const afterDone = done(QUEUE, 142, S(30)).text;
    // 143 is ready now, but deploy's claim is young: only deploy sees it.
    expect(next(afterDone, 'someone', heartbeats([`- [agent:deploy] [at:${S(29)}] [ttl:10m] x`])).map((t) => t.seq)).toEqual([144]);
    expect(next(afterDone, 'deploy', heartbeats([`- [agent:deploy] [at:${S(29)}] [ttl:10m] x`])).map((t) => t.seq)).toEqual([143, 144]);
    // Once deploy's lease expires, anyone may take it.
    expect(next(afterDone, 'someone', heartbeats([`- [agent:deploy] [at:${S(1)}] [ttl:10m] x`])).map((t) => t.seq)).toEqual([143, 144]);
  });

  it('orders by seq, not by position in the file', () => {
    const text = '- [ ] [seq:3] [id:cccccccccc] c\n- [ ] [seq:1] [id:aaaaaaaaaa] a\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] b\n';
    expect(next(text).map((t) => t.seq)).toEqual([1, 3]);
  });

  it('a dependency on a seq past 2^53 - 1 (malformed, not read rounded) keeps the task waiting, and done refuses it', () => {
    // A date-time seq: strata reads no such number, so it cannot tell whether that task is done.
    const text = '- [ ] [seq:1] [id:aaaaaaaaaa] [depends:20261128124010811] after the nightly\n- [ ] [seq:20261128124010811] [id:bbbbbbbbbb] nightly\n';
    expect(next(text).map((t) => t.seq)).toEqual([]);
    const error = refusal(() => done(text, 1, S(30)));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/task 1 depends on 20261128124010811, larger than 9007199254740991/);
  });
});

describe('queue graph', () => {
  it('renders the DAG as a Mermaid flowchart with a class per status', () => {
    expect(graph(QUEUE.replace('[depends:142] [agent:deploy]', '[depends:142,99] [agent:deploy]'))).toBe(
      [
        'flowchart TD',
        '  t141["141 set up repo"]',
        '  t142["142 build frontend"]',
        '  t143["143 push to staging (deploy)"]',
        '  t144["144 write docs"]',
        '  t99["99 (missing)"]',
        '  t141 --> t142',
        '  t142 --> t143',
        '  t99 --> t143',
        '  classDef open fill:#ffffff,stroke:#6b7280,color:#111827',
        '  classDef claimed fill:#fef3c7,stroke:#d97706,color:#111827',
        '  classDef done fill:#dcfce7,stroke:#16a34a,color:#111827',
        '  classDef cancelled fill:#f3f4f6,stroke:#9ca3af,color:#6b7280,stroke-dasharray:4 2',
        '  classDef missing fill:#fee2e2,stroke:#dc2626,color:#991b1b,stroke-dasharray:4 2',
        '  class t141 done',
        '  class t142,t144 open',
        '  class t143 claimed',
        '  class t99 missing',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes in labels', () => {
    expect(graph('- [ ] [seq:1] [id:aaaaaaaaaa] say "hi"\n')).toContain('t1["1 say #quot;hi#quot;"]');
    // HTML and entity codes in task text stay text.
    expect(graph('- [ ] [seq:1] [id:aaaaaaaaaa] fix <b>bold</b> #35; issue\n')).toContain('t1["1 fix #lt;b#gt;bold#lt;/b#gt; #35;35; issue"]');
    // An entity in the text stays text too: '&amp;' shows as written, not as '&'.
    expect(graph('- [ ] [seq:1] [id:aaaaaaaaaa] R&amp;D\n')).toContain('t1["1 R#amp;amp;D"]');
  });
});

describe('heartbeat', () => {
  const FILE = '# Heartbeat\n\n- [ ] check the inbox\n- [agent:a] [at:2026-11-27T10:00:00.000Z] [status:busy] [ttl:10m] building\n- [agent:b] [at:2026-11-27T10:01:00.000Z] [status:idle] [ttl:1h]\n';

  it("replaces the agent's line, keeping status, ttl and note unless given, and every other byte", () => {
    const result = beat(FILE, { agent: 'a', stamp: S(5) });
    expect(result.created).toBe(false);
    expect(result.text).toBe(FILE.replace('[agent:a] [at:2026-11-27T10:00:00.000Z]', `[agent:a] [at:${S(5)}]`));
    const changed = beat(FILE, { agent: 'b', stamp: S(6), status: 'busy', ttl: '30s', note: 'tests' });
    expect(changed.text).toBe(FILE.replace('[agent:b] [at:2026-11-27T10:01:00.000Z] [status:idle] [ttl:1h]', `[agent:b] [at:${S(6)}] [status:busy] [ttl:30s] tests`));
  });

  it('appends a new agent after the last agent line', () => {
    const result = beat(FILE, { agent: 'c', stamp: S(7), note: 'hello' });
    expect(result.created).toBe(true);
    expect(result.text).toBe(`${FILE}- [agent:c] [at:${S(7)}] [status:alive] [ttl:10m] hello\n`);
  });

  it('refuses a ttl it cannot read', () => {
    expect(refusal(() => beat(FILE, { agent: 'a', stamp: S(5), ttl: 'soon' })).message).toMatch(/ttl/);
    expect(refusal(() => beat(FILE, { agent: 'a', stamp: S(5), ttl: '0s' })).message).toMatch(/never alive/);
  });

  it('refuses a ttl without a unit instead of guessing seconds; a bare one already in the file stays seconds', () => {
    for (const ttl of ['5', ' 5 ', '1.5']) {
      const error = refusal(() => beat(FILE, { agent: 'a', stamp: S(5), ttl }));
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe(`ttl '${ttl.trim()}' has no unit`);
      expect(error.hint).toContain(`write ${ttl.trim()}s for seconds or ${ttl.trim()}m for minutes`);
    }
    expect(beat(FILE, { agent: 'a', stamp: S(5), ttl: '500ms' }).line).toContain('[ttl:500ms]');
    const handWritten = FILE.replace('[ttl:1h]', '[ttl:90]');
    expect(beat(handWritten, { agent: 'b', stamp: S(6) }).line).toBe(`- [agent:b] [at:${S(6)}] [status:idle] [ttl:90s]`);
    const unreadable = FILE.replace('[ttl:1h]', '[ttl:soon]');
    expect(refusal(() => beat(unreadable, { agent: 'b', stamp: S(6) })).message).toBe("invalid ttl 'soon' (kept from the previous heartbeat of b)");
  });

  it('an agent is alive while at + ttl is in the future', () => {
    const l = leases(FILE);
    expect(isAlive(l.get('a'), Date.parse(S(9, 59)))).toBe(true);
    expect(isAlive(l.get('a'), Date.parse(S(10)))).toBe(false);
    expect(isAlive(l.get('b'), Date.parse(S(59)))).toBe(true);
    expect(isAlive(l.get('nobody'), NOW)).toBe(false);
  });

  it('of two heartbeats of one agent, the later by time counts, whatever their precision', () => {
    const two = (x: string, y: string): string => `# Heartbeat\n\n- [agent:a] [at:${x}] [ttl:1s]\n- [agent:a] [at:${y}] [ttl:1s]\n`;
    for (const text of [two('2026-11-27T10:00:05Z', '2026-11-27T10:00:05.500Z'), two('2026-11-27T10:00:05.500Z', '2026-11-27T10:00:05Z')]) {
      expect(leases(text).get('a')!.at).toBe('2026-11-27T10:00:05.500Z');
    }
  });
});

describe('facts', () => {
  it('appends a fact and marks the older facts of the slot superseded', () => {
    const one = setFact('# Memory\n\n', { entity: 'frontend', attr: 'framework', value: 'React', agent: 'research', stamp: S(0) });
    const two = setFact(one.text, { entity: 'frontend', attr: 'framework', value: 'Vue', agent: 'other', stamp: S(1) });
    const three = setFact(two.text, { entity: 'frontend', attr: 'lang', value: 'TypeScript', agent: 'research', stamp: S(2) });
    expect(two.superseded).toBe(1);
    expect(three.text).toBe(
      '# Memory\n\n' +
        `- [entity:frontend] [attr:framework] [at:${S(0)}] [agent:research] [superseded:yes] React\n` +
        `- [entity:frontend] [attr:framework] [at:${S(1)}] [agent:other] Vue\n` +
        `- [entity:frontend] [attr:lang] [at:${S(2)}] [agent:research] TypeScript\n`,
    );
    expect(getFacts(three.text, 'frontend').map((f) => [f.attr, f.value])).toEqual([
      ['framework', 'Vue'],
      ['lang', 'TypeScript'],
    ]);
    expect(getFacts(three.text, 'frontend', 'framework').map((f) => f.value)).toEqual(['Vue']);
    expect(getFacts(three.text, 'backend')).toEqual([]);
  });

  it('refuses a value that would read as a tag', () => {
    expect(refusal(() => setFact('', { entity: 'e', attr: 'a', value: 'x [at:now]', agent: 'r', stamp: S(0) })).code).toBe('USAGE');
  });
});
