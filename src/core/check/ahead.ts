// stamp-ahead: a commit must not bring a stamp more than the clock bound ahead of its own time. One
// such stamp (a machine with the wrong year, a hand edit with a typo) is what the bound in clock.ts
// only mitigates: writers refuse to follow it but warn about it on every write, a heartbeat stamped so
// does not count, a claim stamped so holds, and where a write must come after it (a fact superseding
// it, a task done after it) the write is dragged ahead with it. Caught while it is new, it is still
// the committer's to correct.
import { MAX_CLOCK_OFFSET, MAX_CLOCK_OFFSET_MS, formatAhead, formatStamp, parseStamp } from '../clock.js';
import { type Entry, type Tag, lineBody, readTags, tagValue } from '../entries/scan.js';
import type { FileType } from '../file-types.js';
import type { Finding } from './finding.js';

/**
 * The tags each type gives a time stamp as its meaning, on an entry's first line and in its log
 * (checkpoints). A stamp in any other tag (`[due:…]`, a ledger's `[lease:…]`, which lies ahead on
 * purpose) or in free text is not the clock's.
 */
const STAMPED: Partial<Record<FileType, { readonly first: readonly string[]; readonly log: readonly string[] }>> = {
  queue: { first: ['at', 'claim', 'done'], log: ['at'] },
  heartbeat: { first: ['at'], log: [] },
  facts: { first: ['at'], log: [] },
  ops: { first: ['at'], log: [] },
  ledger: { first: ['at'], log: [] },
};

interface Stamped {
  readonly entry: Entry;
  /** Index of the line in the entry: 0 the first line, more a log line. */
  readonly index: number;
  readonly tag: Tag;
  readonly stamp: string;
}

/** The stamp a tag's value carries: the whole value, or what follows the `@` of a claim. */
function stampOf(tag: Tag): string {
  return tag.key === 'claim' ? tag.value.slice(tag.value.lastIndexOf('@') + 1).trim() : tag.value.trim();
}

/**
 * Each value of the tags STAMPED names, with where it is; whether it is a stamp is the visitor's to ask.
 * (Called for every tag of a 10k-entry file and its base on every commit: nothing is made per tag but
 * the stamp's text, and the entry, line and tag are handed over as they are.)
 */
function eachStamp(type: FileType, entries: readonly Entry[], visit: (stamp: string, entry: Entry, index: number, tag: Tag) => void): void {
  const keys = STAMPED[type];
  if (!keys) return;
  const needles = keys.log.map((key) => `[${key}:`);
  for (const entry of entries) {
    for (const tag of entry.tags) if (keys.first.includes(tag.key)) visit(stampOf(tag), entry, 0, tag);
    if (needles.length === 0) continue;
    for (let i = 1; i < entry.lines.length; i++) {
      const line = entry.lines[i]!;
      if (!needles.some((needle) => line.includes(needle))) continue;
      for (const tag of readTags(lineBody(line))) if (keys.log.includes(tag.key)) visit(stampOf(tag), entry, i, tag);
    }
  }
}

/**
 * Whether a value has the shape the writers stamp with (`2026-11-27T10:00:00.000Z`): such stamps
 * compare as text. The hook reads every stamp of a 10k-entry queue and of its base, and Date.parse of
 * each was most of this rule's time; only what the comparison picks is read as a date (a value of that
 * shape may still be no date: month 13).
 */
function written(value: string): boolean {
  return value.length === 24 && value.charCodeAt(23) === 90 && value.charCodeAt(19) === 46 && value.charCodeAt(10) === 84 && value.charCodeAt(4) === 45 && value.charCodeAt(13) === 58;
}

/** The latest stamp (ms) of the base versions, over the tags STAMPED names; -Infinity for none. */
export function latestStamp(type: FileType, bases: ReadonlyArray<readonly Entry[]>): number {
  let text = '';
  let latest = -Infinity;
  for (const entries of bases) {
    eachStamp(type, entries, (stamp) => {
      if (written(stamp)) {
        if (stamp > text) text = stamp;
        return;
      }
      const ms = parseStamp(stamp);
      if (ms !== undefined && ms > latest) latest = ms;
    });
  }
  if (text === '') return latest;
  const ms = parseStamp(text);
  if (ms !== undefined) return Math.max(ms, latest);
  // The latest by text is no date: read them all as dates.
  for (const entries of bases) {
    eachStamp(type, entries, (stamp) => {
      const ms = parseStamp(stamp);
      if (ms !== undefined && ms > latest) latest = ms;
    });
  }
  return latest;
}

