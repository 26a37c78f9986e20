// Laws of the heartbeat (LWW-map) and facts (grow-only set) merges, over random concurrent histories.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entriesOf, entryBody, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';
import { insideConflicts, keepSide, outsideConflicts, sidesInOrder } from '../helpers/conflicts.js';
import { merge } from '../helpers/merge.js';

const RUNS = 120;
const HEADER = '# Coordination\n\nProse stays where it is.\n\n';

// ---------- heartbeat ----------
type Beat = { agent: string; at: number; text: string };
type HbOp = { kind: 'beat'; agent: string; text: string; pos: number } | { kind: 'remove'; agent: string };

const agents = fc.constantFrom('alice', 'bob', 'carol', 'dave', 'eve', 'zed');
const words = fc.constantFrom('idle', 'busy', 'building 142', 'reviewing', 'asleep 🌙', 'done');
const hbOp: fc.Arbitrary<HbOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('beat' as const), agent: agents, text: words, pos: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), agent: agents }) },
);

const stamp = (minute: number): string => new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + minute * 1000).toISOString();

function applyBeats(state: Beat[], ops: HbOp[], clock: { now: number }): Beat[] {
  const next = [...state];
  for (const op of ops) {
    const at = next.findIndex((b) => b.agent === op.agent);
    if (op.kind === 'remove') {
      if (at !== -1) next.splice(at, 1);
      continue;
    }
    const beat = { agent: op.agent, at: ++clock.now, text: op.text };
    if (at !== -1) next[at] = beat;
    else next.splice(Math.min(op.pos, next.length), 0, beat);
  }
  return next;
}

const renderBeats = (beats: Beat[]): string =>
  HEADER + beats.map((b) => `- [agent:${b.agent}] [at:${stamp(b.at)}] [ttl:10m] ${b.text}\n`).join('');

const hbHistory = fc.record({ base: fc.array(hbOp, { maxLength: 6 }), ours: fc.array(hbOp, { maxLength: 5 }), theirs: fc.array(hbOp, { maxLength: 5 }) }).map((h) => {
  const clock = { now: 0 };
  const base = applyBeats([], h.base, clock);
  // Each side has its own clock range so stamps are distinct, like real agents.
  const ours = applyBeats(base, h.ours, { now: clock.now + 1000 });
  const theirs = applyBeats(base, h.theirs, { now: clock.now + 2000 });
  return { base, ours, theirs };
});

/** The model: per agent three-way, removal only against an unchanged side, else the latest wins. */
function expectedBeats(base: Beat[], ours: Beat[], theirs: Beat[]): Map<string, string> {
  const key = (b: Beat | undefined): string | undefined => (b ? `${b.at}|${b.text}` : undefined);
  const out = new Map<string, string>();
  for (const agent of new Set([...base, ...ours, ...theirs].map((b) => b.agent))) {
    const [b, o, t] = [base, ours, theirs].map((s) => s.find((x) => x.agent === agent));
    let r: Beat | undefined;
    if (key(o) === key(t)) r = o;
    else if (key(o) === key(b)) r = t;
    else if (key(t) === key(b)) r = o;
    else r = !o ? t : !t ? o : o.at >= t.at ? o : t;
    if (r) out.set(agent, `${stamp(r.at)} ${r.text}`);
  }
  return out;
}

function beatsIn(text: string): Map<string, string> {
  return new Map(entriesOf(parseDoc(text)).map((e) => [tagValue(e, 'agent')!, `${tagValue(e, 'at')} ${entryBody(e)}`]));
}

