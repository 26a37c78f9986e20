// Pure planning of `git strata resolve`: read the three versions back out of a file with conflict
// markers, and check that a merge of them kept every entry either side added.
import { entriesOf, lineBody, parseDoc, splitLines, tagValue } from './entries/scan.js';
import { facts } from './crdt/facts.js';
import { heartbeat } from './crdt/heartbeat.js';
import type { Entry } from './entries/scan.js';
import { findConflictMarkers, inFencedCode } from './check/markers.js';
import { hasConflict, hasConflictMarkers } from './merge/file.js';

export interface Sides {
  /** diff3/zdiff3: the common lines plus each region's base section. merge style: the common lines
   * only (inside a region the base is unknown, so both sides' lines count as insertions). */
  readonly base: string;
  readonly ours: string;
  readonly theirs: string;
  readonly regions: number;
  /** Whether every region carried a base section (`|||||||`). */
  readonly diff3: boolean;
  /** The labels of the first region's markers, for a re-merge that still conflicts. */
  readonly labels: readonly [string, string, string];
}

type Section = 'common' | 'ours' | 'base' | 'theirs';

function marker(line: string, char: string, size: number): string | undefined {
  const body = lineBody(line);
  if (!body.startsWith(char.repeat(size))) return undefined;
  const rest = body.slice(size);
  if (rest === '') return '';
  return rest.startsWith(' ') ? rest.slice(1) : undefined;
}

function openingSize(line: string): number | undefined {
  const m = /^(<{7,})(?: |$)/.exec(lineBody(line));
  return m ? m[1]!.length : undefined;
}

/**
 * The three versions written into `text` by a line merge (`merge`, `diff3` or `zdiff3` style), or null
 * when the text has no conflict region or its markers do not nest the way git writes them. `samples`
 * maps the first line of each region that is content (see `conflictSamples`) to its last line.
 */
export function splitConflicts(text: string, samples: ReadonlyMap<number, number> = new Map()): Sides | null {
  let base = '';
  let ours = '';
  let theirs = '';
  let section: Section = 'common';
  let size = 0;
  let regions = 0;
  let withBase = 0;
  let labels: [string, string, string] | undefined;
  let regionLabels: [string, string, string] = ['ours', 'base', 'theirs'];
  let sampleEnd = 0;
  let number = 0;
  for (const line of splitLines(text)) {
    number++;
    if (section === 'common') {
      // A conflict a Markdown document shows in a code block is content, up to its closing marker.
      sampleEnd = Math.max(sampleEnd, samples.get(number) ?? 0);
      const open = number <= sampleEnd ? undefined : openingSize(line);
      if (open !== undefined) {
        size = open;
        section = 'ours';
        regions++;
        regionLabels = [marker(line, '<', size) || 'ours', 'base', 'theirs'];
        continue;
      }
      base += line;
      ours += line;
      theirs += line;
      continue;
    }
    const nested = openingSize(line);
    if (nested === size) return null;
    if (section === 'ours') {
      const b = marker(line, '|', size);
      if (b !== undefined) {
        regionLabels[1] = b || 'base';
        section = 'base';
        withBase++;
        continue;
      }
    }
    if ((section === 'ours' || section === 'base') && lineBody(line) === '='.repeat(size)) {
      section = 'theirs';
      continue;
    }
    if (section === 'theirs') {
      const close = marker(line, '>', size);
      if (close !== undefined) {
        regionLabels[2] = close || 'theirs';
        labels ??= regionLabels;
        section = 'common';
        continue;
      }
    }
    if (marker(line, '|', size) !== undefined || marker(line, '>', size) !== undefined || lineBody(line) === '='.repeat(size)) return null;
    if (section === 'ours') ours += line;
    else if (section === 'base') base += line;
    else theirs += line;
  }
  if (section !== 'common' || regions === 0) return null;
  return { base, ours, theirs, regions, diff3: withBase === regions, labels: labels ?? ['ours', 'base', 'theirs'] };
}

/**
 * A side read back out of conflict markers, ending as its version (`staged`, an index stage) does. git
 * gives every line of a region a line ending, the last line of a side that had none included (and so
 * does strata's own merge): where the side still ends with the staged version's last line, the final
 * line ending is the markers', not the side's.
 */
export function endingAsStaged(side: string, staged: string): string {
  if (staged === '' || staged.endsWith('\n')) return side;
  const eol = /\r?\n$/.exec(side)?.[0];
  if (eol === undefined) return side;
  const body = side.slice(0, -eol.length);
  const lastLine = (text: string): string => text.slice(text.lastIndexOf('\n') + 1);
  return lastLine(body) === lastLine(staged) ? body : side;
}

/**
 * In a Markdown file, the whole conflicts shown inside fenced code blocks (a document about git), by
 * first line → last line (1-based); none in a typed file, where any marker is a conflict.
 */
export function conflictSamples(text: string, type: string): Map<number, number> {
  if (type !== 'markdown') return new Map();
  const regions = findConflictMarkers(text);
  return new Map([...inFencedCode(text, regions)].map((r) => [r.line, r.end!]));
}

export { hasConflict, hasConflictMarkers };

/** Identities that must survive a merge, per type: ids for the queue (seqs may be renumbered). */
const IDENTITY: Readonly<Record<string, (entry: Entry) => string | undefined>> = {
  queue: (entry) => tagValue(entry, 'id')?.trim() || undefined,
  heartbeat: (entry) => (tagValue(entry, 'agent') !== undefined ? heartbeat.identity(entry) : undefined),
  facts: (entry) => (tagValue(entry, 'entity') !== undefined ? facts.identity(entry) : undefined),
};

function identities(type: string, text: string): Set<string> {
  const identify = IDENTITY[type];
  const out = new Set<string>();
  if (!identify) return out;
  for (const entry of entriesOf(parseDoc(text))) {
    const id = identify(entry);
    if (id !== undefined) out.add(id);
  }
  return out;
}

/**
 * The entries a merge result lost: one that either side added, or one in the base that both sides
 * kept. (A base entry that one side removed may legitimately be gone.) Empty for untyped files.
 */
export function lostEntries(type: string, base: string, ours: string, theirs: string, merged: string): string[] {
  if (!IDENTITY[type]) return [];
  const [b, o, t, m] = [base, ours, theirs, merged].map((text) => identities(type, text)) as [Set<string>, Set<string>, Set<string>, Set<string>];
  const lost: string[] = [];
  for (const id of new Set([...o, ...t])) {
    const required = !b.has(id) || (o.has(id) && t.has(id));
    if (required && !m.has(id)) lost.push(id.replace(/\u001f/g, ' '));
  }
  return lost.sort();
}
