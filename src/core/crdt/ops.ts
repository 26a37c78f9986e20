// ops: requests for operations with side effects, keyed by `op` (the idempotency key). A grow-only set
// of requests: two requests are one entry only when key, parameters, agent and time all match, so the
// same key with different kind/args on two sides stays on both sides and is reported by the checks
// ("key reused with different parameters"); replay never executes such a key, and runs a key asked for
// twice with the same parameters once.
import { stampOrder } from '../clock.js';
import { type Entry, entryBody, tagValue } from '../entries/scan.js';
import { type EntryType, greaterByContent, memoByEntry } from './keyed.js';

export interface OpRequest {
  readonly key: string;
  readonly kind: string;
  readonly args: string;
  readonly agent: string;
  readonly at: string;
  readonly note: string;
}

export function opOf(entry: Entry): OpRequest {
  return {
    key: tagValue(entry, 'op') ?? '',
    kind: tagValue(entry, 'kind') ?? '',
    args: tagValue(entry, 'args') ?? '',
    agent: tagValue(entry, 'agent') ?? '',
    at: tagValue(entry, 'at') ?? '',
    note: entryBody(entry),
  };
}

/** The parameters that make two requests "the same operation". */
export function opParameters(op: Pick<OpRequest, 'kind' | 'args'>): string {
  return `${op.kind}\u001f${op.args}`;
}

export const ops: EntryType = {
  name: 'ops',
  foldTags: ['op'],
  growOnly: true,
  identity: memoByEntry((entry) => {
    const op = opOf(entry);
    return [op.key, opParameters(op), op.agent, op.at].join('\u001f');
  }),
  // By time, whatever a stamp's precision (as text '10:00:05Z' would follow '10:00:05.500Z'), then by key.
  sortKey: memoByEntry((entry) => `${stampOrder(tagValue(entry, 'at') ?? '')}\u001f${tagValue(entry, 'op') ?? ''}`),
  join: (_base, ours, theirs) => (!ours ? theirs : !theirs ? ours : greaterByContent(ours, theirs)),
};
