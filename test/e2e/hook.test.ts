// The pre-commit hook with real git: every kind of bad commit is refused with a clear message, gets in
// with --no-verify, and is then caught by `git strata verify --range`; ids are stamped on hand-written
// entries and the commit contains them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let repo: string;
let baseCommit: string;

const S1 = '2026-11-27T10:00:00.000Z';
// Within the 15m ahead of the sandbox's commit time (10:00) a stamp may be (stamp-ahead, which verify checks).
const S2 = '2026-11-27T10:10:00.000Z';
const QUEUE = [
  '# Queue',
  '',
  `- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${S1}] set up repo`,
  '- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] build',
  '- [ ] [seq:3] [id:cccccccccc] [depends:2] [agent:c] deploy',
  '- [-] [seq:4] [id:dddddddddd] [agent:d] cancelled: superseded',
  '',
].join('\n');

const edit = (from: string, to: string): string => {
  if (!QUEUE.includes(from)) throw new Error(`not in QUEUE: ${from}`);
  return QUEUE.replace(from, to);
};

beforeAll(() => {
  sandbox = makeSandbox('strata-hook-');
  repo = join(sandbox.dir, 'repo');
  sandbox.git(sandbox.dir, ['init', '-q', repo]);
  sandbox.write(join(repo, '.gitattributes'), readFileSync(join(ROOT, '.gitattributes.example'), 'utf8'));
  sandbox.write(join(repo, 'QUEUE.md'), QUEUE);
  sandbox.write(join(repo, 'README.md'), '# readme\n');
  sandbox.strata(repo, ['install']);
  sandbox.git(repo, ['add', '-A']);
  sandbox.git(repo, ['commit', '-q', '-m', 'base']);
  baseCommit = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
});

afterAll(() => sandbox?.cleanup());

/** A fresh branch at the base commit, with a clean work tree. */
/**
 * Swaps the node of a strata hook shim for a wrapper that logs each start and runs the real node:
 * `starts` counts them (`log` holds their arguments), `restore` puts the shim back.
 */
function countNodeStarts(shim: string, prefix: string): { log: string; starts: () => number; restore: () => void } {
  const log = `${prefix}.log`;
  const wrapper = `${prefix}-wrapper`;
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  const original = readFileSync(shim, 'utf8');
  writeFileSync(shim, original.replace(/^strata_node=.*$/m, `strata_node='${wrapper}'`), { mode: 0o755 });
  return {
    log,
    starts: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
    restore: () => writeFileSync(shim, original, { mode: 0o755 }),
  };
}

function branch(name: string): void {
  sandbox.git(repo, ['checkout', '-q', '-f', '-B', name, baseCommit]);
  sandbox.git(repo, ['clean', '-q', '-fd']);
}

