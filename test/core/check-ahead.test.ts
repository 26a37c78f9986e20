// stamp-ahead: a commit must not bring a stamp more than the clock bound (15m) ahead of its own time.
// One such stamp is what the bound elsewhere only mitigates; stamps the base already had, and writes
// that must come after one of them, are never reported.
import { describe, expect, it } from 'vitest';
import { type Finding, checkFile, formatGithub, formatJson, formatText, mergeFindings } from '../../src/core/check/index.js';
import type { FileType } from '../../src/core/file-types.js';

/** The time of the commit in these tests. */
const NOW = '2026-11-27T12:00:00.000Z';
const TIME = Date.parse(NOW);
const PAST = '2026-11-27T10:00:00.000Z';
/** A machine with the wrong year. */
const YEAR = '2027-11-27T12:00:00.000Z';
const at = (minutes: number): string => new Date(TIME + minutes * 60_000).toISOString();

const check = (type: FileType, text: string, base: string | undefined, opts: { time?: number; added?: readonly string[] } = { time: TIME }): Finding[] =>
  checkFile(type, 'F.md', text, base, opts);
const ahead = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.rule === 'stamp-ahead');
const where = (findings: readonly Finding[]): Array<[number, number | undefined]> => ahead(findings).map((f) => [f.line, f.column]);

describe('stamp-ahead: heartbeats', () => {
  const BASE = `# Agents\n\n- [agent:a] [at:${PAST}] [ttl:10m] busy\n`;

  it('reports a new heartbeat stamped a year ahead of the commit, with the stamp, how far, and what to do', () => {
    const text = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;
    const found = check('heartbeat', text, BASE);
    expect(found).toEqual([
      {
        path: 'F.md',
        line: 4,
        column: 18,
        rule: 'stamp-ahead',
        message: `the stamp ${YEAR} of the heartbeat of skewed is 365 days ahead of ${NOW}, the time of the commit: more than the 15m a clock may be off, so the clock that wrote it is wrong (or the stamp was mistyped)`,
        hint: expect.stringContaining(`fix the machine's clock and restamp: git strata heartbeat --agent skewed writes the time of the machine`),
      },
    ]);
    expect(found[0]!.hint).toContain('git rebase -i');
  });

  it('reports an agent whose existing stamp this commit moved far ahead', () => {
    expect(where(check('heartbeat', BASE.replace(`[at:${PAST}]`, `[at:${at(60)}]`), BASE))).toEqual([[3, 13]]);
    expect(ahead(check('heartbeat', BASE.replace(`[at:${PAST}]`, `[at:${at(60)}]`), BASE))[0]!.message).toContain('is 60 minutes ahead of');
  });

  it('passes a stamp within the bound: 15 minutes ahead is a clock’s honest reading', () => {
    expect(check('heartbeat', BASE.replace(`[at:${PAST}]`, `[at:${at(15)}]`), BASE)).toEqual([]);
    expect(where(check('heartbeat', BASE.replace(`[at:${PAST}]`, `[at:${at(15).replace('.000Z', '.001Z')}]`), BASE))).toEqual([[3, 13]]);
  });

  it('passes a stamp the base already had, however far ahead, unchanged or on a line that moved', () => {
    const old = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;
    expect(check('heartbeat', old, old)).toEqual([]);
    // Another agent's beat added above it, skewed's own note edited: the stamp is the base's.
    const moved = `# Agents\n\n- [agent:b] [at:${NOW}] new\n- [agent:a] [at:${NOW}] [ttl:10m] busy\n- [agent:skewed] [at:${YEAR}] [ttl:10m] still ahead\n`;
    expect(check('heartbeat', moved, old)).toEqual([]);
  });

  it('passes a correction that moves a stamp back, even when it stays ahead', () => {
    const old = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;
    expect(check('heartbeat', old.replace(YEAR, '2027-11-26T12:00:00.000Z'), old)).toEqual([]);
    expect(check('heartbeat', old.replace(YEAR, NOW), old)).toEqual([]);
  });

  it('needs the time of the commit and a base: a file checked on its own has no new stamps to tell', () => {
    const text = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;
    expect(check('heartbeat', text, BASE, {})).toEqual([]);
    expect(check('heartbeat', text, undefined)).toEqual([]);
  });

  it('a file new in this commit has only new stamps', () => {
    const text = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;
    expect(where(check('heartbeat', text, undefined, { time: TIME, added: [] }))).toEqual([[4, 18]]);
    // Moved from a file of its type the commit deleted (git mv): that file's stamps are not new.
    expect(check('heartbeat', text, undefined, { time: TIME, added: [text] })).toEqual([]);
    expect(where(check('heartbeat', text, undefined, { time: TIME, added: [BASE] }))).toEqual([[4, 18]]);
  });
});

