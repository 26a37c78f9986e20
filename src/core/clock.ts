// A hybrid logical clock for the stamps commands write: never earlier than the latest stamp the file
// already holds (+1 ms), so an agent whose clock runs slow cannot write a stamp that loses to an older
// one in an LWW comparison. Stamps are UTC ISO-8601 with milliseconds, which compare as strings.
import { lineBody, parseDoc, readTags } from './entries/scan.js';

/** A UTC ISO-8601 stamp with milliseconds, as every command writes it. */
export const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** A stamp inside a tag value: whole (`[at:…]`) or after an `@` (`[claim:agent@…]`). */
const STAMP_IN_VALUE = /(?:^|@)(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)$/;

/**
 * How far ahead of this machine's clock a stamp may lie and still be taken for a clock's honest
 * reading: 15 minutes. Clocks synchronised by NTP agree within a second, and strata's own torture runs
 * agents up to ±5 minutes apart (10 between two of them), so honest skew stays well inside it. A stamp
 * beyond it comes from a wrong clock (a machine a year ahead, a hand edit with a typo, a local time
 * written as UTC east of Greenwich, an hour or more ahead), and check lets a commit correct it.
 */
export const MAX_CLOCK_OFFSET_MS = 15 * 60_000;
/** MAX_CLOCK_OFFSET_MS as messages write it. */
export const MAX_CLOCK_OFFSET = '15m';

/** Whether a stamp (ms) lies beyond the bound ahead of a clock reading `nowMs`: a wrong clock wrote it, or reads it. */
export function beyondBound(stampMs: number, nowMs: number): boolean {
  return stampMs > nowMs + MAX_CLOCK_OFFSET_MS;
}

export function formatStamp(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A stamp as text that sorts by time: the fraction padded to nine digits. Stamps of one shape compare
 * as strings, but every shape STAMP accepts does not: as text '10:00:05Z' sorts after '10:00:05.500Z'
 * ('Z' after '.'), and '.1Z' after '.123Z'. A value that is no stamp is returned as written.
 */
export function stampOrder(value: string): string {
  const stamp = value.trim();
  if (!STAMP.test(stamp)) return value;
  const dot = stamp.indexOf('.');
  const whole = dot === -1 ? stamp.slice(0, -1) : stamp.slice(0, dot);
  const fraction = dot === -1 ? '' : stamp.slice(dot + 1, -1);
  return `${whole}.${fraction.padEnd(9, '0')}Z`;
}

/** Milliseconds since the epoch of a stamp, or undefined when it is not one. */
export function parseStamp(stamp: string): number | undefined {
  if (!STAMP.test(stamp.trim())) return undefined;
  const ms = Date.parse(stamp.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The next stamp to write: max(now, latest + 1 ms) over the stamps given. Values that are not stamps
 * are ignored, so a hand-written `[at:yesterday]` cannot stop the clock.
 */
export function nextStamp(nowMs: number, latestStampsInFile: Iterable<string> = []): string {
  let next = Math.floor(nowMs);
  for (const stamp of latestStampsInFile) {
    const ms = parseStamp(stamp);
    if (ms !== undefined && ms + 1 > next) next = ms + 1;
  }
  return formatStamp(next);
}

/**
 * The stamps a typed file carries in its tags (`[at:…]`, `[done:…]`, `[claim:agent@…]`, on the first
 * line of an entry or in its checkpoint log). Dates in free text are not stamps: a note that mentions
 * 2030 must not move the clock.
 */
export function stampsIn(text: string): string[] {
  const stamps: string[] = [];
  for (const block of parseDoc(text).blocks) {
    if (block.kind !== 'entry') continue;
    for (const line of block.lines) {
      for (const tag of readTags(lineBody(line))) {
        const m = STAMP_IN_VALUE.exec(tag.value.trim());
        if (m) stamps.push(m[1]!);
      }
    }
  }
  return stamps;
}

/**
 * `30s`, `10m`, `1h`, `2d` in milliseconds; undefined if unreadable. A plain number is read as seconds,
 * so what is already in files and config keeps its meaning; `heartbeat --ttl` refuses one.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
