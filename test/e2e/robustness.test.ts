// What happens when things go wrong, with the real git binary: the driver missing or killed, STRATA=0,
// inputs with conflict markers, bytes that are not text, a very large heartbeat, and hooks under a
// husky-style core.hooksPath. Whatever happens, git keeps working and no user data is lost.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';
import { T, clonesWithStrata, commitFiles, installWith, gitEnv, hasConflictMarkers, hb, heartbeatFile, linesOf, notesFile, sortedLines, unmerged } from '../helpers/scenario.js';

let sandbox: Sandbox;
let A: string;
let seed: string;
/** The clone the current scenario runs in (A, but for the moved-away install). */
let cwd: string;
/** The sandbox's private copy of the CLI that the clones were installed with. */
let cli: string;

beforeAll(() => {
  sandbox = makeSandbox('strata-robust-');
  const setup = clonesWithStrata(sandbox, ['A'], { files: { 'README.md': '# project\n' } });
  const clones = setup.clones;
  cli = setup.cli;
  A = clones.A!;
  seed = sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim();
  cwd = A;
});
afterAll(() => sandbox?.cleanup());

type Files = Record<string, string | Buffer>;

interface Pulled {
  readonly result: RunResult;
  /** The commit of the local branch before the pull (ours). */
  readonly ours: string;
}

/**
 * In the current clone (`cwd`, normally A): a base commit, "theirs" pushed to the remote as `<name>-theirs`, "ours" committed locally,
 * then `git pull origin <name>-theirs` with `gitArgs` (e.g. `-c key=value`) and `env`.
 * Commits are made with --no-verify: some inputs (conflict markers) are exactly what pre-commit refuses.
 */
function pullScenario(name: string, base: Files, ours: Files, theirs: Files, options: { gitArgs?: string[]; env?: NodeJS.ProcessEnv; pullArgs?: string[] } = {}): Pulled {
  sandbox.git(cwd, ['reset', '-q', '--hard']);
  sandbox.git(cwd, ['checkout', '-q', '-f', '-B', `${name}-base`, seed]);
  commitFiles(sandbox, cwd, base, `${name}: base`, ['--no-verify']);
  sandbox.git(cwd, ['checkout', '-q', '-B', `${name}-theirs`]);
  commitFiles(sandbox, cwd, theirs, `${name}: theirs`, ['--no-verify']);
  sandbox.git(cwd, ['push', '-q', '-f', 'origin', `${name}-theirs`]);
  sandbox.git(cwd, ['checkout', '-q', '-B', name, `${name}-base`]);
  sandbox.git(cwd, ['branch', '-q', '-D', `${name}-theirs`]);
  const oursCommit = commitFiles(sandbox, cwd, ours, `${name}: ours`, ['--no-verify']);
  const result = gitEnv(sandbox, cwd, [...(options.gitArgs ?? []), 'pull', '--no-rebase', '--no-edit', ...(options.pullArgs ?? []), 'origin', `${name}-theirs`], options.env ?? {});
  return { result, ours: oursCommit };
}

const read = (path: string): string => sandbox.read(join(cwd, path));
const readRaw = (path: string): Buffer => readFileSync(join(cwd, path));
const stage = (n: 1 | 2 | 3, path: string): string => sandbox.git(cwd, ['show', `:${n}:${path}`]).stdout;
/** The bytes of a blob, e.g. `:3:path` (theirs in the index). */
const blob = (rev: string): Buffer => spawnSync('git', ['cat-file', 'blob', rev], { cwd, env: sandbox.env }).stdout;
/** Conflict markers with their labels removed, to compare strata's fallback with git's own text merge. */
const unlabel = (text: string): string => text.replace(/^(<{7,}|>{7,}|\|{7,})( .*)?$/gm, '$1');
/** No .merge_file_* temp files or strata temp files left in the work tree. */
function noLeftovers(): void {
  expect(readdirSync(cwd).filter((f) => f.startsWith('.merge_file_') || f.includes('.tmp') || /^HEARTBEAT\.md\..+/.test(f))).toEqual([]);
}