/**
 * Stamps of `entries` more than MAX_CLOCK_OFFSET_MS ahead of `time`, the time of the commit, that the
 * commit brings. A stamp the base already had is not this commit's doing; nor is one at most the bound
 * past the base's latest stamp (`latest`): a write that must come after a stamp already ahead (a fact
 * superseding it, a task done after its dependency, an op's next record) is stamped 1 ms after it by
 * the writers, and the commit that makes it could not do otherwise. So a stamp is reported when it
 * lies beyond the bound of both the commit's time and everything the file held before. `latest` is
 * asked only for a stamp beyond the bound of the commit's time: in the usual commit there is none, and
 * the base's stamps are never read.
 */
export function checkStampsAhead(type: FileType, path: string, entries: readonly Entry[], latest: () => number, time: number): Finding[] {
  // A whole number of ms, as every reading of a clock: a stamp of the writers' shape after it is later.
  const bound = (ms: number): { limit: number; text: string } => ({ limit: ms + MAX_CLOCK_OFFSET_MS, text: formatStamp(Math.floor(ms + MAX_CLOCK_OFFSET_MS)) });
  const ofTime = bound(time);
  let ofFile: { limit: number; text: string } | undefined;
  const findings: Finding[] = [];
  eachStamp(type, entries, (stamp, entry, index, tag) => {
    if (written(stamp) && stamp <= ofTime.text) return;
    const ms = parseStamp(stamp);
    // An unreadable stamp is malformed-entry's.
    if (ms === undefined || ms <= ofTime.limit) return;
    ofFile ??= bound(Math.max(time, latest()));
    if (ms <= ofFile.limit) return;
    const s: Stamped = { entry, index, tag, stamp };
    const line = s.entry.line + s.index + 1;
    const { of, restamp } = named(type, s, line);
    findings.push({
      path,
      line,
      column: s.tag.start + 1,
      rule: 'stamp-ahead',
      message: `the stamp ${s.stamp} of ${of} is ${formatAhead(ms - time)} ahead of ${formatStamp(time)}, the time of the commit: more than the ${MAX_CLOCK_OFFSET} a clock may be off, so the clock that wrote it is wrong (or the stamp was mistyped)`,
      hint: `fix the machine's clock and restamp: ${restamp} (in a commit already made: amend it, or git rebase -i, before it lands)`,
    });
  });
  return findings;
}

/** What the stamp belongs to, for the message, and how to write it again, for the hint. */
function named(type: FileType, s: Stamped, line: number): { of: string; restamp: string } {
  const value = (key: string): string => tagValue(s.entry, key)?.trim() ?? '?';
  const byHand = (what: string): string => `correct [${s.tag.key}:…] on line ${line} by hand to ${what}`;
  if (type === 'heartbeat') {
    const agent = value('agent');
    return { of: `the heartbeat of ${agent}`, restamp: `git strata heartbeat --agent ${agent} writes the time of the machine, or ${byHand('when it beat')}` };
  }
  if (type === 'facts') {
    const [entity, attr] = [value('entity'), value('attr')];
    return {
      of: `the fact ${entity}.${attr}`,
      restamp: `delete the line (it is new: that removes no fact) and run git strata fact set ${entity} ${attr} <value> again, or ${byHand('when it was learned')}`,
    };
  }
  if (type === 'ops') return { of: `op ${value('op')}`, restamp: byHand('when it was requested') };
  if (type === 'ledger') return { of: `the ${value('state')} record of op ${value('op')}`, restamp: byHand('when it was recorded') };
  const task = tagValue(s.entry, 'seq') !== undefined ? `seq ${value('seq')}` : `the entry at line ${s.entry.line + 1}`;
  if (s.index > 0) return { of: `a checkpoint of ${task}`, restamp: byHand('when the checkpoint was written') };
  if (s.tag.key === 'claim') {
    const agent = s.tag.value.slice(0, s.tag.value.lastIndexOf('@')).trim();
    return { of: `the claim of ${agent} on ${task}`, restamp: byHand(`when ${agent} claimed it`) };
  }
  if (s.tag.key === 'done') return { of: `[done:…] on ${task}`, restamp: byHand('when it was done') };
  return { of: `[at:…] on ${task}`, restamp: byHand('when it was added') };
}

/** The stamp a stamp-ahead finding names: how a merge tells one a parent already had (mergeFindings). */
export function stampAheadOf(finding: Finding): string | undefined {
  return finding.rule === 'stamp-ahead' ? /^the stamp (\S+) /.exec(finding.message)?.[1] : undefined;
}
