// `git strata resolve` repairs what a merge without the strata driver left behind: unmerged index
// entries (a clone without strata installed) and conflict markers that someone committed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { endingAsStaged, lostEntries, splitConflicts } from '../../src/core/resolve.js';
import { CLI, makeRemoteWithClones, makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';
import { merge } from '../helpers/merge.js';

const T = (min: number): string => `2026-11-27T10:${String(min).padStart(2, '0')}:00.000Z`;

const QUEUE = [
  '# Queue',
  '',
  `- [x] [seq:1] [id:a9d4c1uv0s] [agent:code-intel] [done:${T(0)}] set up repo`,
  '- [ ] [seq:2] [id:k7q2m9xa4c] [depends:1] [agent:code-intel] build frontend',
  '',
].join('\n');

const HEARTBEAT = ['# Heartbeat', '', `- [agent:alpha] [at:${T(0)}] [status:idle] [ttl:10m]`, `- [agent:beta] [at:${T(0)}] [status:idle] [ttl:10m]`, ''].join('\n');

describe('splitConflicts', () => {
  it('reads merge-style markers: common lines are the base, both regions count as insertions', () => {
    const text = 'a\n<<<<<<< HEAD\nours 1\nours 2\n=======\ntheirs\n>>>>>>> side\nz\n';
    expect(splitConflicts(text)).toEqual({
      base: 'a\nz\n',
      ours: 'a\nours 1\nours 2\nz\n',
      theirs: 'a\ntheirs\nz\n',
      regions: 1,
      diff3: false,
      labels: ['HEAD', 'base', 'side'],
    });
  });

  it('reads diff3 and zdiff3 markers with their base section, CRLF and larger markers included', () => {
    const text = 'a\r\n<<<<<<<<< ours\r\no\r\n||||||||| merged common ancestors\r\nb\r\n=========\r\nt\r\n>>>>>>>>> theirs\r\nz\r\n';
    expect(splitConflicts(text)).toMatchObject({ base: 'a\r\nb\r\nz\r\n', ours: 'a\r\no\r\nz\r\n', theirs: 'a\r\nt\r\nz\r\n', diff3: true });
  });

  it('returns null without conflicts or with broken markers, and keeps lines that only look like markers', () => {
    expect(splitConflicts('Title\n=======\ntext\n')).toBeNull();
    expect(splitConflicts('<<<<<<< ours\na\n=======\nb\n')).toBeNull();
    expect(splitConflicts('<<<<<<< ours\n<<<<<<< again\n=======\n>>>>>>> theirs\n')).toBeNull();
    expect(splitConflicts('<<<<<<<< ours\n=======\n========\n>>>>>>>\n>>>>>>>> t\n')).toMatchObject({ ours: '=======\n', theirs: '>>>>>>>\n' });
  });
});

describe('endingAsStaged', () => {
  it('drops the line ending the markers gave a side whose version ended without one, and nothing else', () => {
    const text = 'a\n<<<<<<< HEAD\no\n=======\nt\n>>>>>>> side\n';
    const sides = splitConflicts(text)!;
    expect([endingAsStaged(sides.ours, 'a\no'), endingAsStaged(sides.theirs, 'a\nt')]).toEqual(['a\no', 'a\nt']);
    expect(endingAsStaged('a\r\no\r\n', 'a\r\no')).toBe('a\r\no');
    // The version had its final newline, or a person has since changed the last line: as read.
    expect(endingAsStaged(sides.ours, 'a\no\n')).toBe(sides.ours);
    expect(endingAsStaged('a\nedited\n', 'a\no')).toBe('a\nedited\n');
    expect(endingAsStaged('a\no', 'a\no')).toBe('a\no');
  });
});

describe('lostEntries', () => {
  it('flags an added entry missing from the result, not a base entry one side removed', () => {
    const base = '- [ ] [seq:1] [id:aaaaaaaaaa] a\n';
    const ours = '- [ ] [seq:2] [id:bbbbbbbbbb] b\n';
    const theirs = `${base}- [ ] [seq:2] [id:cccccccccc] c\n`;
    expect(lostEntries('queue', base, ours, theirs, '- [ ] [seq:2] [id:bbbbbbbbbb] b\n- [ ] [seq:3] [id:cccccccccc] c\n')).toEqual([]);
    expect(lostEntries('queue', base, ours, theirs, '- [ ] [seq:2] [id:bbbbbbbbbb] b\n')).toEqual(['cccccccccc']);
    expect(lostEntries('markdown', base, ours, theirs, '')).toEqual([]);
  });
});

let sandbox: Sandbox;
let dir: string;


/** Two branches that both append a task 3, touch task 2 and beat the heartbeat; merged with no driver. */
function driverlessMerge(extraConfig: string[][] = [], markers = true): void {
  for (const [key, value] of extraConfig) sandbox.git(dir, ['config', key!, value!]);
  sandbox.git(dir, ['checkout', '-q', '-b', 'side']);
  sandbox.write(
    join(dir, 'QUEUE.md'),
    QUEUE.replace('[agent:code-intel] build frontend', `[agent:code-intel] [claim:fe@${T(5)}] build frontend`) +
      `- [ ] [seq:3] [id:s1s1s1s1s1] [depends:2] [agent:deploy] push to staging\n`,
  );
  sandbox.write(join(dir, 'HEARTBEAT.md'), HEARTBEAT.replace(`[agent:alpha] [at:${T(0)}] [status:idle]`, `[agent:alpha] [at:${T(5)}] [status:busy]`));
  sandbox.git(dir, ['commit', '-q', '-am', 'side']);
  sandbox.git(dir, ['checkout', '-q', 'main']);
  sandbox.write(join(dir, 'QUEUE.md'), `${QUEUE.replace('build frontend', 'build frontend\n  - [at:2026-11-27T10:06:00.000Z] scaffolded')}- [ ] [seq:3] [id:m1m1m1m1m1] [agent:docs] write docs\n`);
  sandbox.write(join(dir, 'HEARTBEAT.md'), HEARTBEAT.replace(`[agent:beta] [at:${T(0)}] [status:idle]`, `[agent:beta] [at:${T(6)}] [status:busy]`));
  sandbox.git(dir, ['commit', '-q', '-am', 'main']);
  const merge = sandbox.git(dir, ['merge', '--no-edit', 'side'], { allowFail: true });
  expect(merge.status, merge.stdout).toBe(1);
  if (!markers) return;
  expect(sandbox.read(join(dir, 'QUEUE.md'))).toContain('<<<<<<<');
  expect(sandbox.read(join(dir, 'HEARTBEAT.md'))).toContain('<<<<<<<');
}

/** NOTES.md committed as `base`, then `branch` and main each committing their own version of it. */
function divergedNotes(base: string, theirs: string, ours: string, branch = 'side'): void {
  sandbox.write(join(dir, 'NOTES.md'), base);
  sandbox.git(dir, ['add', 'NOTES.md']);
  sandbox.git(dir, ['commit', '-q', '--no-verify', '-m', 'notes']);
  sandbox.git(dir, ['checkout', '-q', '-b', branch]);
  sandbox.write(join(dir, 'NOTES.md'), theirs);
  sandbox.git(dir, ['commit', '-q', '-am', branch]);
  sandbox.git(dir, ['checkout', '-q', 'main']);
  sandbox.write(join(dir, 'NOTES.md'), ours);
  sandbox.git(dir, ['commit', '-q', '-am', 'main']);
}

function expectRepaired(queue: string, heartbeat: string): void {
  expect(queue).not.toMatch(/^(<{7}|={7}|>{7}|\|{7})/m);
  const tasks = entriesOf(parseDoc(queue)).map((e) => ({ seq: tagValue(e, 'seq'), id: tagValue(e, 'id'), was: tagValue(e, 'was'), text: e.lines.join('') }));
  expect(tasks.map((t) => t.id)).toEqual(['a9d4c1uv0s', 'k7q2m9xa4c', 'm1m1m1m1m1', 's1s1s1s1s1']);
  expect(tasks.map((t) => t.seq)).toEqual(['1', '2', '3', '4']);
  // Both task 3s survive; one is renumbered deterministically and remembers its old number.
  expect(tasks[3]).toMatchObject({ id: 's1s1s1s1s1', was: '3' });
  // The claim from one side and the checkpoint from the other are both on task 2.
  expect(tasks[1]!.text).toContain(`[claim:fe@${T(5)}]`);
  expect(tasks[1]!.text).toContain('  - [at:2026-11-27T10:06:00.000Z] scaffolded\n');
  expect(heartbeat).toBe(
    HEARTBEAT.replace(`[agent:alpha] [at:${T(0)}] [status:idle]`, `[agent:alpha] [at:${T(5)}] [status:busy]`).replace(
      `[agent:beta] [at:${T(0)}] [status:idle]`,
      `[agent:beta] [at:${T(6)}] [status:busy]`,
    ),
  );
}

describe('git strata resolve', () => {
  beforeEach(() => {
    sandbox = makeSandbox('strata-resolve-');
    // No strata in this clone: `merge=strata` without a configured driver is git's plain text merge.
    ({ x: dir } = makeRemoteWithClones(sandbox, ['x'], { install: false, files: { 'QUEUE.md': QUEUE, 'HEARTBEAT.md': HEARTBEAT } }) as { x: string });
  });
  afterEach(() => sandbox.cleanup());

  it('stages what a driver killed after writing %A left: unmerged, no markers, already the merge', () => {
    // git < 2.42 reports a killed driver as a conflict and leaves its %A in the work tree.
    const killed = `'${process.execPath}' '${CLI}' merge %O %A %B %L %P; kill -9 $$`;
    driverlessMerge([['merge.strata.driver', killed]], false);
    expect(sandbox.git(dir, ['ls-files', '-u']).stdout).not.toBe('');
    const result = sandbox.strata(dir, ['resolve'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expectRepaired(sandbox.read(join(dir, 'QUEUE.md')), sandbox.read(join(dir, 'HEARTBEAT.md')));
    expect(sandbox.git(dir, ['ls-files', '-u']).stdout).toBe('');
  });

  it('does not stage an unmerged file without markers that a person changed', () => {
    const killed = `'${process.execPath}' '${CLI}' merge %O %A %B %L %P; kill -9 $$`;
    driverlessMerge([['merge.strata.driver', killed]], false);
    sandbox.write(join(dir, 'HEARTBEAT.md'), `${sandbox.read(join(dir, 'HEARTBEAT.md'))}hand edit\n`);
    const result = sandbox.strata(dir, ['resolve', 'HEARTBEAT.md'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/resolved by hand\?/);
    expect(sandbox.read(join(dir, 'HEARTBEAT.md'))).toContain('hand edit');
  });

  it('repairs a driverless merge from the index stages, stages the files, and the merge commits', () => {
    driverlessMerge();
    const result = sandbox.strata(dir, ['resolve'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^HEARTBEAT\.md: resolved \(heartbeat via .*index stages.*\), staged$/m);
    expect(result.stdout).toMatch(/^QUEUE\.md: resolved \(queue via .*\), staged$/m);
    expectRepaired(sandbox.read(join(dir, 'QUEUE.md')), sandbox.read(join(dir, 'HEARTBEAT.md')));
    expect(sandbox.git(dir, ['ls-files', '-u']).stdout).toBe('');
    sandbox.git(dir, ['commit', '-q', '--no-edit']);
    // Nothing left to do afterwards.
    expect(sandbox.strata(dir, ['resolve']).stdout).toMatch(/nothing to resolve/);
  });

  it('repairs conflict markers that were committed (merge style: the base comes from the merge that committed them)', () => {
    driverlessMerge();
    sandbox.git(dir, ['commit', '-q', '-am', 'merged on the web, markers and all']);
    expect(sandbox.strata(dir, ['resolve']).stdout).toMatch(/nothing to resolve/);
    const result = sandbox.strata(dir, ['resolve', '--committed'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/QUEUE\.md: resolved \(queue via .*committed conflict markers, base from the merge that committed them\), staged/);
    expectRepaired(sandbox.read(join(dir, 'QUEUE.md')), sandbox.read(join(dir, 'HEARTBEAT.md')));
    expect(sandbox.git(dir, ['diff', '--cached', '--name-only']).stdout).toBe('HEARTBEAT.md\nQUEUE.md\n');
  });

  it('takes a conflict a Markdown file shows in a code block for content, and so does check during the merge', () => {
    const notes = '# Notes\n\nA conflict looks like:\n\n```\n<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n```\n\n- one\n';
    divergedNotes(notes, `${notes}- two\n`, `${notes}- three\n`);
    expect(sandbox.git(dir, ['merge', '--no-edit', 'side'], { allowFail: true }).status).toBe(1);
    const result = sandbox.strata(dir, ['resolve', 'NOTES.md'], { allowFail: true });
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/NOTES\.md: resolved \(markdown via .*\), staged/);
    expect(sandbox.read(join(dir, 'NOTES.md'))).toBe(`${notes}- three\n- two\n`);
    expect(sandbox.strata(dir, ['check', 'NOTES.md']).status).toBe(0);
  });

  it('keeps two edits of one paragraph behind committed two-way markers a conflict, as the driver would', () => {
    const notes = '# Notes\n\nThe deploy target is staging.\n\nOwner: alice.\n';
    divergedNotes(notes, notes.replace('staging', 'production'), notes.replace('staging', 'canary'));
    expect(sandbox.git(dir, ['merge', '--no-edit', 'side'], { allowFail: true }).status).toBe(1);
    sandbox.git(dir, ['commit', '-q', '-am', 'merged on the web, markers and all']);
    const committed = sandbox.read(join(dir, 'NOTES.md'));
    const result = sandbox.strata(dir, ['resolve', '--committed', 'NOTES.md'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/NOTES\.md: 1 conflict\(s\) left \(no fewer than the file has: the file is left as it was\)/);
    expect(sandbox.read(join(dir, 'NOTES.md'))).toBe(committed);

    // Markers a later cherry-pick committed are not that old merge's: no base, the file is left alone
    // (the old merge's base would make 'keep me' look removed).
    divergedNotes('# Notes\n\nA\n\nkeep me\n\nZ\n', '# Notes\n\nA\n\ntheirs-new\n\nZ\n', '# Notes\n\nA\n\nkeep me too\n\nZ\n', 'picked');
    expect(sandbox.git(dir, ['cherry-pick', 'picked'], { allowFail: true }).status).not.toBe(0);
    sandbox.git(dir, ['add', 'NOTES.md']);
    sandbox.git(dir, ['-c', 'core.editor=true', 'cherry-pick', '--continue']);
    const picked = sandbox.read(join(dir, 'NOTES.md'));
    expect(picked).toContain('<<<<<<<');
    const stale = sandbox.strata(dir, ['resolve', '--committed', 'NOTES.md'], { allowFail: true });
    expect(stale.status).toBe(1);
    expect(stale.stdout).toMatch(/NOTES\.md: the markers carry no base and no merge commit brought them in/);
    expect(sandbox.read(join(dir, 'NOTES.md'))).toBe(picked);

    // Markers no merge brought in (pasted by hand) carry no base at all: a Markdown file is left alone.
    sandbox.write(join(dir, 'PASTED.md'), '# P\n\n<<<<<<< a\none\n=======\ntwo\n>>>>>>> b\n');
    sandbox.git(dir, ['add', 'PASTED.md']);
    sandbox.git(dir, ['commit', '-q', '--no-verify', '-m', 'pasted']);
    const pasted = sandbox.strata(dir, ['resolve', '--committed', 'PASTED.md'], { allowFail: true });
    expect(pasted.status).toBe(1);
    expect(pasted.stdout).toMatch(/PASTED\.md: the markers carry no base and no merge commit brought them in/);
  });

  it('repairs committed diff3 markers when the path is named explicitly', () => {
    driverlessMerge([['merge.conflictStyle', 'diff3']]);
    expect(sandbox.read(join(dir, 'QUEUE.md'))).toContain('|||||||');
    sandbox.git(dir, ['commit', '-q', '-am', 'markers committed']);
    const result = sandbox.strata(dir, ['resolve', 'QUEUE.md', 'HEARTBEAT.md'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('diff3 base');
    expectRepaired(sandbox.read(join(dir, 'QUEUE.md')), sandbox.read(join(dir, 'HEARTBEAT.md')));
  });

  it('ends the file as both sides did: without a final newline that git gave their last lines in the markers', async () => {
    // git writes a side's last line with a line ending inside a region even where that side had none;
    // the index stages still say how each side ended, and the driver would have kept that.
    const cut = (text: string): string => text.replace(/\n$/, '');
    const ours = cut(`${QUEUE}- [ ] [seq:3] [id:m1m1m1m1m1] [agent:docs] write docs\n`);
    const theirs = cut(`${QUEUE}- [ ] [seq:3] [id:s1s1s1s1s1] [agent:deploy] push to staging\n`);
    sandbox.write(join(dir, 'QUEUE.md'), cut(QUEUE));
    sandbox.git(dir, ['commit', '-q', '-am', 'no final newline']);
    sandbox.git(dir, ['checkout', '-q', '-b', 'side']);
    sandbox.write(join(dir, 'QUEUE.md'), theirs);
    sandbox.git(dir, ['commit', '-q', '-am', 'side']);
    sandbox.git(dir, ['checkout', '-q', 'main']);
    sandbox.write(join(dir, 'QUEUE.md'), ours);
    sandbox.git(dir, ['commit', '-q', '-am', 'main']);
    expect(sandbox.git(dir, ['merge', '--no-edit', 'side'], { allowFail: true }).status).toBe(1);
    expect(sandbox.read(join(dir, 'QUEUE.md'))).toMatch(/>{7} side\n$/);
    const result = sandbox.strata(dir, ['resolve'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const driver = await merge('queue', cut(QUEUE), ours, theirs);
    expect(driver.conflicts).toBe(0);
    expect(driver.text.endsWith('\n')).toBe(false);
    expect(sandbox.read(join(dir, 'QUEUE.md'))).toBe(driver.text);
  });

  it('leaves a real conflict conflicted (exit 1, not staged) and loses nothing', () => {
    sandbox.git(dir, ['checkout', '-q', '-b', 'side']);
    sandbox.write(join(dir, 'QUEUE.md'), QUEUE.replace('build frontend', 'build the frontend in React'));
    sandbox.git(dir, ['commit', '-q', '-am', 'side']);
    sandbox.git(dir, ['checkout', '-q', 'main']);
    sandbox.write(join(dir, 'QUEUE.md'), QUEUE.replace('build frontend', 'build the frontend in Vue'));
    sandbox.git(dir, ['commit', '-q', '-am', 'main']);
    expect(sandbox.git(dir, ['merge', '--no-edit', 'side'], { allowFail: true }).status).toBe(1);
    const before = sandbox.read(join(dir, 'QUEUE.md'));
    const result = sandbox.strata(dir, ['resolve'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/QUEUE\.md: 1 conflict\(s\) left/);
    const after = sandbox.read(join(dir, 'QUEUE.md'));
    expect(after).toBe(before);
    expect(after).toContain('in React');
    expect(after).toContain('in Vue');
    expect(sandbox.git(dir, ['ls-files', '-u', 'QUEUE.md']).stdout).not.toBe('');
  });
});

describe('git strata resolve and the locks the writers take', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const indexLock = (): string => join(dir, '.git/index.lock');

  beforeEach(() => {
    sandbox = makeSandbox('strata-resolve-lock-');
    ({ x: dir } = makeRemoteWithClones(sandbox, ['x'], { install: false, files: { 'QUEUE.md': QUEUE, 'HEARTBEAT.md': HEARTBEAT } }) as { x: string });
  });
  afterEach(() => sandbox.cleanup());

  /** `git strata resolve ARGS` started in the background, and its stderr so far. */
  function resolveInBackground(args: string[]): { running: () => boolean; stderr: () => string; done: Promise<RunResult> } {
    const child = spawn(process.execPath, [CLI, 'resolve', ...args], { cwd: dir, env: sandbox.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<RunResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => resolve({ status: status ?? 128, stdout, stderr }));
    });
    return { running: () => child.exitCode === null && child.signalCode === null, stderr: () => stderr, done };
  }

  /** Until the command says it waits for index.lock: it has read the file and planned its write. */
  async function waiting(run: { running: () => boolean; stderr: () => string }): Promise<void> {
    for (const until = Date.now() + 20_000; !run.stderr().includes('waiting'); await sleep(20)) {
      if (Date.now() > until || !run.running()) throw new Error(`no word of waiting: ${run.stderr()}`);
    }
  }

  it('waits for a git command holding index.lock, writes nothing meanwhile, then resolves and stages', async () => {
    driverlessMerge();
    const before = sandbox.read(join(dir, 'QUEUE.md'));
    writeFileSync(indexLock(), '');
    const run = resolveInBackground(['QUEUE.md']);
    try {
      await waiting(run);
      await sleep(300);
      expect(run.running()).toBe(true);
      expect(sandbox.read(join(dir, 'QUEUE.md'))).toBe(before);
    } finally {
      rmSync(indexLock(), { force: true });
    }
    const result = await run.done;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^QUEUE\.md: resolved \(queue via .*\), staged$/m);
    expect(sandbox.read(join(dir, 'QUEUE.md'))).not.toContain('<<<<<<<');
    expect(sandbox.git(dir, ['ls-files', '-u', 'QUEUE.md']).stdout).toBe('');
    expect(existsSync(indexLock())).toBe(false);
  });

  it('plans again on what was written while it waited, and leaves a hand resolution made meanwhile', async () => {
    driverlessMerge();
    writeFileSync(indexLock(), '');
    const run = resolveInBackground(['QUEUE.md']);
    // Resolved by hand (say, by a `git checkout --theirs` that held the lock) after resolve read the file.
    const byHand = `${sandbox.git(dir, ['show', ':3:QUEUE.md']).stdout}- [ ] [seq:9] [id:h9h9h9h9h9] [agent:me] by hand\n`;
    try {
      await waiting(run);
      writeFileSync(join(dir, 'QUEUE.md'), byHand);
    } finally {
      rmSync(indexLock(), { force: true });
    }
    const result = await run.done;
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^QUEUE\.md: no conflict markers and changed since the merge \(resolved by hand\?\)/m);
    expect(sandbox.read(join(dir, 'QUEUE.md'))).toBe(byHand);
    expect(sandbox.git(dir, ['ls-files', '-u', 'QUEUE.md']).stdout).not.toBe('');
  });

  it('plans again on the index as it is under the lock: a file staged meanwhile is merged from the merge in progress', async () => {
    driverlessMerge();
    writeFileSync(indexLock(), '');
    const run = resolveInBackground(['HEARTBEAT.md']);
    try {
      await waiting(run);
      // `git add HEARTBEAT.md`, markers and all, run after resolve read the index, done as git does it:
      // the new index written under the lock, then renamed into place.
      const scratch = join(sandbox.dir, 'scratch-index');
      copyFileSync(join(dir, '.git/index'), scratch);
      const added = spawnSync('git', ['add', 'HEARTBEAT.md'], { cwd: dir, env: { ...sandbox.env, GIT_INDEX_FILE: scratch }, encoding: 'utf8' });
      expect(added.status, added.stderr).toBe(0);
      copyFileSync(scratch, indexLock());
      renameSync(indexLock(), join(dir, '.git/index'));
    } finally {
      rmSync(indexLock(), { force: true });
    }
    const result = await run.done;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    // Not from the index stages it read first: they are gone.
    expect(result.stdout).toMatch(/^HEARTBEAT\.md: resolved \(heartbeat via .*, from the merge in progress: its merge base, HEAD and MERGE_HEAD\), staged$/m);
    expect(sandbox.read(join(dir, 'HEARTBEAT.md'))).not.toContain('<<<<<<<');
    expect(sandbox.git(dir, ['diff', '--name-only', '--', 'HEARTBEAT.md']).stdout).toBe('');
  });

  it('refuses to write through a symlink that leads out of the work tree, as the writers do', () => {
    // A markdown file with diff3 markers that merge cleanly, reached through a link out of the repository.
    const outside = join(sandbox.dir, 'outside.md');
    const conflicted = '# Notes\n\n- a\n<<<<<<< ours\n- b\n||||||| base\n=======\n- c\n>>>>>>> theirs\n';
    writeFileSync(outside, conflicted);
    symlinkSync('../outside.md', join(dir, 'LINKED.md'));
    const result = sandbox.strata(dir, ['resolve', 'LINKED.md'], { allowFail: true });
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^LINKED\.md: failed \(LINKED\.md is a symlink to .*outside\.md, outside the repository .*\); left as it was$/m);
    expect(readFileSync(outside, 'utf8')).toBe(conflicted);
    // The same file inside the work tree resolves (so the refusal above is the link's).
    writeFileSync(join(dir, 'INSIDE.md'), conflicted);
    expect(sandbox.strata(dir, ['resolve', 'INSIDE.md'], { allowFail: true }).stdout).toMatch(/^INSIDE\.md: resolved/m);
  });
});

describe('git strata resolve during a merge whose conflicted file was staged with git add', () => {
  let box: Sandbox;
  let a: string;
  let b: string;
  const strataIn = (cwd: string, args: string[]) => box.strata(cwd, args, { allowFail: true });

  beforeEach(() => {
    box = makeSandbox('strata-resolve-staged-');
    ({ a, b } = makeRemoteWithClones(box, ['a', 'b'], { files: { 'QUEUE.md': QUEUE } }) as { a: string; b: string });
    // a drops the open task 2 and adds a task 3; b leaves task 2 alone and adds its own task 3.
    box.write(join(a, 'QUEUE.md'), `${QUEUE.replace('- [ ] [seq:2] [id:k7q2m9xa4c] [depends:1] [agent:code-intel] build frontend\n', '')}- [ ] [seq:3] [id:a3a3a3a3a3] [agent:a] from a\n`);
    box.git(a, ['commit', '-q', '-am', 'a: drop task 2, add task 3']);
    box.git(a, ['push', '-q', 'origin', 'HEAD:main']);
    box.write(join(b, 'QUEUE.md'), `${QUEUE}- [ ] [seq:3] [id:b3b3b3b3b3] [agent:b] from b\n`);
    box.git(b, ['commit', '-q', '-am', 'b: add task 3']);
    // Without the driver: the queue conflicts, and the user stages it, markers and all.
    const pulled = spawnSync('git', ['pull', '-q', '--no-rebase'], { cwd: b, env: { ...box.env, STRATA: '0' }, encoding: 'utf8' });
    expect(pulled.status).not.toBe(0);
    expect(box.read(join(b, 'QUEUE.md'))).toContain('<<<<<<<');
    box.git(b, ['add', 'QUEUE.md']);
    expect(box.git(b, ['ls-files', '-u']).stdout).toBe('');
  });
  afterEach(() => box.cleanup());

  function expectMerged(): void {
    const queue = box.read(join(b, 'QUEUE.md'));
    expect(queue).not.toMatch(/^(<{7}|={7}|>{7})/m);
    const ids = entriesOf(parseDoc(queue)).map((e) => tagValue(e, 'id'));
    // The task a deleted (and b left alone) stays deleted; both new tasks survive, one renumbered.
    expect(ids).toEqual(['a9d4c1uv0s', 'a3a3a3a3a3', 'b3b3b3b3b3']);
    expect(queue).toContain('- [ ] [seq:4] [id:b3b3b3b3b3] [agent:b] [was:3] from b\n');
    expect(box.git(b, ['diff', '--cached', '--name-only', 'HEAD']).stdout).toBe('QUEUE.md\n');
    expect(box.git(b, ['diff', '--name-only']).stdout).toBe('');
  }

  it('finds the file without a path and merges it from the merge base, HEAD and MERGE_HEAD', () => {
    const result = strataIn(b, ['resolve']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toBe('QUEUE.md: resolved (queue via typed:queue, from the merge in progress: its merge base, HEAD and MERGE_HEAD), staged\n');
    expectMerged();
    // The merge commits (the hook checks it against HEAD and MERGE_HEAD) and verifies.
    box.git(b, ['commit', '-q', '--no-edit']);
    expect(strataIn(b, ['verify', '--range', 'HEAD~2..HEAD']).status).toBe(0);
  });

  it('does the same with the path named', () => {
    const result = strataIn(b, ['resolve', 'QUEUE.md']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expectMerged();
    expect(result.stdout).toMatch(/from the merge in progress/);
  });
});

describe('git strata resolve during a criss-cross merge', () => {
  it('says the merge has several merge bases and falls back to the markers', () => {
    const box = makeSandbox('strata-resolve-criss-');
    try {
      const { x } = makeRemoteWithClones(box, ['x'], { install: false, files: { 'QUEUE.md': QUEUE, 'p.txt': 'p\n', 'q.txt': 'q\n' } }) as { x: string };
      const commit = (file: string, text: string, message: string) => {
        box.write(join(x, file), text);
        box.git(x, ['commit', '-q', '-am', message]);
      };
      box.git(x, ['checkout', '-q', '-b', 'q']);
      commit('q.txt', 'q1\n', 'q1');
      box.git(x, ['checkout', '-q', '-b', 'p', 'main']);
      commit('p.txt', 'p1\n', 'p1');
      const p1 = box.git(x, ['rev-parse', 'HEAD']).stdout.trim();
      box.git(x, ['merge', '-q', '--no-edit', 'q']);
      box.git(x, ['checkout', '-q', 'q']);
      box.git(x, ['merge', '-q', '--no-edit', p1]);
      commit('QUEUE.md', `${QUEUE}- [ ] [seq:3] [id:q3q3q3q3q3] [agent:q] from q\n`, 'q: task 3');
      box.git(x, ['checkout', '-q', 'p']);
      commit('QUEUE.md', `${QUEUE}- [ ] [seq:3] [id:p3p3p3p3p3] [agent:p] from p\n`, 'p: task 3');
      expect(box.git(x, ['merge-base', '--all', 'p', 'q']).stdout.trim().split('\n')).toHaveLength(2);
      expect(box.git(x, ['merge', '--no-edit', 'q'], { allowFail: true }).status).toBe(1);
      box.git(x, ['add', 'QUEUE.md']);
      const result = box.strata(x, ['resolve'], { allowFail: true });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^QUEUE\.md: resolved \(queue via .*base unknown inside regions .*\(HEAD and MERGE_HEAD have 2 merge bases, so the base git merged from \(a virtual one\) is in no commit\)\), staged$/m);
      const ids = entriesOf(parseDoc(box.read(join(x, 'QUEUE.md')))).map((e) => tagValue(e, 'id'));
      expect(ids).toEqual(['a9d4c1uv0s', 'k7q2m9xa4c', 'p3p3p3p3p3', 'q3q3q3q3q3']);
    } finally {
      box.cleanup();
    }
  });
});
