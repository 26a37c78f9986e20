// heartbeat rules: readable stamps and durations; against the base, no agent's `at` goes back in time
// (an LWW-map whose clock runs backwards loses the newer beat at the next merge).
import { MAX_CLOCK_OFFSET, beyondBound, parseStamp } from '../clock.js';
import { type Entry, tagValue } from '../entries/scan.js';
import type { Finding } from './finding.js';
import { duplicateIds } from './ids.js';
import { HEARTBEAT_TAGS, checkTagValues, malformed, tagOf } from './tags.js';

export function checkHeartbeat(path: string, entries: readonly Entry[]): Finding[] {
  const findings: Finding[] = [];
  for (const entry of entries) {
    checkTagValues(path, entry, HEARTBEAT_TAGS, findings);
    if (tagValue(entry, 'at') !== undefined && tagValue(entry, 'agent') === undefined) {
      findings.push(malformed(path, entry, undefined, 'heartbeat entry has an [at:…] but no [agent:…]', `add [agent:name] on line ${entry.line + 1}: a heartbeat belongs to one agent`));
    }
    if (tagValue(entry, 'agent') !== undefined && tagValue(entry, 'at') === undefined) {
      findings.push(malformed(path, entry, undefined, 'heartbeat entry has an [agent:…] but no [at:…]', `add [at:<UTC time>] on line ${entry.line + 1} (git strata heartbeat writes both)`));
    }
  }
  findings.push(...duplicateIds(path, entries));
  return findings;
}

/**
 * `time` is when the commit being checked was made (ms; undefined: not known). A base stamp more than
 * the clock bound ahead of it was no clock's honest reading (a machine a year ahead, a typo), and
 * moving it back corrects it. That loses no beat: a merge takes the corrected line over the base's
 * unchanged one, and loses it only to a beat of the same agent on the other side.
 */
export function checkHeartbeatAgainstBase(path: string, entries: readonly Entry[], baseEntries: readonly Entry[], time?: number): Finding[] {
  const byAgent = new Map<string, Entry>();
  for (const entry of entries) {
    const agent = tagValue(entry, 'agent')?.trim();
    if (agent !== undefined && !byAgent.has(agent)) byAgent.set(agent, entry);
  }
  const findings: Finding[] = [];
  for (const baseEntry of baseEntries) {
    const agent = tagValue(baseEntry, 'agent')?.trim();
    const entry = agent === undefined ? undefined : byAgent.get(agent);
    if (!entry) continue;
    const from = tagValue(baseEntry, 'at') ?? '';
    const to = tagValue(entry, 'at') ?? '';
    const fromMs = parseStamp(from);
    const toMs = parseStamp(to);
    if (fromMs === undefined || toMs === undefined || toMs >= fromMs) continue;
    if (time !== undefined && beyondBound(fromMs, time)) continue;
    const tag = tagOf(entry, 'at');
    findings.push({
      path,
      line: entry.line + 1,
      ...(tag ? { column: tag.start + 1 } : {}),
      rule: 'heartbeat-backwards',
      message: `the heartbeat of ${agent} went back in time: [at:${to.trim()}] is earlier than [at:${from.trim()}] at the base`,
      hint: `write a stamp later than ${from.trim()} ('git strata heartbeat' does); only a stamp more than ${MAX_CLOCK_OFFSET} ahead of the time of the commit, a wrong clock's, may be moved back`,
    });
  }
  return findings;
}