// Concurrent edits of one agent line in a heartbeat: git's text merge conflicts, strata's does not.
const HB_BASE = heartbeatFile([hb('coder', T('09:00'), 'busy', 'task 1'), hb('planner', T('09:00'), 'idle', 'waiting')]);
const HB_OURS = heartbeatFile([hb('coder', T('10:00'), 'busy', 'task 2 (ours)'), hb('planner', T('09:00'), 'idle', 'waiting'), hb('tester', T('10:00'), 'busy', 'ours')]);
const HB_THEIRS = heartbeatFile([hb('coder', T('10:01'), 'busy', 'task 3 (theirs)'), hb('planner', T('10:01'), 'busy', 'theirs')]);
const HB_MERGED = heartbeatFile([hb('coder', T('10:01'), 'busy', 'task 3 (theirs)'), hb('planner', T('10:01'), 'busy', 'theirs'), hb('tester', T('10:00'), 'busy', 'ours')]);
// A second file that git merges cleanly on its own, and a one-sided change.
const NOTES_BASE = notesFile({ Decisions: ['use pnpm'], Later: ['x'], Questions: ['which CI?'] });
const NOTES_OURS = notesFile({ Decisions: ['use pnpm', 'ours: adopt vitest'], Later: ['x'], Questions: ['which CI?'] });
const NOTES_THEIRS = notesFile({ Decisions: ['use pnpm'], Later: ['x'], Questions: ['which CI?', 'theirs: which runner?'] });
const NOTES_MERGED = notesFile({ Decisions: ['use pnpm', 'ours: adopt vitest'], Later: ['x'], Questions: ['which CI?', 'theirs: which runner?'] });

const BASE = { 'HEARTBEAT.md': HB_BASE, 'NOTES.md': NOTES_BASE, 'ONLY.md': '# only theirs changes this\n' };
const OURS = { 'HEARTBEAT.md': HB_OURS, 'NOTES.md': NOTES_OURS };
const THEIRS = { 'HEARTBEAT.md': HB_THEIRS, 'NOTES.md': NOTES_THEIRS, 'ONLY.md': '# only theirs changes this\n\n- theirs\n' };

/** The state git leaves when the driver failed on HEARTBEAT.md: a conflict, ours in the work tree, every side in the index. */
function expectDriverFailureConflict(pulled: Pulled, conflicted = ['HEARTBEAT.md']): void {
  const path = 'HEARTBEAT.md';
  expect(pulled.result.status, pulled.result.stdout + pulled.result.stderr).toBe(1);
  expect(pulled.result.stdout).toContain(`CONFLICT (content): Merge conflict in ${path}`);
  expect(unmerged(sandbox, cwd)).toEqual(conflicted);
  // The work tree keeps ours, whole (not truncated, not half-written); theirs and base are in the index.
  expect(read(path)).toBe(HB_OURS);
  expect(stage(1, path)).toBe(HB_BASE);
  expect(stage(2, path)).toBe(HB_OURS);
  expect(stage(3, path)).toBe(HB_THEIRS);
  // The one-sided change never reaches a driver and is merged.
  expect(read('ONLY.md')).toBe('# only theirs changes this\n\n- theirs\n');
  // The merge is in progress, not aborted: the user can resolve and commit.
  expect(existsSync(join(cwd, '.git/MERGE_HEAD'))).toBe(true);
  noLeftovers();
}

