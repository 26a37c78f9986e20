// stamp-ahead never raises a false alarm on what a repository already holds: a file checked against
// itself, its entries moved about, with new stamps within the bound added, has no finding. And the
// rule's shortcut (stamps of the writers' shape compared as text) finds what reading every stamp as a
// date finds, whatever shapes the stamps have.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/core/check/index.js';
import { MAX_CLOCK_OFFSET_MS, parseStamp } from '../../src/core/clock.js';
import { entriesOf, lineBody, parseDoc, readTags } from '../../src/core/entries/scan.js';
import type { FileType } from '../../src/core/file-types.js';

const TIME = Date.parse('2026-11-27T12:00:00.000Z');
const MIN = 60_000;
const DAY = 1_440 * MIN;

/** A time around the commit's: mostly the past, often near the bound, sometimes a year ahead. */
const offset = fc.oneof(fc.integer({ min: -2 * DAY, max: 10 * MIN }), fc.integer({ min: 14 * MIN, max: 16 * MIN }), fc.integer({ min: 0, max: 400 * DAY }));
const SHAPES = ['ms', 'ms', 'seconds', 'micro', 'no date', 'word'] as const;
const stamp = fc.tuple(offset, fc.constantFrom(...SHAPES)).map(([ms, shape]) => {
  const iso = new Date(TIME + ms).toISOString();
  if (shape === 'seconds') return iso.replace(/\.\d{3}Z$/, 'Z');
  if (shape === 'micro') return iso.replace(/Z$/, '123Z');
  if (shape === 'no date') return iso.replace(/^(\d{4})-\d\d/, '$1-13');
  if (shape === 'word') return 'soon';
  return iso;
});
/** A stamp within the bound: what an honest clock writes. */
const honest = fc.integer({ min: -2 * DAY, max: 15 * MIN }).map((ms) => new Date(TIME + ms).toISOString());

const entry: Record<Exclude<FileType, 'markdown'>, (n: number, s: fc.Arbitrary<string>) => fc.Arbitrary<string>> = {
  queue: (n, s) =>
    fc.tuple(s, s, s, s, fc.boolean(), fc.boolean()).map(
      ([at, claim, done, log, claimed, logged]) =>
        `- [${done === 'soon' ? ' ' : 'x'}] [seq:${n}] [id:i${n}] [at:${at}]${claimed ? ` [claim:a${n}@${claim}]` : ''} [done:${done}] [due:${claim}] task ${n}\n${logged ? `  - [at:${log}] checkpoint\n` : ''}`,
    ),
  heartbeat: (n, s) => s.map((at) => `- [agent:a${n}] [at:${at}] [ttl:10m] beat ${at}\n`),
  facts: (n, s) => s.map((at) => `- [entity:e${n % 3}] [attr:x] [at:${at}] [agent:a] value ${n}\n`),
  ops: (n, s) => s.map((at) => `- [op:k${n}] [kind:deploy] [agent:a] [at:${at}] request\n`),
  ledger: (n, s) => fc.tuple(s, s).map(([at, lease]) => `- [op:k${n}] [state:claimed] [by:x] [at:${at}] [lease:${lease}]\n`),
};
const TYPES = Object.keys(entry) as Array<keyof typeof entry>;
const file = (type: keyof typeof entry, s: fc.Arbitrary<string>, from = 0): fc.Arbitrary<string[]> =>
  fc.integer({ min: 0, max: 6 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, k) => entry[type](from + k + 1, s))));

/** The tags each type gives a stamp as meaning (the spec of the rule, written out again). */
const STAMPED: Record<keyof typeof entry, { first: string[]; log: string[] }> = {
  queue: { first: ['at', 'claim', 'done'], log: ['at'] },
  heartbeat: { first: ['at'], log: [] },
  facts: { first: ['at'], log: [] },
  ops: { first: ['at'], log: [] },
  ledger: { first: ['at'], log: [] },
};

/** The rule the long way: every stamp read as a date. */
function longWay(type: keyof typeof entry, text: string, base: string): Array<[number, number]> {
  const stamps = (t: string) =>
    entriesOf(parseDoc(t)).flatMap((e) =>
      e.lines.flatMap((line, i) =>
        (i === 0 ? e.tags : readTags(lineBody(line)))
          .filter((tag) => (i === 0 ? STAMPED[type].first : STAMPED[type].log).includes(tag.key))
          .map((tag) => ({ line: e.line + i + 1, column: tag.start + 1, ms: parseStamp(tag.key === 'claim' ? tag.value.slice(tag.value.lastIndexOf('@') + 1) : tag.value) })),
      ),
    );
  const latest = Math.max(-Infinity, ...stamps(base).flatMap((s) => (s.ms === undefined ? [] : [s.ms])));
  const limit = Math.max(TIME, latest) + MAX_CLOCK_OFFSET_MS;
  return stamps(text).flatMap((s) => (s.ms !== undefined && s.ms > limit ? [[s.line, s.column] as [number, number]] : []));
}

const ahead = (type: FileType, text: string, base: string): Array<[number, number | undefined]> =>
  checkFile(type, 'F.md', text, base, { time: TIME }).flatMap((f) => (f.rule === 'stamp-ahead' ? [[f.line, f.column] as [number, number | undefined]] : []));

describe('stamp-ahead', () => {
  it('never reports what the base holds, moved about, nor new stamps within the bound', () => {
    const input = fc.constantFrom(...TYPES).chain((type) =>
      fc.tuple(fc.constant(type), file(type, stamp), file(type, honest, 100)).chain(([t, old, added]) =>
        fc.tuple(fc.constant(t), fc.constant(old), fc.shuffledSubarray([...old, ...added], { minLength: old.length + added.length })),
      ),
    );
    fc.assert(
      fc.property(input, ([type, old, now]) => {
        const base = `# F\n\n${old.join('')}`;
        expect(ahead(type, base, base)).toEqual([]);
        expect(ahead(type, `# F\n\n${now.join('')}`, base)).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });

  it('finds what reading every stamp as a date finds', () => {
    const input = fc.constantFrom(...TYPES).chain((type) => fc.tuple(fc.constant(type), file(type, stamp), file(type, stamp, 100)));
    fc.assert(
      fc.property(input, ([type, old, added]) => {
        const base = `# F\n\n${old.join('')}`;
        const text = `# F\n\n${[...old, ...added].join('')}`;
        expect(ahead(type, text, base)).toEqual(longWay(type, text, base));
      }),
      { numRuns: 1500 },
    );
  });
});
