// The symmetry law under hand edits, for every type: people and agents without strata edit these files
// as text (a tag's value changed, a line reworded, removed, copied, a note written between entries), so
// merges conflict where no CRDT operation would. Whatever they did, swapping ours and theirs may only
// swap the two sections of each conflict: the same count, the same bytes around and inside them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FileType, mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';
import { sidesInOrder } from '../helpers/conflicts.js';

const RUNS = Number(process.env.HAND_RUNS ?? 150);
const S = (minute: number): string => `2026-11-27T10:${String(minute).padStart(2, '0')}:00.000Z`;

const BASES: Record<Exclude<FileType, 'markdown'> | 'markdown', string> = {
  heartbeat: `# Heartbeat\n\nOne line per agent.\n\n${['alice', 'bob', 'carol', 'dave'].map((a, k) => `- [agent:${a}] [at:${S(k)}] [status:busy] [ttl:10m] task ${k}\n`).join('')}`,
  facts: `# Memory\n\n## Facts\n\n${[['api', 'url'], ['api', 'owner'], ['db', 'host'], ['api', 'url']].map(([e, a], k) => `- [entity:${e}] [attr:${a}] [at:${S(k)}] [by:alice] value ${k}\n`).join('')}`,
  queue: `# Queue\n\n${[1, 2, 3, 4].map((seq) => `- [ ] [seq:${seq}] [id:task${seq}00000]${seq > 1 ? ` [depends:${seq - 1}]` : ''} step ${seq}\n${seq === 2 ? `  - [at:${S(7)}] half way\n` : ''}`).join('')}`,
  ops: `# Ops\n\n${['a', 'b', 'c'].map((k, n) => `- [op:deploy-${k}] [kind:deploy] [agent:alice] [at:${S(n)}] [args:v${n}] push ${k}\n`).join('')}`,
  ledger: `# Ledger\n\n${['a', 'b'].map((k, n) => `- [op:deploy-${k}] [state:claimed] [by:exec] [at:${S(n)}] [lease:${S(n + 10)}]\n- [op:deploy-${k}] [state:done] [by:exec] [at:${S(n + 1)}] [exit:0] ok\n`).join('')}`,
  markdown: '# Notes\n\n## One\n\n- first\n- second\n\nA paragraph.\n\n## Two\n\n- third\n',
};

type Edit =
  | { kind: 'tag'; line: number; nth: number; value: string }
  | { kind: 'text'; line: number; text: string }
  | { kind: 'remove'; line: number }
  | { kind: 'copy'; line: number; to: number; text: string }
  | { kind: 'note'; to: number; text: string }
  | { kind: 'box'; line: number; box: string }
  | { kind: 'marker'; to: number };

const values = fc.constantFrom(S(5), S(30), S(59), '2027-01-01T00:00:00.000Z', 'bob', 'eve', '2', '5', '9', '1,3', 'x', 'task900000');
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tag' as const), line: fc.nat(12), nth: fc.nat(6), value: values }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('text' as const), line: fc.nat(12), text: fc.constantFrom('reworded', 'ship it', 'later ✅') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), line: fc.nat(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('copy' as const), line: fc.nat(12), to: fc.nat(12), text: fc.constantFrom('new one', 'another') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('note' as const), to: fc.nat(12), text: fc.constantFrom('A note.', '  - indented', '') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('box' as const), line: fc.nat(12), box: fc.constantFrom('x', '-', ' ') }) },
  // A line that looks like a conflict marker (a setext underline, or a conflict pasted in). Only where
  // neither side's text holds one (below): with one, the conflicts written are ambiguous to read back
  // (as git's are), and the law cannot be read off the text.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('marker' as const), to: fc.nat(12) }) },
);

