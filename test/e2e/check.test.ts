// git strata check and verify with real git: typed files found as git types them, --base read from
// history without a checkout (packed objects, linked worktrees), --staged, and the output formats.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, type Sandbox, makeSandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let repo: string;

const S1 = '2026-11-27T10:00:00.000Z';
const GOOD = `# Queue\n\n- [x] [seq:1] [id:aaaaaaaaaa] [agent:a] [done:${S1}] set up repo\n- [ ] [seq:2] [id:bbbbbbbbbb] [depends:1] [agent:b] build\n`;
/** Valid on its own; against GOOD it reopens seq 1. */
const REOPENED = GOOD.replace('- [x] [seq:1]', '- [ ] [seq:1]').replace(` [done:${S1}]`, '');

beforeAll(() => {
  sandbox = makeSandbox('strata-check-');
  repo = join(sandbox.dir, 'repo');
  sandbox.git(sandbox.dir, ['init', '-q', repo]);
  sandbox.write(join(repo, '.gitattributes'), readFileSync(join(ROOT, '.gitattributes.example'), 'utf8'));
  sandbox.write(join(repo, 'QUEUE.md'), GOOD);
  sandbox.write(join(repo, 'queues/deploy.md'), '- [ ] [seq:1] [id:cccccccccc] [depends:5] deploy\n');
  sandbox.write(join(repo, 'notes.txt'), '<<<<<<< not typed\n>>>>>>> so never checked\n');
  sandbox.git(repo, ['add', '-A']);
  sandbox.git(repo, ['commit', '-q', '-m', 'good']);
  sandbox.write(join(repo, 'QUEUE.md'), REOPENED);
  sandbox.git(repo, ['commit', '-q', '-a', '-m', 'reopen seq 1']);
  // Packed objects: what isomorphic-git must read in a real clone.
  sandbox.git(repo, ['gc', '-q']);
});

afterAll(() => sandbox?.cleanup());

