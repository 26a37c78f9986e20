import { type Entry, tagValue } from '../entries/scan.js';
import type { Finding } from './finding.js';
import { tagOf } from './tags.js';

/** duplicate-id for entry types whose identity is not the id (heartbeat, facts): ids still must be unique. */
export function duplicateIds(path: string, entries: readonly Entry[]): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map<string, Entry>();
  for (const entry of entries) {
    const id = tagValue(entry, 'id')?.trim();
    if (id === undefined || id === '') continue;
    const first = byId.get(id);
    if (!first) {
      byId.set(id, entry);
      continue;
    }
    const tag = tagOf(entry, 'id');
    findings.push({
      path,
      line: entry.line + 1,
      ...(tag ? { column: tag.start + 1 } : {}),
      rule: 'duplicate-id',
      message: `[id:${id}] is also the id of the entry at line ${first.line + 1}`,
      hint: 'ids are unique per file: give one of the entries a new id, or keep one entry if they are the same',
    });
  }
  return findings;
}