describe('stamp-ahead: facts', () => {
  const BASE = `# Memory\n\n- [entity:db] [attr:engine] [at:${PAST}] [agent:ops] Postgres\n`;

  it('reports a new fact stamped far ahead, saying how to set it again', () => {
    const found = ahead(check('facts', `${BASE}- [entity:db] [attr:engine] [at:${YEAR}] [agent:ops] MySQL\n`, BASE));
    expect(found.map((f) => [f.line, f.column])).toEqual([[4, 29]]);
    expect(found[0]!.message).toContain(`the stamp ${YEAR} of the fact db.engine is 365 days ahead`);
    expect(found[0]!.hint).toContain('git strata fact set db engine');
  });

  it('passes a fact that must supersede one the base already had far ahead (the writer stamps it 1 ms later)', () => {
    const old = `${BASE}- [entity:db] [attr:engine] [at:${YEAR}] [agent:ops] MySQL\n`;
    const superseding = `${old}- [entity:db] [attr:engine] [at:2027-11-27T12:00:00.001Z] [agent:ops] SQLite\n`;
    expect(check('facts', superseding, old)).toEqual([]);
    // Only within the bound of the base's latest stamp: a further leap is a stamp of its own.
    expect(where(check('facts', `${old}- [entity:db] [attr:engine] [at:2027-11-28T12:00:00.000Z] [agent:ops] SQLite\n`, old))).toEqual([[5, 29]]);
  });
});

describe('stamp-ahead: queues', () => {
  const BASE = [
    '# Queue',
    '',
    `- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${PAST}] set up`,
    `- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] build`,
    '',
  ].join('\n');

  it('reports every stamp a queue gives meaning: added at, claim, done, and checkpoints', () => {
    const text = [
      '# Queue',
      '',
      `- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${PAST}] set up`,
      `- [x] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] [done:${YEAR}] build`,
      `  - [at:${PAST}] checkpoint: started`,
      `  - [at:${YEAR}] checkpoint: image built`,
      `- [ ] [seq:3] [id:cccccccccc] [agent:c] [at:${YEAR}] [claim:c@${YEAR}] deploy`,
      '',
    ].join('\n');
    const found = ahead(check('queue', text, BASE));
    expect(found.map((f) => [f.line, f.column])).toEqual([[4, 53], [6, 5], [7, 41], [7, 71]]);
    expect(found.map((f) => f.message.slice(0, f.message.indexOf(' is ')))).toEqual([
      `the stamp ${YEAR} of [done:…] on seq 2`,
      `the stamp ${YEAR} of a checkpoint of seq 2`,
      `the stamp ${YEAR} of [at:…] on seq 3`,
      `the stamp ${YEAR} of the claim of c on seq 3`,
    ]);
  });

  it('passes a date in a tag the queue gives no meaning, and in free text', () => {
    const text = `${BASE}- [ ] [seq:3] [id:cccccccccc] [due:2030-01-01T00:00:00.000Z] ship by 2030-01-01T00:00:00.000Z\n`;
    expect(check('queue', text, BASE)).toEqual([]);
  });

  it('passes a task done after a dependency the base already had done far ahead', () => {
    const old = BASE.replace(`[done:${PAST}]`, `[done:${YEAR}]`);
    const text = old.replace('- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] build', '- [x] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] [done:2027-11-27T12:00:00.001Z] build');
    expect(check('queue', text, old)).toEqual([]);
  });
});

