// History-rewriting and unusual merge paths with the real git binary: cherry-pick, stash pop after a
// pull, revert, a criss-cross merge (virtual merge base, %L = 9), merge-tree --write-tree and a linked
// worktree. In each, git calls the strata driver and the result must be clean and lossless.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../helpers/git.js';
import {
  T,
  clonesWithStrata,
  commitFiles,
  fact,
  gitEnv,
  hasConflictMarkers,
  hb,
  heartbeatFile,
  memoryFile,
  notesFile,
  unmerged,
  wrapDriverWithLog,
} from '../helpers/scenario.js';

const BASE_HEARTBEAT = heartbeatFile([hb('coder', T('09:00'), 'busy', 'task 1'), hb('planner', T('09:00'), 'idle', 'waiting')]);
const BASE_MEMORY = memoryFile([fact('frontend', 'framework', T('09:00'), 'research', 'Vue')]);

let sandbox: Sandbox;
let A: string;
let B: string;
let seed: string;
let log: string;
let logCount = 0;

beforeAll(() => {
  sandbox = makeSandbox('strata-history-');
  const { clones } = clonesWithStrata(sandbox, ['A', 'B'], { files: { 'HEARTBEAT.md': BASE_HEARTBEAT, 'MEMORY.md': BASE_MEMORY } });
  A = clones.A!;
  B = clones.B!;
  seed = sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim();
  // Every driver call in clone A is logged as "<%L> <%P> <marker lines in %O>", then runs the real driver.
  log = join(sandbox.dir, 'driver-calls.log');
  wrapDriverWithLog(sandbox, A, log);
});
afterAll(() => sandbox?.cleanup());

/** A fresh branch at the seed commit in clone A, with a clean tree and no operation in progress. */
function fresh(branch: string): void {
  sandbox.git(A, ['reset', '-q', '--hard']);
  sandbox.git(A, ['checkout', '-q', '-f', '-B', branch, seed]);
  sandbox.git(A, ['clean', '-q', '-fdx']);
}

/** Driver calls logged since the last call to this function. */
function driverCalls(): string[] {
  const all = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  const calls = all.slice(logCount);
  logCount = all.length;
  return calls;
}

beforeEach(() => {
  driverCalls();
});

const read = (dir: string, path: string): string => sandbox.read(join(dir, path));

