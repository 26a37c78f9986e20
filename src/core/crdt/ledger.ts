// ledger: the idempotency ledger of executed operations. Records are never edited or removed: a merge
// is the union of both sides' records. Per key the states are claimed < done | failed | unknown; two
// terminal records for one key from different executors both stay, and the checks report them as a
// duplicate execution.
import { stampOrder } from '../clock.js';
import { type Entry, entryBody, tagValue } from '../entries/scan.js';
import { type EntryType, greaterByContent, memoByEntry } from './keyed.js';

export type LedgerState = 'claimed' | 'done' | 'failed' | 'unknown';

export const TERMINAL: ReadonlySet<LedgerState> = new Set(['done', 'failed']);

export interface LedgerRecord {
  readonly key: string;
  readonly state: LedgerState | string;
  readonly by: string;
  readonly at: string;
  readonly lease: string | undefined;
  readonly exit: string | undefined;
  readonly out: string | undefined;
  readonly note: string;
}

export function recordOf(entry: Entry): LedgerRecord {
  return {
    key: tagValue(entry, 'op') ?? '',
    state: tagValue(entry, 'state') ?? '',
    by: tagValue(entry, 'by') ?? '',
    at: tagValue(entry, 'at') ?? '',
    lease: tagValue(entry, 'lease'),
    exit: tagValue(entry, 'exit'),
    out: tagValue(entry, 'out'),
    note: entryBody(entry),
  };
}

export const ledger: EntryType = {
  name: 'ledger',
  foldTags: ['op'],
  growOnly: true,
  identity: memoByEntry((entry) => {
    const r = recordOf(entry);
    return [r.key, r.state, r.by, r.at].join('\u001f');
  }),
  // By time, whatever a stamp's precision (as text '10:00:05Z' would follow '10:00:05.500Z'), then by key.
  sortKey: memoByEntry((entry) => `${stampOrder(tagValue(entry, 'at') ?? '')}\u001f${tagValue(entry, 'op') ?? ''}`),
  join: (_base, ours, theirs) => (!ours ? theirs : !theirs ? ours : greaterByContent(ours, theirs)),
};