describe('stamp-ahead: ops and the ledger', () => {
  const OPS = `# Ops\n\n- [op:deploy-v42] [kind:deploy] [agent:deploy] [at:${PAST}] [args:v42] push v42\n`;
  const LEDGER = `# Ledger\n\n- [op:deploy-v42] [state:claimed] [by:coordinator] [at:${PAST}] [lease:2026-11-27T10:10:00.000Z]\n`;

  it('reports a request and a ledger record stamped far ahead', () => {
    const ops = `${OPS}- [op:mail-1] [kind:mail] [agent:ops] [at:${YEAR}] hello\n`;
    expect(ahead(check('ops', ops, OPS)).map((f) => [f.line, f.message.slice(0, f.message.indexOf(' is '))])).toEqual([[4, `the stamp ${YEAR} of op mail-1`]]);
    const ledger = `${LEDGER}- [op:deploy-v42] [state:done] [by:coordinator] [at:${YEAR}] [exit:0] deployed\n`;
    expect(ahead(check('ledger', ledger, LEDGER)).map((f) => [f.line, f.message.slice(0, f.message.indexOf(' is '))])).toEqual([[4, `the stamp ${YEAR} of the done record of op deploy-v42`]]);
  });

  it('passes a lease: it lies in the future on purpose (a long handler’s lease runs for hours)', () => {
    const ledger = `${LEDGER}- [op:build-1] [state:claimed] [by:coordinator] [at:${NOW}] [lease:${at(180)}]\n`;
    expect(check('ledger', ledger, LEDGER)).toEqual([]);
  });
});

describe('stamp-ahead: every shape a stamp may have', () => {
  const BASE = `# Agents\n\n- [agent:a] [at:${PAST}] [ttl:10m] busy\n`;
  const beat = (stamp: string): string => `${BASE}- [agent:b] [at:${stamp}] new\n`;

  it('reads stamps without milliseconds, or with more digits, as the times they are (to the ms, as the clock reads them)', () => {
    expect(where(check('heartbeat', beat('2027-11-27T12:00:00Z'), BASE))).toEqual([[4, 13]]);
    expect(where(check('heartbeat', beat('2026-11-27T12:15:00.001000Z'), BASE))).toEqual([[4, 13]]);
    expect(check('heartbeat', beat('2026-11-27T12:15:00Z'), BASE)).toEqual([]);
    expect(check('heartbeat', beat('2026-11-27T12:14:59.999999Z'), BASE)).toEqual([]);
  });

  it('takes the base’s latest stamp whatever its shape, and not a value of a stamp’s shape that is no date', () => {
    const old = `${BASE}- [agent:b] [at:2027-11-27T12:00:00Z] ahead\n`;
    expect(check('heartbeat', old.replace('2027-11-27T12:00:00Z] ahead', '2027-11-27T12:00:00.001Z] ahead'), old)).toEqual([]);
    // The ledger reads no value of its tags: a month 13 there is no stamp, and silences nothing.
    const LEDGER = '# Ledger\n\n- [op:k] [state:claimed] [by:x] [at:2026-13-45T99:99:99.999Z]\n';
    expect(where(check('ledger', `${LEDGER}- [op:k] [state:done] [by:x] [at:${YEAR}]\n`, LEDGER))).toEqual([[4, 30]]);
    // Nor is it reported itself: it is no time at all.
    expect(check('ledger', `${LEDGER}${LEDGER.slice(10)}`, '# Ledger\n')).toEqual([]);
  });
});

describe('stamp-ahead: merges and output', () => {
  const BASE = `# Agents\n\n- [agent:a] [at:${PAST}] [ttl:10m] busy\n`;
  const SIDE = `${BASE}- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`;

  it('a merge answers only for a stamp no parent had: one the side merged in brought is that side’s commit’s', () => {
    const found = check('heartbeat', SIDE, BASE);
    expect(ahead(found)).toHaveLength(1);
    expect(mergeFindings(found, 0, () => [{ same: false, text: BASE }, { same: true }])).toEqual([]);
    expect(mergeFindings(found, 0, () => [{ same: false, text: BASE }, { same: false, text: SIDE }])).toEqual([]);
    expect(mergeFindings(found, 0, () => [{ same: false, text: BASE }, { same: false, text: BASE }])).toHaveLength(1);
  });

  it('prints as every finding does: text, json and github annotations', () => {
    const found = check('heartbeat', SIDE, BASE).map((f) => ({ ...f, path: 'HEARTBEAT.md' }));
    expect(formatText(found)).toMatch(new RegExp(`^HEARTBEAT\\.md:4: stamp-ahead: the stamp ${YEAR} of the heartbeat of skewed is 365 days ahead .*\\n  hint: fix the machine's clock`));
    expect(JSON.parse(formatJson(found))).toEqual({ ok: false, findings: [expect.objectContaining({ path: 'HEARTBEAT.md', line: 4, column: 18, rule: 'stamp-ahead' })] });
    expect(formatGithub(found)).toMatch(/^::error file=HEARTBEAT\.md,line=4,col=18,title=stamp-ahead::the stamp 2027-11-27T12:00:00\.000Z of the heartbeat of skewed is 365 days ahead/);
  });
});
