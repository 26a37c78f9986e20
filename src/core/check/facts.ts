// facts rules: a fact names its entity, attribute and time; against the base, facts are never edited
// or removed — a new value is a new fact with a later [at:…] that supersedes the old one.
import { type Fact, factOf } from '../crdt/facts.js';
import { type Entry, tagValue } from '../entries/scan.js';
import type { Finding } from './finding.js';
import { duplicateIds } from './ids.js';
import { FACTS_TAGS, checkTagValues, malformed } from './tags.js';

/** An entry of a facts file is a fact when it carries any of the tuple's tags. */
function isFact(entry: Entry): boolean {
  return tagValue(entry, 'entity') !== undefined || tagValue(entry, 'attr') !== undefined || tagValue(entry, 'at') !== undefined;
}

export function checkFacts(path: string, entries: readonly Entry[]): Finding[] {
  const findings: Finding[] = [];
  for (const entry of entries) {
    if (!isFact(entry)) continue;
    checkTagValues(path, entry, FACTS_TAGS, findings);
    const missing = ['entity', 'attr', 'at'].filter((key) => tagValue(entry, key) === undefined);
    if (missing.length > 0) {
      findings.push(
        malformed(path, entry, undefined, `fact without ${missing.map((k) => `[${k}:…]`).join(' and ')}`,
          `a fact is [entity:…] [attr:…] [at:${'2026-11-27T10:00:00.000Z'}] [agent:…] value; add what is missing on line ${entry.line + 1} (or use 'git strata fact set')`),
      );
    }
  }
  findings.push(...duplicateIds(path, entries));
  return findings;
}

const SEP = '\u001f';
const tuple = (f: Fact): string => [f.entity, f.attr, f.at, f.agent, f.value].join(SEP);
const withoutValue = (f: Fact): string => [f.entity, f.attr, f.at, f.agent].join(SEP);
const withoutAt = (f: Fact): string => [f.entity, f.attr, f.agent, f.value].join(SEP);

export function checkFactsAgainstBase(path: string, entries: readonly Entry[], baseEntries: readonly Entry[], lineCount: number): Finding[] {
  const current = new Set<string>();
  const facts: { entry: Entry; fact: Fact }[] = [];
  for (const entry of entries) {
    if (!isFact(entry)) continue;
    const fact = factOf(entry);
    current.add(tuple(fact));
    facts.push({ entry, fact });
  }
  // Current facts that are not base facts are new, or the edited form of a base fact.
  const baseTuples = new Set(baseEntries.filter(isFact).map((e) => tuple(factOf(e))));
  const fresh = facts.filter((f) => !baseTuples.has(tuple(f.fact)));
  const used = new Set<Entry>();
  const findings: Finding[] = [];
  const name = (f: Fact): string => `${f.entity}.${f.attr}${f.agent ? ` by ${f.agent}` : ''}`;
  for (const baseEntry of baseEntries) {
    if (!isFact(baseEntry)) continue;
    const old = factOf(baseEntry);
    if (current.has(tuple(old))) continue;
    const edited =
      fresh.find((f) => !used.has(f.entry) && withoutValue(f.fact) === withoutValue(old)) ??
      fresh.find((f) => !used.has(f.entry) && withoutAt(f.fact) === withoutAt(old));
    if (edited) {
      used.add(edited.entry);
      const what = edited.fact.value !== old.value ? `its value from '${old.value}' to '${edited.fact.value}'` : `its [at:…] from ${old.at} to ${edited.fact.at}`;
      findings.push({
        path,
        line: edited.entry.line + 1,
        rule: 'fact-edited',
        message: `the fact ${name(old)} at ${old.at} was edited: it changed ${what}`,
        hint: `facts supersede, never change: put the old line back and add the new value as a new fact with a later [at:…] ('git strata fact set' does this)`,
      });
      continue;
    }
    findings.push({
      path,
      line: Math.max(1, Math.min(baseEntry.line + 1, lineCount)),
      rule: 'fact-removed',
      message: `the fact ${name(old)} at ${old.at} ('${old.value.slice(0, 60)}', line ${baseEntry.line + 1} at the base) was removed`,
      hint: 'put it back: facts are never deleted; a newer fact for the same entity and attribute supersedes it',
    });
  }
  return findings;
}
