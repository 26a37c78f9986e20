// heartbeat rules: readable stamps and durations; against the base, no agent's `at` goes back in time
// (an LWW-map whose clock runs backwards loses the newer beat at the next merge).
import { parseStamp } from '../clock.js';
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

export function checkHeartbeatAgainstBase(path: string, entries: readonly Entry[], baseEntries: readonly Entry[]): Finding[] {
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
    const tag = tagOf(entry, 'at');
    findings.push({
      path,
      line: entry.line + 1,
      ...(tag ? { column: tag.start + 1 } : {}),
      rule: 'heartbeat-backwards',
      message: `the heartbeat of ${agent} went back in time: [at:${to.trim()}] is earlier than [at:${from.trim()}] at the base`,
      hint: `write a stamp later than ${from.trim()} ('git strata heartbeat' never writes one earlier than the file's latest)`,
    });
  }
  return findings;
}
