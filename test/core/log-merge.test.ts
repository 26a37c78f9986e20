// The lines under an entry, merged from both sides (entry-merge.ts mergeLog), must read back as that
// entry's lines; where they would not, the two changes are a conflict, never an exception.
import { describe, expect, it } from 'vitest';
import { merge } from '../helpers/merge.js';

describe('merging the lines under an entry into lines that would not read back as its own', () => {
  const task = '- [ ] [seq:1] [id:a] build\n';
  const next = '- [ ] [seq:2] [id:b] test\n';

  it('two agents log checkpoints, one as a loose list: a conflict on the task, not a crash', async () => {
    // Sorted by stamp, ours' blank line would end the log: the rebuilt task would end before it.
    const ours = `${task}  - [at:2026-01-01T00:00:03Z] b\n\n  - [at:2026-01-01T00:00:02Z] a\n${next}`;
    const theirs = `${task}  - [at:2026-01-01T00:00:01Z] c\n${next}`;
    for (const [x, y] of [[ours, theirs], [theirs, ours]] as const) {
      const result = await merge('queue', task + next, x, y);
      expect(result.conflicts).toBe(1);
      for (const line of ['] b\n', '] a\n', '] c\n', next]) expect(result.text).toContain(line);
    }
  });

  it('one side moved the log away, the other put a blank line before it: a conflict, not a crash', async () => {
    // Ours wrote a task between task 2 and its log (the log is now the new task's); theirs made task 2
    // a loose item. Task 2's merged lines are the blank line alone, which joined look like no lines at
    // all, but cannot end the task.
    const log = '  - [at:2026-01-01T00:00:01Z] step\n';
    const base = `${task}- [ ] [seq:2] [id:b] test\n${log}`;
    const ours = `${task}- [ ] [seq:2] [id:b] test\n- [ ] [seq:3] deploy\n${log}`;
    const theirs = `${task}- [ ] [seq:2] [id:b] test\n\n${log}`;
    for (const [x, y] of [[ours, theirs], [theirs, ours]] as const) {
      const result = await merge('queue', base, x, y);
      expect(result.conflicts).toBe(1);
      expect(result.text).toContain('- [ ] [seq:3] deploy\n');
    }
  });

  it('a fence one side left open under a fact, and the other side closed: a conflict, not a crash', async () => {
    const fact = '- [entity:a] [attr:x] v\n';
    const ours = `${fact}  \`\`\`\n- [entity:b] [attr:x] w\n`;
    const theirs = `${fact}  \`\`\`\n`;
    for (const [x, y] of [[ours, theirs], [theirs, ours]] as const) {
      const result = await merge('facts', fact, x, y);
      expect(result.conflicts).toBe(1);
      expect(result.text).toContain('[entity:b] [attr:x] w');
    }
  });
});
