// `git pull` (merge and --rebase) between two clones of one bare remote, with the real git binary and
// strata installed: concurrent heartbeats, facts and Markdown appends merge cleanly, nothing is lost,
// and the files come out byte-identical whichever clone merged first and however it pulled.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRemoteWithClones, makeSandbox, type Sandbox } from '../helpers/git.js';
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
  readBytes,
  unmerged,
} from '../helpers/scenario.js';

const FILES = ['HEARTBEAT.md', 'MEMORY.md', 'NOTES.md'] as const;

const BASE = {
  'HEARTBEAT.md': heartbeatFile([hb('coder', T('09:00'), 'busy', 'task 1'), hb('planner', T('09:00'), 'idle', 'waiting')]),
  'MEMORY.md': memoryFile([fact('frontend', 'framework', T('09:00'), 'research', 'Vue'), fact('ci', 'provider', T('09:00'), 'ops', 'GitHub Actions')]),
  'NOTES.md': notesFile({ Decisions: ['use pnpm'], 'Open questions': ['which CI?'] }),
};

// Clone A: the coder's older refresh, the planner's newer one, a new agent; a newer fact; a note.
const EDIT_A = {
  'HEARTBEAT.md': heartbeatFile([
    hb('coder', T('10:00'), 'busy', 'task 2 (A)'),
    hb('planner', T('10:05'), 'busy', 'planning sprint (A)'),
    hb('tester', T('10:01'), 'busy', 'running e2e (A)'),
  ]),
  'MEMORY.md': memoryFile([
    fact('frontend', 'framework', T('09:00'), 'research', 'Vue'),
    fact('frontend', 'framework', T('10:00'), 'research', 'React'),
    fact('ci', 'provider', T('09:00'), 'ops', 'GitHub Actions'),
  ]),
  'NOTES.md': notesFile({ Decisions: ['use pnpm', 'A: adopt vitest'], 'Open questions': ['which CI?'] }),
};

// Clone B: the coder's newer refresh, the planner's older one, another new agent; the newest fact; a note.
const EDIT_B = {
  'HEARTBEAT.md': heartbeatFile([
    hb('coder', T('10:03'), 'busy', 'task 3 (B)'),
    hb('planner', T('10:04'), 'idle', 'waiting for review (B)'),
    hb('reviewer', T('10:02'), 'busy', 'reviewing #12 (B)'),
  ]),
  'MEMORY.md': memoryFile([
    fact('frontend', 'framework', T('09:00'), 'research', 'Vue'),
    fact('frontend', 'framework', T('10:02'), 'coder', 'Svelte'),
    fact('ci', 'provider', T('09:00'), 'ops', 'GitHub Actions'),
    fact('ci', 'runner', T('10:02'), 'ops', 'ubuntu-24.04'),
  ]),
  'NOTES.md': notesFile({ Decisions: ['use pnpm', 'B: keep node 20', 'B: pin esbuild'], 'Open questions': ['which CI?'] }),
};

/** The lossless, LWW-respecting result; order between concurrent insertions is the driver's choice. */
const EXPECTED = {
  'HEARTBEAT.md': heartbeatFile([
    hb('coder', T('10:03'), 'busy', 'task 3 (B)'),
    hb('planner', T('10:05'), 'busy', 'planning sprint (A)'),
    hb('tester', T('10:01'), 'busy', 'running e2e (A)'),
    hb('reviewer', T('10:02'), 'busy', 'reviewing #12 (B)'),
  ]),
  'MEMORY.md': memoryFile([
    '- [entity:frontend] [attr:framework] [at:2026-11-27T09:00:00.000Z] [agent:research] [superseded:yes] Vue',
    '- [entity:frontend] [attr:framework] [at:2026-11-27T10:00:00.000Z] [agent:research] [superseded:yes] React',
    fact('frontend', 'framework', T('10:02'), 'coder', 'Svelte'),
    fact('ci', 'provider', T('09:00'), 'ops', 'GitHub Actions'),
    fact('ci', 'runner', T('10:02'), 'ops', 'ubuntu-24.04'),
  ]),
  'NOTES.md': notesFile({ Decisions: ['use pnpm', 'A: adopt vitest', 'B: keep node 20', 'B: pin esbuild'], 'Open questions': ['which CI?'] }),
};

/** heading → sorted lines of that section: exact content, modulo order inside a section. */
function bySection(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let heading = '(top)';
  for (const line of text.split('\n')) {
    if (/^#{1,6} /.test(line)) heading = line;
    (out[heading] ??= []).push(line);
  }
  for (const lines of Object.values(out)) lines.sort();
  return out;
}

/** Headings in file order (the structure must survive as is). */
function headings(text: string): string[] {
  return text.split('\n').filter((l) => /^#{1,6} /.test(l));
}

interface Outcome {
  readonly tree: string;
  readonly bytes: Record<string, Buffer>;
  readonly trace: string;
}

const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const s of sandboxes) s.cleanup();
});

/**
 * Both clones edit concurrently; `first` pushes, the other pulls (`mode`) and pushes, `first` pulls.
 * Returns the converged tree and file bytes, after asserting both clones agree.
 */