describe('git strata check', () => {
  it('checks every typed file of the work tree, and only those', () => {
    const result = sandbox.strata(repo, ['check'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      'queues/deploy.md:1: dangling-depends: seq 1 depends on seq 5, which no entry has\n' +
        '  hint: fix the number in [depends:…], or remove 5 if that task was dropped (cancel tasks with [-] instead of deleting them)\n',
    );
    expect(result.stderr).toBe('strata check: 2 typed files, 1 finding\n');
  });

  it('--base HEAD~1 reads the base from history without touching the work tree or HEAD', () => {
    const head = sandbox.git(repo, ['rev-parse', 'HEAD']).stdout;
    const result = sandbox.strata(repo, ['check', '--base', 'HEAD~1', 'QUEUE.md'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('QUEUE.md:3: status-regressed: seq 1 went from done back to open\n');
    expect(result.stderr).toContain('(against HEAD~1)');
    expect(sandbox.git(repo, ['rev-parse', 'HEAD']).stdout).toBe(head);
    expect(sandbox.git(repo, ['status', '--porcelain']).stdout).toBe('');
    // Against HEAD the same file is fine; a file the base did not have gets no base checks.
    expect(sandbox.strata(repo, ['check', '--base', 'HEAD', 'QUEUE.md']).status).toBe(0);
    expect(sandbox.strata(repo, ['check', '--base', 'HEAD~1', '--type', 'queue', 'notes.txt'], { allowFail: true }).stdout).toContain('conflict-markers');
  });

  it('--base works from a linked worktree and a subdirectory', () => {
    const wt = join(sandbox.dir, 'wt');
    sandbox.git(repo, ['worktree', 'add', '-q', '--detach', wt, 'HEAD']);
    const result = sandbox.strata(join(wt, 'queues'), ['check', '--base', 'HEAD~1', '--format', 'json'], { allowFail: true });
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout) as { findings: { path: string; rule: string }[] };
    expect(json.findings.map((f) => `${f.path} ${f.rule}`)).toEqual(['QUEUE.md status-regressed', 'queues/deploy.md dangling-depends']);
  });

  it('--format json: ok, files and findings with path, line, column, rule, message and hint', () => {
    const result = sandbox.strata(repo, ['check', '--format', 'json', '--base', 'HEAD~1'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      files: 2,
      findings: [
        { path: 'QUEUE.md', line: 3, rule: 'status-regressed', message: 'seq 1 went from done back to open', hint: expect.stringContaining('put the [x] back') },
        { path: 'queues/deploy.md', line: 1, column: 31, rule: 'dangling-depends', message: 'seq 1 depends on seq 5, which no entry has', hint: expect.any(String) },
      ],
    });
  });

  it('--format github: one ::error annotation per finding', () => {
    const result = sandbox.strata(repo, ['check', '--format=github', '--base=HEAD~1'], { allowFail: true });
    expect(result.stdout.split('\n')).toEqual([
      '::error file=QUEUE.md,line=3,title=status-regressed::seq 1 went from done back to open%0Ahint: put the [x] back and add a new entry (with [depends:1]) for the further work',
      expect.stringMatching(/^::error file=queues\/deploy\.md,line=1,col=31,title=dangling-depends::seq 1 depends on seq 5, which no entry has%0Ahint: /),
      '',
    ]);
  });

  it('--staged checks the index, not the work tree', () => {
    sandbox.write(join(repo, 'queues/deploy.md'), '- [ ] [seq:1] [id:cccccccccc] deploy\n');
    try {
      expect(sandbox.strata(repo, ['check', 'queues']).status).toBe(0);
      expect(sandbox.strata(repo, ['check', '--staged', 'queues'], { allowFail: true }).stdout).toContain('dangling-depends');
      sandbox.git(repo, ['add', 'queues/deploy.md']);
      expect(sandbox.strata(repo, ['check', '--staged', 'queues']).status).toBe(0);
    } finally {
      sandbox.git(repo, ['reset', '-q', '--hard']);
    }
  });

  it('says when a given path has no strata type, and checks untracked typed files too', () => {
    const result = sandbox.strata(repo, ['check', 'notes.txt']);
    expect(result.stderr).toContain('notes.txt has no strata attribute: not checked');
    sandbox.write(join(repo, 'queues/new.md'), '- [ ] [seq:1] [seq:2] new\n');
    try {
      expect(sandbox.strata(repo, ['check', 'queues/new.md'], { allowFail: true }).stdout).toContain('queues/new.md:1: malformed-entry: the entry has more than one [seq:…] tag');
    } finally {
      sandbox.git(repo, ['clean', '-q', '-f']);
    }
  });

  it('exit 2 on usage errors, 3 outside a repository; --type checks loose files anywhere', () => {
    expect(sandbox.strata(repo, ['check', '--format', 'xml'], { allowFail: true }).status).toBe(2);
    expect(sandbox.strata(repo, ['check', '--bogus'], { allowFail: true }).status).toBe(2);
    const badRef = sandbox.strata(repo, ['check', '--base', 'no-such-ref'], { allowFail: true });
    expect(badRef.status).toBe(2);
    expect(badRef.stderr).toContain("'no-such-ref' does not name a commit");
    expect(sandbox.strata(repo, ['check', 'no/such/file.md'], { allowFail: true }).status).toBe(2);
    const outside = sandbox.strata(sandbox.dir, ['check'], { allowFail: true });
    expect(outside.status).toBe(3);
    expect(outside.stderr).toContain('not inside a git repository');
    sandbox.write(join(sandbox.dir, 'loose.md'), '- [ ] [seq:1] [depends:1] x\n');
    const loose = sandbox.strata(sandbox.dir, ['check', '--type', 'queue', 'loose.md'], { allowFail: true });
    expect(loose.status).toBe(1);
    expect(loose.stdout).toContain('loose.md:1: self-dependency');
    // An absolute path is taken as it is, not under the working directory (outside a repository too).
    const elsewhere = join(sandbox.dir, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const absolute = sandbox.strata(elsewhere, ['check', '--type', 'queue', join(sandbox.dir, 'loose.md')], { allowFail: true });
    expect(absolute.stdout).toContain('loose.md:1: self-dependency');
    // A directory that holds no file is nothing to check, not an error.
    mkdirSync(join(repo, 'empty-dir'), { recursive: true });
    expect(sandbox.strata(join(repo, 'empty-dir'), ['check', '.']).status).toBe(0);
    expect(sandbox.strata(repo, ['check', '--help']).stdout).toContain('usage: git strata check');
  });
});

describe('git strata verify', () => {
  it('names each bad commit, in json and github formats too', () => {
    const first = sandbox.git(repo, ['rev-list', '--max-parents=0', 'HEAD']).stdout.trim();
    const short = sandbox.git(repo, ['rev-parse', '--short', 'HEAD']).stdout.trim();
    const json = sandbox.strata(repo, ['verify', '--range', `${first}..HEAD`, '--format', 'json'], { allowFail: true });
    expect(json.status).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; commits: number; findings: { rule: string; commit: { short: string; subject: string } }[] };
    expect(parsed).toMatchObject({ ok: false, range: `${first}..HEAD`, commits: 1 });
    expect(parsed.findings.map((f) => [f.rule, f.commit.short, f.commit.subject])).toEqual([['status-regressed', short, 'reopen seq 1']]);

    // A bare clone (a CI mirror) verifies the same, typed by each commit's own .gitattributes.
    const bare = join(sandbox.dir, 'bare.git');
    sandbox.git(sandbox.dir, ['clone', '-q', '--bare', repo, bare]);
    expect(sandbox.strata(bare, ['verify', '--range', `${first}..HEAD`, '--format', 'json'], { allowFail: true }).stdout).toBe(json.stdout);

    const github = sandbox.strata(repo, ['verify', '--range', `${first}..HEAD`, '--format', 'github'], { allowFail: true });
    expect(github.stdout).toBe(
      `::error file=QUEUE.md,line=3,title=status-regressed (commit ${short})::in commit ${short} "reopen seq 1": seq 1 went from done back to open%0Ahint: put the [x] back and add a new entry (with [depends:1]) for the further work\n`,
    );
  });

  it('an empty range passes; a root commit is checked against nothing', () => {
    const empty = spawnSync(process.execPath, [CLI, 'verify', '--range', 'HEAD..HEAD~1'], { cwd: repo, env: sandbox.env, encoding: 'utf8' });
    expect(empty.status).toBe(0);
    expect(empty.stderr).toContain('0 commits checked, no findings');
    // A range from an unrelated empty commit includes the root commit, whose queues/deploy.md dangles.
    const emptyTree = sandbox.git(repo, ['hash-object', '-t', 'tree', '--stdin'], { input: '' }).stdout.trim();
    sandbox.git(repo, ['update-ref', 'refs/empty', sandbox.git(repo, ['commit-tree', emptyTree, '-m', 'empty']).stdout.trim()]);
    const root = sandbox.git(repo, ['rev-list', '--max-parents=0', 'HEAD']).stdout.trim();
    const fromEmpty = sandbox.strata(repo, ['verify', '--range', `refs/empty..${root}`], { allowFail: true });
    expect(fromEmpty.status).toBe(1);
    expect(fromEmpty.stdout).toContain('queues/deploy.md:1: dangling-depends');
  });

  it('exit 2 without a range', () => {
    expect(sandbox.strata(repo, ['verify'], { allowFail: true }).status).toBe(2);
    expect(sandbox.strata(repo, ['verify', '--range', 'HEAD'], { allowFail: true }).status).toBe(2);
    expect(sandbox.strata(repo, ['verify', '--range', 'nope..HEAD'], { allowFail: true }).status).toBe(2);
  });
});
