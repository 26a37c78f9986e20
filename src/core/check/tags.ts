// malformed-entry: tag values that cannot be read, per file type. A value is checked only where the
// type gives the key a meaning; unknown tags are free text and always fine.
import { parseDuration, parseStamp } from '../clock.js';
import { WHOLE_NUMBER } from '../crdt/queue-entry.js';
import { type Entry, type Tag, lineBody, readTags } from '../entries/scan.js';
import type { Finding } from './finding.js';

/** Returns what is wrong with a value, or null. */
type Validator = (value: string) => string | null;

const STAMP_EXAMPLE = '2026-11-27T10:00:00.000Z';

const stamp: Validator = (value) =>
  parseStamp(value) === undefined ? `is not a UTC ISO-8601 time stamp like ${STAMP_EXAMPLE}` : null;

/**
 * Seqs are counted in doubles: past 2^53 two numbers read as one (a date-time seq like 20261128124010811
 * would be a duplicate of the next), so a larger one is malformed, not read rounded.
 */
const TOO_LARGE = `larger than ${Number.MAX_SAFE_INTEGER}, the largest number strata counts exactly`;

// (Regular expressions as constants: a literal in a function is a new object on every call, and the
// validators run for every tag of a 10k-entry file.)
const ONE_WORD = /^\S+$/;
/** Sixteen digits in a row: where a number may be past 2^53 (no shorter one is). */
const LONG_NUMBER = /\d{16}/;

const wholeNumber: Validator = (value) => {
  if (!WHOLE_NUMBER.test(value)) return 'is not a whole number';
  return Number.isSafeInteger(Number(value)) ? null : `is ${TOO_LARGE}`;
};

const SEQ_LIST = /^\s*(?:\d+\s*(?:,\s*\d+\s*)*)?$/;

const seqList: Validator = (value) => {
  if (!SEQ_LIST.test(value)) {
    const bad = value.split(',').filter((part) => !WHOLE_NUMBER.test(part));
    if (bad.length > 0) return `has ${bad.map((b) => `'${b.trim()}'`).join(', ')}, not a comma-separated list of seq numbers`;
  }
  // (A list of short numbers, as every real one is, has none too large: no split to find out.)
  if (!LONG_NUMBER.test(value)) return null;
  const huge = value.split(',').filter((part) => WHOLE_NUMBER.test(part) && !Number.isSafeInteger(Number(part)));
  return huge.length === 0 ? null : `has ${huge.map((b) => `'${b.trim()}'`).join(', ')}, ${TOO_LARGE}`;
};

const claim: Validator = (value) => {
  const at = value.lastIndexOf('@');
  if (at <= 0) return `is not agent@${STAMP_EXAMPLE}`;
  return parseStamp(value.slice(at + 1)) === undefined ? `has '${value.slice(at + 1)}' after the @, not a UTC ISO-8601 time stamp like ${STAMP_EXAMPLE}` : null;
};

const id: Validator = (value) => (ONE_WORD.test(value.trim()) ? null : 'is not an id (one word, e.g. k7q2m9xa4c)');

const duration: Validator = (value) => (parseDuration(value) === undefined ? 'is not a duration like 30s, 10m, 1h or 2d' : null);

const nonEmpty: Validator = (value) => (value.trim() === '' ? 'is empty' : null);

const UNTERMINATED = /^\[(?:[a-z][a-z0-9_-]*(?::|$)[^\]]*)?$/;

export interface TagRules {
  readonly values: Readonly<Record<string, Validator>>;
  /** Keys that may appear once per entry. */
  readonly single: ReadonlySet<string>;
}

export const QUEUE_TAGS: TagRules = {
  values: { seq: wholeNumber, was: wholeNumber, depends: seqList, done: stamp, claim, at: stamp, id, agent: nonEmpty },
  single: new Set(['seq', 'id', 'depends', 'agent', 'done', 'claim', 'was']),
};

