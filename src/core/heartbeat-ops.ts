// Pure planning of `git strata heartbeat`, and the lease view of a heartbeat file that claims consult:
// an agent is alive while its heartbeat's `at + ttl` lies in the future (lease-based membership).
import { type Entry, entriesOf, entryBody, parseDoc, reparseEntry, tagValue } from './entries/scan.js';
import { parseDuration, parseStamp, stampOrder } from './clock.js';
import { StrataError } from './errors.js';
import { cleanTagValue, eolOf, insertLine, replaceEntry } from './text-edit.js';

export const DEFAULT_TTL = '10m';
export const DEFAULT_STATUS = 'alive';

export interface Lease {
  readonly agent: string;
  readonly at: string;
  readonly ttl: string;
  readonly status: string | undefined;
  readonly note: string;
  /** When the lease ends (ms since the epoch); undefined when `at` or `ttl` cannot be read. */
  readonly expires: number | undefined;
  /** 1-based line of the heartbeat in its file. */
  readonly line: number;
}

function leaseOf(entry: Entry): Lease | undefined {
  const agent = tagValue(entry, 'agent')?.trim();
  if (!agent) return undefined;
  const at = tagValue(entry, 'at')?.trim() ?? '';
  const ttl = tagValue(entry, 'ttl')?.trim() ?? DEFAULT_TTL;
  const start = parseStamp(at);
  const length = parseDuration(ttl);
  return {
    agent,
    at,
    ttl,
    status: tagValue(entry, 'status')?.trim(),
    note: entryBody(entry),
    expires: start !== undefined && length !== undefined ? start + length : undefined,
    line: entry.line + 1,
  };
}

/** Every agent's lease in a heartbeat file; of two lines for one agent, the later `at` counts. */
export function leases(text: string): Map<string, Lease> {
  const out = new Map<string, Lease>();
  for (const entry of entriesOf(parseDoc(text))) {
    const lease = leaseOf(entry);
    if (!lease) continue;
    const seen = out.get(lease.agent);
    if (!seen || stampOrder(lease.at) > stampOrder(seen.at)) out.set(lease.agent, lease);
  }
  return out;
}

export function isAlive(lease: Lease | undefined, nowMs: number): boolean {
  return lease?.expires !== undefined && lease.expires > nowMs;
}

export interface BeatInput {
  readonly agent: string;
  readonly stamp: string;
  /** Omitted: the agent's previous value, else `alive` / `10m` / no note. */
  readonly status?: string | undefined;
  readonly ttl?: string | undefined;
  readonly note?: string | undefined;
}

export interface BeatResult {
  readonly text: string;
  readonly created: boolean;
  readonly line: string;
}

const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * A ttl as given: a bare number is refused, because the spec writes a ttl with its unit (`10m`) and
 * `--ttl 5` reads as minutes to one person and seconds to another.
 */
function requireUnit(ttl: string): string {
  if (BARE_NUMBER.test(ttl)) throw new StrataError('USAGE', `ttl '${ttl}' has no unit`, `write ${ttl}s for seconds or ${ttl}m for minutes (a ttl is a duration such as 30s, 10m, 1h or 2d)`);
  return ttl;
}

/** A ttl kept from the previous line: a hand-written bare number has always been read as seconds, and is written so. */
function secondsIfBare(ttl: string): string {
  return BARE_NUMBER.test(ttl) ? `${ttl}s` : ttl;
}

/** Replaces the agent's heartbeat line (keeping its indentation, marker and sub-lines) or appends one. */
export function beat(text: string, input: BeatInput): BeatResult {
  const agent = cleanTagValue(input.agent);
  if (!agent) throw new StrataError('USAGE', `invalid agent name '${input.agent}'`, 'an agent name is non-empty and has no ] or line break');
  const doc = parseDoc(text);
  const mine = entriesOf(doc).filter((e) => tagValue(e, 'agent')?.trim() === agent);
  // The line that wins the LWW comparison is the one to replace.
  const current = mine.reduce<Entry | undefined>((best, e) => (!best || stampOrder(tagValue(e, 'at') ?? '') > stampOrder(tagValue(best, 'at') ?? '') ? e : best), undefined);
  const previous = current ? leaseOf(current) : undefined;

  const status = input.status !== undefined ? cleanTagValue(input.status) : (previous?.status ?? DEFAULT_STATUS);
  if (!status) throw new StrataError('USAGE', `invalid status '${input.status}'`, 'a status is one word or phrase without ] or a line break');
  const ttl = input.ttl !== undefined ? requireUnit(input.ttl.trim()) : secondsIfBare(previous?.ttl ?? DEFAULT_TTL);
  const length = parseDuration(ttl);
  if (length === undefined) {
    const kept = input.ttl === undefined ? ` (kept from the previous heartbeat of ${agent})` : '';
    throw new StrataError('USAGE', `invalid ttl '${ttl}'${kept}`, `${kept ? 'pass --ttl with ' : 'write '}a duration such as 30s, 10m, 1h or 2d`);
  }
  // A zero lease ends when it starts: the agent would never be alive (and its claims never hold).
  if (length <= 0) throw new StrataError('USAGE', `a ttl of '${ttl}' is never alive`, 'write a duration above zero, such as 30s, 10m or 1h');
  const note = input.note !== undefined ? input.note.trim() : (previous?.note ?? '');
  if (/[\r\n]/.test(note)) throw new StrataError('USAGE', 'a heartbeat note is one line', 'drop the line breaks from the note');
  if (parseStamp(input.stamp) === undefined) throw new StrataError('BAD_INPUT', `invalid stamp '${input.stamp}'`);

  const body = `[agent:${agent}] [at:${input.stamp}] [status:${status}] [ttl:${ttl}]${note ? ` ${note}` : ''}`;
  const eol = eolOf(text);
  if (!current) {
    const after = entriesOf(doc).filter((e) => tagValue(e, 'agent') !== undefined).pop();
    const line = `- ${body}`;
    return { text: insertLine(doc, after, line, eol), created: true, line };
  }
  const first = current.lines[0]!;
  const head = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX-]\][ \t]*)?/.exec(first)![0];
  const ending = first.endsWith('\r\n') ? '\r\n' : first.endsWith('\n') ? '\n' : current.lines.length > 1 ? eol : '';
  const next = reparseEntry([head + body + ending, ...current.lines.slice(1)].join(''), current.line);
  if (!next) throw new StrataError('BAD_INPUT', `the note turns the heartbeat of ${agent} into something that is not an entry`);
  return { text: replaceEntry(doc, current, next), created: false, line: head + body };
}
