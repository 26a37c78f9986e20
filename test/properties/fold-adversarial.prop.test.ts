// Folding (src/core/merge/fold.ts) must give the bytes of the unfolded merge. The cases here were found
// by a differential fuzzer with adversarial inputs (moves, fences, renumbered hand-written tasks), each
// cut down to the few lines that still show the difference; `foldAbove: 0` folds them however small.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queue } from '../../src/core/crdt/queue.js';
import { type FileType, mergeFile } from '../../src/core/merge/file.js';
import { entriesOf, parseDoc, splitLines, unreadRanges } from '../../src/core/entries/scan.js';
import { gitLineMerge } from '../../src/git/line-merge.js';

const merge = (type: FileType, b: string, o: string, t: string, foldAbove: number) =>
  mergeFile(type, b, o, t, { markerSize: 7, lineMerge: gitLineMerge, foldAbove });

/** Folded and whole give the same bytes, either way round; returns the whole merges. */
async function sameFoldedOrNot(type: FileType, b: string, o: string, t: string): Promise<string[]> {
  const out: string[] = [];
  for (const [x, y] of [[o, t], [t, o]] as const) {
    const fast = await merge(type, b, x, y, 0);
    const whole = await merge(type, b, x, y, Infinity);
    expect(fast.text).toBe(whole.text);
    expect(fast.conflicts).toBe(whole.conflicts);
    out.push(whole.text);
  }
  return out;
}

const task = (seq: number, id = `t${seq}`): string => `- [ ] [seq:${seq}] [id:${id}] task ${seq}\n`;
const tasks = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, k) => task(from + k)).join('');

describe('folding a queue with a hand-written task that names a renumbered seq', () => {
  it('keeps the hand-written task apart, as the whole merge does (a folded task of its content outranks the new id)', async () => {
    // Ours wrote a task by hand with [was:1]; theirs added a task with an id and the same content. The
    // unchanged task 1 has that content too, and the greater id: align pairs nothing, both new tasks stay.
    const base = `# Q\n\n- [ ] [seq:1] [id:zzz] build\n${tasks(2, 21)}`;
    const ours = `${base}- [ ] [seq:30] [was:1] build\n`;
    const theirs = `${base}- [ ] [seq:31] [was:1] [id:abc] build\n`;
    for (const text of await sameFoldedOrNot('queue', base, ours, theirs)) {
      expect(text).toContain('- [ ] [seq:30] [was:1] build\n');
      expect(text).toContain('[id:abc]');
    }
  });

  it('reads [was:N] as a key of a folded line, the plainly written ones too', () => {
    expect(queue.fold!.lineKeys('- [ ] [seq:5] [id:q] [was:3] task\n')).toEqual(['q', 5, 3]);
    expect(queue.fold!.lineKeys('- [ ] [seq:5] [id:q] [depends:1] [was:x] task\n')).toBe('unsafe');
  });
});

describe('folding where one side moved entries across an unchanged run', () => {
  it('merges whole: git aligns a move across one placeholder line unlike a move across the run', async () => {
    const hb = (agent: string): string => `- [agent:${agent}] [at:2026-01-01T00:00:00.000Z] ok\n`;
    const [x, run, y] = [['x1', 'x2'].map(hb), ['r1', 'r2', 'r3', 'r4', 'r5'].map(hb), hb('y')];
    const base = [...x, ...run, y].join('');
    // Ours moved x1, x2 below the run; theirs added n between them.
    const ours = [...run, ...x, y].join('');
    const theirs = [x[0], hb('n'), x[1], ...run, y].join('');
    const fast = await merge('heartbeat', base, ours, theirs, 0);
    expect(fast.method).not.toMatch(/\+fold$/);
    await sameFoldedOrNot('heartbeat', base, ours, theirs);
  });
});

describe('folding tasks a version reads as the inside of a fence that mixes the two readings', () => {
  // Ours: a top-level fence with a non-bare ```js inside it, a task whose own fence a ```js closes, then
  // a top-level fence around tasks 5 to 10. A strict reading throughout (closing on bare lines only) and
  // a lenient one (any closing line) both lose step before that last fence.
  const base = `# Q\n\n${tasks(1, 10)}`;
  const ours = `# Q\n\n\`\`\`\n\`\`\`js\n\`\`\`\n${tasks(1, 4)}  \`\`\`\n  \`\`\`js\n\`\`\`\n${tasks(5, 10)}\`\`\`\n${task(3, 'o3')}`;
  const theirs = `# Q\n\n${task(1)}${task(3, 'x3')}${tasks(2, 10)}`;

  it('gives the fence the parser reads as unread', () => {
    const lines = splitLines(ours);
    const fenced = lines.findIndex((line) => line === task(5));
    expect(unreadRanges(lines).some(([open, close]) => open < fenced && fenced < close)).toBe(true);
  });

  it('merges as the whole merge does (the folded tasks are prose to ours: not the next free seq)', async () => {
    for (const text of await sameFoldedOrNot('queue', base, ours, theirs)) expect(text).toContain('[seq:5] [id:t3] [was:3]');
  });
});

describe('where the parser reads no entries', () => {
  const piece = fc.constantFrom('```', '```js', '~~~', '````', '  ```', '  ```js', '  ~~~', '<!--', '-->', '  <!--', '<!-- x -->', '---', '', '  note', '- [ ] [seq:1] [id:a] task', '  - [at:x] step', 'prose');

  it('holds every top-level tagged item the parser does not read as an entry', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const lines = splitLines(pieces.map((p) => `${p}\n`).join(''));
        const starts = new Set(entriesOf(parseDoc(lines.join(''))).map((e) => e.line));
        const ranges = unreadRanges(lines);
        lines.forEach((line, k) => {
          if (!line.startsWith('- [ ] [seq:') || starts.has(k)) return;
          // Part of an entry above it (its continuation): not a place where a run starts either.
          if (ranges.some(([open, close]) => open <= k && k <= close)) return;
          const above = entriesOf(parseDoc(lines.join(''))).some((e) => e.line < k && e.line + e.lines.length > k);
          expect(above).toBe(true);
        });
      }),
      { numRuns: 3000 },
    );
  });
});

describe('folding a typed file whose prose shows an opening conflict marker', () => {
  it('merges as the whole merge does: the marker line is content, not the start of a conflict', async () => {
    const hb = (agent: string, at = '2026-01-01T00:00:00.000Z', text = 'ok'): string => `- [agent:${agent}] [at:${at}] ${text}\n`;
    const rest = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((a) => hb(a)).join('');
    // A code block showing the first line of a conflict (no closing marker anywhere: no conflict).
    const base = `${hb('a')}${hb('b')}\n\`\`\`\n<<<<<<< HEAD\n\`\`\`\n\n${rest}- end\n`;
    const ours = base.replace(hb('a'), hb('a', '2026-01-01T00:00:01.000Z', 'ours'));
    const theirs = base.replace(hb('a'), hb('a', '2026-01-01T00:00:02.000Z', 'theirs'));
    for (const text of await sameFoldedOrNot('heartbeat', base, ours, theirs)) {
      expect(text).toBe(base.replace(hb('a'), hb('a', '2026-01-01T00:00:02.000Z', 'theirs')));
    }
  });
});
