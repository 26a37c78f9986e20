// The hook's shortcuts over a staged queue (src/core/check/stamp.ts) answer without parsing what the
// parse would answer: no entry needs an id where mayNeedIds says so, and untaggedTasks finds the task
// lines the long way finds. Inputs mix the spellings that make a tag not a tag: inline code, links,
// an earlier tag reaching over a later one, Dataview, fences and comments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayNeedIds, untaggedTasks } from '../../src/core/check/stamp.js';
import { entriesOf, lineBody, parseDoc, readTags, splitLines, tagValue, unreadRanges } from '../../src/core/entries/scan.js';

const pieces = [
  '[seq:1]', '[seq:12]', '[seq::3]', '[seq: 4]', '[id:abc]', '[id:]', '[id::d]', '[id:x](http://l)', '[note:a ', '[note:b]',
  '`[id:c]`', '`', ' ', ' ', 'text', '[', ']', '(', '[depends:1]', '[agent:a]',
];
const head = fc.constantFrom('- [ ] ', '- [x] ', '* [ ] ', '  - [ ] ', '- ', '1. ', '', '  ', '- [ ]');
const line = fc.tuple(head, fc.array(fc.constantFrom(...pieces), { maxLength: 7 }), fc.constantFrom('\n', '\r\n'))
  .map(([h, body, end]) => `${h}${body.join(' ')}${end}`);
const special = fc.constantFrom('```\n', '~~~\n', '<!--\n', '-->\n', '---\n', '\n', '- [ ] [seq:7] [id:q7] plain task\n');
const text = fc.array(fc.oneof({ weight: 4, arbitrary: line }, { weight: 1, arbitrary: special }), { maxLength: 14 }).map((ls) => ls.join(''));

/** untaggedTasks the long way: every line read, and where the parser stops reading always computed. */
function untaggedTheLongWay(t: string): Array<{ line: number; text: string }> {
  const lines = splitLines(t);
  const unread = unreadRanges(lines);
  const out: Array<{ line: number; text: string }> = [];
  lines.forEach((raw, k) => {
    const body = lineBody(raw);
    if (!/^[-*+][ \t]+\[[ xX-]\][ \t]+\S/.test(body) || readTags(body).length > 0) return;
    if (unread.some(([open, close]) => open <= k && k <= close)) return;
    out.push({ line: k + 1, text: body });
  });
  return out;
}

describe('the hook reads a staged queue by shortcuts that agree with the parse', () => {
  it('mayNeedIds is false only where no entry has a seq and no id', () => {
    fc.assert(
      fc.property(text, (t) => {
        if (mayNeedIds(t)) return;
        const needing = entriesOf(parseDoc(t)).filter((e) => tagValue(e, 'id') === undefined && e.tags.some((tag) => tag.key === 'seq'));
        expect(needing.map((e) => e.lines[0])).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it('mayNeedIds answers false for a queue as strata writes it, and true once one task lacks its id', () => {
    const q = '# Queue\n\n- [ ] [seq:1] [id:a1] one\n- [x] [seq:2] [id:b2] [depends:1] two\n  - [at:2026-11-27T10:00:00.000Z] log\n';
    expect(mayNeedIds(q)).toBe(false);
    expect(mayNeedIds(`${q}- [ ] [seq:3] three\n`)).toBe(true);
    // An earlier tag that reaches over a later [id:…] makes it text: the long way must decide.
    expect(mayNeedIds(`${q}- [ ] [seq:4] [note:a [id:c] four\n`)).toBe(true);
    expect(mayNeedIds(`${q}- [ ] [seq:5] \`x\` [id:e] five\n`)).toBe(true);
  });

  it('untaggedTasks finds what reading every line finds', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(untaggedTasks(t)).toEqual(untaggedTheLongWay(t));
      }),
      { numRuns: 3000 },
    );
  });
});
