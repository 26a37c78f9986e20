// Differential fuzzing of folding (src/core/merge/fold.ts): a typed merge that folds the runs no side
// changed must give the bytes and conflicts of the unfolded merge, either way round; the unfolded merge
// must be commutative where clean, must not throw, and a clean queue merge keeps every id a side added.
// Cases come from fold-cases.ts; `foldAbove: 0` folds them however small.
//
// Replay a failure: FC_SEED=<seed> npx vitest run test/fuzz/fold.fuzz.test.ts (fast-check prints seed
// and path). FUZZ_RUNS=<n> changes the number of cases per type (FUZZ_SIZE the number of units).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entriesOf, parseDoc, tagValue, tagValues } from '../../src/core/entries/scan.js';
import { mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';
import { type Case, type FoldType, queueCase, simpleCase, tagCase } from './fold-cases.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SIZE = Number(process.env.FUZZ_SIZE ?? 120);
const SEED = process.env.FC_SEED === undefined ? 20261128 : Number(process.env.FC_SEED);

const merge = (type: FoldType, b: string, o: string, t: string, foldAbove: number) =>
  mergeFile(type, b, o, t, { markerSize: 7, lineMerge: gitLineMerge, foldAbove });

/** The ids (and aliases) of a queue's tasks. */
function ids(text: string): Set<string> {
  const out = new Set<string>();
  for (const entry of entriesOf(parseDoc(text))) {
    const id = tagValue(entry, 'id')?.trim();
    if (id) out.add(id);
    for (const alias of tagValues(entry, 'alias')) out.add(alias.trim());
  }
  return out;
}

async function check(type: FoldType, { b, o, t }: Case): Promise<void> {
  const whole: Array<{ text: string; conflicts: number; method: string }> = [];
  for (const [x, y] of [[o, t], [t, o]] as const) {
    const fast = await merge(type, b, x, y, 0);
    const all = await merge(type, b, x, y, Infinity);
    expect(fast.text).toBe(all.text);
    expect(fast.conflicts).toBe(all.conflicts);
    whole.push(all);
  }
  const [ot, to] = whole as [(typeof whole)[0], (typeof whole)[0]];
  expect(ot.conflicts).toBe(to.conflicts);
  if (ot.conflicts === 0) expect(ot.text).toBe(to.text);
  if (type === 'queue' && ot.conflicts === 0 && !ot.method.startsWith('fallback:')) {
    const [kept, before] = [ids(ot.text), ids(b)];
    for (const side of [o, t]) for (const id of ids(side)) if (!before.has(id)) expect(kept.has(id), `id ${id} added by a side`).toBe(true);
  }
}

const cases: Array<[string, FoldType, fc.Arbitrary<Case>]> = [
  ['queue', 'queue', queueCase(SIZE)],
  ['heartbeat', 'heartbeat', tagCase('heartbeat', SIZE)],
  ['facts', 'facts', tagCase('facts', SIZE)],
  ['ops', 'ops', tagCase('ops', SIZE)],
  ['ledger', 'ledger', tagCase('ledger', SIZE)],
  ['heartbeat, one-line entries moved and swapped near one spot', 'heartbeat', simpleCase(SIZE)],
];

describe('folded and unfolded typed merges of adversarial files', () => {
  for (const [name, type, arb] of cases) {
    it(`agree: ${name}`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, (c) => check(type, c)),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});
