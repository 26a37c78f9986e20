// Laws of the grow-only ops and ledger merges: union, commutative to the byte, idempotent; a key reused
// with other parameters stays on both sides; two terminal records for one key both stay.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entriesOf, parseDoc } from '../../src/core/entries/scan.js';
import { merge } from '../helpers/merge.js';

const RUNS = 80;

/**
 * Half-second steps, written in every shape check accepts: as git-strata writes them, without a
 * fraction, with trailing zeros cut, or with microseconds. As text, the shapes do not sort by time.
 */
type Shape = 'ms' | 'short' | 'micro';
const SHAPES: readonly Shape[] = ['ms', 'short', 'micro'];
const stamp = (n: number, shape: Shape = 'ms'): string => {
  const iso = new Date(Date.UTC(2026, 10, 27, 11) + n * 500).toISOString();
  if (shape === 'micro') return iso.replace('Z', '000Z');
  return shape === 'short' ? iso.replace(/\.?0*Z$/, 'Z') : iso;
};
const atOf = (line: string): number => Date.parse(/\[at:([^\]]*)\]/.exec(line)![1]!);

const opLine = fc
  .record({ key: fc.constantFrom('deploy-v42', 'mail-1', 'api-7', 'deploy-v43'), kind: fc.constantFrom('deploy', 'email'), args: fc.constantFrom('v42 production', 'v43', 'to=ops'), t: fc.nat(1000), shape: fc.constantFrom(...SHAPES), agent: fc.constantFrom('deploy', 'mailer') })
  .map((o) => `- [op:${o.key}] [kind:${o.kind}] [agent:${o.agent}] [at:${stamp(o.t, o.shape)}] [args:${o.args}] request ${o.key}\n`);

const recordLine = fc
  .record({ key: fc.constantFrom('deploy-v42', 'mail-1', 'api-7'), state: fc.constantFrom('claimed', 'done', 'failed', 'unknown'), by: fc.constantFrom('coordinator', 'backup'), t: fc.nat(1000), shape: fc.constantFrom(...SHAPES) })
  .map((r) => `- [op:${r.key}] [state:${r.state}] [by:${r.by}] [at:${stamp(r.t, r.shape)}]${r.state === 'done' ? ' [exit:0] [out:sha256-abc]' : ''} ${r.state}\n`);

function history(line: fc.Arbitrary<string>) {
  return fc.record({ base: fc.uniqueArray(line, { maxLength: 5 }), ours: fc.uniqueArray(line, { maxLength: 4 }), theirs: fc.uniqueArray(line, { maxLength: 4 }) }).map((h) => {
    const header = '# Log\n\n';
    const base = h.base.join('');
    return { b: header + base, o: header + base + h.ours.filter((l) => !h.base.includes(l)).join(''), t: header + base + h.theirs.filter((l) => !h.base.includes(l)).join('') };
  });
}

const linesOf = (text: string): string[] => entriesOf(parseDoc(text)).map((e) => e.lines.join('').trimEnd()).sort();

for (const [type, line] of [['ops', opLine], ['ledger', recordLine]] as const) {
  describe(`${type} merge laws`, () => {
    it('is the union of both sides, clean, and commutes to the byte', async () => {
      await fc.assert(
        fc.asyncProperty(history(line), async ({ b, o, t }) => {
          const one = await merge(type, b, o, t);
          const two = await merge(type, b, t, o);
          expect(one.conflicts).toBe(0);
          expect(two.text).toBe(one.text);
          expect(linesOf(one.text)).toEqual([...new Set([...linesOf(o), ...linesOf(t)])].sort());
        }),
        { numRuns: RUNS },
      );
    });

    it('three branches merged in any order (merges of merges) give the same bytes', async () => {
      const three = fc.record({ base: fc.uniqueArray(line, { maxLength: 4 }), x: fc.uniqueArray(line, { maxLength: 3 }), y: fc.uniqueArray(line, { maxLength: 3 }), z: fc.uniqueArray(line, { maxLength: 3 }) }).map((h) => {
        const header = '# Log\n\n';
        const base = h.base.join('');
        const side = (lines: string[]): string => header + base + lines.filter((l) => !h.base.includes(l)).join('');
        return { b: header + base, x: side(h.x), y: side(h.y), z: side(h.z) };
      });
      await fc.assert(
        fc.asyncProperty(three, async ({ b, x, y, z }) => {
          const left = (await merge(type, b, (await merge(type, b, x, y)).text, z)).text;
          const right = (await merge(type, b, x, (await merge(type, b, y, z)).text)).text;
          const middle = (await merge(type, x, (await merge(type, b, x, y)).text, (await merge(type, b, x, z)).text)).text;
          expect(linesOf(left)).toEqual([...new Set([...linesOf(x), ...linesOf(y), ...linesOf(z)])].sort());
          expect(right).toBe(left);
          expect(middle).toBe(left);
        }),
        { numRuns: RUNS },
      );
    });

    it('puts what both sides appended in time order, whatever the shape of the stamps', async () => {
      await fc.assert(
        fc.asyncProperty(history(line), async ({ b, o, t }) => {
          fc.pre(o !== b && t !== b && o !== t);
          const merged = await merge(type, b, o, t);
          const appended = entriesOf(parseDoc(merged.text.slice(b.length))).map((e) => atOf(e.lines[0]!));
          expect(appended).toEqual([...appended].sort((x, y) => x - y));
        }),
        { numRuns: RUNS },
      );
    });

    it('is idempotent and never lets a removal win', async () => {
      await fc.assert(
        fc.asyncProperty(history(line), async ({ b, o }) => {
          expect((await merge(type, b, o, o)).text).toBe(o);
          expect((await merge(type, b, b, o)).text).toBe(o);
          // One side drops every record while the other added some: the ledger never forgets. (Where the
          // other side changed nothing git never calls a driver: the removal is the pre-commit check's.)
          const emptied = '# Log\n\n';
          if (o !== b) expect(linesOf((await merge(type, b, emptied, o)).text)).toEqual(linesOf(o));
        }),
        { numRuns: RUNS / 2 },
      );
    });
  });
}
