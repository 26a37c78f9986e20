// Pure planning of `git strata fact set|get`. Facts supersede, never delete: a new fact is appended and
// the older facts of the same (entity, attribute) are marked `[superseded:yes]` (as the merge does).
import { type Entry, entriesOf, parseDoc, readTags, tagValue, withTag } from './entries/scan.js';
import { SUPERSEDED_TAG, type Fact, factOf, isSuperseded, rank } from './crdt/facts.js';
import { type Dated, parseStamp } from './clock.js';
import { StrataError } from './errors.js';
import { cleanTagValue, eolOf, insertLine } from './text-edit.js';

function isFact(entry: Entry): boolean {
  return tagValue(entry, 'entity') !== undefined && tagValue(entry, 'attr') !== undefined;
}

export interface FactInput {
  readonly entity: string;
  readonly attr: string;
  readonly value: string;
  readonly agent: string;
  readonly stamp: string;
}

export interface SetResult {
  readonly text: string;
  readonly line: string;
  /** How many older facts of the slot this one superseded (newly marked). */
  readonly superseded: number;
}

function required(value: string, what: string): string {
  const clean = cleanTagValue(value);
  if (!clean) throw new StrataError('USAGE', `invalid ${what} '${value}'`, `${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} is non-empty and has no ] or line break`);
  return clean;
}

export function setFact(text: string, input: FactInput): SetResult {
  const entity = required(input.entity, 'entity');
  const attr = required(input.attr, 'attribute');
  const agent = required(input.agent, 'agent name');
  const value = input.value.replace(/\s+/g, ' ').trim();
  if (value === '') throw new StrataError('USAGE', 'a fact needs a value', `git strata fact set ${entity} ${attr} VALUE`);
  if (readTags(value).length > 0) {
    throw new StrataError('USAGE', `the value '${value}' contains a [key:value] tag`, 'a value is free text; write brackets without a colon, or put it in backticks');
  }
  if (parseStamp(input.stamp) === undefined) throw new StrataError('BAD_INPUT', `invalid stamp '${input.stamp}'`);

  const line = `- [entity:${entity}] [attr:${attr}] [at:${input.stamp}] [agent:${agent}] ${value}`;
  const doc = parseDoc(text);
  const all = entriesOf(doc);
  const last = all.filter(isFact).pop();
  let next = insertLine(doc, last, line, eolOf(text));

  // Mark the slot's older facts, against the file with the new fact in it.
  const after = parseDoc(next);
  const slot = entriesOf(after).filter((e) => isFact(e) && factOf(e).entity === entity && factOf(e).attr === attr);
  const best = slot.reduce((max, e) => (rank(factOf(e)) > max ? rank(factOf(e)) : max), '');
  let superseded = 0;
  const blocks = after.blocks.map((block) => {
    if (block.kind !== 'entry' || !slot.includes(block) || isSuperseded(block) || rank(factOf(block)) === best) return block;
    superseded++;
    return withTag(block, SUPERSEDED_TAG, 'yes');
  });
  next = blocks.map((b) => b.lines.join('')).join('');
  return { text: next, line, superseded };
}

/**
 * The stamps of the facts of (entity, attr), as `setFact` matches them: a new fact of the slot is
 * current only when stamped after them, even after one a wrong clock wrote far ahead.
 */
export function slotStamps(text: string, entity: string, attr: string): Dated[] {
  const e = cleanTagValue(entity);
  const a = cleanTagValue(attr);
  return entriesOf(parseDoc(text))
    .filter((entry) => isFact(entry) && factOf(entry).entity === e && factOf(entry).attr === a)
    .map((entry) => ({ stamp: factOf(entry).at.trim(), line: entry.line + 1 }));
}

/** The current value of each attribute of `entity` (or of one attribute), ordered by attribute. */
export function getFacts(text: string, entity: string, attr?: string): Fact[] {
  const current = new Map<string, Fact>();
  for (const entry of entriesOf(parseDoc(text))) {
    if (!isFact(entry)) continue;
    const fact = factOf(entry);
    if (fact.entity !== entity.trim() || (attr !== undefined && fact.attr !== attr.trim())) continue;
    const seen = current.get(fact.attr);
    if (!seen || rank(fact) > rank(seen)) current.set(fact.attr, fact);
  }
  return [...current.values()].sort((a, b) => (a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0));
}
