import { describe, expect, it } from 'vitest';
import { checkFile, checkOpsWithLedger } from '../../src/core/check/index.js';

const REQ = (key: string, args: string): string => `- [op:${key}] [kind:deploy] [agent:deploy] [at:2026-11-27T11:00:00.000Z] [args:${args}] push\n`;
const REC = (key: string, state: string, by: string, at: string): string => `- [op:${key}] [state:${state}] [by:${by}] [at:2026-11-27T11:0${at}:00.000Z] ${state}\n`;

describe('ops and ledger rules', () => {
  it('reports a key reused with different parameters, and not a repeat of the same request', () => {
    const ops = `# Ops\n\n${REQ('deploy-v42', 'v42 production')}${REQ('deploy-v42', 'v42 staging')}`;
    expect(checkOpsWithLedger('OPS.md', ops, '.strata/ledger.md', '').map((f) => [f.path, f.line, f.rule])).toEqual([['OPS.md', 4, 'op-key-reused']]);
    const same = `# Ops\n\n${REQ('deploy-v42', 'v42 production')}${REQ('deploy-v42', 'v42 production')}`;
    expect(checkOpsWithLedger('OPS.md', same, '.strata/ledger.md', '')).toEqual([]);
  });

  it('reports two terminal records of one key from different executors', () => {
    const ledger = `# Ledger\n\n${REC('k', 'claimed', 'a', '1')}${REC('k', 'done', 'a', '2')}${REC('k', 'done', 'b', '3')}`;
    const findings = checkOpsWithLedger('OPS.md', REQ('k', 'x'), '.strata/ledger.md', ledger);
    expect(findings.map((f) => [f.path, f.rule])).toEqual([['.strata/ledger.md', 'duplicate-execution']]);
    const once = `# Ledger\n\n${REC('k', 'claimed', 'a', '1')}${REC('k', 'done', 'a', '2')}`;
    expect(checkOpsWithLedger('OPS.md', REQ('k', 'x'), '.strata/ledger.md', once)).toEqual([]);
  });

  it('refuses a ledger record edited or removed against the base, allows appends', () => {
    const base = `# Ledger\n\n${REC('k', 'claimed', 'a', '1')}`;
    expect(checkFile('ledger', 'L.md', base + REC('k', 'done', 'a', '2'), base)).toEqual([]);
    expect(checkFile('ledger', 'L.md', `# Ledger\n\n${REC('k', 'done', 'a', '2')}`, base).map((f) => f.rule)).toEqual(['ledger-record-changed']);
    expect(checkFile('ledger', 'L.md', base.replace('[by:a]', '[by:b]'), base).map((f) => f.rule)).toEqual(['ledger-record-changed']);
  });
});

describe('torn writes', () => {
  it('reports a line cut off inside a tag, in every typed file', () => {
    const cases: [Parameters<typeof checkFile>[0], string][] = [
      ['heartbeat', '- [agent:a] [at:202'],
      ['heartbeat', '- [agent:a] [at:2026-11-27T10:00:00.000Z] ['],
      ['ops', '- [op:k1] [kind:dep'],
      ['queue', '- [ ] [seq:1] [id:q1w2e3r4t5] [agent:a] [at:202'],
      ['facts', '- [entity:x] [attr:y] [at:2026-11-27T10:00:00.000Z] [agent:a] [sup'],
      ['ledger', '- [op:k] [state:done] [by:a] [at:2026-11-27T10:00:00.000Z] [ex'],
      // Cut inside a checkpoint of the last task (found by the torture harness).
      ['queue', '- [ ] [seq:1] [id:q1w2e3r4t5] [agent:a] task\n  - [at:2026-11-27T10:00:00.000Z] first\n  - [at:2026-11-27T20:43:2'],
    ];
    for (const [type, torn] of cases) {
      const findings = checkFile(type, 'F.md', `# F\n\n${torn}`);
      expect(findings.map((f) => f.rule), `${type}: ${torn}`).toContain('malformed-entry');
      expect(findings.some((f) => /never closes/.test(f.message)), `${type}: ${torn}`).toBe(true);
    }
  });

  it('does not flag brackets that are text, or complete entries', () => {
    expect(checkFile('heartbeat', 'H.md', '# H\n\n- [agent:a] [at:2026-11-27T10:00:00.000Z] [ttl:10m] see [the docs]\n')).toEqual([]);
    expect(checkFile('ops', 'O.md', `# O\n\n${REQ('k', 'v1')}`)).toEqual([]);
    expect(checkFile('ledger', 'L.md', `# L\n\n${REC('k', 'done', 'a', '1')}`)).toEqual([]);
  });
});

describe('torn list items', () => {
  it('reports a list item that is only the start of a tag', () => {
    for (const torn of ['- [o', '- [op:k3', '- [ ] [se', '* [agent', '- [', '- [ ] [']) {
      expect(checkFile('ops', 'O.md', `# O\n\n${REQ('k', 'v1')}${torn}\n`).map((f) => f.rule), torn).toEqual(['malformed-entry']);
    }
    expect(checkFile('ops', 'O.md', `# O\n\n- [ ] a plain task\n- [link](http://x)\n`)).toEqual([]);
  });
});

describe('every cut inside a tag is refused', () => {
  // The last line of each typed file as the writers produce it; a crash may cut it anywhere inside
  // one of its tags (a cut between two tags leaves a shorter, well-formed entry).
  const lines: [Parameters<typeof checkFile>[0], string][] = [
    ['heartbeat', '- [agent:a0] [at:2026-11-27T10:00:00.000Z] [status:busy] [ttl:10m] building'],
    ['queue', '- [ ] [seq:12] [id:q1w2e3r4t5] [depends:11] [agent:a1] [at:2026-11-27T10:00:00.000Z] deploy'],
    ['queue', '- [ ] [seq:1] [id:q1w2e3r4t5] [agent:a] task\n  - [at:2026-11-27T10:00:00.000Z] checkpoint c1'],
    ['facts', '- [entity:frontend] [attr:framework] [at:2026-11-27T10:00:00.000Z] [agent:a2] React'],
    ['ops', '- [op:deploy-k1] [kind:deploy] [agent:a3] [at:2026-11-27T10:00:00.000Z] [args:v42] push'],
    ['ledger', '- [op:k] [state:done] [by:a0] [at:2026-11-27T10:00:00.000Z] [exit:0] [out:sha256-abc] ok'],
  ];
  it.each(lines)('%s: %s', (type, line) => {
    const lastStart = line.lastIndexOf('\n') + 1;
    const last = line.slice(lastStart);
    for (const tag of last.matchAll(/\[[a-z][a-z0-9_-]*:[^\]\n]*\]/g)) {
      for (let cut = tag.index! + 1; cut < tag.index! + tag[0].length; cut++) {
        const text = `# File\n\n${line.slice(0, lastStart + cut)}`;
        expect(checkFile(type, 'F.md', text).map((f) => f.rule), JSON.stringify(text.slice(8))).toContain('malformed-entry');
      }
    }
  });
});
