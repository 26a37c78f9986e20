// The entry scanner reads a list item's head by hand (scan.ts listItemHead): it runs on every line of a
// file, and the regular expression it replaced made an array and five strings per line. The expression
// stays as the specification; here the two read every generated line alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listItemHeadByExpression, listItemHead } from '../../src/core/entries/scan.js';

// The characters a list item's head is made of, and a few that are not.
const piece = fc.constantFrom(' ', '  ', '\t', '-', '*', '+', '1', '9', '0', '.', ')', '[', ']', ' [ ] ', '[x]', '[X]', '[-]', '[y]', 'x', 'a', '\r', '\n', '\r\n', '#', '`', '·', '12345678', '1234567890');
const line = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));

describe('listItemHead', () => {
  it('reads what LIST_ITEM reads, on any line made of list syntax', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(listItemHead(l)).toEqual(listItemHeadByExpression(l));
      }),
      { numRuns: 20000 },
    );
  });

  it('reads the usual heads', () => {
    for (const l of ['- [ ] [seq:1] a\n', '  * [x] b', '10. [-]\n', '1) c\r\n', '- [ ]', '- [ ]\r', '-[ ] no', '- [x]no\n', '1234567890. too long\n', '\t+ \t[X]\tz', '']) {
      expect(listItemHead(l), JSON.stringify(l)).toEqual(listItemHeadByExpression(l));
    }
  });
});
