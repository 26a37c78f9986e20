import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CLOCK_OFFSET_MS, clockNotes, formatAhead, nextStamp, parseDuration, parseStamp, stampsAt, stampsIn, tick } from '../../src/core/clock.js';
import { ID_ALPHABET, ID_LENGTH, newId } from '../../src/core/ids.js';

const T = Date.parse('2026-11-27T10:00:00.000Z');

describe('hybrid logical clock', () => {
  it('writes the wall clock when the file holds nothing later', () => {
    expect(nextStamp(T, [])).toBe('2026-11-27T10:00:00.000Z');
    expect(nextStamp(T, ['2026-11-27T09:00:00.000Z'])).toBe('2026-11-27T10:00:00.000Z');
  });

  it('never writes earlier than the latest stamp in the file + 1 ms (a slow clock cannot lose)', () => {
    expect(nextStamp(T, ['2026-11-27T09:00:00.000Z', '2026-11-27T10:14:00.250Z'])).toBe('2026-11-27T10:14:00.251Z');
    expect(nextStamp(T, ['2026-11-27T10:00:00.000Z'])).toBe('2026-11-27T10:00:00.001Z');
    // Up to the bound, 15 minutes ahead of this clock, a stamp is a clock's honest reading: followed.
    expect(MAX_CLOCK_OFFSET_MS).toBe(15 * 60_000);
    expect(nextStamp(T, ['2026-11-27T10:15:00.000Z'])).toBe('2026-11-27T10:15:00.001Z');
  });

  it('does not follow a stamp more than 15 minutes ahead: one wrong clock must not carry every later stamp with it', () => {
    // A machine a year ahead (or a typo) wrote one stamp: the next writes keep to this clock.
    expect(nextStamp(T, ['2027-11-27T10:00:00.000Z', '2026-11-27T10:05:00.000Z'])).toBe('2026-11-27T10:05:00.001Z');
    expect(nextStamp(T, ['2026-11-27T10:15:00.001Z'])).toBe('2026-11-27T10:00:00.000Z');
    const t = tick(T, [{ stamp: '2027-11-27T10:00:00.000Z', line: 3 }, { stamp: '2026-11-27T11:00:00.000Z', line: 4 }, { stamp: '2026-11-27T10:01:00.000Z', line: 5 }]);
    expect(t).toEqual({ stamp: '2026-11-27T10:01:00.001Z', ignored: [{ stamp: '2027-11-27T10:00:00.000Z', line: 3 }, { stamp: '2026-11-27T11:00:00.000Z', line: 4 }], followed: [] });
  });

  it('follows a stamp beyond the bound that the write must come after, and says so', () => {
    // The current value of a fact, a dependency's done stamp: written before it, the write would lose.
    const seen = [{ stamp: '2027-11-27T10:00:00.000Z', line: 3 }, { stamp: '2028-01-01T00:00:00.000Z', line: 7 }];
    const t = tick(T, seen, [seen[0]!]);
    expect(t).toEqual({ stamp: '2027-11-27T10:00:00.001Z', ignored: [{ stamp: '2028-01-01T00:00:00.000Z', line: 7 }], followed: [seen[0]] });
    // Within the bound, `after` is followed like any stamp, and not worth a word.
    expect(tick(T, [], [{ stamp: '2026-11-27T10:05:00.000Z' }])).toEqual({ stamp: '2026-11-27T10:05:00.001Z', ignored: [], followed: [] });
  });

  it('says where a stamp beyond the bound is, how far ahead, what the write did and what to do', () => {
    const seen = [2, 5, 6].map((line, k) => ({ stamp: `2027-11-2${7 + k}T10:00:00.000Z`, line }));
    const ignored = tick(T, seen);
    expect(clockNotes('HEARTBEAT.md', ignored, T, 'fix the clock')).toEqual([
      'HEARTBEAT.md:6: the stamp 2027-11-29T10:00:00.000Z is 367 days ahead of 2026-11-27T10:00:00.000Z, the time here (and 2 more that far ahead, on lines 5, 2), ' +
        'more than the 15m a clock may be off: the clock that wrote it is wrong, or this one is; not followed: this write is stamped 2026-11-27T10:00:00.000Z; fix the clock',
    ]);
    const followed = tick(T, seen.slice(0, 1), seen.slice(0, 1));
    expect(clockNotes('MEMORY.md', followed, T, 'fix the clock', 'it supersedes it')).toEqual([
      'MEMORY.md:2: the stamp 2027-11-27T10:00:00.000Z is 365 days ahead of 2026-11-27T10:00:00.000Z, the time here, more than the 15m a clock may be off: ' +
        'the clock that wrote it is wrong, or this one is; this write must come after it (it supersedes it), so it is stamped 2027-11-27T10:00:00.001Z all the same; fix the clock',
    ]);
    expect(clockNotes('QUEUE.md', tick(T, [{ stamp: '2026-11-27T10:10:00.000Z', line: 1 }]), T, 'fix')).toEqual([]);
    expect([16 * 60_000, 3 * 3_600_000, 400 * 86_400_000].map(formatAhead)).toEqual(['16 minutes', '3 hours', '400 days']);
  });

  it('ignores values that are not stamps', () => {
    expect(nextStamp(T, ['yesterday', '2099-01-01', ''])).toBe('2026-11-27T10:00:00.000Z');
  });

  it('is strictly monotonic over its own output, whatever a clock within the bound does', () => {
    // Clocks up to 7½ minutes either way are never more than the bound apart.
    const drift = MAX_CLOCK_OFFSET_MS / 2 - 1000;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -drift, max: drift }), { minLength: 1, maxLength: 30 }), (drifts) => {
        const written: string[] = [];
        for (const drift of drifts) written.push(nextStamp(T + drift, written));
        for (let i = 1; i < written.length; i++) expect(written[i]! > written[i - 1]!).toBe(true);
      }),
    );
  });

  it('reads stamps from tags only, including claims and checkpoint logs, never from free text', () => {
    const text = [
      '# Queue',
      '',
      'Deadline: 2099-01-01T00:00:00.000Z (prose, not a stamp)',
      '- [ ] [seq:1] [id:aaaaaaaaaa] [claim:deploy@2026-11-27T10:02:11.000Z] ship it by 2098-01-01T00:00:00.000Z',
      '  - [at:2026-11-27T10:05:00.000Z] checkpoint',
      '- [x] [seq:2] [id:bbbbbbbbbb] [done:2026-11-27T09:58:00.000Z] done',
      // A date in a tag of the team's own is not the clock's either: a due date ten minutes ahead would
      // otherwise stamp every later write ten minutes ahead.
      '- [ ] [seq:3] [id:cccccccccc] [due:2026-11-27T10:15:00.000Z] [lease:2026-11-27T10:14:00.000Z] later',
      '',
    ].join('\n');
    expect(stampsIn(text).sort()).toEqual(['2026-11-27T09:58:00.000Z', '2026-11-27T10:02:11.000Z', '2026-11-27T10:05:00.000Z']);
    // With their lines, for the messages that name a stamp beyond the bound.
    expect(stampsAt(text)).toEqual([
      { stamp: '2026-11-27T10:02:11.000Z', line: 4 },
      { stamp: '2026-11-27T10:05:00.000Z', line: 5 },
      { stamp: '2026-11-27T09:58:00.000Z', line: 6 },
    ]);
  });

  it('parses stamps and durations', () => {
    expect(parseStamp('2026-11-27T10:00:00.000Z')).toBe(T);
    expect(parseStamp('2026-11-27T10:00:00Z')).toBe(T);
    expect(parseStamp('2026-11-27 10:00')).toBeUndefined();
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

/** A deterministic random source: a counter run through a 32-bit mixer. */
function seeded(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      out[i] = (z ^ (z >>> 16)) & 0xff;
    }
    return out;
  };
}

describe('ids', () => {
  it('are 10 characters of lowercase base32 (50 bits)', () => {
    const id = newId(seeded(1));
    expect(id).toHaveLength(ID_LENGTH);
    expect(ID_ALPHABET).toHaveLength(32);
    expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{10}$/);
    expect(ID_LENGTH * Math.log2(ID_ALPHABET.length)).toBeGreaterThanOrEqual(48);
  });

  it('come from the injected random source: the same bytes give the same id', () => {
    expect(newId(seeded(7))).toBe(newId(seeded(7)));
    expect(newId(() => new Uint8Array(7))).toBe('0000000000');
    expect(newId(() => new Uint8Array(7).fill(255))).toBe('zzzzzzzzzz');
  });

  it('skip ids that are taken', () => {
    const source = seeded(3);
    const first = newId(seeded(3));
    expect(newId(source, new Set([first]))).not.toBe(first);
  });

  it('do not collide in practice', () => {
    const source = seeded(42);
    const ids = new Set(Array.from({ length: 20_000 }, () => newId(source)));
    expect(ids.size).toBe(20_000);
  });

  it('refuse a random source that returns too few bytes', () => {
    expect(() => newId(() => new Uint8Array(3))).toThrow(/too few bytes/);
  });
});
