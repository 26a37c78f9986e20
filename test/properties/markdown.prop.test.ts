/**
 * Laws of the Markdown merge over generated documents (sections of headings, paragraphs and lists)
 * and random edits. Each case runs the real `git merge-file`, so the runs are modest; set FC_SEED to
 * replay a failure (fast-check prints the seed and the counterexample).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeMarkdown } from '../../src/core/merge/markdown.js';
import type { MergeResult } from '../../src/core/result.js';
import { gitLineMerge } from '../helpers/git-line-merge.js';

interface Section {
  title: string;
  para: string | undefined;
  bullet: '-' | '*';
  items: string[];
}
type Doc = Section[];

const WORDS = ['alpha', 'Bravo', 'charlie', 'delta', 'Echo', 'fox', 'golf', 'hotel', 'India', 'juliet', 'kilo', 'lima'];
const word = fc.constantFrom(...WORDS);
const phrase = fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' '));

const section: fc.Arbitrary<Section> = fc.record({
  title: word,
  para: fc.option(phrase, { nil: undefined }),
  bullet: fc.constantFrom('-' as const, '*' as const),
  items: fc.array(phrase, { maxLength: 5 }),
});
const doc: fc.Arbitrary<Doc> = fc.array(section, { minLength: 1, maxLength: 4 });

function render(d: Doc): string {
  return d
    .map((s) => {
      let out = `## ${s.title}\n\n`;
      if (s.para) out += `${s.para}\n\n`;
      if (s.items.length) out += s.items.map((i) => `${s.bullet} ${i}\n`).join('') + '\n';
      return out;
    })
    .join('');
}

type Edit =
  | { op: 'insert'; section: number; at: number; text: string }
  | { op: 'delete'; section: number; at: number }
  | { op: 'modify'; section: number; at: number; text: string }
  | { op: 'para'; section: number; text: string }
  | { op: 'section'; at: number; title: string; items: string[] };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), section: fc.nat(5), at: fc.nat(6), text: phrase }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), section: fc.nat(5), at: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('modify' as const), section: fc.nat(5), at: fc.nat(6), text: phrase }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('para' as const), section: fc.nat(5), text: phrase }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('section' as const),
      at: fc.nat(5),
      title: word,
      items: fc.array(phrase, { maxLength: 3 }),
    }),
  },
);

function apply(d: Doc, edits: readonly Edit[]): Doc {
  const out = d.map((s) => ({ ...s, items: [...s.items] }));
  for (const e of edits) {
    if (e.op === 'section') {
      out.splice(e.at % (out.length + 1), 0, { title: e.title, para: undefined, bullet: '-', items: e.items });
      continue;
    }
    const s = out[e.section % out.length]!;
    if (e.op === 'para') s.para = e.text;
    else if (e.op === 'insert') s.items.splice(e.at % (s.items.length + 1), 0, e.text);
    else if (s.items.length === 0) continue;
    else if (e.op === 'delete') s.items.splice(e.at % s.items.length, 1);
    else s.items[e.at % s.items.length] = `${s.items[e.at % s.items.length]} ${e.text}`;
  }
  return out;
}

/** Now and then a version is saved without its final newline (an editor setting, or a hand edit). */
const ending = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const ended = (text: string, drop: boolean): string => (drop ? text.replace(/\n+$/, '') : text);

const scenario = doc.chain((b) =>
  fc.record({
    base: ending.map((drop) => ended(render(b), drop)),
    ours: fc.tuple(fc.array(edit, { maxLength: 4 }), ending).map(([es, drop]) => ended(render(apply(b, es)), drop)),
    theirs: fc.tuple(fc.array(edit, { maxLength: 4 }), ending).map(([es, drop]) => ended(render(apply(b, es)), drop)),
  }),
);

const merge = (base: string, ours: string, theirs: string): MergeResult =>
  mergeMarkdown(base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge });

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const params = { numRuns: 150, ...(seed === undefined ? {} : { seed }) };

/** Lines of `side` that the base does not have (as a multiset). */
function addedLines(base: string, side: string): string[] {
  const count = new Map<string, number>();
  for (const l of base.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of side.split('\n')) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else if (l.trim()) out.push(l);
  }
  return out;
}

describe('mergeMarkdown laws', () => {
  it('is idempotent and one-sided changes win', () => {
    fc.assert(
      fc.property(scenario, ({ base, ours }) => {
        expect(merge(base, ours, ours).text).toBe(ours);
        expect(merge(base, base, ours).text).toBe(ours);
        expect(merge(base, ours, base).text).toBe(ours);
      }),
      { ...params, numRuns: 60 },
    );
  });

  it('is commutative, deterministic and loses nothing when clean', () => {
    fc.assert(
      fc.property(scenario, ({ base, ours, theirs }) => {
        const a = merge(base, ours, theirs);
        const b = merge(base, theirs, ours);
        expect(merge(base, ours, theirs)).toEqual(a);
        if (a.conflicts === 0 && b.conflicts === 0) expect(b.text).toBe(a.text);
        if (a.conflicts === 0) {
          const result = new Set(a.text.split('\n'));
          for (const l of [...addedLines(base, ours), ...addedLines(base, theirs)]) expect(result).toContain(l);
        } else {
          expect(a.text).toMatch(/^<{7} ours$/m);
        }
      }),
      params,
    );
  });
});