describe('history operations call the driver and stay lossless', () => {
  it('cherry-pick of a heartbeat commit onto a diverged branch', () => {
    fresh('cp-side');
    commitFiles(sandbox, A, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:00'), 'busy', 'task 2'), hb('planner', T('09:00'), 'idle', 'waiting')]) }, 'coder 10:00');
    const pick = commitFiles(
      sandbox,
      A,
      {
        'HEARTBEAT.md': heartbeatFile([
          hb('coder', T('10:10'), 'busy', 'task 3'),
          hb('planner', T('09:00'), 'idle', 'waiting'),
          hb('tester', T('10:10'), 'busy', 'e2e run'),
        ]),
      },
      'coder 10:10, tester joins',
    );
    fresh('cp-main');
    commitFiles(sandbox, A, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:02'), 'idle', 'done with task 1'), hb('planner', T('10:05'), 'busy', 'planning')]) }, 'main moves on');
    driverCalls();
    const result = gitEnv(sandbox, A, ['cherry-pick', pick]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(driverCalls()).toEqual(['7 HEARTBEAT.md 0']);
    expect(read(A, 'HEARTBEAT.md')).toBe(
      heartbeatFile([hb('coder', T('10:10'), 'busy', 'task 3'), hb('planner', T('10:05'), 'busy', 'planning'), hb('tester', T('10:10'), 'busy', 'e2e run')]),
    );
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
    expect(sandbox.git(A, ['log', '-1', '--format=%s']).stdout.trim()).toBe('coder 10:10, tester joins');
  });

  it('stash, pull, stash pop with a concurrent heartbeat edit', () => {
    // B publishes its agents' refresh on main.
    sandbox.git(B, ['pull', '-q']);
    commitFiles(sandbox, B, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:20'), 'busy', 'task 4 (B)'), hb('planner', T('09:00'), 'idle', 'waiting')]) }, 'B: coder');
    sandbox.git(B, ['push', '-q', 'origin', 'main']);
    // A has an uncommitted refresh of another agent on the old main.
    sandbox.git(A, ['reset', '-q', '--hard']);
    sandbox.git(A, ['checkout', '-q', '-f', 'main']);
    sandbox.git(A, ['reset', '-q', '--hard', 'origin/main']);
    const local = heartbeatFile([hb('coder', T('09:00'), 'busy', 'task 1'), hb('planner', T('10:21'), 'busy', 'planning (A, uncommitted)'), hb('scout', T('10:21'), 'idle', 'new (A)')]);
    sandbox.write(join(A, 'HEARTBEAT.md'), local);
    sandbox.git(A, ['stash', '-q']);
    expect(read(A, 'HEARTBEAT.md')).toBe(BASE_HEARTBEAT);
    sandbox.git(A, ['pull', '-q', '--no-rebase']);
    driverCalls();
    const pop = gitEnv(sandbox, A, ['stash', 'pop']);
    expect(pop.status, pop.stdout + pop.stderr).toBe(0);
    expect(driverCalls()).toEqual(['7 HEARTBEAT.md 0']);
    expect(read(A, 'HEARTBEAT.md')).toBe(
      heartbeatFile([hb('coder', T('10:20'), 'busy', 'task 4 (B)'), hb('planner', T('10:21'), 'busy', 'planning (A, uncommitted)'), hb('scout', T('10:21'), 'idle', 'new (A)')]),
    );
    // Popped (not kept because of a conflict), and the change is unstaged work again.
    expect(sandbox.git(A, ['stash', 'list']).stdout).toBe('');
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe(' M HEARTBEAT.md\n');
    sandbox.git(A, ['checkout', '-q', '--', 'HEARTBEAT.md']);
  });

  it('revert of a facts commit: facts are grow-only, so the revert keeps every fact and reverts the rest', () => {
    fresh('revert');
    const notes = (extra: string[]) => notesFile({ Decisions: ['use pnpm', ...extra] });
    commitFiles(sandbox, A, { 'NOTES.md': notes([]) }, 'notes');
    const superseded = '- [entity:frontend] [attr:framework] [at:2026-11-27T09:00:00.000Z] [agent:research] [superseded:yes] Vue';
    const react = commitFiles(
      sandbox,
      A,
      { 'MEMORY.md': memoryFile([superseded, fact('frontend', 'framework', T('10:00'), 'research', 'React')]), 'NOTES.md': notes(['frontend: React']) },
      'fact: React',
    );
    const withGo = memoryFile([superseded, fact('frontend', 'framework', T('10:00'), 'research', 'React'), fact('backend', 'language', T('10:05'), 'research', 'Go')]);
    commitFiles(sandbox, A, { 'MEMORY.md': withGo }, 'fact: Go');
    driverCalls();
    const revert = gitEnv(sandbox, A, ['revert', '--no-edit', react]);
    expect(revert.status, revert.stdout + revert.stderr).toBe(0);
    // MEMORY.md changed on both sides since the reverted commit: the driver merges it.
    expect(driverCalls()).toEqual(['7 MEMORY.md 0']);
    // Facts supersede, never delete: the reverted fact stays, and Vue stays superseded by it.
    expect(read(A, 'MEMORY.md')).toBe(withGo);
    // The rest of the commit is reverted as usual.
    expect(read(A, 'NOTES.md')).toBe(notes([]));
    expect(sandbox.git(A, ['show', '--name-only', '--format=%s', 'HEAD']).stdout).toBe('Revert "fact: React"\n\nNOTES.md\n');
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
  });

  it('criss-cross merge: the virtual base is merged with %L = 9, the final merge is clean and lossless', () => {
    fresh('cc-main');
    const a1 = commitFiles(sandbox, A, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:00'), 'busy', 'a1'), hb('planner', T('09:00'), 'idle', 'waiting')]) }, 'a1');
    sandbox.git(A, ['checkout', '-q', '-B', 'cc-side', seed]);
    const b1 = commitFiles(sandbox, A, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('09:00'), 'busy', 'task 1'), hb('planner', T('10:01'), 'busy', 'b1')]) }, 'b1');
    // The criss-cross: each branch merges the other's first commit.
    sandbox.git(A, ['checkout', '-q', 'cc-main']);
    sandbox.git(A, ['merge', '-q', '--no-edit', b1]);
    sandbox.git(A, ['checkout', '-q', 'cc-side']);
    sandbox.git(A, ['merge', '-q', '--no-edit', a1]);
    const both = heartbeatFile([hb('coder', T('10:00'), 'busy', 'a1'), hb('planner', T('10:01'), 'busy', 'b1')]);
    expect(read(A, 'HEARTBEAT.md')).toBe(both);
    // Each side moves on.
    commitFiles(
      sandbox,
      A,
      { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:00'), 'busy', 'a1'), hb('planner', T('10:30'), 'busy', 'b2'), hb('reviewer', T('10:30'), 'busy', 'b2')]) },
      'b2',
    );
    sandbox.git(A, ['checkout', '-q', 'cc-main']);
    commitFiles(
      sandbox,
      A,
      { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('10:31'), 'busy', 'a2'), hb('planner', T('10:01'), 'busy', 'b1'), hb('tester', T('10:31'), 'busy', 'a2')]) },
      'a2',
    );
    const bases = sandbox.git(A, ['merge-base', '--all', 'cc-main', 'cc-side']).stdout.split('\n').filter(Boolean).sort();
    expect(bases).toEqual([a1, b1].sort());
    driverCalls();
    const merge = gitEnv(sandbox, A, ['merge', '--no-edit', 'cc-side']);
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    // Inner call (the virtual base from a1 and b1) with %L = 9, then the real merge with 7.
    expect(driverCalls()).toEqual(['9 HEARTBEAT.md 0', '7 HEARTBEAT.md 0']);
    const result = read(A, 'HEARTBEAT.md');
    expect(hasConflictMarkers(result)).toBe(false);
    expect(result).toBe(
      heartbeatFile([
        hb('coder', T('10:31'), 'busy', 'a2'),
        hb('planner', T('10:30'), 'busy', 'b2'),
        hb('reviewer', T('10:30'), 'busy', 'b2'),
        hb('tester', T('10:31'), 'busy', 'a2'),
      ]),
    );
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
  });

  it('criss-cross merge whose virtual base conflicts: the outer merge gets markers in %O and stays clean and lossless', () => {
    const notes = (decision: string, extra: Record<string, string[]> = {}) =>
      `# Notes\n\n## Decision\n\n- framework: ${decision}\n\n## From main\n\n${(extra.main ?? ['- nothing yet']).join('\n')}\n\n## From side\n\n${(extra.side ?? ['- nothing yet']).join('\n')}\n`;
    sandbox.git(A, ['reset', '-q', '--hard']);
    sandbox.git(A, ['checkout', '-q', '-f', '-B', 'cc2-main', seed]);
    commitFiles(sandbox, A, { 'NOTES.md': notes('undecided') }, 'notes base');
    const root = sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim();
    // The same line edited differently: a real conflict, in the inner merge too.
    const a1 = commitFiles(sandbox, A, { 'NOTES.md': notes('React (main)') }, 'a1');
    sandbox.git(A, ['checkout', '-q', '-B', 'cc2-side', root]);
    const b1 = commitFiles(sandbox, A, { 'NOTES.md': notes('Svelte (side)') }, 'b1');
    // Both branches merge the other's first commit and resolve the clash the same way.
    const resolved = notes('React, agreed');
    for (const [branch, other] of [['cc2-main', b1], ['cc2-side', a1]] as const) {
      sandbox.git(A, ['checkout', '-q', branch]);
      const m = gitEnv(sandbox, A, ['merge', '--no-edit', other]);
      expect(m.status, m.stdout).toBe(1);
      sandbox.write(join(A, 'NOTES.md'), resolved);
      sandbox.git(A, ['add', 'NOTES.md']);
      sandbox.git(A, ['commit', '-q', '--no-edit']);
    }
    commitFiles(sandbox, A, { 'NOTES.md': notes('React, agreed', { side: ['- nothing yet', '- side: ship it'] }) }, 'b2');
    sandbox.git(A, ['checkout', '-q', 'cc2-main']);
    commitFiles(sandbox, A, { 'NOTES.md': notes('React, agreed', { main: ['- nothing yet', '- main: add tests'] }) }, 'a2');
    driverCalls();
    const merge = gitEnv(sandbox, A, ['merge', '--no-edit', 'cc2-side'], { STRATA_DEBUG: '1' });
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    // The outer call's %O is the conflicted virtual base (one region, markers of size 9).
    expect(driverCalls()).toEqual(['9 NOTES.md 0', '7 NOTES.md 1']);
    expect(merge.stderr).toContain('NOTES.md: markdown via fallback:input-has-conflict-markers');
    expect(read(A, 'NOTES.md')).toBe(notes('React, agreed', { main: ['- nothing yet', '- main: add tests'], side: ['- nothing yet', '- side: ship it'] }));
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
  });

  it('merge-tree --write-tree uses the driver and gives a clean tree without touching the work tree', () => {
    const [major, minor] = sandbox.git(A, ['version']).stdout.match(/(\d+)\.(\d+)/)!.slice(1).map(Number) as [number, number];
    expect(major > 2 || (major === 2 && minor >= 38), 'git >= 2.38 needed for merge-tree --write-tree').toBe(true);
    fresh('mt-ours');
    const mtOurs = heartbeatFile([hb('coder', T('11:00'), 'busy', 'ours'), hb('planner', T('09:00'), 'idle', 'waiting'), hb('auditor', T('11:00'), 'idle', 'ours')]);
    commitFiles(sandbox, A, { 'HEARTBEAT.md': mtOurs }, 'mt ours');
    fresh('mt-theirs');
    commitFiles(sandbox, A, { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('11:01'), 'busy', 'theirs'), hb('planner', T('11:01'), 'busy', 'theirs')]) }, 'mt theirs');
    sandbox.git(A, ['checkout', '-q', 'mt-ours']);
    const head = sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim();
    driverCalls();
    const mt = gitEnv(sandbox, A, ['merge-tree', '--write-tree', 'mt-ours', 'mt-theirs']);
    expect(mt.status, mt.stdout + mt.stderr).toBe(0);
    expect(driverCalls()).toEqual(['7 HEARTBEAT.md 0']);
    const tree = mt.stdout.trim();
    expect(tree).toMatch(/^[0-9a-f]{40}$/);
    expect(sandbox.git(A, ['cat-file', 'blob', `${tree}:HEARTBEAT.md`]).stdout).toBe(
      heartbeatFile([hb('coder', T('11:01'), 'busy', 'theirs'), hb('planner', T('11:01'), 'busy', 'theirs'), hb('auditor', T('11:00'), 'idle', 'ours')]),
    );
    expect(sandbox.git(A, ['cat-file', 'blob', `${tree}:MEMORY.md`]).stdout).toBe(BASE_MEMORY);
    // Read-only: HEAD, index and work tree are untouched.
    expect(sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim()).toBe(head);
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
    expect(read(A, 'HEARTBEAT.md')).toBe(mtOurs);
    // The same commits with plain text merging conflict (the control).
    const plain = gitEnv(sandbox, A, ['-c', 'merge.strata.driver=false', 'merge-tree', '--write-tree', '--name-only', 'mt-ours', 'mt-theirs']);
    expect(plain.status).toBe(1);
    expect(plain.stdout).toContain('HEARTBEAT.md');
  });

  it('a linked worktree merges with the same driver; log --remerge-diff there reproduces the merge', () => {
    fresh('wt-main');
    const wtMain = heartbeatFile([hb('coder', T('12:00'), 'busy', 'main'), hb('planner', T('09:00'), 'idle', 'waiting'), hb('deployer', T('12:00'), 'busy', 'main')]);
    commitFiles(sandbox, A, { 'HEARTBEAT.md': wtMain }, 'wt main');
    const wt = join(sandbox.dir, 'A-worktree');
    sandbox.git(A, ['worktree', 'add', '-q', '-b', 'wt-side', wt, seed]);
    try {
      commitFiles(
        sandbox,
        wt,
        { 'HEARTBEAT.md': heartbeatFile([hb('coder', T('12:01'), 'busy', 'worktree'), hb('planner', T('12:01'), 'busy', 'worktree'), hb('helper', T('12:01'), 'idle', 'worktree')]) },
        'wt side',
      );
      driverCalls();
      const merge = gitEnv(sandbox, wt, ['merge', '--no-edit', 'wt-main']);
      expect(merge.status, merge.stdout + merge.stderr).toBe(0);
      expect(driverCalls()).toEqual(['7 HEARTBEAT.md 0']);
      expect(read(wt, 'HEARTBEAT.md')).toBe(
        heartbeatFile([
          hb('coder', T('12:01'), 'busy', 'worktree'),
          hb('planner', T('12:01'), 'busy', 'worktree'),
          hb('deployer', T('12:00'), 'busy', 'main'),
          hb('helper', T('12:01'), 'idle', 'worktree'),
        ]),
      );
      expect(unmerged(sandbox, wt)).toEqual([]);
      expect(sandbox.git(wt, ['rev-list', '--merges', '--count', 'HEAD']).stdout.trim()).toBe('1');
      // The main work tree did not move.
      expect(read(A, 'HEARTBEAT.md')).toBe(wtMain);
      // Read-only `log --remerge-diff` calls the driver too and reproduces the committed merge exactly.
      const remerge = gitEnv(sandbox, wt, ['log', '--remerge-diff', '-1', '--format=%s']);
      expect(remerge.status, remerge.stderr).toBe(0);
      expect(remerge.stdout.trim()).toBe("Merge branch 'wt-main' into wt-side");
      expect(driverCalls()).toEqual(['7 HEARTBEAT.md 0']);
      expect(sandbox.git(wt, ['status', '--porcelain']).stdout).toBe('');
      // Control: with a driver that fails, the remerge differs (it shows git's conflict).
      const control = gitEnv(sandbox, wt, ['-c', 'merge.strata.driver=false', 'log', '--remerge-diff', '-1', '--format=%s']);
      expect(control.stdout).toContain('HEARTBEAT.md');
    } finally {
      sandbox.git(A, ['worktree', 'remove', '--force', wt]);
    }
  });
});