function commit(message: string, options: { noVerify?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const args = ['commit', '-q', '-m', message, ...(options.noVerify ? ['--no-verify'] : [])];
  const result = spawnSync('git', args, { cwd: repo, env: { ...sandbox.env, ...options.env }, encoding: 'utf8' });
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

const BAD: { name: string; text: string; expected: RegExp }[] = [
  { name: 'dangling depends', text: edit('[depends:2] [agent:c]', '[depends:9] [agent:c]'), expected: /QUEUE\.md:5: dangling-depends: seq 3 depends on seq 9, which no entry has/ },
  { name: 'duplicate seq', text: `${QUEUE}- [ ] [seq:3] [id:eeeeeeeeee] [agent:e] another three\n`, expected: /QUEUE\.md:7: duplicate-seq: seq 3 is also the seq of the entry at line 5/ },
  { name: 'cycle', text: edit('[depends:1] [agent:b]', '[depends:3] [agent:b]'), expected: /QUEUE\.md:4: dependency-cycle: dependency cycle 2 → 3 → 2/ },
  {
    name: 'done before a dependency',
    text: edit('- [ ] [seq:3] [id:cccccccccc] [depends:2] [agent:c] deploy', `- [x] [seq:3] [id:cccccccccc] [depends:2] [agent:c] [done:${S2}] deploy`),
    expected: /QUEUE\.md:5: done-before-dependency: seq 3 is done, but its dependency seq 2 \(line 4\) is still open/,
  },
  { name: 'settled entry deleted', text: edit('- [-] [seq:4] [id:dddddddddd] [agent:d] cancelled: superseded\n', ''), expected: /settled-entry-removed: the cancelled entry seq 4 \[id:dddddddddd\]/ },
  { name: 'done task reopened', text: edit(`- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${S1}]`, '- [ ] [seq:1] [id:aaaaaaaaaa] [agent:a]'), expected: /QUEUE\.md:3: status-regressed: seq 1 went from done back to open/ },
  { name: 'conflict markers', text: `${QUEUE}<<<<<<< ours\n- [ ] [seq:5] [id:ffffffffff] x\n=======\n- [ ] [seq:5] [id:gggggggggg] y\n>>>>>>> theirs\n`, expected: /QUEUE\.md:7: conflict-markers: unresolved merge conflict \(lines 7-11\)/ },
];

describe('pre-commit hook', () => {
  it.each(BAD)('refuses $name, which --no-verify lets in and verify --range then catches', ({ name, text, expected }) => {
    branch(`bad-${name.replace(/ /g, '-')}`);
    sandbox.write(join(repo, 'QUEUE.md'), text);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const refused = commit(`bad: ${name}`);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(expected);
    expect(refused.stderr).toMatch(/strata: commit refused: .* in the staged QUEUE\.md/);
    expect(refused.stderr).toContain('  hint: ');
    expect(refused.stderr).toContain('--no-verify');
    expect(sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim()).toBe(baseCommit);

    expect(commit(`bad: ${name}`, { noVerify: true }).status).toBe(0);
    const short = sandbox.git(repo, ['rev-parse', '--short', 'HEAD']).stdout.trim();
    const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain(`commit ${short} bad: ${name}\n`);
    expect(verify.stdout).toMatch(expected);
    expect(verify.stderr).toMatch(/in 1 of 1 commits/);
  });

  it('names paths in its hints as a shell reads them: bare for letters of any script, quoted for spaces', () => {
    branch('paths');
    mkdirSync(join(repo, 'queues'), { recursive: true });
    const bad = '- [ ] [seq:1] [id:aaaaaaaaaa] one\n- [ ] [seq:1] [id:bbbbbbbbbb] two\n';
    sandbox.write(join(repo, 'queues/über.md'), bad);
    sandbox.write(join(repo, 'queues/a plan.md'), bad);
    sandbox.git(repo, ['add', 'queues']);
    const refused = commit('two channels with duplicate seqs');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("hint: fix them, git add 'queues/a plan.md' queues/über.md and commit again");
  });

  it('verify catches a bad commit in the middle of a range even when a later commit repaired it', () => {
    branch('repaired');
    sandbox.write(join(repo, 'QUEUE.md'), edit('[depends:2] [agent:c]', '[depends:9] [agent:c]'));
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('break depends', { noVerify: true }).status).toBe(0);
    const bad = sandbox.git(repo, ['rev-parse', '--short', 'HEAD']).stdout.trim();
    sandbox.write(join(repo, 'QUEUE.md'), QUEUE);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('repair depends').status).toBe(0);
    expect(sandbox.strata(repo, ['check']).status).toBe(0);
    const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toBe(
      `commit ${bad} break depends\nQUEUE.md:5: dangling-depends: seq 3 depends on seq 9, which no entry has\n  hint: fix the number in [depends:…], or remove 9 if that task was dropped (cancel tasks with [-] instead of deleting them)\n`,
    );
    expect(sandbox.strata(repo, ['verify', '--range', 'HEAD~1..HEAD']).status).toBe(0);
  });

  it('a deleted or renamed-away QUEUE.md takes its settled tasks with it: refused, and caught by verify and check --base', () => {
    for (const [name, change] of [
      ['deleted', () => sandbox.git(repo, ['rm', '-q', 'QUEUE.md'])],
      ['renamed', () => sandbox.git(repo, ['mv', 'QUEUE.md', 'OLD-QUEUE.txt'])],
    ] as const) {
      branch(`gone-${name}`);
      change();
      expect(sandbox.strata(repo, ['check', '--base', 'HEAD'], { allowFail: true }).stdout).toMatch(
        /^QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted, renamed to a path not typed 'queue', or retyped, and with it 2 entries that must stay/m,
      );
      const refused = commit(`${name} the queue`);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toContain('QUEUE.md was deleted');
      expect(refused.stderr).toContain('git restore --staged --worktree -- QUEUE.md');
      expect(commit(`${name} the queue`, { noVerify: true }).status).toBe(0);
      const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
      expect(verify.status).toBe(1);
      expect(verify.stdout).toMatch(/QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted/);
    }
  });

  it('a queue renamed to another queue path keeps its tasks: it commits and verifies; dropping a done task on the way is refused', () => {
    branch('moved');
    mkdirSync(join(repo, 'queues'), { recursive: true });
    sandbox.git(repo, ['mv', 'QUEUE.md', 'queues/main.md']);
    expect(sandbox.strata(repo, ['check', '--base', 'HEAD']).status).toBe(0);
    const moved = commit('move the queue into a channel');
    expect(moved.status, moved.stderr).toBe(0);
    expect(sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`]).status).toBe(0);

    branch('moved-lossy');
    mkdirSync(join(repo, 'queues'), { recursive: true });
    sandbox.git(repo, ['mv', 'QUEUE.md', 'queues/main.md']);
    sandbox.write(join(repo, 'queues/main.md'), QUEUE.replace(/^- \[x\] \[seq:1\].*\n/m, ''));
    sandbox.git(repo, ['add', 'queues/main.md']);
    expect(sandbox.strata(repo, ['check', '--base', 'HEAD'], { allowFail: true }).stdout).toMatch(/^QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted/m);
    const refused = commit('move and drop');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('QUEUE.md was deleted');
    expect(commit('move and drop', { noVerify: true }).status).toBe(0);
    expect(sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true }).stdout).toMatch(/QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted/);
  });

  it('verify types each commit by its own .gitattributes: a later retype neither hides an earlier loss nor sneaks one in', () => {
    const retype = (): void => {
      sandbox.write(join(repo, '.gitattributes'), `${readFileSync(join(ROOT, '.gitattributes.example'), 'utf8')}QUEUE.md merge=strata strata=markdown\n`);
      sandbox.git(repo, ['add', '.gitattributes']);
    };
    const dropDone = (): void => {
      sandbox.write(join(repo, 'QUEUE.md'), QUEUE.replace(/^- \[x\] \[seq:1\].*\n/m, ''));
      sandbox.git(repo, ['add', 'QUEUE.md']);
    };
    // A done task dropped, then the file retyped: the drop is still found, whatever is checked out.
    branch('retype-later');
    dropDone();
    expect(commit('drop', { noVerify: true }).status).toBe(0);
    retype();
    // The hook refuses the retype itself: the cancelled task 4 would lose its protection.
    const refused = commit('retype');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted, renamed to a path not typed 'queue', or retyped/);
    expect(refused.stderr).toContain("give QUEUE.md back its type in .gitattributes");
    // The fix is in .gitattributes, and that is what the closing hint says to stage again.
    expect(refused.stderr).toContain('hint: fix them, git add .gitattributes and commit again');
    expect(commit('retype', { noVerify: true }).status).toBe(0);
    for (const at of ['HEAD', 'HEAD~1']) {
      sandbox.git(repo, ['checkout', '-q', at]);
      const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..retype-later`], { allowFail: true });
      expect(verify.stdout).toMatch(/QUEUE\.md:\d+: settled-entry-removed: .*seq 1/);
    }
    // Retyping a queue with settled tasks away takes their protection: found in the commit that does it.
    branch('retype-drop');
    retype();
    dropDone();
    expect(commit('retype and drop', { noVerify: true }).status).toBe(0);
    const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/QUEUE\.md:1: settled-entry-removed: QUEUE\.md was deleted, renamed to a path not typed 'queue', or retyped/);
  });

  it('verify checks a merge against every parent: a merge that drops the merged branch\'s done task is found', () => {
    branch('side-done');
    sandbox.write(join(repo, 'QUEUE.md'), `${QUEUE}- [x] [seq:5] [id:eeeeeeeeee] [agent:e] [done:${S2}] shipped on the side\n`);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('side: done task').status).toBe(0);
    branch('main-line');
    sandbox.write(join(repo, 'README.md'), '# readme, edited\n');
    sandbox.git(repo, ['add', 'README.md']);
    expect(commit('main: readme').status).toBe(0);
    // A merge resolved by taking ours (-s ours, a web editor, a hand resolution): the side's task is gone.
    sandbox.git(repo, ['merge', '-q', '-s', 'ours', '--no-edit', 'side-done']);
    const verify = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/QUEUE\.md:\d+: settled-entry-removed: .*seq 5/);
    // The hook is installed here; git merge committed without it, and the hint says so rather than
    // offering to install it.
    expect(existsSync(join(repo, '.git', 'hooks', 'pre-commit'))).toBe(true);
    expect(verify.stderr).not.toMatch(/adds the pre-commit hook/);
    expect(verify.stderr).toMatch(/only those they run for: not a commit made with --no-verify or STRATA=0, .* -s ours included/);
    // A merge that keeps both is clean.
    branch('main-line-2');
    sandbox.write(join(repo, 'README.md'), '# readme, edited\n');
    sandbox.git(repo, ['add', 'README.md']);
    expect(commit('main: readme').status).toBe(0);
    sandbox.git(repo, ['merge', '-q', '--no-edit', 'side-done']);
    expect(sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`]).status).toBe(0);
  });

  it('verify passes the merges the driver makes: a task both sides stamped, a conflict sample one parent had, done over cancelled', () => {
    // A task written by hand with the hook off; each branch's hook then stamps its own id on it.
    branch('hand-base');
    const hand = `${QUEUE}- [ ] [seq:5] [agent:e] hand-written\n`;
    sandbox.write(join(repo, 'QUEUE.md'), hand);
    sandbox.write(join(repo, 'DOC.md'), '# Doc\n\nplain\n');
    sandbox.git(repo, ['add', '-A']);
    expect(commit('hand', { env: { STRATA: '0' } }).status).toBe(0);
    const fork = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    // One side finishes task 2 and adds a task; the other cancels task 2, adds a task, and shows a
    // conflict in a code block of DOC.md.
    sandbox.git(repo, ['checkout', '-q', '-b', 'hand-side']);
    sandbox.write(join(repo, 'QUEUE.md'), `${hand.replace('- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] build', `- [x] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] [done:${S2}] build`)}- [ ] [seq:6] [agent:s] side task\n`);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('side').status).toBe(0);
    sandbox.git(repo, ['checkout', '-q', 'hand-base']);
    sandbox.write(join(repo, 'QUEUE.md'), `${hand.replace('- [ ] [seq:2] [id:bbbbbbbbbb]', '- [-] [seq:2] [id:bbbbbbbbbb]')}- [ ] [seq:6] [agent:m] main task\n`);
    sandbox.write(join(repo, 'DOC.md'), '# Doc\n\nplain\n\n```\n<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n```\n');
    sandbox.git(repo, ['add', '-A']);
    expect(commit('main').status).toBe(0);
    const id = (ref: string): string | undefined => /\[seq:5\] \[id:([0-9a-z]{10})\]/.exec(sandbox.git(repo, ['show', `${ref}:QUEUE.md`]).stdout)?.[1];
    expect(id('hand-base')).toBeDefined();
    expect(id('hand-side')).toBeDefined();
    expect(id('hand-base')).not.toBe(id('hand-side'));
    const merged = sandbox.git(repo, ['merge', '--no-edit', 'hand-side'], { allowFail: true });
    expect(merged.status, merged.stdout + merged.stderr).toBe(0);
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toMatch(/^- \[x\] \[seq:2\]/m);
    const verify = sandbox.strata(repo, ['verify', '--range', `${fork}..HEAD`], { allowFail: true });
    expect(verify.stdout + verify.stderr).toMatch(/no findings/);
    expect(verify.status).toBe(0);
  });

  it('a Markdown file that shows conflict markers in a code block commits; the same markers concluding a merge are refused', () => {
    branch('doc-markers');
    const doc = '# Resolving\n\nGit leaves this:\n\n```text\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> topic\n```\n';
    sandbox.write(join(repo, 'DOC.md'), doc);
    sandbox.git(repo, ['add', 'DOC.md']);
    const ok = commit('a document about conflicts');
    expect(ok.status, ok.stderr).toBe(0);
    // A real conflict inside a code sample, left by a merge and committed as is.
    const sample = (body: string) => `# Sample\n\n\`\`\`js\n${body}\n\`\`\`\n`;
    sandbox.write(join(repo, 'SAMPLE.md'), sample('run()'));
    sandbox.git(repo, ['add', 'SAMPLE.md']);
    expect(commit('sample').status).toBe(0);
    const fork = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    sandbox.write(join(repo, 'SAMPLE.md'), sample('run(1)'));
    sandbox.git(repo, ['commit', '-q', '-am', 'one']);
    sandbox.git(repo, ['checkout', '-q', '-b', 'doc-other', fork]);
    sandbox.write(join(repo, 'SAMPLE.md'), sample('run(2)'));
    sandbox.git(repo, ['commit', '-q', '-am', 'two']);
    const merged = spawnSync('git', ['merge', '-q', '--no-edit', 'doc-markers'], { cwd: repo, env: { ...sandbox.env, STRATA: '0' }, encoding: 'utf8' });
    expect(merged.status).not.toBe(0);
    expect(readFileSync(join(repo, 'SAMPLE.md'), 'utf8')).toMatch(/```js\n<<<<<<< /);
    sandbox.git(repo, ['add', 'SAMPLE.md']);
    const refused = commit('merge with the conflict left in');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/SAMPLE\.md:4: conflict-markers/);
    // check reads the stopped merge the same way (from the git call that finds the repository).
    const during = sandbox.strata(repo, ['check', 'SAMPLE.md', 'DOC.md'], { allowFail: true });
    expect(during.status).toBe(1);
    expect(during.stdout).toMatch(/SAMPLE\.md:4: conflict-markers/);
    expect(during.stdout).not.toMatch(/DOC\.md/);
    sandbox.git(repo, ['merge', '--abort']);
    expect(sandbox.strata(repo, ['check', 'DOC.md']).status).toBe(0);
  });

  it('STRATA=0 skips the hook', () => {
    branch('strata-off');
    sandbox.write(join(repo, 'QUEUE.md'), edit('[depends:2] [agent:c]', '[depends:9] [agent:c]'));
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('off', { env: { STRATA: '0' } }).status).toBe(0);
  });

  it('lets a commit that stages no typed file through, even when a typed file is broken in the work tree', () => {
    branch('untyped');
    sandbox.write(join(repo, 'QUEUE.md'), edit('[depends:2] [agent:c]', '[depends:9] [agent:c]'));
    sandbox.write(join(repo, 'notes.txt'), 'notes\n');
    sandbox.git(repo, ['add', 'notes.txt']);
    const ok = commit('notes');
    expect(ok.status).toBe(0);
    expect(ok.stderr).toBe('');
  });

  it('starts node only when a staged file is typed, quoted non-ASCII paths included', () => {
    branch('fast-path');
    const { starts, restore } = countNodeStarts(join(repo, '.git', 'hooks', 'pre-commit'), join(sandbox.dir, 'node-starts'));
    try {
      sandbox.write(join(repo, 'notes.txt'), 'notes\n');
      sandbox.git(repo, ['add', 'notes.txt']);
      expect(commit('untyped').status).toBe(0);
      expect(starts()).toBe(0);
      // A typed file whose name git quotes ("t\303\242ches.md"): the fast path must still see it as typed.
      sandbox.write(join(repo, 'tâches.md'), `# notes\n\n${'<'.repeat(7)} ours\na\n${'='.repeat(7)}\nb\n${'>'.repeat(7)} theirs\n`);
      sandbox.git(repo, ['add', 'tâches.md']);
      const refused = commit('markers in a typed file');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/conflict-markers/);
      expect(starts()).toBe(1);
    } finally {
      restore();
    }
  });

  it('stamps ids on entries written without one, re-stages the file, and commits them', () => {
    branch('stamp');
    const added = `${QUEUE}- [ ] [seq:5] [depends:3] [agent:e] smoke test\n- [ ] [seq:6] [agent:e] docs\n`;
    sandbox.write(join(repo, 'QUEUE.md'), added);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const ok = commit('add two tasks');
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain('strata: stamped [id:…] on 2 entries of QUEUE.md (seq 5, seq 6) and staged it again');
    const committed = sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout;
    const lines = committed.split('\n');
    expect(lines[6]).toMatch(/^- \[ \] \[seq:5\] \[id:[0-9a-z]{10}\] \[depends:3\] \[agent:e\] smoke test$/);
    expect(lines[7]).toMatch(/^- \[ \] \[seq:6\] \[id:[0-9a-z]{10}\] \[agent:e\] docs$/);
    expect(committed.replace(/ \[id:[0-9a-z]{10}\](?= \[depends:3\]| \[agent:e\] docs)/g, '')).toBe(added);
    // The work tree got the same ids: nothing left to commit.
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(committed);
    expect(sandbox.git(repo, ['status', '--porcelain']).stdout).toBe('');
  });

  it('a commit of named paths (git commit QUEUE.md) stamps the commit and the work tree, and says that git\'s index lags', () => {
    branch('stamp-paths');
    sandbox.write(join(repo, 'QUEUE.md'), `${QUEUE}- [ ] [seq:5] [agent:e] by path\n`);
    const ok = sandbox.git(repo, ['commit', '-q', '-m', 'by path', 'QUEUE.md']);
    expect(ok.stderr).toContain("git's own index keeps QUEUE.md as it was before the ids");
    const committed = sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout;
    expect(committed).toMatch(/\[seq:5\] \[id:[0-9a-z]{10}\] \[agent:e\] by path\n$/);
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(committed);
    // The next commit from that index (a change elsewhere staged): the ids are not news to the work tree.
    sandbox.write(join(repo, 'notes.txt'), 'x\n');
    sandbox.git(repo, ['add', 'notes.txt']);
    const next = commit('another file');
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toContain('the work tree copy already has these ids');
    expect(sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout).toBe(committed);
  });

  it('names a task-box item with no tags, which the queue reads as prose, without refusing the commit', () => {
    branch('untagged');
    sandbox.write(join(repo, 'QUEUE.md'), `${QUEUE}- [ ] fix the login bug\n\n\`\`\`\n- [ ] in a code sample\n\`\`\`\n`);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const ok = commit('a hand-written task without tags');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("strata: note: QUEUE.md:7: '- [ ] fix the login bug' has no tags, so it is not a task");
    expect(ok.stderr).not.toContain('in a code sample');
  });

  it('names a task written indented under another, which the queue reads as its notes, without refusing the commit', () => {
    branch('nested');
    sandbox.write(join(repo, 'QUEUE.md'), `${QUEUE}- [ ] [seq:5] [id:nnnnnnnnnn] [agent:e] parent\n  - [ ] [seq:6] [agent:e] a subtask\n`);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const ok = commit('a nested task');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/strata: note: QUEUE\.md:8: '- \[ \] \[seq:6\] \[agent:e\] a subtask' is indented under the entry at line 7, .*unindent it/);
  });

  it('stamps under the writers\' lock: a queue add that holds it meanwhile is neither lost nor overwritten', async () => {
    branch('stamp-race');
    const staged = `${QUEUE}- [ ] [seq:5] [agent:e] hand-written\n`;
    sandbox.write(join(repo, 'QUEUE.md'), staged);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const { withFileLock } = await import('../../src/ops/lock.js');
    const { spawn } = await import('node:child_process');
    let hookOutput = '';
    const committed = await withFileLock(repo, 'QUEUE.md', async () => {
      // The commit starts while a writer (this test) holds QUEUE.md's lock: its hook has to wait.
      const child = spawn('git', ['commit', '-q', '-m', 'hand'], { cwd: repo, env: sandbox.env });
      child.stderr.on('data', (chunk: Buffer) => (hookOutput += chunk.toString()));
      const done = new Promise<number | null>((resolve) => child.on('close', resolve));
      for (let i = 0; i < 100 && !hookOutput.includes('is locked'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(hookOutput).toContain('strata: QUEUE.md is locked by another strata command; waiting');
      // The writer appends its task, as `queue add` does, and lets go.
      writeFileSync(join(repo, 'QUEUE.md'), `${staged}- [ ] [seq:6] [id:ffffffffff] [agent:r] added meanwhile\n`);
      return { done }; // not awaited here: the lock goes once this returns
    });
    expect(`${await committed.done} ${hookOutput}`).toMatch(/^0 /);
    // The work tree changed under the hook: the writer's task is still there, unstaged, and the
    // stamped task has the committed id in both.
    expect(hookOutput).toContain('the work tree copy got the same ids on the same entries');
    const id = /\[seq:5\] \[id:([0-9a-z]{10})\] \[agent:e\] hand-written\n$/.exec(sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout)?.[1];
    expect(id).toBeDefined();
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(`${QUEUE}- [ ] [seq:5] [id:${id}] [agent:e] hand-written\n- [ ] [seq:6] [id:ffffffffff] [agent:r] added meanwhile\n`);
  });

  it('when the file is partly staged, stamps the index and the same entries in the work tree, and leaves the unstaged change alone', () => {
    branch('partial');
    const staged = `${QUEUE}- [ ] [seq:5] [agent:e] staged task\n`;
    const worktree = `${staged}- [ ] [seq:6] [agent:e] not staged yet\n`;
    sandbox.write(join(repo, 'QUEUE.md'), staged);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    sandbox.write(join(repo, 'QUEUE.md'), worktree);
    const ok = commit('partial');
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain('the work tree copy got the same ids on the same entries');
    const committed = sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout;
    const id = /\[seq:5\] \[id:([0-9a-z]{10})\] \[agent:e\] staged task/.exec(committed)?.[1];
    expect(id).toBeDefined();
    expect(committed).not.toContain('not staged yet');
    // The unstaged task is still unstaged and has no id yet; the committed one has its id.
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(worktree.replace('[seq:5] [agent:e]', `[seq:5] [id:${id}] [agent:e]`));
    expect(sandbox.git(repo, ['diff', '--stat']).stdout).toContain('QUEUE.md');

    // The committed task reworded before the rest is committed keeps its id (no identity change).
    sandbox.write(join(repo, 'QUEUE.md'), sandbox.read(join(repo, 'QUEUE.md')).replace('staged task', 'staged task, reworded'));
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('the rest').status).toBe(0);
    const next = sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout;
    expect(next).toContain(`[seq:5] [id:${id}] [agent:e] staged task, reworded`);
    expect(next).toMatch(/\[seq:6\] \[id:[0-9a-z]{10}\] \[agent:e\] not staged yet/);
  });

  it('when the file is partly staged and the work tree reworded the stamped task, gives the reworded task the same id', () => {
    branch('partial-reworded');
    const staged = `${QUEUE}- [ ] [seq:5] [agent:e] staged task\n`;
    sandbox.write(join(repo, 'QUEUE.md'), staged);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    const worktree = staged.replace('staged task', 'staged task, reworded');
    sandbox.write(join(repo, 'QUEUE.md'), worktree);
    const ok = commit('partial, reworded');
    expect(ok.status).toBe(0);
    const id = /\[seq:5\] \[id:([0-9a-z]{10})\] \[agent:e\] staged task\n/.exec(sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout)?.[1];
    expect(id).toBeDefined();
    // Same seq, the task the index holds: the reworded copy gets its id, the rewording stays unstaged.
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(worktree.replace('[seq:5] [agent:e]', `[seq:5] [id:${id}] [agent:e]`));
    expect(ok.stderr).toContain('the work tree copy got the same ids on the same entries');
    sandbox.git(repo, ['add', 'QUEUE.md']);
    expect(commit('the rewording').status).toBe(0);
    expect(sandbox.git(repo, ['show', 'HEAD:QUEUE.md']).stdout).toContain(`[seq:5] [id:${id}] [agent:e] staged task, reworded\n`);
  });

  it('when the file is partly staged and the work tree has no task like the stamped one, says the work tree lacks its id', () => {
    branch('partial-gone');
    const staged = `${QUEUE}- [ ] [seq:5] [agent:e] staged task\n`;
    sandbox.write(join(repo, 'QUEUE.md'), staged);
    sandbox.git(repo, ['add', 'QUEUE.md']);
    // The work tree renumbered it (unstaged): no entry there has its text or its seq.
    const worktree = staged.replace('[seq:5]', '[seq:7]').replace('staged task', 'staged task, reworded');
    sandbox.write(join(repo, 'QUEUE.md'), worktree);
    const ok = commit('partial, renumbered');
    expect(ok.status).toBe(0);
    expect(sandbox.read(join(repo, 'QUEUE.md'))).toBe(worktree);
    expect(ok.stderr).not.toContain('the work tree copy already has these ids');
    expect(ok.stderr).toContain('the work tree copy still lacks these ids');
  });

  it('checks the other typed files against HEAD too: a heartbeat going back, a fact edited', () => {
    branch('others');
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:${S2}] [ttl:10m] busy\n`);
    sandbox.write(join(repo, 'MEMORY.md'), `- [entity:db] [attr:engine] [at:${S1}] [agent:ops] Postgres\n`);
    sandbox.git(repo, ['add', '-A']);
    expect(commit('agents and memory').status).toBe(0);
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:${S1}] [ttl:10m] busy\n`);
    sandbox.write(join(repo, 'MEMORY.md'), `- [entity:db] [attr:engine] [at:${S1}] [agent:ops] MySQL\n`);
    sandbox.git(repo, ['add', '-A']);
    const refused = commit('rewrite history');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('HEARTBEAT.md:1: heartbeat-backwards: the heartbeat of a went back in time');
    expect(refused.stderr).toContain("MEMORY.md:1: fact-edited: the fact db.engine by ops at 2026-11-27T10:00:00.000Z was edited: it changed its value from 'Postgres' to 'MySQL'");
  });
});

