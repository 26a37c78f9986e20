import { describe, expect, it } from 'vitest';
import { diff3, mergeMarkdown, splitBlocks } from '../../src/core/merge/markdown.js';
import type { MergeOptions } from '../../src/core/result.js';
import { gitLineMerge } from '../helpers/git-line-merge.js';

const opts: MergeOptions = { markerSize: 7, lineMerge: gitLineMerge };
const merge = (base: string, ours: string, theirs: string, o: MergeOptions = opts) => mergeMarkdown(base, ours, theirs, o);
const lines = (...ls: string[]): string => ls.map((l) => l + '\n').join('');

/** Merges both ways round and checks that a clean result does not depend on the direction. */
function mergeBoth(base: string, ours: string, theirs: string) {
  const a = merge(base, ours, theirs);
  const b = merge(base, theirs, ours);
  if (a.conflicts === 0 || b.conflicts === 0) expect(b.text).toBe(a.text);
  return a;
}

describe('splitBlocks', () => {
  it('keeps every byte and makes each list item a block', () => {
    const text = '---\ntitle: x\n---\r\n\r\n# H\n\n- a\n  more\n- b\n  - c\n\n| a | b |\n|---|---|\n| 1 | 2 |\n<!-- 🎉 -->\nend';
    const blocks = splitBlocks(text);
    expect(blocks.map((b) => b.text).join('')).toBe(text);
    const items = blocks.filter((b) => b.kind === 'listItem').map((b) => b.text);
    expect(items).toEqual(['- a\n  more\n', '- b\n', '  - c\n']);
    expect(blocks.filter((b) => b.kind === 'tableRow')).toHaveLength(2);
  });

  it('treats list-like lines in a code fence as code', () => {
    const text = '```\n- not\n- items\n```\n';
    expect(splitBlocks(text).map((b) => b.kind)).toEqual(['code']);
  });
});

describe('diff3', () => {
  it('merges changes on different tokens and reports overlapping ones', () => {
    expect(diff3(['a', 'b', 'c', 'd'], ['A', 'b', 'c', 'd'], ['a', 'b', 'c', 'D'])).toEqual([
      { stable: true, tokens: ['A', 'b', 'c', 'D'] },
    ]);
    const [chunk] = diff3(['a'], ['b'], ['c']);
    expect(chunk).toEqual({ stable: false, base: ['a'], ours: ['b'], theirs: ['c'] });
  });
});

