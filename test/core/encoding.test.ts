import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, firstInvalidUtf8, unreadable } from '../../src/core/check/encoding.js';

describe('encoding of typed files', () => {
  it('firstInvalidUtf8 agrees with node on random bytes and on real text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary' }).map((s) => new Uint8Array(Buffer.from(s, 'utf8')))), (bytes) => {
        expect(firstInvalidUtf8(bytes) === -1).toBe(isUtf8(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('names the line of the first bad byte, not of a genuine U+FFFD before it', () => {
    const bytes = Buffer.concat([Buffer.from('- [ ] [seq:1] a \uFFFD\n\n- [ ] [seq:2] caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(unreadable('QUEUE.md', bytes)).toMatchObject({ line: 3, rule: 'malformed-entry' });
    expect(unreadable('QUEUE.md', Buffer.from('- [ ] [seq:1] a \uFFFD\n'))).toBeUndefined();
    expect(unreadable('QUEUE.md', Buffer.from('\uFEFF- [ ] [seq:1] a\n'))).toMatchObject({ line: 1, message: expect.stringContaining('byte order mark') });
  });

  it('reads bytes that are not UTF-8 as Latin-1, so a converted file equals its old version', () => {
    const latin = Buffer.from('caf\u00e9 na\u00efve', 'latin1');
    expect(decodeText(latin)).toBe(decodeText(Buffer.from(latin.toString('latin1'), 'utf8')));
  });
});