export const HEARTBEAT_TAGS: TagRules = {
  values: { at: stamp, ttl: duration, agent: nonEmpty, id },
  single: new Set(['agent', 'at', 'ttl', 'id']),
};

export const FACTS_TAGS: TagRules = {
  values: { at: stamp, entity: nonEmpty, attr: nonEmpty, agent: nonEmpty, id },
  single: new Set(['entity', 'attr', 'at', 'agent', 'id']),
};

export function malformed(path: string, entry: Entry, tag: Tag | undefined, message: string, hint: string): Finding {
  return { path, line: entry.line + 1, ...(tag ? { column: tag.start + 1 } : {}), rule: 'malformed-entry', message, hint };
}

/** Bad values and repeated single tags on an entry's first line, and bad `[at:…]` in its log; into `out`. */
export function checkTagValues(path: string, entry: Entry, rules: TagRules, out: Finding[]): void {
  // Runs once per entry of 10k-entry files, cold: plain loops, no closure, no allocation unless
  // something is wrong.
  const lines = entry.lines;
  for (let i = 0; i < lines.length; i++) {
    // A tag opened and never closed, on the first line or in the log: what a write cut off mid-line
    // (a crash, a full disk) leaves.
    const line = lines[i]!;
    const open = line.lastIndexOf('[');
    if (open > line.lastIndexOf(']')) tornTag(path, entry, i, open, out);
    // Checkpoint log lines (`  - [at:…] …`) carry stamps too; they order the log.
    if (i > 0 && line.includes('[at')) badLogStamps(path, entry, i, out);
  }
  const tags = entry.tags;
  for (let k = 0; k < tags.length; k++) {
    const tag = tags[k]!;
    const validate = rules.values[tag.key];
    const problem = validate === undefined ? null : validate(tag.value);
    if (problem) {
      out.push(malformed(path, entry, tag, `[${tag.key}:${tag.value}] ${problem}`, `fix the value of [${tag.key}:…] on line ${entry.line + 1}`));
    }
    if (rules.single.has(tag.key) && repeats(tags, k)) {
      out.push(malformed(path, entry, tag, `the entry has more than one [${tag.key}:…] tag`, `keep one [${tag.key}:…] on line ${entry.line + 1} and delete the others`));
    }
  }
}

/** Whether a tag before the k-th has its key (an entry has a handful of tags: no set to make). */
function repeats(tags: readonly Tag[], k: number): boolean {
  for (let j = 0; j < k; j++) if (tags[j]!.key === tags[k]!.key) return true;
  return false;
}

function tornTag(path: string, entry: Entry, i: number, open: number, out: Finding[]): void {
  const torn = UNTERMINATED.exec(lineBody(entry.lines[i]!).slice(open));
  if (!torn) return;
  out.push({
    path,
    line: entry.line + i + 1,
    column: open + 1,
    rule: 'malformed-entry',
    message: `'${torn[0]}' on line ${entry.line + i + 1} is a tag that never closes: the line looks cut off`,
    hint: `finish the entry (close the tag with ]) or restore the file: git checkout -- ${path}`,
  });
}

function badLogStamps(path: string, entry: Entry, i: number, out: Finding[]): void {
  for (const tag of readTags(lineBody(entry.lines[i]!))) {
    if (tag.key !== 'at' || parseStamp(tag.value) !== undefined) continue;
    out.push({
      path,
      line: entry.line + i + 1,
      column: tag.start + 1,
      rule: 'malformed-entry',
      message: `[at:${tag.value}] in the log of the entry at line ${entry.line + 1} is not a UTC ISO-8601 time stamp like ${STAMP_EXAMPLE}`,
      hint: `fix the stamp on line ${entry.line + i + 1}`,
    });
  }
}

export function tagOf(entry: Entry, key: string): Tag | undefined {
  return entry.tags.find((t) => t.key === key);
}
