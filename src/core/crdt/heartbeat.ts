// heartbeat: an LWW-map keyed by agent. Per agent the greatest (at, agent, content) wins; a removal on
// one side wins only if the other side left that agent unchanged (handled by mergeKeyed).
import { stampOrder } from '../clock.js';
import { type Entry, entryBody, tagValue } from '../entries/scan.js';
import { type EntryType, entryContent, memoByEntry } from './keyed.js';

function rank(entry: Entry): string {
  // Stamps compare by time whatever their precision; the content breaks exact ties.
  return `${stampOrder(tagValue(entry, 'at') ?? '')}\u001f${tagValue(entry, 'agent') ?? ''}\u001f${entryContent(entry) ?? ''}`;
}

export const heartbeat: EntryType = {
  name: 'heartbeat',
  foldTags: ['agent'],
  identity: memoByEntry((entry) => {
    const agent = tagValue(entry, 'agent');
    return agent !== undefined ? `agent:${agent}` : `text:${entryBody(entry)}`;
  }),
  sortKey: (entry) => tagValue(entry, 'agent') ?? entryBody(entry),
  join: (_base, ours, theirs) => {
    if (!ours) return theirs;
    if (!theirs) return ours;
    return rank(ours) >= rank(theirs) ? ours : theirs;
  },
};
