import { describe, expect, it } from 'vitest';
import { merge } from '../helpers/merge.js';
import { mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';
import { lostEntries, splitConflicts } from '../../src/core/resolve.js';
import type { ConflictStyle } from '../../src/core/merge/conflict-style.js';
import type { FileType } from '../../src/core/file-types.js';
import { insideConflicts, outsideConflicts, sidesInOrder } from '../helpers/conflicts.js';

const HB = (agent: string, at: string, text: string): string => `- [agent:${agent}] [at:2026-11-27T${at}.000Z] [ttl:10m] ${text}\n`;
const FACT = (value: string, at: string, agent = 'research', extra = ''): string =>
  `- [entity:frontend] [attr:framework] [at:2026-11-27T${at}.000Z] [agent:${agent}]${extra} ${value}\n`;

describe('heartbeat merge', () => {
  const base = `# Heartbeats\n\n${HB('a', '10:00:00', 'idle')}${HB('b', '10:00:00', 'idle')}`;

  it('keeps both agents\' updates (git conflicts on adjacent lines)', async () => {
    const ours = `# Heartbeats\n\n${HB('a', '10:05:00', 'busy')}${HB('b', '10:00:00', 'idle')}`;
    const theirs = `# Heartbeats\n\n${HB('a', '10:00:00', 'idle')}${HB('b', '10:06:00', 'busy')}`;
    const result = await merge('heartbeat', base, ours, theirs);
    expect(result).toMatchObject({ conflicts: 0 });
    expect(result.text).toBe(`# Heartbeats\n\n${HB('a', '10:05:00', 'busy')}${HB('b', '10:06:00', 'busy')}`);
  });

  it('same agent on both sides: the latest stamp wins, from either side', async () => {
    const ours = `# Heartbeats\n\n${HB('a', '10:07:00', 'late')}${HB('b', '10:00:00', 'idle')}`;
    const theirs = `# Heartbeats\n\n${HB('a', '10:05:00', 'early')}${HB('b', '10:00:00', 'idle')}`;
    const one = await merge('heartbeat', base, ours, theirs);
    const other = await merge('heartbeat', base, theirs, ours);
    expect(one.text).toBe(other.text);
    expect(one.text).toContain('late');
    expect(one.text).not.toContain('early');
  });

  it('an entry written right under a paragraph the other side rewrote is an append, not a conflict', async () => {
    const b = 'Agents report here:\n';
    const o = 'Agents report here, every 5 minutes:\n';
    const t = `Agents report here:\n${HB('a', '10:00:00', 'first')}`;
    for (const [x, y] of [[o, t], [t, o]] as const) {
      const result = await merge('heartbeat', b, x, y);
      expect(result.conflicts).toBe(0);
      expect(result.text).toBe(`Agents report here, every 5 minutes:\n${HB('a', '10:00:00', 'first')}`);
    }
  });

  it('an entry without [agent:] however long leaves the placeholder lines short: the prose still merges by blocks', async () => {
    // Such an entry is known and sorted by its text. Written out whole (its sort key four times over, as
    // hex) its placeholder passed the Markdown merge's line limit from about 4000 characters, and the
    // merge gave up: a conflict where the entry merged cleanly.
    for (const size of [5000, 25_000]) {
      const pinned = `- [note:pinned] ${'read the runbook first; '.repeat(size / 24)}\n`;
      const b = `Agents report here:\n${pinned}`;
      const o = `Agents report here, every 5 minutes:\n${pinned}`;
      const t = `Agents report here:\n${HB('a', '10:00:00', 'first')}${pinned}`;
      for (const [x, y] of [[o, t], [t, o]] as const) {
        const result = await merge('heartbeat', b, x, y);
        expect(result, `${size}`).toMatchObject({ conflicts: 0, method: 'typed:heartbeat+blocks' });
        expect(result.text).toBe(`Agents report here, every 5 minutes:\n${HB('a', '10:00:00', 'first')}${pinned}`);
      }
    }
  });

  it('long entries without [agent:] that start alike are still ordered by their whole text', async () => {
    // The Markdown merge orders these two insertions by their placeholders: the sort key's label and,
    // where a long key's label is cut short and ties, the name of the identity.
    const same = 'the same long preamble, '.repeat(60);
    const [alpha, beta] = [`- [note:x] ${same}alpha\n`, `- [note:x] ${same}beta\n`];
    const b = '# H\n\n- one\n- two\n';
    for (const [first, second] of [[alpha, beta], [beta, alpha]] as const) {
      const o = `# H\n\n- one\n${first}- zz plain\n- two\n`;
      const t = `# H\n\n- one\n${second}- two\n`;
      const expected = first === alpha ? `# H\n\n- one\n${alpha}- zz plain\n${beta}- two\n` : `# H\n\n- one\n${alpha}${beta}- zz plain\n- two\n`;
      for (const [x, y] of [[o, t], [t, o]] as const) expect(await merge('heartbeat', b, x, y)).toMatchObject({ conflicts: 0, text: expected });
    }
  });

  it('a byte order mark on all three versions hides no entry: the first agent still merges by stamp', async () => {
    const BOM = '\uFEFF';
    const b = `${BOM}${HB('a', '10:00:00', 'idle')}${HB('b', '10:00:00', 'idle')}`;
    const o = `${BOM}${HB('a', '10:07:00', 'late')}${HB('b', '10:00:00', 'idle')}`;
    const t = `${BOM}${HB('a', '10:05:00', 'early')}${HB('b', '10:06:00', 'busy')}`;
    for (const [x, y] of [[o, t], [t, o]] as const) {
      const result = await merge('heartbeat', b, x, y);
      expect(result.conflicts).toBe(0);
      expect(result.text).toBe(`${BOM}${HB('a', '10:07:00', 'late')}${HB('b', '10:06:00', 'busy')}`);
    }
  });

  it('new agents added at the same spot on both sides are both kept, ordered by agent', async () => {
    const ours = `${base}${HB('zed', '10:01:00', 'hello')}`;
    const theirs = `${base}${HB('c', '10:02:00', 'hi')}`;
    const one = await merge('heartbeat', base, ours, theirs);
    expect(one.conflicts).toBe(0);
    expect(one.text).toBe(`${base}${HB('c', '10:02:00', 'hi')}${HB('zed', '10:01:00', 'hello')}`);
    expect((await merge('heartbeat', base, theirs, ours)).text).toBe(one.text);
  });

  it('a removal loses to a concurrent update', async () => {
    const ours = `# Heartbeats\n\n${HB('b', '10:00:00', 'idle')}`;
    const theirs = `# Heartbeats\n\n${HB('a', '10:09:00', 'still here')}${HB('b', '10:00:00', 'idle')}`;
    const result = await merge('heartbeat', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(`# Heartbeats\n\n${HB('a', '10:09:00', 'still here')}${HB('b', '10:00:00', 'idle')}`);
  });

  it('a removal wins where the other side left the agent alone', async () => {
    const ours = `# Heartbeats\n\n${HB('b', '10:00:00', 'idle')}`;
    const theirs = `# Heartbeats\n\n${HB('a', '10:00:00', 'idle')}${HB('b', '10:03:00', 'busy')}`;
    const result = await merge('heartbeat', base, ours, theirs);
    expect(result.text).toBe(`# Heartbeats\n\n${HB('b', '10:03:00', 'busy')}`);
  });

  it('a removed last line put back by a concurrent update keeps the final newline, either way round', async () => {
    const b = `${HB('a', '10:00:00', 'idle')}${HB('b', '10:00:00', 'idle')}`;
    const o = HB('a', '10:00:00', 'idle');
    const t = `${HB('a', '10:00:00', 'idle')}${HB('b', '10:05:00', 'busy')}`;
    for (const [x, y] of [[o, t], [t, o]] as const) expect((await merge('heartbeat', b, x, y)).text).toBe(t);
    // Without a final newline anywhere, none is added.
    const cut = (s: string): string => s.replace(/\n$/, '');
    for (const [x, y] of [[cut(o), cut(t)], [cut(t), cut(o)]] as const) expect((await merge('heartbeat', cut(b), x, y)).text).toBe(cut(t));
  });

  it('orders stamps by time, not by their text: a stamp without milliseconds is not newer than one with them', async () => {
    // Both shapes pass check (STAMP allows 0–9 fraction digits), but as strings 'Z' sorts after '.':
    // 10:00:05Z compared as text beats the later 10:00:05.500Z.
    const line = (at: string, text: string): string => `- [agent:a] [at:2026-11-27T${at}] [ttl:10m] ${text}\n`;
    const b = line('10:00:00.000Z', 'idle');
    for (const [early, late] of [
      ['10:00:05Z', '10:00:05.500Z'],
      ['10:00:05.1Z', '10:00:05.123Z'],
      ['10:00:05.000Z', '10:00:05.000001Z'],
    ] as const) {
      const [x, y] = [line(early, 'earlier, by hand'), line(late, 'later')];
      for (const [o, t] of [[x, y], [y, x]] as const) expect((await merge('heartbeat', b, o, t)).text).toBe(y);
    }
  });

  it('keeps CRLF and a missing final newline', async () => {
    const crlf = (t: string): string => t.replace(/\n/g, '\r\n');
    const b = crlf(base).replace(/\r\n$/, '');
    const o = crlf(`${base}${HB('c', '10:01:00', 'x')}`).replace(/\r\n$/, '');
    const t = crlf(`${base}${HB('d', '10:01:00', 'y')}`).replace(/\r\n$/, '');
    const result = await merge('heartbeat', b, o, t);
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(crlf(`${base}${HB('c', '10:01:00', 'x')}${HB('d', '10:01:00', 'y')}`).replace(/\r\n$/, ''));
  });
});

describe('line endings of entries both sides appended', () => {
  it('each keeps its own: an LF entry with a note appended to a CRLF queue stays LF, renumbered or not', async () => {
    const b = '# Queue\r\n\r\n- [ ] [seq:1] [id:0000000001] one\r\n';
    const o = `${b}- [ ] [seq:2] [id:aaaaaaaaaa] a crlf\r\n`;
    const t = `${b}- [ ] [seq:2] [id:bbbbbbbbbb] b lf\n  - note lf\n`;
    for (const [x, y] of [[o, t], [t, o]] as const) {
      const result = await merge('queue', b, x, y);
      expect(result.conflicts).toBe(0);
      expect(result.text).toBe(`${b}- [ ] [seq:2] [id:aaaaaaaaaa] a crlf\r\n- [ ] [seq:3] [id:bbbbbbbbbb] [was:2] b lf\n  - note lf\n`);
    }
  });

  it('heartbeats too', async () => {
    const b = '# Heartbeats\r\n\r\n';
    const o = `${b}${HB('c', '10:01:00', 'x').replace('\n', '\r\n')}`;
    const t = `${b}${HB('d', '10:01:00', 'y')}`;
    const result = await merge('heartbeat', b, o, t);
    expect(result.text).toBe(`${o}${HB('d', '10:01:00', 'y')}`);
  });
});

describe('facts merge', () => {
  const base = `# Memory\n\n${FACT('Vue', '09:00:00')}`;

  it('keeps every fact, marks the superseded ones, same bytes from either side', async () => {
    const ours = `${base}${FACT('React', '10:04:00', 'alice')}`;
    const theirs = `${base}${FACT('Svelte', '10:05:30', 'bob')}`;
    const one = await merge('facts', base, ours, theirs);
    expect(one.conflicts).toBe(0);
    expect(one.text).toBe(
      `# Memory\n\n${FACT('Vue', '09:00:00', 'research', ' [superseded:yes]')}${FACT('React', '10:04:00', 'alice', ' [superseded:yes]')}${FACT('Svelte', '10:05:30', 'bob')}`,
    );
    expect((await merge('facts', base, theirs, ours)).text).toBe(one.text);
  });

  it('leaves a slot no side touched byte-identical, even where it was never marked superseded', async () => {
    // Hand-written: two values of one slot, neither marked. Only the slots the merge changes are re-marked.
    const other = (value: string, at: string): string => `- [entity:db] [attr:engine] [at:2026-11-27T${at}.000Z] [agent:ops] ${value}\n`;
    const old = `# Memory\n\n${FACT('Vue', '09:00:00')}${FACT('React', '09:30:00')}`;
    const ours = `${old}${other('Postgres', '10:00:00')}`;
    const theirs = `${old}${other('SQLite', '10:01:00')}`;
    const result = await merge('facts', old, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(result.text).toBe(`${old}${other('Postgres', '10:00:00').replace(' Postgres', ' [superseded:yes] Postgres')}${other('SQLite', '10:01:00')}`);
  });

  it('a note one side added under a fact survives the other side superseding it', async () => {
    const react = '- [entity:fe] [attr:fw] [at:2026-11-27T10:00:00.000Z] [agent:a] React\n';
    const b = `# Memory\n\n${react}`;
    const x = `# Memory\n\n${react}  source: package.json\n`;
    const y = `# Memory\n\n${react.replace('[agent:a]', '[agent:a] [superseded:yes]')}- [entity:fe] [attr:fw] [at:2026-11-27T11:00:00.000Z] [agent:b] Vue\n`;
    const expected = `# Memory\n\n${react.replace('[agent:a]', '[agent:a] [superseded:yes]')}  source: package.json\n- [entity:fe] [attr:fw] [at:2026-11-27T11:00:00.000Z] [agent:b] Vue\n`;
    for (const [o, t] of [[x, y], [y, x]] as const) expect(await merge('facts', b, o, t)).toMatchObject({ conflicts: 0, text: expected });
  });

  it('takes the latest stamp as the current value whatever its precision', async () => {
    const f = (at: string, agent: string, value: string, extra = ''): string => `- [entity:fe] [attr:fw] [at:2026-11-27T${at}] [agent:${agent}]${extra} ${value}\n`;
    const b = `# Memory\n\n${f('09:00:00.000Z', 'r', 'Vue')}`;
    const ours = `${b}${f('10:00:05Z', 'zed', 'React')}`;
    const theirs = `${b}${f('10:00:05.500Z', 'amy', 'Svelte')}`;
    const expected = `# Memory\n\n${f('09:00:00.000Z', 'r', 'Vue', ' [superseded:yes]')}${f('10:00:05Z', 'zed', 'React', ' [superseded:yes]')}${f('10:00:05.500Z', 'amy', 'Svelte')}`;
    for (const [o, t] of [[ours, theirs], [theirs, ours]] as const) expect(await merge('facts', b, o, t)).toMatchObject({ conflicts: 0, text: expected });
  });

  it('merges prose around facts with the Markdown merge', async () => {
    const ours = `# Memory\n\nRead me first.\n\n${FACT('Vue', '09:00:00')}`;
    const theirs = `${base}\n## Later\n`;
    const result = await merge('facts', base, ours, theirs);
    expect(result).toMatchObject({ conflicts: 0, text: `# Memory\n\nRead me first.\n\n${FACT('Vue', '09:00:00')}\n## Later\n` });
  });
});

describe('ops and ledger merge', () => {
  const request = (op: string, at: string): string => `- [op:${op}] [kind:deploy] [agent:deploy] [at:2026-11-27T${at}] [args:${op}] push ${op}\n`;
  const record = (op: string, at: string): string => `- [op:${op}] [state:claimed] [by:coordinator] [at:2026-11-27T${at}]\n`;

  it('orders concurrent appends by time, not by the text of their stamps', async () => {
    // Both shapes pass check, but as text 'Z' sorts after '.': 10:00:05Z would follow 10:00:05.500Z.
    for (const [type, line] of [['ops', request], ['ledger', record]] as const) {
      const b = `# Log\n\n${line('first', '09:00:00.000Z')}`;
      for (const [early, late] of [
        ['10:00:05Z', '10:00:05.500Z'],
        ['10:00:05.1Z', '10:00:05.123Z'],
      ] as const) {
        // The later one has the smaller key, so the key does not decide the order either.
        const [x, y] = [`${b}${line('zz-early', early)}`, `${b}${line('aa-late', late)}`];
        for (const [o, t] of [[x, y], [y, x]] as const) {
          expect(await merge(type, b, o, t), `${type} ${early} ${late}`).toMatchObject({ conflicts: 0, text: `${b}${line('zz-early', early)}${line('aa-late', late)}` });
        }
      }
    }
  });
});

describe('entries around a prose conflict', () => {
  // The Markdown merge of the skeleton may leave a conflict whose sections hold entries' placeholders.
  // The entries are merged already, losslessly: each is written once, after the region, never in it.
  const mergeAs = (type: FileType, b: string, o: string, t: string, style: ConflictStyle = 'merge', foldAbove?: number) =>
    mergeFile(type, b, o, t, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => style, ...(foldAbove !== undefined ? { foldAbove } : {}) });
  /** Both directions, checked to differ only in which side of a region comes first (and its label). */
  const bothWays = async (type: FileType, b: string, o: string, t: string, style: ConflictStyle = 'merge') => {
    const [one, two] = [await mergeAs(type, b, o, t, style), await mergeAs(type, b, t, o, style)];
    expect(two.conflicts).toBe(one.conflicts);
    expect(sidesInOrder(two.text)).toBe(sidesInOrder(one.text));
    return one;
  };
  // One side rewrote the paragraph and removed agent a; the other rewrote it too and updated a, which
  // therefore stays. git puts the paragraph and a's line in one conflict.
  const b = `# Heartbeats\n\nWho is here.\n${HB('a', '10:00:00', 'idle')}\nEnd.\n`;
  const o = `# Heartbeats\n\nWho is here now.\n\nEnd.\n`;
  const t = `# Heartbeats\n\nWho is around.\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`;

  it('writes an entry of the region once, after it, whichever side is ours', async () => {
    const result = await bothWays('heartbeat', b, o, t);
    expect(result).toMatchObject({
      conflicts: 1,
      text: `# Heartbeats\n\n<<<<<<< ours\nWho is here now.\n=======\nWho is around.\n>>>>>>> theirs\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`,
    });
  });

  it('in diff3 style, the base section shows the base\'s prose, and the entry only once, after the region', async () => {
    // The entry is the merge's, not the base's: shown as the base had it in the base section, it would
    // read (to a person, and to resolve --committed) as a change to undo.
    for (const style of ['diff3', 'zdiff3'] as const) {
      const result = await bothWays('heartbeat', b, o, t, style);
      expect(result).toMatchObject({
        conflicts: 1,
        text: `# Heartbeats\n\n<<<<<<< ours\nWho is here now.\n||||||| base\nWho is here.\n=======\nWho is around.\n>>>>>>> theirs\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`,
      });
    }
  });

  it('a task that is a conflict itself keeps its own markers, after the prose region, not inside it', async () => {
    // An ordered item that cannot interrupt a paragraph is part of it for the Markdown merge: the
    // renumbered task and the rewritten intro are one conflict there.
    const task = (n: string, text: string): string => `${n}. [ ] [seq:1] [id:aaaaaaaaaa] ${text}\n`;
    const result = await bothWays('queue', `Intro.\n${task('2', 'build')}`, `Intro ours.\n${task('3', 'build it')}`, `Intro theirs.\n${task('2', 'build that')}`);
    expect(result).toMatchObject({
      conflicts: 2,
      text: `<<<<<<< ours\nIntro ours.\n=======\nIntro theirs.\n>>>>>>> theirs\n<<<<<<< ours\n${task('3', 'build it')}=======\n${task('2', 'build that')}>>>>>>> theirs\n`,
    });
  });

  it('a region left with nothing to decide once its entries are out is no conflict', async () => {
    // Both sides appended to the notes (git conflicts there, so the whole skeleton goes to the Markdown
    // merge) and rewrote the paragraph alike; one replaced agent a by b, the other added c after a.
    const notes = (item: string): string => `# Notes\n\n- x\n${item}\n# Agents\n\n`;
    const b = `${notes('')}Who is here.\n${HB('a', '10:00:00', 'idle')}Bye.\n`;
    const x = `${notes('- y\n')}Who is here now.\n${HB('b', '10:01:00', 'new')}Bye now.\n`;
    const y = `${notes('- z\n')}Who is here now.\n${HB('a', '10:00:00', 'idle')}${HB('c', '10:02:00', 'new')}Bye now.\n`;
    const expected = `${notes('- y\n- z\n')}Who is here now.\n${HB('b', '10:01:00', 'new')}${HB('c', '10:02:00', 'new')}Bye now.\n`;
    const cut = (text: string): string => text.replace(/\n$/, '');
    for (const style of ['merge', 'diff3'] as const) {
      expect(await bothWays('heartbeat', b, x, y, style)).toMatchObject({ conflicts: 0, text: expected });
      // Clean, the file ends as both sides did: here without a line ending.
      expect(await bothWays('heartbeat', cut(b), cut(x), cut(y), style)).toMatchObject({ conflicts: 0, text: cut(expected) });
    }
  });

  it('a region settled once its entries are out is not counted, and the one whose prose still differs stays', async () => {
    const head = (text: string): string => `${text}\n\n`;
    // The paragraph below: rewritten alike; a removed on one side and updated on the other, so it stays.
    const b = `${head('Top.')}Who is here.\n${HB('a', '10:00:00', 'idle')}\nEnd.\n`;
    const x = `${head('Top, ours.')}Who is here now.\n\nEnd.\n`;
    const y = `${head('Top, theirs.')}Who is here now.\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`;
    expect(await bothWays('heartbeat', b, x, y)).toMatchObject({
      conflicts: 1,
      text: `<<<<<<< ours\nTop, ours.\n=======\nTop, theirs.\n>>>>>>> theirs\n\nWho is here now.\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`,
    });
  });

  it('keeps the entries of a region in the order the sides give them', async () => {
    const two = (at: string, text: string): string => `${HB('zed', at, text)}${HB('amy', at, text)}`;
    const result = await bothWays('heartbeat', `Who is here.\n${two('10:00:00', 'idle')}`, 'Who is here now.\n', `Who is around.\n${two('10:05:00', 'busy')}`);
    expect(result).toMatchObject({ conflicts: 1, text: `<<<<<<< ours\nWho is here now.\n=======\nWho is around.\n>>>>>>> theirs\n${two('10:05:00', 'busy')}` });
  });

  it('an entry a side moved out of the region stays where it moved, once', async () => {
    const end = HB('z', '10:00:00', 'idle');
    const x = `Who is here now.\n\nEnd.\n${end}${HB('a', '10:00:00', 'idle')}`;
    const y = `Who is around.\n${HB('a', '10:05:00', 'busy')}\nEnd.\n${end}`;
    const result = await bothWays('heartbeat', `Who is here.\n${HB('a', '10:00:00', 'idle')}\nEnd.\n${end}`, x, y);
    expect(result.conflicts).toBe(1);
    expect(outsideConflicts(result.text)).toBe(`\nEnd.\n${end}${HB('a', '10:05:00', 'busy')}`);
    expect(insideConflicts(result.text)).not.toContain('[agent:');
  });

  it('a file written so resolves again: its sides re-merge to it, nothing lost, nothing doubled', async () => {
    for (const style of ['merge', 'diff3'] as const) {
      const written = await mergeAs('heartbeat', b, o, t, style);
      const sides = splitConflicts(written.text)!;
      // As resolve reads a conflicted file: the base from the index (or the diff3 markers), the sides from the file.
      for (const base of style === 'diff3' ? [b, sides.base] : [b]) {
        const again = await mergeAs('heartbeat', base, sides.ours, sides.theirs, style);
        expect(lostEntries('heartbeat', base, sides.ours, sides.theirs, again.text)).toEqual([]);
        expect(again).toMatchObject({ conflicts: 1, text: written.text });
      }
    }
  });

  it('a prose line that looks like a conflict marker stays content, and the region around it is read as written', async () => {
    // git takes a lone `<<<<<<<` for content (no region closes it), so it reaches the merge.
    const entry = HB('a', '10:00:00', 'idle');
    expect(await mergeAs('heartbeat', '', entry, '<<<<<<<\n')).toMatchObject({ conflicts: 1, text: `<<<<<<< ours\n=======\n<<<<<<<\n>>>>>>> theirs\n${entry}` });
    expect(await mergeAs('heartbeat', '', '<<<<<<<\n', entry)).toMatchObject({ conflicts: 1, text: `<<<<<<< ours\n<<<<<<<\n=======\n>>>>>>> theirs\n${entry}` });
    // The Markdown merge marks the skeleton's conflicts at a size no line of a file is taken for; a file
    // that has such a line anyway is merged by lines.
    const rule = `Heartbeats\n${'='.repeat(40)}\n\n`;
    expect((await mergeAs('heartbeat', rule + b, rule + o, rule + t)).method).toBe('fallback:marker-like-line');
  });

  it('a large file with a prose conflict around entries is not folded, and merges as the unfolded merge', async () => {
    const many = ['p', 'q', 'r', 's', 'u', 'v'].map((agent) => HB(agent, '09:00:00', 'idle')).join('');
    const [x, y, z] = [b, o, t].map((text) => `${text}\n${many}`) as [string, string, string];
    const folded = await mergeAs('heartbeat', x, y, z, 'merge', 0);
    expect(folded.method).not.toContain('fold');
    expect(folded).toEqual(await mergeAs('heartbeat', x, y, z, 'merge', Infinity));
    expect(outsideConflicts(folded.text).match(/\[agent:a\]/g)).toHaveLength(1);
  });
});
