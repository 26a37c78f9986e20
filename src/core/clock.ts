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
 * written as UTC east of Greenwich, an hour or more ahead): the hybrid logical clock does not follow it
 * (the bound of Kulkarni et al.'s HLC, CockroachDB's --max-offset), a heartbeat stamped so does not
 * count as a lease (queue-ops `standing`), and check lets a commit correct it.
 * Short against leases: a stamp within the bound, which the clock follows, lengthens a lease by at most
 * this much.
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

/** A stamp read from a file, with its 1-based line there when known (for messages). */
export interface Dated {
  readonly stamp: string;
  readonly line?: number;
}

/** The stamp to write, and the stamps beyond the bound the clock met. */
export interface Tick {
  readonly stamp: string;
  /** Stamps of the file beyond the bound, which the clock did not follow. */
  readonly ignored: readonly Dated[];
  /** Stamps beyond the bound it followed all the same, as the write must come after them. */
  readonly followed: readonly Dated[];
}

/**
 * The next stamp to write, by a hybrid logical clock with a bound: max(now, latest + 1 ms) over the
 * stamps `seen` in the file that lie at most MAX_CLOCK_OFFSET_MS ahead of now, and over the stamps
 * `after`, whatever they say. A stamp beyond the bound was written by a wrong clock (or this one is
 * wrong); followed, one typo would carry every later stamp of every writer a year ahead with it, and
 * with them every agent's lease. It is reported instead.
 *
 * `after` are the stamps this write must come after to mean anything: the value a fact supersedes, the
 * done stamps of a task's dependencies, an op's earlier records. Written before one of them, the write
 * would lose its comparison or break causal order, so such a stamp is followed even beyond the bound,
 * and reported: it drags only the writes that must come after it. A heartbeat has none: the agent's own
 * previous line is replaced, and check lets a stamp beyond the bound be moved back.
 *
 * Values that are not stamps are ignored, so a hand-written `[at:yesterday]` cannot stop the clock.
 */
export function tick(nowMs: number, seen: Iterable<Dated>, after: Iterable<Dated> = []): Tick {
  const now = Math.floor(nowMs);
  let next = now;
  const followed: Dated[] = [];
  const must = new Set<string>();
  for (const dated of after) {
    const ms = parseStamp(dated.stamp);
    if (ms === undefined) continue;
    must.add(`${dated.line ?? ''}\u001f${dated.stamp}`);
    if (beyondBound(ms, now)) followed.push(dated);
    if (ms + 1 > next) next = ms + 1;
  }
  const ignored: Dated[] = [];
  for (const dated of seen) {
    const ms = parseStamp(dated.stamp);
    if (ms === undefined) continue;
    if (beyondBound(ms, now)) {
      if (!must.has(`${dated.line ?? ''}\u001f${dated.stamp}`)) ignored.push(dated);
    } else if (ms + 1 > next) next = ms + 1;
  }
  return { stamp: formatStamp(next), ignored, followed };
}

/** `tick` over bare stamps, when no place needs naming: the stamp only. */
export function nextStamp(nowMs: number, latestStampsInFile: Iterable<string> = []): string {
  return tick(nowMs, [...latestStampsInFile].map((stamp) => ({ stamp }))).stamp;
}

/**
 * What a writer says about the stamps beyond the bound its clock met (empty when none): the one
 * furthest ahead, where it is, how many more there are, what the write did about it, and `fix`, what to
 * do. `why` says why a followed stamp had to be followed.
 */
export function clockNotes(file: string, t: Tick, nowMs: number, fix: string, why = 'it supersedes or follows that entry'): string[] {
  const ms = (d: Dated): number => parseStamp(d.stamp)!;
  const furthest = (list: readonly Dated[]): Dated[] => [...list].sort((a, b) => ms(b) - ms(a));
  const where = (d: Dated): string => (d.line !== undefined ? `${file}:${d.line}` : file);
  const what = (d: Dated, others: readonly Dated[]): string => {
    const lines = others.flatMap((o) => (o.line !== undefined ? [o.line] : []));
    const more = others.length === 0 ? '' : ` (and ${others.length} more that far ahead${lines.length > 0 ? `, on line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', …' : ''}` : ''})`;
    return `${where(d)}: the stamp ${d.stamp} is ${formatAhead(ms(d) - nowMs)} ahead of ${formatStamp(nowMs)}, the time here${more}, more than the ${MAX_CLOCK_OFFSET} a clock may be off: the clock that wrote it is wrong, or this one is`;
  };
  const notes: string[] = [];
  const [first, ...rest] = furthest(t.ignored);
  if (first) notes.push(`${what(first, rest)}; not followed: this write is stamped ${t.stamp}; ${fix}`);
  const [must, ...others] = furthest(t.followed);
  if (must) notes.push(`${what(must, others)}; this write must come after it (${why}), so it is stamped ${t.stamp} all the same; ${fix}`);
  return notes;
}

/** How far ahead a time is, coarsely, for messages: `40 minutes`, `5 hours`, `364 days`. */
export function formatAhead(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(ms / 86_400_000)} days`;
}

/** The tags whose value is a clock's reading (check's stamp-ahead reads the same). */
const CLOCK_TAGS: ReadonlySet<string> = new Set(['at', 'done', 'claim']);

/**
 * The stamps a typed file carries in its tags (`[at:…]`, `[done:…]`, `[claim:agent@…]`, on the first
 * line of an entry or in its checkpoint log), with their lines. Dates in free text are not stamps: a
 * note that mentions 2030 must not move the clock; nor are dates in other tags (`[due:…]`, a lease).
 */
export function stampsAt(text: string): Dated[] {
  const stamps: Dated[] = [];
  for (const block of parseDoc(text).blocks) {
    if (block.kind !== 'entry') continue;
    block.lines.forEach((line, i) => {
      for (const tag of readTags(lineBody(line))) {
        if (!CLOCK_TAGS.has(tag.key)) continue;
        const m = STAMP_IN_VALUE.exec(tag.value.trim());
        if (m) stamps.push({ stamp: m[1]!, line: block.line + i + 1 });
      }
    });
  }
  return stamps;
}

/** The stamps of `stampsAt`, without their lines. */
export function stampsIn(text: string): string[] {
  return stampsAt(text).map((d) => d.stamp);
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