describe('heartbeat merge laws', () => {
  it('is clean, commutative to the byte, and equals the LWW model', async () => {
    await fc.assert(
      fc.asyncProperty(hbHistory, async ({ base, ours, theirs }) => {
        const [b, o, t] = [renderBeats(base), renderBeats(ours), renderBeats(theirs)];
        const one = await merge('heartbeat', b, o, t);
        const two = await merge('heartbeat', b, t, o);
        expect(one.conflicts).toBe(0);
        expect(two.text).toBe(one.text);
        expect(beatsIn(one.text)).toEqual(expectedBeats(base, ours, theirs));
        expect(one.text.startsWith(HEADER)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('is idempotent: merge(b,x,x) = merge(b,b,x) = merge(b,x,b) = x', async () => {
    await fc.assert(
      fc.asyncProperty(hbHistory, async ({ base, ours }) => {
        const [b, x] = [renderBeats(base), renderBeats(ours)];
        expect((await merge('heartbeat', b, x, x)).text).toBe(x);
        expect((await merge('heartbeat', b, b, x)).text).toBe(x);
        expect((await merge('heartbeat', b, x, b)).text).toBe(x);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('three branches converge to the same agents whatever the merge order', async () => {
    const three = fc.record({ base: fc.array(hbOp, { maxLength: 5 }), x: fc.array(hbOp, { maxLength: 4 }), y: fc.array(hbOp, { maxLength: 4 }), z: fc.array(hbOp, { maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(three, async (h) => {
        const clock = { now: 0 };
        const base = applyBeats([], h.base, clock);
        const [x, y, z] = [h.x, h.y, h.z].map((ops, i) => renderBeats(applyBeats(base, ops, { now: 1000 * (i + 1) })));
        const b = renderBeats(base);
        const left = await merge('heartbeat', b, (await merge('heartbeat', b, x!, y!)).text, z!);
        const right = await merge('heartbeat', b, x!, (await merge('heartbeat', b, y!, z!)).text);
        expect(beatsIn(left.text)).toEqual(beatsIn(right.text));
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

// ---------- facts ----------
type Fact = { entity: string; attr: string; value: string; at: number; agent: string };
const factOp = fc.record({ entity: fc.constantFrom('frontend', 'backend'), attr: fc.constantFrom('framework', 'db', 'owner'), value: fc.constantFrom('React', 'Vue', 'Postgres', 'SQLite', 'alice', 'bob ✨'), agent: agents, pos: fc.nat(8) });

function renderFacts(facts: Fact[]): string {
  const rank = (f: Fact): string => `${stamp(f.at)}|${f.agent}|${f.value}`;
  const best = new Map<string, string>();
  for (const f of facts) {
    const slot = `${f.entity}|${f.attr}`;
    if (!best.has(slot) || rank(f) > best.get(slot)!) best.set(slot, rank(f));
  }
  return (
    HEADER +
    facts
      .map((f) => {
        const stale = best.get(`${f.entity}|${f.attr}`) !== rank(f) ? ' [superseded:yes]' : '';
        return `- [entity:${f.entity}] [attr:${f.attr}] [at:${stamp(f.at)}] [agent:${f.agent}]${stale} ${f.value}\n`;
      })
      .join('')
  );
}

function addFacts(state: Fact[], ops: { entity: string; attr: string; value: string; agent: string; pos: number }[], clock: { now: number }): Fact[] {
  const next = [...state];
  for (const op of ops) next.splice(Math.min(op.pos, next.length), 0, { ...op, at: ++clock.now });
  return next;
}

const factHistory = fc.record({ base: fc.array(factOp, { maxLength: 5 }), ours: fc.array(factOp, { maxLength: 4 }), theirs: fc.array(factOp, { maxLength: 4 }) }).map((h) => {
  const clock = { now: 0 };
  const base = addFacts([], h.base, clock);
  return { base, ours: addFacts(base, h.ours, { now: 1000 }), theirs: addFacts(base, h.theirs, { now: 2000 }) };
});

describe('facts merge laws', () => {
  it('keeps the union, marks exactly the superseded facts, commutes to the byte', async () => {
    await fc.assert(
      fc.asyncProperty(factHistory, async ({ base, ours, theirs }) => {
        const [b, o, t] = [renderFacts(base), renderFacts(ours), renderFacts(theirs)];
        const one = await merge('facts', b, o, t);
        const two = await merge('facts', b, t, o);
        expect(one.conflicts).toBe(0);
        expect(two.text).toBe(one.text);
        const union = new Map([...ours, ...theirs].map((f) => [`${f.at}`, f]));
        // Same set of lines as the model renders for the union (order aside).
        const expected = renderFacts([...union.values()]).slice(HEADER.length).split('\n').filter(Boolean).sort();
        expect(one.text.slice(HEADER.length).split('\n').filter(Boolean).sort()).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('three branches merged in any order (merges of merges) agree on every fact and its mark', async () => {
    const three = fc.record({ base: fc.array(factOp, { maxLength: 4 }), x: fc.array(factOp, { maxLength: 3 }), y: fc.array(factOp, { maxLength: 3 }), z: fc.array(factOp, { maxLength: 3 }) }).map((h) => {
      const base = addFacts([], h.base, { now: 0 });
      return { base, x: addFacts(base, h.x, { now: 1000 }), y: addFacts(base, h.y, { now: 2000 }), z: addFacts(base, h.z, { now: 3000 }) };
    });
    const sorted = (text: string): string[] => text.slice(HEADER.length).split('\n').filter(Boolean).sort();
    await fc.assert(
      fc.asyncProperty(three, async ({ base, x, y, z }) => {
        const [b, rx, ry, rz] = [renderFacts(base), renderFacts(x), renderFacts(y), renderFacts(z)];
        const left = (await merge('facts', b, (await merge('facts', b, rx, ry)).text, rz)).text;
        const right = (await merge('facts', b, rx, (await merge('facts', b, ry, rz)).text)).text;
        const middle = (await merge('facts', rx, (await merge('facts', b, rx, ry)).text, (await merge('facts', b, rx, rz)).text)).text;
        // The union of all three, superseded exactly where the model says.
        const union = new Map([...x, ...y, ...z].map((f) => [`${f.at}`, f]));
        const expected = sorted(renderFacts([...union.values()]));
        for (const text of [left, right, middle]) expect(sorted(text)).toEqual(expected);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('is idempotent on normalised files', async () => {
    await fc.assert(
      fc.asyncProperty(factHistory, async ({ base, ours }) => {
        const [b, x] = [renderFacts(base), renderFacts(ours)];
        expect((await merge('facts', b, x, x)).text).toBe(x);
        expect((await merge('facts', b, b, x)).text).toBe(x);
        expect((await merge('facts', b, x, b)).text).toBe(x);
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

// ---------- entries around prose conflicts ----------
// Paragraphs with agents' lines right under them (no blank line between): when both sides rewrite a
// paragraph and one also removes, adds or moves a line there, the Markdown merge of the skeleton writes
// a conflict around the paragraph that holds placeholders.
type Section = { para: string; beats: Beat[] };
type ProseOp = { kind: 'rewrite'; section: number; word: string } | (HbOp & { section: number });

const proseOp: fc.Arbitrary<ProseOp> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rewrite' as const), section: fc.nat(2), word: fc.constantFrom('now', 'today', 'again') }) },
  { weight: 3, arbitrary: fc.tuple(hbOp, fc.nat(2)).map(([op, section]) => ({ ...op, section })) },
);

function applyProse(state: Section[], ops: ProseOp[], clock: { now: number }): Section[] {
  const next = state.map((s) => ({ para: s.para, beats: [...s.beats] }));
  for (const op of ops) {
    const target = next[op.section % next.length]!;
    if (op.kind === 'rewrite') {
      // The same word on both sides is the same rewrite: a region with nothing left to decide.
      target.para = `${target.para.replace(/\.$/, '')} ${op.word}.`;
      continue;
    }
    const home = next.find((s) => s.beats.some((b) => b.agent === op.agent));
    if (op.kind === 'remove') {
      if (home) home.beats = home.beats.filter((b) => b.agent !== op.agent);
      continue;
    }
    const beat = { agent: op.agent, at: ++clock.now, text: op.text };
    if (home) home.beats = home.beats.map((b) => (b.agent === op.agent ? beat : b));
    else target.beats.splice(Math.min(op.pos, target.beats.length), 0, beat);
  }
  return next;
}

const renderSections = (sections: Section[]): string =>
  HEADER + sections.map((s) => `${s.para}\n${renderBeats(s.beats).slice(HEADER.length)}\n`).join('');

const proseHistory = fc
  .record({
    sections: fc.integer({ min: 1, max: 3 }),
    base: fc.array(proseOp, { maxLength: 6 }),
    ours: fc.array(proseOp, { maxLength: 5 }),
    theirs: fc.array(proseOp, { maxLength: 5 }),
    style: fc.constantFrom('merge' as const, 'diff3' as const, 'zdiff3' as const),
  })
  .map((h) => {
    const clock = { now: 0 };
    const empty = Array.from({ length: h.sections }, (_, k) => ({ para: `Paragraph ${k + 1}.`, beats: [] }));
    const base = applyProse(empty, h.base.filter((op) => op.kind !== 'rewrite'), clock);
    return { base, ours: applyProse(base, h.ours, { now: clock.now + 1000 }), theirs: applyProse(base, h.theirs, { now: clock.now + 2000 }), style: h.style };
  });

describe('entries around prose conflicts', () => {
  it('every merged entry is written once, outside any conflict, whatever side a person keeps; swapping the sides only swaps the sections', async () => {
    await fc.assert(
      fc.asyncProperty(proseHistory, async ({ base, ours, theirs, style }) => {
        const [b, o, t] = [renderSections(base), renderSections(ours), renderSections(theirs)];
        const opts = { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => style };
        const one = await mergeFile('heartbeat', b, o, t, opts);
        const two = await mergeFile('heartbeat', b, t, o, opts);
        expect(two.conflicts).toBe(one.conflicts);
        expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
        const outside = outsideConflicts(one.text);
        expect(one.conflicts === 0).toBe(outside === one.text);
        expect(entriesOf(parseDoc(insideConflicts(one.text)))).toEqual([]);
        const agents = entriesOf(parseDoc(outside)).map((e) => tagValue(e, 'agent'));
        expect(new Set(agents).size).toBe(agents.length);
        const flat = (sections: Section[]): Beat[] => sections.flatMap((s) => s.beats);
        const expected = expectedBeats(flat(base), flat(ours), flat(theirs));
        expect(beatsIn(outside)).toEqual(expected);
        // Whichever side a person keeps of each conflict, the agents are the merged ones.
        for (const side of [0, 1] as const) expect(beatsIn(keepSide(one.text, side))).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