describe('a heartbeat stamped by a wrong clock', () => {
  it('may be moved back in a commit made more than 15m before it; verify takes each commit at its own time', () => {
    branch('future-heartbeat');
    // A machine a year ahead beat (its commit, made there, carries the same wrong time).
    const ahead = { GIT_AUTHOR_DATE: '2027-11-27T10:00:00Z', GIT_COMMITTER_DATE: '2027-11-27T10:00:00Z', STRATA_NOW: '2027-11-27T10:00:00.000Z' };
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:${S1}] [ttl:10m] busy\n- [agent:skewed] [at:2027-11-27T10:00:00.000Z] [ttl:10m] ahead\n`);
    sandbox.git(repo, ['add', '-A']);
    expect(commit('a year ahead', { env: ahead }).status).toBe(0);
    // On a right clock the stamp is corrected by hand: accepted, as it is a year ahead of this commit.
    const now = { GIT_AUTHOR_DATE: '2026-11-27T12:00:00Z', GIT_COMMITTER_DATE: '2026-11-27T12:00:00Z', STRATA_NOW: '2026-11-27T12:00:00.000Z' };
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:${S1}] [ttl:10m] busy\n- [agent:skewed] [at:2026-11-27T11:59:00.000Z] [ttl:10m] ahead\n`);
    sandbox.git(repo, ['add', '-A']);
    const corrected = commit('correct the wrong clock', { env: now });
    expect(corrected.stderr).toBe('');
    expect(corrected.status).toBe(0);
    // An honest stamp still may not go back, whatever the clock.
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:2026-11-27T09:00:00.000Z] [ttl:10m] busy\n- [agent:skewed] [at:2026-11-27T11:59:00.000Z] [ttl:10m] ahead\n`);
    sandbox.git(repo, ['add', '-A']);
    const back = commit('a back', { env: now });
    expect(back.status).toBe(1);
    expect(back.stderr).toContain('HEARTBEAT.md:1: heartbeat-backwards: the heartbeat of a went back in time');
    expect(commit('a back anyway', { env: now, noVerify: true }).status).toBe(0);
    // CI runs later than the commits, on a clock that may be past the wrong stamp by then: each commit
    // counts at its own time, so the correction passes and the commit that moved a back does not.
    const ci = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`, '--format', 'json'], { allowFail: true, env: { STRATA_NOW: '2028-01-01T00:00:00.000Z' } });
    expect(ci.status).toBe(1);
    const found = (JSON.parse(ci.stdout) as { findings: { rule: string; message: string; commit: { subject: string } }[] }).findings;
    expect(found.map((f) => [f.commit.subject, f.rule])).toEqual([['a back anyway', 'heartbeat-backwards']]);
  });

  it('may not be brought by a commit: refused by the hook, caught by verify at the commit’s own time; carried over unchanged, it passes', () => {
    branch('new-future-heartbeat');
    const now = { GIT_AUTHOR_DATE: '2026-11-27T12:00:00Z', GIT_COMMITTER_DATE: '2026-11-27T12:00:00Z', STRATA_NOW: '2026-11-27T12:00:00.000Z' };
    const YEAR = '2027-11-27T12:00:00.000Z';
    // A hand edit with the wrong year, in a file new on this branch; 10 minutes ahead is an honest clock.
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:2026-11-27T12:10:00.000Z] [ttl:10m] busy\n- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`);
    sandbox.git(repo, ['add', '-A']);
    const refused = commit('skewed beats', { env: now });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `HEARTBEAT.md:2: stamp-ahead: the stamp ${YEAR} of the heartbeat of skewed is 365 days ahead of 2026-11-27T12:00:00.000Z, the time of the commit: more than the 15m a clock may be off`,
    );
    expect(refused.stderr).toContain("hint: fix the machine's clock and restamp: git strata heartbeat --agent skewed writes the time of the machine");
    expect(refused.stderr).not.toContain('HEARTBEAT.md:1:');
    expect(refused.stderr).toContain('strata: commit refused: 1 problem in the staged HEARTBEAT.md');
    // What the hook's hint says to run shows it again, in every format.
    const again = sandbox.strata(repo, ['check', '--staged', '--base', 'HEAD', '--format', 'github'], { allowFail: true, env: { STRATA_NOW: now.STRATA_NOW } });
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/^::error file=HEARTBEAT\.md,line=2,col=18,title=stamp-ahead::the stamp 2027-11-27T12:00:00\.000Z of the heartbeat of skewed/);
    expect(commit('skewed beats anyway', { env: now, noVerify: true }).status).toBe(0);
    // The next commit keeps the stamp as it was (a's beat goes on): not this commit's doing.
    sandbox.write(join(repo, 'HEARTBEAT.md'), `- [agent:a] [at:2026-11-27T12:30:00.000Z] [ttl:10m] busy\n- [agent:skewed] [at:${YEAR}] [ttl:10m] ahead\n`);
    sandbox.git(repo, ['add', '-A']);
    const later = { GIT_AUTHOR_DATE: '2026-11-27T12:30:00Z', GIT_COMMITTER_DATE: '2026-11-27T12:30:00Z', STRATA_NOW: '2026-11-27T12:30:00.000Z' };
    const carried = commit('a beats again', { env: later });
    expect(carried.stderr).toBe('');
    expect(carried.status).toBe(0);
    // Moved to another path of its type, the file keeps its stamps as old ones.
    mkdirSync(join(repo, 'agents'), { recursive: true });
    sandbox.git(repo, ['mv', 'HEARTBEAT.md', 'agents/HEARTBEAT.md']);
    const moved = commit('move the heartbeats', { env: later });
    expect(moved.stderr).toBe('');
    expect(moved.status).toBe(0);
    expect(sandbox.strata(repo, ['check', '--staged', '--base', 'HEAD~1'], { allowFail: true, env: { STRATA_NOW: later.STRATA_NOW } }).status).toBe(0);
    // CI runs after the wrong year has come: each commit still counts at its own committer time.
    const ci = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`, '--format', 'json'], { allowFail: true, env: { STRATA_NOW: '2028-01-01T00:00:00.000Z' } });
    expect(ci.status).toBe(1);
    const found = (JSON.parse(ci.stdout) as { findings: { path: string; line: number; rule: string; message: string; commit: { subject: string } }[] }).findings;
    expect(found.map((f) => [f.commit.subject, f.path, f.line, f.rule])).toEqual([['skewed beats anyway', 'HEARTBEAT.md', 2, 'stamp-ahead']]);
    expect(found[0]!.message).toContain('365 days ahead of 2026-11-27T12:00:00.000Z, the time of the commit');
    const text = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`], { allowFail: true });
    expect(text.stdout).toMatch(/^commit \S+ skewed beats anyway\nHEARTBEAT\.md:2: stamp-ahead: the stamp 2027-11-27T12:00:00\.000Z of the heartbeat of skewed/);
    const github = sandbox.strata(repo, ['verify', '--range', `${baseCommit}..HEAD`, '--format', 'github'], { allowFail: true });
    expect(github.stdout).toMatch(/^::error file=HEARTBEAT\.md,line=2,col=18,title=stamp-ahead \(commit \S+\)::in commit \S+ "skewed beats anyway": the stamp 2027-11-27T12:00:00\.000Z/);
  });
});

/** What the tests of two clones of one bare remote (`a` pushes, `b` pulls) run them with. */
function cloneHelpers(clones: () => { box: Sandbox; a: string; b: string }) {
  const run = (cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync(cmd, args, { cwd, env: { ...clones().box.env, ...env }, encoding: 'utf8' });
    return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
  };
  const strata = (cwd: string, ...args: string[]) => clones().box.strata(cwd, args);
  const gitIn = (cwd: string, ...args: string[]) => clones().box.git(cwd, args);
  /** Both clones at one commit of main, with the given work committed in `a` (with `env`) and pushed. */
  const fork = (work: () => void, env: NodeJS.ProcessEnv = {}): void => {
    const { a, b } = clones();
    work();
    gitIn(a, 'add', '-A');
    expect(run(a, 'git', ['commit', '-q', '-m', 'base'], env).status).toBe(0);
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    gitIn(b, 'pull', '-q', '--no-rebase');
  };
  return { run, strata, gitIn, fork };
}

describe('pre-commit hook concluding a merge (bare remote and clones)', () => {
  let box: Sandbox;
  let a: string;
  let b: string;

  beforeAll(() => {
    box = makeSandbox('strata-hook-merge-');
    ({ a, b } = makeRemoteWithClones(box, ['a', 'b'], { files: { 'notes.txt': 'base\n' } }) as { a: string; b: string });
  });
  afterAll(() => box?.cleanup());

  const { run, strata, gitIn, fork } = cloneHelpers(() => ({ box, a, b }));

  it('refuses a merge resolved by taking HEAD that drops the side\'s done task and fact; the hinted re-merge commits', () => {
    fork(() => {
      strata(a, 'queue', 'add', 'one');
      strata(a, 'fact', 'set', 'x', 'y', '1');
    });
    strata(a, 'queue', 'done', '1');
    strata(a, 'fact', 'set', 'x', 'y', '2');
    gitIn(a, 'commit', '-q', '-am', 'a: done 1, fact 2');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    strata(b, 'queue', 'add', '--agent', 'b', 'two');
    strata(b, 'fact', 'set', 'x', 'z', '3');
    gitIn(b, 'commit', '-q', '-am', 'b: two, fact 3');
    // A merge without the driver, resolved by keeping this clone's versions: nothing differs from HEAD.
    expect(run(b, 'git', ['pull', '-q', '--no-rebase'], { STRATA: '0' }).status).not.toBe(0);
    gitIn(b, 'checkout', '-q', '--ours', 'QUEUE.md', 'MEMORY.md');
    gitIn(b, 'add', '-A');
    expect(gitIn(b, 'diff', '--cached', '--name-only', 'HEAD').stdout).toBe('');
    const refused = run(b, 'git', ['commit', '-q', '--no-edit']);
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/strata: against [0-9a-f]{7,} \(a: done 1, fact 2\), the side this commit merges in \(MERGE_HEAD\):/);
    expect(refused.stderr).toMatch(/QUEUE\.md:\d+: status-regressed: seq 1 went from done back to open/);
    expect(refused.stderr).toMatch(/MEMORY\.md:\d+: fact-removed: the fact x\.y by .* \('2'/);
    expect(refused.stderr).toContain('git checkout -m -- MEMORY.md QUEUE.md (git keeps');
    expect(refused.stderr).toContain('then git strata resolve MEMORY.md QUEUE.md, which stages');

    // What the hint says: git recreates the conflicted merge of both files (with the driver now), resolve stages it.
    gitIn(b, 'checkout', '-m', '--', 'MEMORY.md', 'QUEUE.md');
    const resolved = box.strata(b, ['resolve', 'MEMORY.md', 'QUEUE.md'], { allowFail: true });
    expect(resolved.status, resolved.stdout + resolved.stderr).toBe(0);
    const merged = run(b, 'git', ['commit', '-q', '--no-edit']);
    expect(merged.status, merged.stderr).toBe(0);
    const queue = box.read(join(b, 'QUEUE.md'));
    expect(queue).toMatch(/^- \[x\] \[seq:1\] .* one$/m);
    expect(queue).toMatch(/\btwo$/m);
    const memory = box.read(join(b, 'MEMORY.md'));
    expect(memory).toMatch(/\[entity:x\] \[attr:y\] .* 2$/m);
    expect(memory).toMatch(/\[entity:x\] \[attr:z\] .* 3$/m);
    expect(box.strata(b, ['verify', '--range', 'HEAD~2..HEAD']).status).toBe(0);
    gitIn(b, 'push', '-q', 'origin', 'HEAD:main');
    gitIn(a, 'pull', '-q', '--no-rebase');
  });

  it('passes what the driver merged (renumbered task, one task both hooks stamped, superseded fact, newer heartbeat) when the merge is committed by hand', () => {
    fork(() => {
      strata(a, 'queue', 'add', 'shared work');
      strata(a, 'heartbeat', '--agent', 'w', 'starting');
      // Written by hand and committed with the hook off: each side's hook then stamps its own id on it.
      box.write(join(a, 'QUEUE.md'), `${box.read(join(a, 'QUEUE.md'))}- [ ] [seq:9] [agent:h] hand-written\n`);
    }, { STRATA: '0' });
    const seq = (text: string, body: string): string => new RegExp(`\\[seq:(\\d+)\\][^\\n]* ${body}$`, 'm').exec(text)![1]!;
    const shared = seq(box.read(join(a, 'QUEUE.md')), 'shared work');
    strata(a, 'queue', 'done', shared);
    strata(a, 'queue', 'add', 'a-side task');
    strata(a, 'fact', 'set', 'x', 'y', 'from a');
    strata(a, 'heartbeat', '--agent', 'w', 'a beat');
    box.write(join(a, 'notes.txt'), 'a\n');
    gitIn(a, 'commit', '-q', '-am', 'a side');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    strata(b, 'queue', 'add', '--agent', 'b', 'b-side task');
    strata(b, 'fact', 'set', 'x', 'y', 'from b');
    strata(b, 'heartbeat', '--agent', 'w', 'b beat');
    box.write(join(b, 'notes.txt'), 'b\n');
    gitIn(b, 'commit', '-q', '-am', 'b side');
    const stamped = (text: string) => /\[seq:\d+\] \[id:(\w+)\][^\n]* hand-written$/m.exec(text)?.[1];
    expect(stamped(box.read(join(b, 'QUEUE.md')))).toBeDefined();
    expect(stamped(box.read(join(b, 'QUEUE.md')))).not.toBe(stamped(box.read(join(a, 'QUEUE.md'))));

    // The driver merges the typed files; notes.txt conflicts, so the merge is committed by hand.
    const pulled = run(b, 'git', ['pull', '--no-rebase']);
    expect(pulled.status).not.toBe(0);
    expect(pulled.stdout).toMatch(/CONFLICT \(content\): Merge conflict in notes\.txt/);
    expect(gitIn(b, 'ls-files', '-u').stdout).toMatch(/\tnotes\.txt$/m);
    const queue = box.read(join(b, 'QUEUE.md'));
    expect(queue).toMatch(/\[was:\d+\]/);
    expect(queue).toMatch(/\[alias:\w+\][^\n]* hand-written$/m);
    expect(box.read(join(b, 'MEMORY.md'))).toMatch(/\[superseded:yes\]/);
    box.write(join(b, 'notes.txt'), 'a and b\n');
    gitIn(b, 'add', 'notes.txt');

    // The check runs on this merge: taking HEAD's queue would drop the side's done task.
    gitIn(b, 'checkout', 'HEAD', '--', 'QUEUE.md');
    const refused = run(b, 'git', ['commit', '-q', '--no-edit']);
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`status-regressed: seq ${shared} went from done back to open|settled-entry-removed`));
    box.write(join(b, 'QUEUE.md'), queue);
    gitIn(b, 'add', 'QUEUE.md');
    const committed = run(b, 'git', ['commit', '-q', '--no-edit']);
    expect(committed.stderr).toBe('');
    expect(committed.status).toBe(0);
    expect(gitIn(b, 'rev-list', '--parents', '-n', '1', 'HEAD').stdout.trim().split(' ')).toHaveLength(3);
    expect(box.strata(b, ['verify', '--range', 'HEAD~2..HEAD']).status).toBe(0);
  });

});

describe('post-rewrite after a rebase (bare remote and clones)', () => {
  let box: Sandbox;
  let a: string;
  let b: string;

  beforeAll(() => {
    box = makeSandbox('strata-hook-rebase-');
    ({ a, b } = makeRemoteWithClones(box, ['a', 'b']) as { a: string; b: string });
  });
  afterAll(() => box?.cleanup());

  const { run, strata, gitIn, fork } = cloneHelpers(() => ({ box, a, b }));

  it('refuses to conclude a merge that took nothing from the other side, as git 2.39 leaves one that could not take the index lock', () => {
    fork(() => strata(a, 'queue', 'add', 'before the lock'));
    strata(a, 'queue', 'add', 'upstream task');
    box.write(join(a, 'code.txt'), 'upstream code\n');
    gitIn(a, 'add', '-A');
    gitIn(a, 'commit', '-q', '-m', 'a: task and code');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    box.write(join(b, 'local.txt'), 'local\n');
    gitIn(b, 'add', '-A');
    gitIn(b, 'commit', '-q', '-m', 'b: local');
    // Another process (a writer, an editor's git status) holds the index lock as the pull merges.
    const lock = join(b, '.git', 'index.lock');
    writeFileSync(lock, '');
    const pulled = run(b, 'git', ['pull', '--no-rebase', '--no-edit']);
    rmSync(lock);
    expect(pulled.status).not.toBe(0);
    const merging = existsSync(join(b, '.git', 'MERGE_HEAD'));
    // git 2.39 (this project's CI) leaves the merge so; a git that fails cleanly leaves none to refuse.
    const [major, minor] = run(b, 'git', ['--version']).stdout.match(/(\d+)\.(\d+)/)!.slice(1).map(Number) as [number, number];
    if (major === 2 && minor <= 39) expect(merging).toBe(true);
    if (merging) {
      // git 2.39: MERGE_HEAD is written, nothing is merged; committing would drop the upstream commit's changes.
      const refused = run(b, 'git', ['commit', '-q', '--no-edit']);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/concludes a merge of \w+ but takes nothing from it/);
      expect(refused.stderr).toMatch(/git merge --abort/);
      gitIn(b, 'merge', '--abort');
    }
    const again = run(b, 'git', ['pull', '-q', '--no-rebase', '--no-edit']);
    expect(again.status, again.stderr).toBe(0);
    expect(box.read(join(b, 'QUEUE.md'))).toMatch(/upstream task/);
    expect(box.read(join(b, 'code.txt'))).toBe('upstream code\n');
  });

  it('lets a merge that took the other side\'s changes commit', () => {
    fork(() => box.write(join(a, 'other.txt'), 'one\n'));
    box.write(join(a, 'other.txt'), 'two\n');
    gitIn(a, 'commit', '-q', '-am', 'a: two');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    box.write(join(b, 'mine.txt'), 'mine\n');
    gitIn(b, 'add', '-A');
    gitIn(b, 'commit', '-q', '-m', 'b: mine');
    expect(run(b, 'git', ['pull', '-q', '--no-rebase', '--no-commit']).status).toBe(0);
    const committed = run(b, 'git', ['commit', '-q', '--no-edit']);
    expect(committed.status, committed.stderr).toBe(0);
    expect(committed.stderr).toBe('');
  });

  it('warns after a rebase whose commits the hook never saw (rebase --continue): a resolution that dropped a done task is named, and a clean pull --rebase says nothing', () => {
    fork(() => strata(a, 'queue', 'add', 'rebased base task'));
    strata(b, 'queue', 'add', '--agent', 'b', 'rebased local task');
    gitIn(b, 'commit', '-q', '-am', 'b: add');
    const local = /\[seq:(\d+)\][^\n]* rebased local task$/m.exec(box.read(join(b, 'QUEUE.md')))![1]!;
    strata(b, 'queue', 'done', local);
    box.write(join(b, 'QUEUE.md'), box.read(join(b, 'QUEUE.md')).replace('rebased base task', 'rebased base task (b wording)'));
    gitIn(b, 'commit', '-q', '-am', 'b: done 2, reword 1');
    box.write(join(a, 'QUEUE.md'), box.read(join(a, 'QUEUE.md')).replace('rebased base task', 'rebased base task (a wording)'));
    gitIn(a, 'commit', '-q', '-am', 'a: reword 1');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');

    // The same task reworded on both sides conflicts; taking upstream's file (ours, in a rebase) drops
    // the local done status, and git rebase --continue commits that without the pre-commit hook.
    const stopped = run(b, 'git', ['pull', '-q', '--rebase']);
    expect(stopped.status, stopped.stderr).not.toBe(0);
    gitIn(b, 'checkout', '--ours', 'QUEUE.md');
    gitIn(b, 'add', 'QUEUE.md');
    const continued = run(b, 'git', ['rebase', '--continue'], { GIT_EDITOR: 'true' });
    expect(continued.status, continued.stdout + continued.stderr).toBe(0);
    expect(continued.stderr).toMatch(/strata: the rebase made 1 commit that fails strata's checks/);
    expect(continued.stderr).toMatch(new RegExp(`QUEUE\\.md:\\d+: status-regressed: seq ${local} went from done back to open`));
    expect(box.read(join(b, 'QUEUE.md'))).toMatch(new RegExp(`- \\[ \\] \\[seq:${local}\\]`));

    // Put right in a new commit, then a rebase the driver merges cleanly warns about nothing.
    strata(b, 'queue', 'done', local);
    gitIn(b, 'commit', '-q', '-am', 'b: done 2 again');
    strata(a, 'queue', 'add', 'more from a');
    gitIn(a, 'commit', '-q', '-am', 'a: more');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    const clean = run(b, 'git', ['pull', '-q', '--rebase']);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stderr).not.toMatch(/strata/);
    expect(box.strata(b, ['check']).status).toBe(0);
  });

  it('says nothing after a rebase -i that reorders local commits: what the replaced commit had from its old parent is not its own', () => {
    gitIn(a, 'pull', '-q', '--no-rebase');
    strata(a, 'queue', 'add', '--agent', 'a', 'reorder first');
    gitIn(a, 'add', '-A');
    gitIn(a, 'commit', '-q', '-m', 'reorder: add');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    const seq = /\[seq:(\d+)\][^\n]* reorder first$/m.exec(box.read(join(a, 'QUEUE.md')))![1]!;
    strata(a, 'queue', 'done', seq);
    gitIn(a, 'commit', '-q', '-am', 'A: done');
    strata(a, 'queue', 'add', '--agent', 'a', 'reorder later');
    gitIn(a, 'commit', '-q', '-am', 'B: add');
    // The todo list, its two picks swapped: B is replayed first, without A's done under it.
    const swap = join(box.dir, 'swap-todo.sh');
    box.write(swap, '#!/bin/sh\ngrep -v "^#" "$1" | grep -v "^$" > "$1.t"; { sed -n 2p "$1.t"; sed -n 1p "$1.t"; } > "$1"; rm "$1.t"\n');
    chmodSync(swap, 0o755);
    const rebased = run(a, 'git', ['rebase', '-q', '-i', 'HEAD~2'], { GIT_SEQUENCE_EDITOR: swap });
    expect(rebased.status, rebased.stderr).toBe(0);
    expect(gitIn(a, 'log', '--format=%s', '-2').stdout).toBe('A: done\nB: add\n');
    expect(rebased.stderr).not.toMatch(/strata/);
    expect(box.strata(a, ['verify', '--range', 'origin/main..HEAD']).status).toBe(0);
  });
});

describe('pre-applypatch: git am of a patch (bare remote and clones)', () => {
  let box: Sandbox;
  let a: string;
  let b: string;
  let patches: string;

  beforeAll(() => {
    box = makeSandbox('strata-hook-am-');
    ({ a, b } = makeRemoteWithClones(box, ['a', 'b'], { files: { 'QUEUE.md': QUEUE, 'notes.txt': 'notes\n' } }) as { a: string; b: string });
    patches = join(box.dir, 'patches');
  });
  afterAll(() => box?.cleanup());

  const { run, gitIn } = cloneHelpers(() => ({ box, a, b }));

  /** A patch of one commit made in `a` with --no-verify (no hook saw it), `a` then put back as it was. */
  const mailed = (name: string, files: Record<string, string>): string => {
    for (const [path, text] of Object.entries(files)) box.write(join(a, path), text);
    gitIn(a, 'add', '-A');
    gitIn(a, 'commit', '-q', '--no-verify', '-m', name);
    rmSync(patches, { recursive: true, force: true });
    const patch = gitIn(a, 'format-patch', '-1', '-o', patches).stdout.trim();
    gitIn(a, 'reset', '-q', '--hard', 'HEAD~1');
    return patch;
  };
  const head = (dir: string): string => gitIn(dir, 'rev-parse', 'HEAD').stdout.trim();
  const amState = (): boolean => existsSync(join(b, '.git', 'rebase-apply'));

  it.each(BAD)('refuses a patch with $name with the check\'s message; git am --abort leaves the clone clean', ({ name, text, expected }) => {
    const patch = mailed(`bad: ${name}`, { 'QUEUE.md': text });
    const before = head(b);
    const refused = run(b, 'git', ['am', patch]);
    expect(refused.status, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stderr).toMatch(expected);
    expect(refused.stderr).toMatch(/strata: patch refused: .* in the patched QUEUE\.md/);
    expect(refused.stderr).toContain('git am --continue');
    expect(refused.stderr).toContain('git am --abort');
    expect(refused.stderr).toContain('STRATA=0 git am --continue');
    expect(head(b)).toBe(before);
    expect(amState()).toBe(true);
    const aborted = run(b, 'git', ['am', '--abort']);
    expect(aborted.status, aborted.stderr).toBe(0);
    expect(head(b)).toBe(before);
    expect(amState()).toBe(false);
    expect(gitIn(b, 'status', '--porcelain', '--untracked-files=all').stdout).toBe('');
    expect(box.read(join(b, 'QUEUE.md'))).toBe(QUEUE);
  });

  it('checks again on git am --continue: a fixed file applies; STRATA=0 applies it as it is, and verify still finds it', () => {
    const dangling = BAD.find((bad) => bad.name === 'dangling depends')!;
    const patch = mailed('bad depends, mailed', { 'QUEUE.md': dangling.text, 'notes.txt': 'notes from a\n' });
    const before = head(b);
    expect(run(b, 'git', ['am', patch]).status).not.toBe(0);
    // Still wrong: refused again.
    gitIn(b, 'add', 'QUEUE.md');
    const again = run(b, 'git', ['am', '--continue']);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(dangling.expected);
    // Fixed as the hint says: applied, with the author's message and the rest of the patch.
    box.write(join(b, 'QUEUE.md'), QUEUE);
    gitIn(b, 'add', 'QUEUE.md');
    const fixed = run(b, 'git', ['am', '--continue']);
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(gitIn(b, 'log', '-1', '--format=%s').stdout).toBe('bad depends, mailed\n');
    expect(box.read(join(b, 'notes.txt'))).toBe('notes from a\n');
    expect(gitIn(b, 'status', '--porcelain').stdout).toBe('');
    gitIn(b, 'reset', '-q', '--hard', before);

    // STRATA=0 skips the check, once: the patch lands as it is, and verify in CI finds it.
    const off = run(b, 'git', ['am', patch], { STRATA: '0' });
    expect(off.status, off.stderr).toBe(0);
    expect(off.stderr).not.toMatch(/strata/);
    const verify = box.strata(b, ['verify', '--range', `${before}..HEAD`], { allowFail: true });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(dangling.expected);
    gitIn(b, 'reset', '-q', '--hard', before);

    // git am --no-verify skips pre-applypatch from git 2.40 on; git 2.39 has no such option.
    const [major, minor] = gitIn(b, '--version').stdout.match(/(\d+)\.(\d+)/)!.slice(1).map(Number) as [number, number];
    const noVerify = run(b, 'git', ['am', '--no-verify', patch]);
    if (major > 2 || minor >= 40) {
      expect(noVerify.status, noVerify.stderr).toBe(0);
      gitIn(b, 'reset', '-q', '--hard', before);
    } else {
      expect(noVerify.status).toBe(129);
      expect(noVerify.stderr).toContain("unknown option `no-verify'");
      expect(amState()).toBe(false);
    }
    expect(head(b)).toBe(before);
  });

  it('applies a good patch silently, and starts node only for a patch that touches a typed file', () => {
    const { log, starts, restore } = countNodeStarts(join(b, '.git', 'hooks', 'pre-applypatch'), join(box.dir, 'am-node-starts'));
    try {
      const untyped = run(b, 'git', ['am', mailed('notes only', { 'notes.txt': 'more notes\n' })]);
      expect(untyped.status, untyped.stderr).toBe(0);
      expect(starts()).toBe(0);
      const good = run(b, 'git', ['am', mailed('a task', { 'QUEUE.md': `${QUEUE}- [ ] [seq:5] [id:eeeeeeeeee] [depends:3] [agent:e] smoke test\n` })]);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stderr).toBe('');
      expect(starts()).toBe(1);
      expect(readFileSync(log, 'utf8')).toMatch(/ hook pre-applypatch\n$/);
    } finally {
      restore();
      gitIn(b, 'reset', '-q', '--hard', 'origin/main');
    }
  });

  it('commits a hand-written task without an id as the patch has it (git am takes nothing a hook stages), and says so', () => {
    const before = head(b);
    const patch = mailed('hand-written task', { 'QUEUE.md': `${QUEUE}- [ ] [seq:5] [agent:e] written by hand\n` });
    const applied = run(b, 'git', ['am', patch]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/strata: note: QUEUE\.md: 1 entry \(seq 5\) has no \[id:…\]/);
    expect(gitIn(b, 'show', 'HEAD:QUEUE.md').stdout).toMatch(/^- \[ \] \[seq:5\] \[agent:e\] written by hand$/m);
    // Nothing half-stamped is left behind: the work tree is the commit.
    expect(gitIn(b, 'status', '--porcelain').stdout).toBe('');
    gitIn(b, 'reset', '-q', '--hard', before);
  });

  it('does not stop git rebase --apply, which commits through git am: post-rewrite warns after it, as after any rebase', () => {
    const before = head(b);
    box.write(join(b, 'QUEUE.md'), BAD.find((bad) => bad.name === 'dangling depends')!.text);
    gitIn(b, 'commit', '-q', '--no-verify', '-am', 'b: bad depends');
    box.write(join(a, 'notes.txt'), 'upstream notes\n');
    gitIn(a, 'commit', '-q', '-am', 'a: notes');
    gitIn(a, 'push', '-q', 'origin', 'HEAD:main');
    gitIn(b, 'fetch', '-q');
    const rebased = run(b, 'git', ['rebase', '--apply', 'origin/main']);
    expect(rebased.status, rebased.stdout + rebased.stderr).toBe(0);
    expect(rebased.stderr).toMatch(/strata: the rebase made 1 commit that fails strata's checks/);
    expect(rebased.stderr).not.toMatch(/patch refused/);
    expect(gitIn(b, 'log', '-2', '--format=%s').stdout).toBe('b: bad depends\na: notes\n');
    gitIn(b, 'reset', '-q', '--hard', 'origin/main');
    expect(head(b)).not.toBe(before);
  });
});
