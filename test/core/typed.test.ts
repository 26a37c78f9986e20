import { describe, expect, it } from 'vitest';
import { merge } from '../helpers/merge.js';
import { mergeFile } from '../../src/core/merge/file.js';
import { gitLineMerge } from '../../src/git/line-merge.js';

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

  it('a prose conflict in diff3 style shows an entry in its base section as the base had it', async () => {
    // One side rewrote the paragraph and removed agent a; the other rewrote it too and updated a, which
    // therefore stays. git's base section holds the base's lines: a reader (and resolve --committed)
    // takes it for the base, so the update must not be written there as if nobody had changed a.
    const b = `# Heartbeats\n\nWho is here.\n${HB('a', '10:00:00', 'idle')}\nEnd.\n`;
    const o = `# Heartbeats\n\nWho is here now.\n\nEnd.\n`;
    const t = `# Heartbeats\n\nWho is around.\n${HB('a', '10:05:00', 'busy')}\nEnd.\n`;
    const result = await mergeFile('heartbeat', b, o, t, { markerSize: 7, lineMerge: gitLineMerge, conflictStyle: () => 'diff3' });
    expect(result.conflicts).toBeGreaterThan(0);
    const baseSection = /\|{7} base\n([^]*?)={7}\n/.exec(result.text)?.[1];
    expect(baseSection).toBe(`Who is here.\n${HB('a', '10:00:00', 'idle')}`);
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