describe('robustness against a broken or disabled driver', () => {
  it('control: with the driver working, the same pull is clean', () => {
    const pulled = pullScenario('ok', BASE, OURS, THEIRS);
    expect(pulled.result.status, pulled.result.stdout + pulled.result.stderr).toBe(0);
    expect(read('HEARTBEAT.md')).toBe(HB_MERGED);
    expect(read('NOTES.md')).toBe(NOTES_MERGED);
    expect(sandbox.git(A, ['status', '--porcelain']).stdout).toBe('');
    noLeftovers();
  });

  it('strata installed from a package that was then deleted: a normal conflict, nothing lost, hooks only warn', () => {
    // Install from a copy of the package, then delete the copy: the registered driver line and the
    // hook shims now point at a file that does not exist.
    const pkg = join(sandbox.dir, 'moved-away');
    cpSync(dirname(dirname(cli)), pkg, { recursive: true });
    const gone = join(sandbox.dir, 'gone');
    sandbox.git(sandbox.dir, ['clone', '-q', join(sandbox.dir, 'remote.git'), gone]);
    const install = spawnSync(process.execPath, [join(pkg, 'dist/git-strata.mjs'), 'install'], { cwd: gone, env: sandbox.env, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(sandbox.git(gone, ['config', 'merge.strata.driver']).stdout).toContain(join(pkg, 'dist/git-strata.cjs'));
    rmSync(pkg, { recursive: true, force: true });
    cwd = gone;
    try {
      const pulled = pullScenario('missing', BASE, OURS, THEIRS);
      // NOTES.md also went to the missing driver: ours kept, marked conflicted, theirs in the index.
      expectDriverFailureConflict(pulled, ['HEARTBEAT.md', 'NOTES.md']);
      expect(pulled.result.stdout).toContain('CONFLICT (content): Merge conflict in NOTES.md');
      expect(read('NOTES.md')).toBe(NOTES_OURS);
      expect(stage(3, 'NOTES.md')).toBe(NOTES_THEIRS);
      // The user resolves and commits; the pre-commit shim warns instead of blocking.
      sandbox.write(join(gone, 'HEARTBEAT.md'), HB_MERGED);
      sandbox.write(join(gone, 'NOTES.md'), NOTES_MERGED);
      sandbox.git(gone, ['add', 'HEARTBEAT.md', 'NOTES.md']);
      const commit = gitEnv(sandbox, gone, ['commit', '-q', '--no-edit']);
      expect(commit.status, commit.stderr).toBe(0);
      expect(commit.stderr).toContain("strata's pre-commit hook did not run");
      expect(sandbox.git(gone, ['rev-list', '--merges', '--count', 'HEAD']).stdout.trim()).toBe('1');
    } finally {
      cwd = A;
    }
  });

  it('driver command not found (exit 127): a normal conflict, nothing lost', () => {
    const pulled = pullScenario('notfound', BASE, { 'HEARTBEAT.md': HB_OURS }, { 'HEARTBEAT.md': HB_THEIRS, 'ONLY.md': THEIRS['ONLY.md'] }, {
      gitArgs: ['-c', `merge.strata.driver='${join(sandbox.dir, 'no/such/git-strata')}' merge %O %A %B %L %P`],
    });
    expectDriverFailureConflict(pulled);
    expect(read('NOTES.md')).toBe(NOTES_BASE);
  });

  it('driver killed by SIGKILL: git reports an error or conflict, the work tree keeps the user\'s data', () => {
    const script = join(sandbox.dir, 'kill-self.sh');
    sandbox.write(script, '#!/bin/sh\n# Dies the hardest way a driver can, mid-merge.\nkill -9 $$\n');
    chmodSync(script, 0o755);
    const pulled = pullScenario('killed', BASE, { 'HEARTBEAT.md': HB_OURS }, { 'HEARTBEAT.md': HB_THEIRS, 'ONLY.md': THEIRS['ONLY.md'] }, {
      gitArgs: ['-c', `merge.strata.driver='${script}' %O %A %B %L %P`],
    });
    const [major, minor] = sandbox.git(A, ['version']).stdout.match(/(\d+)\.(\d+)/)!.slice(1).map(Number) as [number, number];
    expect(pulled.result.status).not.toBe(0);
    expect(read('HEARTBEAT.md')).toBe(HB_OURS);
    noLeftovers();
    if (major === 2 && minor < 42) {
      // Before 2.42 a killed driver is just a conflict: all three versions stay in the index.
      expectDriverFailureConflict(pulled);
      // The file shows ours alone, with no marker: doctor names it and the command that merges it.
      const doctor = sandbox.strata(cwd, ['doctor'], { allowFail: true });
      expect(doctor.stdout).toMatch(/warn\s+unmerged files: HEARTBEAT\.md is left conflicted by a merge/);
      expect(doctor.stdout).toContain('fix: git strata resolve HEARTBEAT.md (merges both sides again');
      // From a subdirectory, the path as resolve reads it there.
      mkdirSync(join(cwd, 'sub'), { recursive: true });
      expect(sandbox.strata(join(cwd, 'sub'), ['doctor'], { allowFail: true }).stdout).toContain('fix: git strata resolve ../HEARTBEAT.md (merges');
      expect(sandbox.strata(cwd, ['resolve', 'HEARTBEAT.md']).status).toBe(0);
      expect(sandbox.strata(cwd, ['doctor'], { allowFail: true }).stdout).not.toContain('unmerged files');
    } else {
      // From 2.42 it aborts the merge; HEAD is still ours.
      expect(sandbox.git(A, ['rev-parse', 'HEAD']).stdout.trim()).toBe(pulled.ours);
    }
  });

  it('a broken install (the driver bundle gone, the entry still there): git\'s own merge with markers, and doctor says so', () => {
    const pkg = join(sandbox.dir, 'half-installed');
    cpSync(dirname(dirname(cli)), pkg, { recursive: true });
    rmSync(join(pkg, 'dist/driver.cjs'));
    // From the entry install registers (CommonJS) and from the ES module one alike.
    for (const name of ['git-strata.cjs', 'git-strata.mjs']) {
      const script = join(pkg, 'dist', name);
      const pulled = pullScenario(`halfinstalled-${name.slice(-3)}`, BASE, OURS, THEIRS, {
        gitArgs: ['-c', `merge.strata.driver='${process.execPath}' '${script}' merge %O %A %B %L %P`],
      });
      expect(pulled.result.status, pulled.result.stdout + pulled.result.stderr).toBe(1);
      expect(pulled.result.stderr).toContain('the merge driver failed to start');
      expect(unmerged(sandbox, cwd)).toEqual(['HEARTBEAT.md']);
      // Markers the user can resolve, with both sides' lines, not just ours.
      const heartbeat = read('HEARTBEAT.md');
      expect(hasConflictMarkers(heartbeat)).toBe(true);
      for (const line of [...linesOf(HB_OURS), ...linesOf(HB_THEIRS)]) expect(heartbeat).toContain(line);
      // git's line merge is clean for NOTES.md, so it is clean here too.
      expect(read('NOTES.md')).toBe(NOTES_MERGED);
      noLeftovers();
      sandbox.git(cwd, ['merge', '--abort']);
    }
    const entry = join(pkg, 'dist/git-strata.mjs');

    const driver = sandbox.git(A, ['config', '--local', 'merge.strata.driver']).stdout.trim();
    sandbox.git(A, ['config', '--local', 'merge.strata.driver', `'${process.execPath}' '${entry}' merge %O %A %B %L %P`]);
    try {
      const doctor = spawnSync(process.execPath, [cli, 'doctor'], { cwd: A, env: sandbox.env, encoding: 'utf8' });
      expect(doctor.stdout + doctor.stderr).toMatch(/FAIL.*merge code does not load/);
      // The Markdown merge the driver loads only when git's line merge conflicts: doctor loads it too.
      const noMarkdown = join(sandbox.dir, 'no-markdown');
      cpSync(dirname(dirname(cli)), noMarkdown, { recursive: true });
      rmSync(join(noMarkdown, 'dist/driver-markdown.cjs'));
      sandbox.git(A, ['config', '--local', 'merge.strata.driver', `'${process.execPath}' '${join(noMarkdown, 'dist/git-strata.mjs')}' merge %O %A %B %L %P`]);
      const doctor2 = spawnSync(process.execPath, [cli, 'doctor'], { cwd: A, env: sandbox.env, encoding: 'utf8' });
      expect(doctor2.stdout + doctor2.stderr).toMatch(/FAIL.*merge code does not load/);
    } finally {
      sandbox.git(A, ['config', '--local', 'merge.strata.driver', driver]);
    }
  });

  it('STRATA=0 git pull behaves like plain git: the same conflicts, the same text', () => {
    const strata0 = pullScenario('strata0', BASE, OURS, THEIRS, { env: { STRATA: '0' } });
    expect(strata0.result.status).toBe(1);
    expect(unmerged(sandbox, cwd)).toEqual(['HEARTBEAT.md']);
    const withStrata0 = { heartbeat: read('HEARTBEAT.md'), notes: read('NOTES.md') };
    expect(hasConflictMarkers(withStrata0.heartbeat)).toBe(true);
    // git's line merge is clean for NOTES.md, so STRATA=0 is clean there too.
    expect(withStrata0.notes).toBe(NOTES_MERGED);
    sandbox.git(A, ['merge', '--abort']);
    // Plain git: the same pull with no driver configured (merge=strata then falls back to a text merge).
    // (The whole section goes: a merge.strata.name without a driver line is fatal to git.)
    const driver = sandbox.git(A, ['config', '--local', 'merge.strata.driver']).stdout.trim();
    const name = sandbox.git(A, ['config', '--local', 'merge.strata.name']).stdout.trim();
    sandbox.git(A, ['config', '--local', '--remove-section', 'merge.strata']);
    let plain: RunResult;
    try {
      plain = gitEnv(sandbox, A, ['pull', '--no-rebase', '--no-edit', 'origin', 'strata0-theirs']);
    } finally {
      sandbox.git(A, ['config', '--local', 'merge.strata.name', name]);
      sandbox.git(A, ['config', '--local', 'merge.strata.driver', driver]);
    }
    expect(plain.status, plain.stdout + plain.stderr).toBe(1);
    expect(unmerged(sandbox, cwd)).toEqual(['HEARTBEAT.md']);
    // Both runs agree to the byte, but for the labels on the markers.
    expect(unlabel(read('HEARTBEAT.md'))).toBe(unlabel(withStrata0.heartbeat));
    expect(read('NOTES.md')).toBe(withStrata0.notes);
    sandbox.git(A, ['merge', '--abort']);
  });
});

describe('robustness against unusual inputs', () => {
  it('a committed conflict region in the input: falls back to the line merge, no crash, no lost line', () => {
    const conflicted = [
      '# Heartbeat',
      '',
      '## Agents',
      '',
      hb('alpha', T('09:00'), 'idle', 'a'),
      '<<<<<<< HEAD',
      hb('coder', T('09:10'), 'busy', 'web merge left this'),
      '=======',
      hb('coder', T('09:11'), 'busy', 'and this'),
      '>>>>>>> feature',
      hb('delta', T('09:00'), 'idle', 'd'),
      hb('echo', T('09:00'), 'idle', 'e'),
      hb('golf', T('09:00'), 'idle', 'g'),
      '',
    ];
    const base = [...conflicted.slice(0, 4), hb('alpha', T('09:00'), 'idle', 'a'), hb('coder', T('09:00'), 'busy', 'c'), ...conflicted.slice(10)].join('\n');
    // Theirs: a bad web merge committed the markers. Ours: a refresh far from them.
    const ours = base.replace(hb('golf', T('09:00'), 'idle', 'g'), hb('golf', T('10:00'), 'busy', 'g (ours)'));
    const pulled = pullScenario('markers', { 'HEARTBEAT.md': base }, { 'HEARTBEAT.md': ours }, { 'HEARTBEAT.md': conflicted.join('\n') }, { env: { STRATA_DEBUG: '1' } });
    expect(pulled.result.status, pulled.result.stdout + pulled.result.stderr).toBe(0);
    expect(pulled.result.stderr).toContain('fallback:input-has-conflict-markers');
    // Exactly git's line merge: theirs' region kept verbatim, ours' refresh applied.
    expect(read('HEARTBEAT.md')).toBe(conflicted.join('\n').replace(hb('golf', T('09:00'), 'idle', 'g'), hb('golf', T('10:00'), 'busy', 'g (ours)')));
  });

  it('conflict markers in the input and a real clash: exit 1, every line of both sides kept', () => {
    const region = ['<<<<<<< HEAD', '- left', '=======', '- right', '>>>>>>> other'];
    const notes = (extra: string[]) => ['# Notes', '', '## Log', '', '- one', ...region, '- two', ...extra, '', '## Later', '', '- x', ''].join('\n');
    const base = notes([]);
    const ours = notes(['- ours-3']);
    const theirs = notes(['- theirs-3']);
    const pulled = pullScenario('markers2', { 'NOTES.md': base }, { 'NOTES.md': ours }, { 'NOTES.md': theirs });
    expect(pulled.result.status).toBe(1);
    expect(unmerged(sandbox, cwd)).toEqual(['NOTES.md']);
    const text = read('NOTES.md');
    for (const line of new Set([...linesOf(ours), ...linesOf(theirs)])) expect(linesOf(text), line).toContain(line);
    sandbox.git(A, ['merge', '--abort']);
  });

  it('a binary-junk .md file falls back to git: ours kept, conflict, theirs in the index', () => {
    const junk = (tag: number): Buffer => Buffer.from([0x23, 0x20, 0x00, 0xff, 0xfe, tag, 0x0a, 0x00, 0x80, 0x0a]);
    const pulled = pullScenario('binary', { 'BLOB.md': junk(1) }, { 'BLOB.md': junk(2) }, { 'BLOB.md': junk(3) });
    expect(pulled.result.status).toBe(1);
    expect(unmerged(sandbox, cwd)).toEqual(['BLOB.md']);
    expect(readRaw('BLOB.md').equals(junk(2))).toBe(true);
    expect(blob(':1:BLOB.md').equals(junk(1))).toBe(true);
    expect(blob(':3:BLOB.md').equals(junk(3))).toBe(true);
    expect(pulled.result.stdout).toContain('CONFLICT (content): Merge conflict in BLOB.md');
    sandbox.git(A, ['merge', '--abort']);
  });

  it('a non-UTF-8 file with a one-sided change per region never reaches the driver and keeps its bytes', () => {
    // Both sides change different latin-1 files: git merges trivially, the driver is not involved.
    const latin = (s: string): Buffer => Buffer.from(s, 'latin1');
    const pulled = pullScenario(
      'latin1-trivial',
      { 'CAFE.md': latin('# caf\u00e9\n'), 'NAIVE.md': latin('# na\u00efve\n') },
      { 'CAFE.md': latin('# caf\u00e9\n\n- cr\u00e8me\n') },
      { 'NAIVE.md': latin('# na\u00efve\n\n- \u00fcber\n') },
    );
    expect(pulled.result.status).toBe(0);
    expect(readRaw('CAFE.md').equals(latin('# caf\u00e9\n\n- cr\u00e8me\n'))).toBe(true);
    expect(readRaw('NAIVE.md').equals(latin('# na\u00efve\n\n- \u00fcber\n'))).toBe(true);
  });

  it('a 5,000-agent HEARTBEAT.md merges correctly in reasonable time', () => {
    const agents = Array.from({ length: 5000 }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
    const line = (i: number, at: string, who: string) => hb(agents[i]!, at, i % 7 === 0 ? 'idle' : 'busy', `${who} #${i}`);
    const base = heartbeatFile(agents.map((_, i) => line(i, T('09:00'), 'base')));
    // Ours refreshes every 3rd agent at 10:00, theirs every 2nd at 10:01 (both touch every 6th: theirs is newer).
    const ours = heartbeatFile([...agents.map((_, i) => (i % 3 === 0 ? line(i, T('10:00'), 'ours') : line(i, T('09:00'), 'base'))), ...Array.from({ length: 40 }, (_, n) => hb(`new-ours-${n}`, T('10:00'), 'busy', 'joined'))]);
    const theirs = heartbeatFile([...agents.map((_, i) => (i % 2 === 0 ? line(i, T('10:01'), 'theirs') : line(i, T('09:00'), 'base'))), ...Array.from({ length: 40 }, (_, n) => hb(`new-theirs-${n}`, T('10:01'), 'busy', 'joined'))]);
    const existing = agents.map((_, i) => (i % 2 === 0 ? line(i, T('10:01'), 'theirs') : i % 3 === 0 ? line(i, T('10:00'), 'ours') : line(i, T('09:00'), 'base')));
    const added = [...Array.from({ length: 40 }, (_, n) => hb(`new-ours-${n}`, T('10:00'), 'busy', 'joined')), ...Array.from({ length: 40 }, (_, n) => hb(`new-theirs-${n}`, T('10:01'), 'busy', 'joined'))];
    const started = Date.now();
    const pulled = pullScenario('large', { 'HEARTBEAT.md': base }, { 'HEARTBEAT.md': ours }, { 'HEARTBEAT.md': theirs });
    const elapsed = Date.now() - started;
    expect(pulled.result.status, pulled.result.stdout + pulled.result.stderr).toBe(0);
    const text = read('HEARTBEAT.md');
    // Existing agents keep their place and get the newest line; the 80 new ones all arrive after them.
    const body = linesOf(text);
    const head = linesOf(heartbeatFile([]));
    expect(body.slice(0, head.length)).toEqual(head);
    expect(body.slice(head.length, head.length + 5000)).toEqual(existing);
    expect(body.slice(head.length + 5000).sort()).toEqual([...added].sort());
    expect(sortedLines(text)).toEqual(sortedLines(heartbeatFile([...existing, ...added])));
    expect(elapsed, `large merge took ${elapsed} ms`).toBeLessThan(30_000);
  });

  it('a husky-style core.hooksPath repository still merges with the driver, and its own hooks still run', () => {
    const dir = join(sandbox.dir, 'husky');
    sandbox.git(sandbox.dir, ['clone', '-q', join(sandbox.dir, 'remote.git'), dir]);
    const marker = join(sandbox.dir, 'husky-hook-ran');
    sandbox.write(join(dir, '.husky/post-merge'), `#!/bin/sh\necho "husky post-merge $*" >> '${marker}'\n`);
    chmodSync(join(dir, '.husky/post-merge'), 0o755);
    sandbox.git(dir, ['config', 'core.hooksPath', '.husky']);
    installWith(sandbox, dir, cli);
    expect(sandbox.git(dir, ['config', 'merge.strata.driver']).stdout).toContain('git-strata.cjs');
    expect(existsSync(join(dir, '.git/hooks/post-merge'))).toBe(false);
    commitFiles(sandbox, dir, { 'HEARTBEAT.md': HB_BASE }, 'base', ['--no-verify']);
    const base = sandbox.git(dir, ['rev-parse', 'HEAD']).stdout.trim();
    commitFiles(sandbox, dir, { 'HEARTBEAT.md': HB_THEIRS }, 'theirs');
    sandbox.git(dir, ['branch', '-q', 'husky-theirs']);
    sandbox.git(dir, ['reset', '-q', '--hard', base]);
    commitFiles(sandbox, dir, { 'HEARTBEAT.md': HB_OURS }, 'ours');
    const merge = gitEnv(sandbox, dir, ['merge', '--no-edit', 'husky-theirs']);
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    expect(sandbox.read(join(dir, 'HEARTBEAT.md'))).toBe(HB_MERGED);
    expect(sandbox.read(marker)).toBe('husky post-merge 0\n');
  });
});
