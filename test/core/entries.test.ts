import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entriesOf, entryBody, parseDoc, renderDoc, tagValue, withTag } from '../../src/core/entries/scan.js';
import { ROOT } from '../helpers/git.js';

const FIXTURES = join(ROOT, 'test/fixtures/entries');
const fixtures = readdirSync(FIXTURES).map((name) => [name, readFileSync(join(FIXTURES, name), 'utf8')] as const);

describe('entry scanner', () => {
  it.each(fixtures)('round-trips %s byte for byte, also with CRLF and without a final newline', (_name, text) => {
    for (const variant of [text, text.replace(/\n/g, '\r\n'), text.replace(/\n$/, ''), `\uFEFF${text}`]) {
      expect(renderDoc(parseDoc(variant))).toBe(variant);
    }
  });

  it('finds entries, not look-alikes in fences, comments, tables, front matter or links', () => {
    const text = fixtures.find(([name]) => name === 'queue-mixed.md')![1];
    const entries = entriesOf(parseDoc(text));
    expect(entries.map((e) => tagValue(e, 'seq') ?? tagValue(e, 'agent'))).toEqual(['141', '142', '143', '140', 'nested']);
    const claimed = entries[2]!;
    expect(claimed.box).toBe(' ');
    expect(claimed.lines).toHaveLength(5); // two checkpoints, then a blank line and indented notes
    expect(tagValue(claimed, 'claim')).toBe('deploy@2026-11-27T10:02:11.000Z');
    expect(entries[0]!.box).toBe('x');
    expect(entries[3]!.box).toBe('-');
  });

  it('reads Dataview tags and masks inline code', () => {
    const text = fixtures.find(([name]) => name === 'memory-dataview.md')![1];
    const entries = entriesOf(parseDoc(text));
    expect(entries).toHaveLength(4);
    expect(tagValue(entries[3]!, 'entity')).toBe('backend');
    expect(entryBody(entries[2]!)).toBe('20 — see `[attr:x]` note');
    expect(entries[2]!.tags.map((t) => t.key)).toEqual(['entity', 'attr', 'at', 'agent']);
  });

  it('sets a tag in place or after the last tag, keeping the text', () => {
    const [entry] = entriesOf(parseDoc('- [ ] [seq:1] [id:abc] do it\n  - note\n'));
    const next = withTag(entry!, 'claim', 'x@2026-11-27T10:00:00.000Z');
    expect(next.lines.join('')).toBe('- [ ] [seq:1] [id:abc] [claim:x@2026-11-27T10:00:00.000Z] do it\n  - note\n');
    expect(withTag(next, 'seq', '7').lines[0]).toBe('- [ ] [seq:7] [id:abc] [claim:x@2026-11-27T10:00:00.000Z] do it\n');
  });

  it('round-trips any text (generated Markdown-ish lines, CRLF mixtures, emoji, junk)', () => {
    const line = fc.oneof(
      fc.constantFrom('- [agent:a] [at:2026-11-27T10:00:00.000Z] up', '- [ ] [seq:1] [id:x1] task', '  - [at:t] checkpoint', '```', '~~~~', '<!--', '-->', '---', '', '# Head', '| a | b |', '* [x] [seq:2] done 🎉', '    code', '1. [k:v] numbered'),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    const eol = fc.constantFrom('\n', '\r\n', '');
    const doc = fc.array(fc.tuple(line, eol), { maxLength: 40 }).map((parts) => parts.map(([l, e]) => l + e).join(''));
    fc.assert(fc.property(doc, (text) => renderDoc(parseDoc(text)) === text), { numRuns: 2000 });
  });
});