function converge(mode: 'merge' | 'rebase', first: 'A' | 'B', install = true): Outcome & { sandbox: Sandbox; clones: Record<string, string>; pull: { status: number; stdout: string; stderr: string } } {
  const sandbox = makeSandbox(`strata-pull-${mode}-${first}-`);
  sandboxes.push(sandbox);
  const clones = install ? clonesWithStrata(sandbox, ['A', 'B'], { files: BASE }).clones : makeRemoteWithClones(sandbox, ['A', 'B'], { files: BASE, install: false });
  commitFiles(sandbox, clones.A!, EDIT_A, 'A: heartbeats, a fact, a note');
  commitFiles(sandbox, clones.B!, EDIT_B, 'B: heartbeats, facts, notes');
  const second = first === 'A' ? 'B' : 'A';
  sandbox.git(clones[first]!, ['push', '-q', 'origin', 'main']);
  const pullArgs = mode === 'rebase' ? ['pull', '--rebase'] : ['pull', '--no-rebase', '--no-edit'];
  const pull = gitEnv(sandbox, clones[second]!, pullArgs, { STRATA_DEBUG: '1' });
  if (!install) return { sandbox, clones, pull, tree: '', bytes: {}, trace: '' };
  expect(pull.status, `${pull.stdout}\n${pull.stderr}`).toBe(0);
  expect(unmerged(sandbox, clones[second]!)).toEqual([]);
  sandbox.git(clones[second]!, ['push', '-q', 'origin', 'main']);
  const back = gitEnv(sandbox, clones[first]!, ['pull', '--no-edit', ...(mode === 'rebase' ? ['--rebase'] : ['--no-rebase'])]);
  expect(back.status, back.stderr).toBe(0);
  const tree = sandbox.git(clones.A!, ['rev-parse', 'HEAD^{tree}']).stdout.trim();
  expect(sandbox.git(clones.B!, ['rev-parse', 'HEAD^{tree}']).stdout.trim()).toBe(tree);
  const bytes: Record<string, Buffer> = {};
  for (const file of FILES) {
    bytes[file] = readBytes(clones.A!, file);
    expect(readBytes(clones.B!, file).equals(bytes[file]!), `${file} differs between the clones`).toBe(true);
  }
  // Both working trees are clean and match HEAD.
  for (const name of ['A', 'B']) expect(sandbox.git(clones[name]!, ['status', '--porcelain']).stdout).toBe('');
  return { sandbox, clones, pull, tree, bytes, trace: pull.stderr };
}

function assertLossless(bytes: Record<string, Buffer>): void {
  for (const file of FILES) {
    const text = bytes[file]!.toString('utf8');
    expect(hasConflictMarkers(text), `${file} has conflict markers`).toBe(false);
    expect(headings(text), file).toEqual(headings(EXPECTED[file]));
    expect(bySection(text), file).toEqual(bySection(EXPECTED[file]));
  }
  // Spelled out, the semantics the section comparison implies.
  const heartbeat = bytes['HEARTBEAT.md']!.toString('utf8');
  expect(heartbeat.match(/\[agent:coder\]/g)).toHaveLength(1);
  expect(heartbeat).toContain('[at:2026-11-27T10:03:00.000Z] [status:busy] [ttl:10m] task 3 (B)');
  expect(heartbeat).toContain('[agent:planner] [at:2026-11-27T10:05:00.000Z]');
  expect(heartbeat).not.toContain('task 2 (A)');
  expect(heartbeat).not.toContain('waiting for review (B)');
  const memory = bytes['MEMORY.md']!.toString('utf8');
  expect(memory.match(/\[superseded:yes\]/g)).toHaveLength(2);
  expect(memory).toMatch(/\[agent:coder\] Svelte\n/);
}