describe('mergeMarkdown', () => {
  it('returns the line merge unchanged where it is clean', () => {
    const base = lines('# T', '', 'one', '', 'two');
    const r = merge(base, base.replace('one', 'ONE'), base.replace('two', 'TWO'));
    expect(r).toEqual({ text: lines('# T', '', 'ONE', '', 'TWO'), conflicts: 0, method: 'line' });
  });

  it('keeps both appends to the same section, in the same order either way round', () => {
    const base = lines('## Notes', '', '- first', '', '## Next', '');
    const ours = lines('## Notes', '', '- first', '- zebra finding', '', '## Next', '');
    const theirs = lines('## Notes', '', '- first', '- apple finding', '', '## Next', '');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.method).toMatch(/^blocks/);
    expect(r.text).toBe(lines('## Notes', '', '- first', '- apple finding', '- zebra finding', '', '## Next', ''));
  });

  it('starts one list, not two, when both sides fill an empty section with items', () => {
    // Each side wrote its items followed by the blank line that separates them from the next heading.
    const base = lines('## Links', '', '## Next', '');
    const ours = lines('## Links', '', '* [Zig notes](z)', '', '## Next', '');
    const theirs = lines('## Links', '', '* [Build notes](b)', '* [Cargo notes](c)', '', '## Next', '');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('## Links', '', '* [Build notes](b)', '* [Cargo notes](c)', '* [Zig notes](z)', '', '## Next', ''));
  });

  it('puts insertions into a sorted list in their sorted places', () => {
    const base = lines('- [Alpha](a)', '- [Delta](d)', '- [Kilo](k)', '- [Zulu](z)');
    const ours = lines('- [Alpha](a)', '- [Echo](e)', '- [Delta](d)', '- [Kilo](k)', '- [Zulu](z)').replace(
      '- [Echo](e)\n- [Delta](d)\n',
      '- [Delta](d)\n- [Echo](e)\n',
    );
    const theirs = lines('- [Alpha](a)', '- [Delta](d)', '- [bravo](b)', '- [Kilo](k)', '- [Zulu](z)').replace(
      '- [Delta](d)\n- [bravo](b)\n',
      '- [bravo](b)\n- [Delta](d)\n',
    );
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('- [Alpha](a)', '- [bravo](b)', '- [Delta](d)', '- [Echo](e)', '- [Kilo](k)', '- [Zulu](z)'));
  });

  it('sorts two items inserted at the same place of a sorted list', () => {
    const base = lines('* apple', '* banana', '* cherry', '* zucchini');
    const ours = lines('* apple', '* banana', '* cherry', '* melon', '* zucchini');
    const theirs = lines('* apple', '* banana', '* cherry', '* Kiwi', '* zucchini');
    const r = mergeBoth(base, ours, theirs);
    expect(r.text).toBe(lines('* apple', '* banana', '* cherry', '* Kiwi', '* melon', '* zucchini'));
  });

  it('conflicts where one side rewrote a block and the other wrote directly against it', () => {
    // A template's placeholder filled in two ways: "none this week" on one side, an entry on the other.
    const base = lines('## Calls', '', '<!-- entries go here -->', '<!-- if none: *No calls this week.* -->', '', 'Send yours in.');
    const ours = lines('## Calls', '', '<!-- entries go here -->', '*No calls this week.*', '', 'Send yours in.');
    const theirs = lines('## Calls', '', '<!-- entries go here -->', '<!-- if none: *No calls this week.* -->', '* [Port the parser](p)', '', 'Send yours in.');
    expect(merge(base, ours, theirs).conflicts).toBeGreaterThan(0);
    expect(merge(base, theirs, ours).conflicts).toBeGreaterThan(0);
    // With a blank line between, the insertion stands apart from the rewritten block.
    const apart = lines('## Calls', '', '<!-- entries go here -->', '<!-- if none: *No calls this week.* -->', '', '* [Port the parser](p)', '', 'Send yours in.');
    const r = mergeBoth(base, ours, apart);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('## Calls', '', '<!-- entries go here -->', '*No calls this week.*', '', '* [Port the parser](p)', '', 'Send yours in.'));
  });

  it('sorts entries with their nested details into a sorted list, each entry keeping its own details', () => {
    // A calendar: each dated entry carries a nested line; the gap is after an entry's nested line.
    const base = lines('## Events', '', '- 2031-03-02 | Oslo', '  - Intro night', '- 2031-03-05 | Lima', '  - Hack day', '- 2031-03-09 | Kyiv', '  - Talks', '', '## Next');
    const ours = base.replace('  - Talks\n', '  - Talks\n- 2031-03-20 | Pune\n  - Workshop\n');
    const theirs = base.replace('  - Talks\n', '  - Talks\n- 2031-03-12 | Baku\n  - Meetup\n- 2031-03-28 | Rome\n  - Social\n');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(
      lines('## Events', '', '- 2031-03-02 | Oslo', '  - Intro night', '- 2031-03-05 | Lima', '  - Hack day', '- 2031-03-09 | Kyiv', '  - Talks',
        '- 2031-03-12 | Baku', '  - Meetup', '- 2031-03-20 | Pune', '  - Workshop', '- 2031-03-28 | Rome', '  - Social', '', '## Next'),
    );
  });

  it('keeps a nested item added under the entry above the gap first, before sorted siblings', () => {
    const base = lines('- apple', '  - red', '- banana', '- cherry', '- damson');
    const ours = lines('- apple', '  - red', '  - green', '- banana', '- cherry', '- damson');
    const theirs = lines('- apple', '  - red', '- apricot', '- banana', '- cherry', '- damson');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('- apple', '  - red', '  - green', '- apricot', '- banana', '- cherry', '- damson'));
  });

  it('writes an identical insertion once', () => {
    const base = lines('- a', '- b');
    const ours = lines('- a', '- x', '- y', '- b');
    const theirs = lines('- a', '- x', '- z', '- b');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text.match(/- x/g)).toHaveLength(1);
    expect(r.text).toContain('- y\n');
    expect(r.text).toContain('- z\n');
  });

  it('puts markers around the one paragraph edited both ways, and merges the rest', () => {
    const base = lines('# T', '', 'para one', '', '- a', '- b', '', 'para two');
    const ours = lines('# T', '', 'para ONE', '', '- a', '- b', '- c', '', 'para two');
    const theirs = lines('# T', '', 'para uno', '', '- a', '- b', '', 'para two', '', 'para three');
    const r = merge(base, ours, theirs);
    expect(r.method).toBe('blocks');
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe(
      lines('# T', '', '<<<<<<< ours', 'para ONE', '=======', 'para uno', '>>>>>>> theirs', '', '- a', '- b', '- c', '', 'para two', '', 'para three'),
    );
  });

  it('writes its conflicts in the style git is set to: diff3 and zdiff3 show the base', () => {
    // Both sides rewrote the paragraph's two lines, and agree on the second: zdiff3 (and the default
    // style) moves it out of the markers, diff3 shows the regions whole.
    const base = lines('# T', '', 'para one', 'old end', '', 'para two');
    const ours = lines('# T', '', 'para ONE', 'new end', '', 'para two', '', 'ours added');
    const theirs = lines('# T', '', 'para uno', 'new end', '', 'para two');
    const asked: string[] = [];
    const styled = (style: 'merge' | 'diff3' | 'zdiff3') => merge(base, ours, theirs, { ...opts, conflictStyle: () => (asked.push(style), style) });
    const after = ['', 'para two', '', 'ours added'];
    expect(styled('merge').text).toBe(lines('# T', '', '<<<<<<< ours', 'para ONE', '=======', 'para uno', '>>>>>>> theirs', 'new end', ...after));
    expect(styled('diff3').text).toBe(
      lines('# T', '', '<<<<<<< ours', 'para ONE', 'new end', '||||||| base', 'para one', 'old end', '=======', 'para uno', 'new end', '>>>>>>> theirs', ...after),
    );
    expect(styled('zdiff3').text).toBe(
      lines('# T', '', '<<<<<<< ours', 'para ONE', '||||||| base', 'para one', 'old end', '=======', 'para uno', '>>>>>>> theirs', 'new end', ...after),
    );
    // Asked once per merge, and only because there was a conflict to write.
    expect(asked).toEqual(['merge', 'diff3', 'zdiff3']);
    merge(base, ours, base, { ...opts, conflictStyle: () => (asked.push('clean'), 'diff3') });
    expect(asked).toHaveLength(3);
  });

  it('conflicts when one side deletes an item the other edited', () => {
    const base = lines('- a', '- b', '- c');
    const r = merge(base, lines('- a', '- c', '- d'), lines('- a', '- B!', '- c'));
    expect(r.conflicts).toBeGreaterThan(0);
    expect(r.text).toContain('- B!');
  });

  it('keeps CRLF line endings', () => {
    const base = '# T\r\n\r\n- a\r\n- b\r\n';
    const r = mergeBoth(base, '# T\r\n\r\n- a\r\n- b\r\n- c\r\n', '# T\r\n\r\n- a\r\n- b\r\n- d\r\n');
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe('# T\r\n\r\n- a\r\n- b\r\n- c\r\n- d\r\n');
  });

  it('keeps a missing final newline', () => {
    const base = '- a\n- b';
    const r = mergeBoth(base, '- a\n- b\n- c', '- a\n- b\n- d');
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe('- a\n- b\n- c\n- d');
  });

  it('ends the file as git merge-file does with a conflict at the end or elsewhere and no final newline', () => {
    // At the end, the closing marker line has a line ending; before it, the missing one stays missing.
    const base = '# T\n\n- a\n- b\n\npara\n\nend';
    const ours = '# T\n\n- a\n- c\n- b\n\npara ONE\n\nend';
    const theirs = '# T\n\n- a\n- d\n- b\n\npara two\n\nend';
    const r = merge(base, ours, theirs);
    expect(r).toMatchObject({ conflicts: 1, method: 'blocks' });
    expect(r.text).toBe('# T\n\n- a\n- c\n- d\n- b\n\n<<<<<<< ours\npara ONE\n=======\npara two\n>>>>>>> theirs\n\nend');
    const cut = (text: string): string => text.replace(/\n\nend$/, '');
    const atEnd = merge(cut(base), cut(ours), cut(theirs));
    expect(atEnd).toMatchObject({ conflicts: 1, method: 'blocks' });
    expect(atEnd.text).toBe('# T\n\n- a\n- c\n- d\n- b\n\n<<<<<<< ours\npara ONE\n=======\npara two\n>>>>>>> theirs\n');
  });

  it('gives the final newline to the side whose last line ends the merge', () => {
    // theirs only dropped the final newline; ours has since appended after that line
    const base = lines('# T', '', 'intro.');
    const ours = base + lines('', '## New', '', '- x');
    const r = mergeBoth(base, ours, '# T\n\nintro.');
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(ours);
    // the side that appended wrote no final newline: its last line keeps that
    const r2 = mergeBoth(base, base + '\n## New\n\n- x', '# T\n\nintro, longer.\n');
    expect(r2.conflicts).toBe(0);
    expect(r2.text).toBe('# T\n\nintro, longer.\n\n## New\n\n- x');
  });

  it('both sides starting the same new section: the heading once, each side\'s items under it', () => {
    const base = lines('# Notes', '', '## 2026-11-27', '', '- kickoff');
    const r = mergeBoth(base, base + lines('', '## 2026-11-28', '', '- a: built the frontend'), base + lines('', '## 2026-11-28', '', '- b: reviewed PR 17'));
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(base + lines('', '## 2026-11-28', '', '- a: built the frontend', '- b: reviewed PR 17'));
    // paragraphs under it stay apart; different new sections keep their blank lines
    const p = mergeBoth(base, base + lines('', '## 2026-11-28', '', 'Alpha.'), base + lines('', '## 2026-11-28', '', 'Bravo.'));
    expect(p).toMatchObject({ conflicts: 0, text: base + lines('', '## 2026-11-28', '', 'Alpha.', '', 'Bravo.') });
    const two = mergeBoth(base, base + lines('', '## A', '', '- a'), base + lines('', '## B', '', '- b'));
    expect(two).toMatchObject({ conflicts: 0, text: base + lines('', '## A', '', '- a', '', '## B', '', '- b') });
  });

  it('keeps front matter, comments and emoji byte for byte', () => {
    const head = '---\ntitle: "Plan 🚀"\ntags: [a, b]\n---\n\n<!-- keep me -->\n\n';
    const base = head + lines('## Tasks', '', '- one');
    const r = mergeBoth(base, base + '- two ✅\n', base + '- three 🐛\n');
    expect(r.conflicts).toBe(0);
    expect(r.text.startsWith(head)).toBe(true);
    expect(r.text).toContain('- two ✅\n');
    expect(r.text).toContain('- three 🐛\n');
  });

  it('does not read list-like lines in a code fence as items', () => {
    const base = lines('```', '- x', '```');
    const ours = lines('```', '- x', '- y', '```');
    const theirs = lines('```', '- x', '- z', '```');
    const r = merge(base, ours, theirs);
    expect(r.conflicts).toBe(1);
    expect(r.text).toContain('<<<<<<< ours\n- y\n=======\n- z\n>>>>>>> theirs\n');
  });

  it('honours the marker size and labels', () => {
    const r = merge('x\n', 'y\n', 'z\n', { ...opts, markerSize: 9, labels: ['mine', 'old', 'yours'] });
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe('<<<<<<<<< mine\ny\n=========\nz\n>>>>>>>>> yours\n');
  });

  it('gives an item inserted in the old style the style of a restyled list', () => {
    const base = lines('* a', '* b', '* c');
    const ours = lines('- a', '- b', '- c');
    const theirs = lines('* a', '* b', '* bb', '* c');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('- a', '- b', '- bb', '- c'));
  });

  it('keeps a move and an insertion next to the old place, without a stale copy', () => {
    const base = lines('- a', '- b', '- c', '- d');
    const ours = lines('- b', '- c', '- a', '- d');
    const theirs = lines('- a', '- a2', '- b', '- c', '- d');
    const r = mergeBoth(base, ours, theirs);
    expect(r.conflicts).toBe(0);
    expect(r.text).toBe(lines('- a2', '- b', '- c', '- a', '- d'));
  });

  it('leaves the same entry added twice in different words to a person', () => {
    const base = lines('- [A](https://a)', '- [C](https://c)', '- [E](https://e)');
    const ours = lines('- [A](https://a)', '- [B](https://b) - by X', '- [C](https://c)', '- [E](https://e)');
    const theirs = lines('- [A](https://a)', '- [B](https://b) by X', '- [C](https://c)', '- [E](https://e)');
    expect(merge(base, ours, theirs).conflicts).toBeGreaterThan(0);
  });

  it('sees the same entry when one side typed it without a bullet, under an item (a lazy continuation)', () => {
    const base = lines('# Tools', '', '* [Alpha](https://alpha.dev) - the first', '* [Gamma](https://gamma.dev)');
    const ours = lines('# Tools', '', '* [Alpha](https://alpha.dev) - the first', '[Beta Course](https://beta.dev/learn) - Beta.Dev', '* [Gamma](https://gamma.dev)');
    const theirs = lines('# Tools', '', '* [Alpha](https://alpha.dev) - the first', '* [Beta Course](https://beta.dev/learn) - Beta.dev', '* [Gamma](https://gamma.dev)');
    for (const [a, b] of [[ours, theirs], [theirs, ours]] as const) {
      const r = merge(base, a, b);
      expect(r.conflicts).toBeGreaterThan(0);
      expect(r.text).toContain('[Beta Course](https://beta.dev/learn) - Beta.Dev');
      expect(r.text).toContain('* [Beta Course](https://beta.dev/learn) - Beta.dev');
    }
    // A different link under an item next to a new item stays a clean merge.
    const other = lines('# Tools', '', '* [Alpha](https://alpha.dev) - the first', '[see also](https://alpha.dev/docs)', '* [Gamma](https://gamma.dev)');
    expect(mergeBoth(base, other, theirs).conflicts).toBe(0);
  });

  it('the same items inserted in different orders on both sides are a conflict, never a duplicate', () => {
    const base = lines('# L', '', '- zeta', '- alpha');
    const ours = lines('# L', '', '- zeta', '- pear', '- quince', '- alpha');
    const theirs = lines('# L', '', '- zeta', '- quince', '- pear', '- alpha');
    for (const [a, b] of [[ours, theirs], [theirs, ours]] as const) {
      const r = merge(base, a, b);
      expect(r.conflicts).toBeGreaterThan(0);
      expect(r.text.match(/^- pear$/gm)).toHaveLength(2); // once per side of the markers, not three times
    }
  });

  it('falls back to the line merge when an input holds conflict markers', () => {
    const base = lines('<<<<<<< a', 'x', '=======', 'y', '>>>>>>> b');
    const r = merge(base, base + 'o\n', base + 't\n');
    expect(r.method).toBe('fallback:line');
    expect(r.conflicts).toBeGreaterThan(0);
  });
});

describe('a Markdown document that shows a conflict in a code block', () => {
  it('merges like any other document: the sample is content, not a virtual base; a real conflict still falls back', async () => {
    const { merge: mergeAs } = await import('../helpers/merge.js');
    const doc = lines('# Git notes', '', '```text', '<<<<<<< HEAD', 'ours', '=======', 'theirs', '>>>>>>> topic', '```', '', '## Log', '', '- one');
    const a = await mergeAs('markdown', doc, `${doc}- two\n`, `${doc}- three\n`);
    const b = await mergeAs('markdown', doc, `${doc}- three\n`, `${doc}- two\n`);
    expect(a.conflicts).toBe(0);
    expect(a.text).toBe(b.text);
    expect(a.text).toContain('- two\n');
    expect(a.text).toContain('- three\n');
    // Markers outside a code block (a criss-cross merge's virtual base) still mean git's line merge.
    const virtual = lines('# Log', '', '<<<<<<< Temporary merge branch 1', '- x', '=======', '- y', '>>>>>>> Temporary merge branch 2');
    expect((await mergeAs('markdown', virtual, `${virtual}- two\n`, `${virtual}- three\n`)).method).toMatch(/^fallback/);
  });
});
