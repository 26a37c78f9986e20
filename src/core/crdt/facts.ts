// facts: a grow-only set of (entity, attribute, value, at, agent) tuples. Facts supersede, never delete:
// the current value of (entity, attribute) is the one with the greatest (at, agent, value); the others
// stay in the file and carry `[superseded:yes]` so a reader sees the current value at a glance.
import { stampOrder } from '../clock.js';
import { type Entry, entryBody, tagValue, withTag } from '../entries/scan.js';
import { maxString, mergeLog, mergedKeys, singleTags, threeWay, withLog, withTagValues } from './entry-merge.js';
import { type EntryType, greaterByContent, memoByEntry } from './keyed.js';

export const SUPERSEDED_TAG = 'superseded';

export interface Fact {
  readonly entity: string;
  readonly attr: string;
  readonly value: string;
  readonly at: string;
  readonly agent: string;
}

export const factOf = memoByEntry((entry: Entry): Fact => ({
    entity: tagValue(entry, 'entity') ?? '',
    attr: tagValue(entry, 'attr') ?? '',
    value: entryBody(entry),
    at: tagValue(entry, 'at') ?? '',
    agent: tagValue(entry, 'agent') ?? '',
}));

function slot(fact: Fact): string {
  return `${fact.entity}\u001f${fact.attr}`;
}

/** The order that decides the current value: (at, agent, value), the stamp by time. */
export function rank(fact: Fact): string {
  return `${stampOrder(fact.at)}\u001f${fact.agent}\u001f${fact.value}`;
}

export function isSuperseded(entry: Entry): boolean {
  return tagValue(entry, SUPERSEDED_TAG) !== undefined;
}

export const facts: EntryType = {
  name: 'facts',
  foldTags: ['entity', 'attr'],
  growOnly: true,
  identity: memoByEntry((entry) => {
    const f = factOf(entry);
    return [f.entity, f.attr, f.at, f.agent, f.value].join('\u001f');
  }),
  sortKey: memoByEntry((entry) => {
    const f = factOf(entry);
    return `${stampOrder(f.at)}\u001f${f.entity}\u001f${f.attr}`;
  }),
  // Same tuple, different decoration on both sides (or removed vs changed): a fact is never dropped by
  // a concurrent edit. Both changed it: each tag three-way (of two new values, the greater: a
  // superseded mark wins), and the lines under it as text — so a note one side added survives the
  // other side's [superseded:yes]; the same line edited two ways is a conflict.
  join: (base, ours, theirs) => {
    if (!ours) return theirs;
    if (!theirs) return ours;
    const log = mergeLog(base, ours, theirs);
    if (log === 'conflict') return { kind: 'conflict', ours, theirs };
    const [b, o, t] = [singleTags(base), singleTags(ours), singleTags(theirs)];
    const values = mergedKeys(b, o, t).map((key) => [key, threeWay(b.get(key), o.get(key), t.get(key), maxString)] as const);
    return withLog(withTagValues(base ?? greaterByContent(ours, theirs), values), log);
  },
  normalize: (entries) => {
    const all = [...entries].map(([key, entry]) => {
      const f = factOf(entry);
      return { key, entry, slot: slot(f), rank: rank(f) };
    });
    const current = new Map<string, string>();
    for (const f of all) {
      const best = current.get(f.slot);
      if (best === undefined || f.rank > best) current.set(f.slot, f.rank);
    }
    const out = new Map<string, Entry>();
    for (const { key, entry, slot: s, rank: r } of all) {
      const stale = current.get(s) !== r;
      out.set(key, stale && !isSuperseded(entry) ? withTag(entry, SUPERSEDED_TAG, 'yes') : entry);
    }
    return out;
  },
};