describe('git pull between two clones with strata installed', () => {
  const outcomes: Record<string, Outcome> = {};

  it('merge, A pushes first: clean, lossless, both clones byte-identical', () => {
    const out = converge('merge', 'A');
    // The driver really did the work (not git's text merge) for every typed file.
    expect(out.trace).toContain('HEARTBEAT.md: heartbeat via typed:heartbeat, 0 conflict(s)');
    expect(out.trace).toContain('MEMORY.md: facts via typed:facts, 0 conflict(s)');
    expect(out.trace).toContain('NOTES.md: markdown via');
    assertLossless(out.bytes);
    // Two commits on top of the seed plus the merge commit, on both clones.
    expect(out.sandbox.git(out.clones.A!, ['rev-list', '--count', 'HEAD']).stdout.trim()).toBe('4');
    outcomes['merge-A'] = out;
  });

  it('merge, B pushes first: the same bytes as when A pushed first', () => {
    const out = converge('merge', 'B');
    assertLossless(out.bytes);
    outcomes['merge-B'] = out;
  });

  it('pull --rebase, A pushes first: clean, lossless, linear history', () => {
    const out = converge('rebase', 'A');
    expect(out.trace).toContain('HEARTBEAT.md: heartbeat via typed:heartbeat, 0 conflict(s)');
    assertLossless(out.bytes);
    // Rebased: no merge commit on either clone.
    expect(out.sandbox.git(out.clones.A!, ['rev-list', '--merges', '--count', 'HEAD']).stdout.trim()).toBe('0');
    expect(out.sandbox.git(out.clones.A!, ['rev-list', '--count', 'HEAD']).stdout.trim()).toBe('3');
    outcomes['rebase-A'] = out;
  });

  it('pull --rebase, B pushes first: clean, lossless', () => {
    const out = converge('rebase', 'B');
    assertLossless(out.bytes);
    outcomes['rebase-B'] = out;
  });

  it('whichever clone merged first and however it pulled, the files are byte-identical', () => {
    const keys = ['merge-A', 'merge-B', 'rebase-A', 'rebase-B'];
    expect(Object.keys(outcomes).sort()).toEqual([...keys].sort());
    const reference = outcomes['merge-A']!;
    for (const key of keys) {
      for (const file of FILES) {
        expect(outcomes[key]!.bytes[file]!.toString('utf8'), `${key} ${file}`).toBe(reference.bytes[file]!.toString('utf8'));
      }
      expect(outcomes[key]!.tree, key).toBe(reference.tree);
    }
  });

  it('control: without the driver installed, the same pull conflicts in all three files', () => {
    const { sandbox, clones, pull } = converge('merge', 'A', false);
    expect(pull.status).toBe(1);
    expect(pull.stdout).toContain('CONFLICT (content): Merge conflict in HEARTBEAT.md');
    expect(unmerged(sandbox, clones.B!)).toEqual(['HEARTBEAT.md', 'MEMORY.md', 'NOTES.md']);
    for (const file of FILES) expect(hasConflictMarkers(sandbox.read(join(clones.B!, file))), file).toBe(true);
  });
});

describe('git pull where stamps of two precisions meet', () => {
  it('the later heartbeat wins although the earlier one was written without milliseconds, and verify passes the merge', () => {
    const sandbox = makeSandbox('strata-pull-stamps-');
    sandboxes.push(sandbox);
    const line = (at: string, text: string): string => `- [agent:coder] [at:2026-11-27T${at}] [status:busy] [ttl:10m] ${text}`;
    const { clones } = clonesWithStrata(sandbox, ['A', 'B'], { files: { 'HEARTBEAT.md': heartbeatFile([line('09:00:00.000Z', 'idle')]) } });
    // Both stamps pass `git strata check`; as text '10:00:05Z' sorts after '10:00:05.500Z'.
    commitFiles(sandbox, clones.A!, { 'HEARTBEAT.md': heartbeatFile([line('10:00:05Z', 'earlier, written by hand')]) }, 'A: by hand');
    commitFiles(sandbox, clones.B!, { 'HEARTBEAT.md': heartbeatFile([line('10:00:05.500Z', 'later, by the cli')]) }, 'B: cli');
    sandbox.git(clones.B!, ['push', '-q', 'origin', 'main']);
    const pull = gitEnv(sandbox, clones.A!, ['pull', '--no-rebase', '--no-edit']);
    expect(pull.status, pull.stderr).toBe(0);
    expect(sandbox.read(join(clones.A!, 'HEARTBEAT.md'))).toBe(heartbeatFile([line('10:00:05.500Z', 'later, by the cli')]));
    // The driver's merge is one strata's own checks accept: no heartbeat went back in time.
    const verify = sandbox.strata(clones.A!, ['verify', '--range', 'HEAD~2..HEAD'], { allowFail: true });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });

  it('writes its own conflicts in the clone\'s merge.conflictStyle, base included for diff3', () => {
    const sandbox = makeSandbox('strata-pull-diff3-');
    sandboxes.push(sandbox);
    const notes = (para: string, items: string[]): string => `# Notes\n\n${para}\n\n## Log\n\n${items.map((i) => `- ${i}\n`).join('')}`;
    const { clones } = clonesWithStrata(sandbox, ['A', 'B'], { files: { 'NOTES.md': notes('Deploy to staging.', ['one']) } });
    commitFiles(sandbox, clones.A!, { 'NOTES.md': notes('Deploy to production.', ['one', 'from A']) }, 'A');
    commitFiles(sandbox, clones.B!, { 'NOTES.md': notes('Deploy to canary.', ['one', 'from B']) }, 'B');
    sandbox.git(clones.B!, ['push', '-q', 'origin', 'main']);
    sandbox.git(clones.A!, ['config', 'merge.conflictStyle', 'diff3']);
    const pull = gitEnv(sandbox, clones.A!, ['pull', '--no-rebase', '--no-edit']);
    expect(pull.status).toBe(1);
    // Both appends to the log are kept (strata's block merge ran), the paragraph is a diff3 conflict.
    const text = sandbox.read(join(clones.A!, 'NOTES.md'));
    expect(text).toMatch(/^<<<<<<< ours\nDeploy to production\.\n\|\|\|\|\|\|\| base\nDeploy to staging\.\n=======\nDeploy to canary\.\n>>>>>>> theirs\n/m);
    expect(text).toMatch(/^- one\n- from [AB]\n- from [AB]\n$/m);
  });
});