/** The text with the edits applied to its lines (the heading line is left alone). */
function applyEdits(text: string, edits: readonly Edit[], side: string): string {
  const lines = text.split('\n').slice(0, -1);
  const pick = (n: number): number => 1 + (n % Math.max(1, lines.length - 1));
  for (const e of edits) {
    if (lines.length < 2 && e.kind !== 'note') continue;
    if (e.kind === 'note') {
      lines.splice(pick(e.to), 0, e.text && `${e.text} (${side})`);
      continue;
    }
    if (e.kind === 'marker') {
      lines.splice(pick(e.to), 0, '=======');
      continue;
    }
    const at = pick(e.line);
    const line = lines[at]!;
    if (e.kind === 'remove') lines.splice(at, 1);
    else if (e.kind === 'text') lines[at] = line.replace(/[^\]]*$/, ` ${e.text} (${side})`);
    else if (e.kind === 'box') lines[at] = line.replace(/^- \[[ xX-]\]/, `- [${e.box}]`);
    else if (e.kind === 'copy') lines.splice(pick(e.to), 0, line.replace(/[^\]]*$/, ` ${e.text} (${side})`).replace(/\[id:[^\]]*\]/, `[id:${side}${e.to}`.padEnd(14, '0') + ']'));
    else {
      let n = 0;
      lines[at] = line.replace(/\[([a-z]+):([^\]]*)\]/g, (all, key: string) => (n++ === e.nth % 6 ? `[${key}:${e.value}]` : all));
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('hand edits: swapping ours and theirs only swaps the sections of a conflict', () => {
  for (const type of Object.keys(BASES) as FileType[]) {
    it(type, async () => {
      const base = BASES[type];
      await fc.assert(
        fc.asyncProperty(
          fc.array(edit, { maxLength: 4 }),
          fc.array(edit, { maxLength: 4 }),
          fc.constantFrom('merge' as const, 'diff3' as const, 'zdiff3' as const),
          fc.boolean(),
          async (eo, et, style, crlf) => {
          const eol = (text: string): string => (crlf ? text.replace(/\n/g, '\r\n') : text);
          const [b, o, t] = [eol(base), eol(applyEdits(base, eo, 'o')), eol(applyEdits(base, et, 't'))];
          const opts = { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => style };
          const one = await mergeFile(type, b, o, t, opts);
          const two = await mergeFile(type, b, t, o, opts);
          expect(two.conflicts).toBe(one.conflicts);
          if (one.conflicts > 0 && [o, t].some((text) => /^={7}\r?$/m.test(text))) return;
          expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe('hand edits: merge(b,x,x) = merge(b,b,x) = merge(b,x,b) = x', () => {
  for (const type of Object.keys(BASES) as FileType[]) {
    it(type, async () => {
      const base = BASES[type];
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { maxLength: 5 }), fc.constantFrom('merge' as const, 'diff3' as const), async (edits, style) => {
          const x = applyEdits(base, edits, 'x');
          const opts = { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => style };
          for (const [o, t] of [[x, x], [base, x], [x, base]] as const) {
            const result = await mergeFile(type, base, o, t, opts);
            expect(result.conflicts).toBe(0);
            expect(result.text).toBe(x);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('hand edits: nothing a side added is lost', () => {
  it('queue: every task a side added is in the result, inside a conflict or out', async () => {
    const base = BASES.queue;
    const ids = (text: string): string[] => [...text.matchAll(/\[id:([^\]]+)\]/g)].map((m) => m[1]!);
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { maxLength: 4 }), fc.array(edit, { maxLength: 4 }), async (eo, et) => {
        const [o, t] = [applyEdits(base, eo, 'o'), applyEdits(base, et, 't')];
        const result = await mergeFile('queue', base, o, t, { markerSize: 7, lineMerge: gitLineMerge });
        const added = [...ids(o), ...ids(t)].filter((id) => !ids(base).includes(id));
        for (const id of added) expect(result.text).toContain(`[id:${id}]`);
      }),
      { numRuns: RUNS },
    );
  });
});
