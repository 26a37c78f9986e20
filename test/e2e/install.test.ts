// install / uninstall / doctor / hook against real git: config, shims, chaining, husky, worktrees.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = makeSandbox('strata-install-');
});
afterEach(() => sandbox.cleanup());

const ATTRIBUTES = readFileSync(join(ROOT, '.gitattributes.example'), 'utf8');
const CONFLICTED = '# Queue\n\n<<<<<<< ours\n- [ ] [seq:1] [id:aaaaaaaaaa] a\n=======\n- [ ] [seq:1] [id:bbbbbbbbbb] b\n>>>>>>> theirs\n';

/** A repository with one commit holding strata's .gitattributes (unless `attributes` is false). */
function repo(name = 'repo', attributes = true): string {
  const dir = join(sandbox.dir, name);
  sandbox.git(sandbox.dir, ['init', '-q', dir]);
  if (attributes) sandbox.write(join(dir, '.gitattributes'), ATTRIBUTES);
  sandbox.write(join(dir, 'README.md'), '# readme\n');
  sandbox.git(dir, ['add', '-A']);
  sandbox.git(dir, ['commit', '-q', '-m', 'init']);
  return dir;
}

/** Runs git with extra environment (the sandbox helper has none). */
function gitEnv(cwd: string, args: string[], env: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync('git', args, { cwd, env: { ...sandbox.env, ...env }, encoding: 'utf8' });
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

function hookScript(marker: string, exitCode = 0, readStdin = false): string {
  const stdin = readStdin ? `cat >> '${marker}'\n` : '';
  return `#!/bin/sh\necho "$(basename "$0") $*" >> '${marker}'\n${stdin}exit ${exitCode}\n`;
}

function writeHook(path: string, text: string): void {
  sandbox.write(path, text);
  chmodSync(path, 0o755);
}

function snapshot(dir: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, existsSync(join(dir, n)) ? readFileSync(join(dir, n), 'latin1') : '<absent>']));
}

const HOOKS = ['pre-commit', 'pre-applypatch', 'post-merge', 'post-rewrite', 'post-checkout'];

describe('git strata install', () => {
  it('registers absolute, shell-quoted paths that survive spaces in the repo and script paths', () => {
    // A copy of the package under a directory with a space (and a quote) in its name.
    const pkg = join(sandbox.dir, "strata pkg's");
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(ROOT, '.gitattributes.example'), join(pkg, '.gitattributes.example'));
    const cli = join(pkg, 'dist/git-strata.mjs');
    const dir = repo('my repo');
    const result = spawnSync(process.execPath, [cli, 'install'], { cwd: dir, env: sandbox.env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const driver = sandbox.git(dir, ['config', '--local', 'merge.strata.driver']).stdout.trim();
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // The driver's own entry, the CommonJS one beside the entry that ran install (no ES module loader).
    expect(driver).toBe(`${q(process.execPath)} ${q(join(pkg, 'dist/git-strata.cjs'))} merge %O %A %B %L %P`);
    // The line runs through sh as git runs it.
    const sh = spawnSync('sh', ['-c', driver.replace(' merge %O %A %B %L %P', ' --version')], { encoding: 'utf8' });
    expect(sh.stdout).toMatch(/^strata \d/);
    // And git really calls it: both sides change notes.md, the driver merges.
    sandbox.write(join(dir, 'notes.md'), '# notes\n\n- one\n\n## b\n\n- two\n');
    sandbox.git(dir, ['add', '-A']);
    sandbox.git(dir, ['commit', '-q', '-m', 'notes']);
    sandbox.git(dir, ['checkout', '-q', '-b', 'side']);
    sandbox.write(join(dir, 'notes.md'), '# notes\n\n- one\n- side\n\n## b\n\n- two\n');
    sandbox.git(dir, ['commit', '-q', '-am', 'side']);
    sandbox.git(dir, ['checkout', '-q', '-']);
    sandbox.write(join(dir, 'notes.md'), '# notes\n\n- one\n\n## b\n\n- two\n- main\n');
    sandbox.git(dir, ['commit', '-q', '-am', 'main']);
    const trace = gitEnv(dir, ['merge', '-q', '--no-edit', 'side'], { GIT_TRACE: '1' });
    expect(trace.status, trace.stderr).toBe(0);
    expect(trace.stderr).toContain('git-strata.cjs');
    expect(sandbox.read(join(dir, 'notes.md'))).toBe('# notes\n\n- one\n- side\n\n## b\n\n- two\n- main\n');
  });

  it('is idempotent: a second run leaves config and hooks byte-identical', () => {
    const dir = repo();
    sandbox.strata(dir, ['install']);
    const hooks = join(dir, '.git/hooks');
    const config = readFileSync(join(dir, '.git/config'), 'utf8');
    const before = snapshot(hooks, [...HOOKS, ...HOOKS.map((h) => `${h}.pre-strata`)]);
    const mtimes = HOOKS.map((h) => statSync(join(hooks, h)).mtimeMs);
    const second = sandbox.strata(dir, ['install']);
    expect(second.stdout).toContain('pre-commit unchanged');
    expect(readFileSync(join(dir, '.git/config'), 'utf8')).toBe(config);
    expect(snapshot(hooks, [...HOOKS, ...HOOKS.map((h) => `${h}.pre-strata`)])).toEqual(before);
    expect(HOOKS.map((h) => statSync(join(hooks, h)).mtimeMs)).toEqual(mtimes);
    expect(before['pre-commit.pre-strata']).toBe('<absent>');

    // A shim that lost its execute bit is skipped by git without a word: install puts the bit back.
    chmodSync(join(hooks, 'post-merge'), 0o644);
    const third = sandbox.strata(dir, ['install']);
    expect(third.stdout).toContain('post-merge updated');
    expect(statSync(join(hooks, 'post-merge')).mode & 0o777).toBe(0o755);
  });

  it('chains an existing hook, which still runs, and whose failure still blocks the commit', () => {
    const dir = repo();
    const marker = join(sandbox.dir, 'marker');
    const original = hookScript(marker, 0);
    writeHook(join(dir, '.git/hooks/pre-commit'), original);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain('pre-commit chained');
    sandbox.strata(dir, ['install']);
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.pre-strata'), 'utf8')).toBe(original);
    sandbox.write(join(dir, 'a.txt'), 'a\n');
    sandbox.git(dir, ['add', 'a.txt']);
    sandbox.git(dir, ['commit', '-q', '-m', 'a']);
    // A POSIX sh hook runs in a subshell of the shim, so it sees the $0 git gave it before.
    expect(sandbox.read(marker)).toBe('pre-commit \n');

    // Any other hook runs by path (here bash, which also keeps its exit status).
    sandbox.strata(dir, ['uninstall']);
    writeHook(join(dir, '.git/hooks/pre-commit'), hookScript(marker, 3).replace('#!/bin/sh', '#!/usr/bin/env bash'));
    sandbox.strata(dir, ['install']);
    sandbox.write(join(dir, 'b.txt'), 'b\n');
    sandbox.git(dir, ['add', 'b.txt']);
    const blocked = sandbox.git(dir, ['commit', '-q', '-m', 'b'], { allowFail: true });
    expect(blocked.status).not.toBe(0);
    expect(sandbox.git(dir, ['log', '--format=%s']).stdout).toBe('a\ninit\n');
    expect(sandbox.read(marker)).toBe('pre-commit \npre-commit.pre-strata \n');
  });

  it('chains an existing pre-applypatch: it runs first, and its failure still stops git am', () => {
    const dir = repo();
    const marker = join(sandbox.dir, 'marker-am');
    writeHook(join(dir, '.git/hooks/pre-applypatch'), hookScript(marker, 0));
    expect(sandbox.strata(dir, ['install']).stdout).toContain('pre-applypatch chained');
    sandbox.write(join(dir, 'a.txt'), 'a\n');
    sandbox.git(dir, ['add', 'a.txt']);
    sandbox.git(dir, ['commit', '-q', '-m', 'a']);
    const patch = sandbox.git(dir, ['format-patch', '-1', '-o', join(sandbox.dir, 'am-patches')]).stdout.trim();
    sandbox.git(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    sandbox.git(dir, ['am', '-q', patch]);
    expect(sandbox.read(marker)).toBe('pre-applypatch \n');
    expect(sandbox.git(dir, ['log', '-1', '--format=%s']).stdout).toBe('a\n');

    sandbox.git(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    writeHook(join(dir, '.git/hooks/pre-applypatch.pre-strata'), hookScript(marker, 4));
    const stopped = sandbox.git(dir, ['am', '-q', patch], { allowFail: true });
    expect(stopped.status).not.toBe(0);
    expect(sandbox.git(dir, ['log', '-1', '--format=%s']).stdout).toBe('init\n');
    sandbox.git(dir, ['am', '--abort']);
    expect(sandbox.git(dir, ['status', '--porcelain']).stdout).toBe('');
  });

  it('keeps git-lfs style post-merge/post-checkout hooks and post-rewrite stdin working', () => {
    const dir = repo();
    const marker = join(sandbox.dir, 'lfs');
    const lfs = (name: string) => `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || true\necho "lfs ${name} $*" >> '${marker}'\n`;
    writeHook(join(dir, '.git/hooks/post-merge'), lfs('post-merge'));
    writeHook(join(dir, '.git/hooks/post-checkout'), lfs('post-checkout'));
    writeHook(join(dir, '.git/hooks/post-rewrite'), hookScript(marker, 0, true));
    sandbox.strata(dir, ['install']);
    sandbox.git(dir, ['checkout', '-q', '-b', 'side']);
    sandbox.write(join(dir, 'x.txt'), 'x\n');
    sandbox.git(dir, ['add', 'x.txt']);
    sandbox.git(dir, ['commit', '-q', '-m', 'x']);
    sandbox.git(dir, ['checkout', '-q', 'main']);
    sandbox.git(dir, ['merge', '-q', 'side']);
    sandbox.git(dir, ['commit', '-q', '--amend', '-m', 'x amended']);
    const log = sandbox.read(marker).split('\n');
    expect(log[0]).toMatch(/^lfs post-checkout [0-9a-f]{40} [0-9a-f]{40} 1$/);
    expect(log).toContain('lfs post-merge 0');
    // post-rewrite got its arguments and git's stdin (old new) through the shim.
    const amend = log.findIndex((l) => l === 'post-rewrite amend');
    expect(amend).toBeGreaterThan(0);
    expect(log[amend + 1]).toMatch(/^[0-9a-f]{40} [0-9a-f]{40}$/);
  });

  it('works with husky 9 (core.hooksPath=.husky/_), including after husky regenerates its directory', () => {
    const dir = repo();
    const marker = join(sandbox.dir, 'husky');
    const huskyH = [
      '#!/usr/bin/env sh',
      'n=$(basename "$0")',
      's=$(dirname "$(dirname "$0")")/$n',
      '[ ! -f "$s" ] && exit 0',
      '[ "${HUSKY-}" = "0" ] && exit 0',
      'sh -e "$s" "$@"',
      '',
    ].join('\n');
    const huskyShim = '#!/usr/bin/env sh\n. "${0%/*}/h"';
    const generate = () => {
      sandbox.write(join(dir, '.husky/_/.gitignore'), '*');
      sandbox.write(join(dir, '.husky/_/h'), huskyH);
      for (const hook of ['pre-commit', 'post-merge', 'post-checkout', 'post-rewrite', 'commit-msg']) writeHook(join(dir, '.husky/_', hook), huskyShim);
    };
    generate();
    sandbox.write(join(dir, '.husky/pre-commit'), `echo "husky user hook $(basename "$0")" >> '${marker}'\n`);
    sandbox.git(dir, ['add', '.husky/pre-commit']);
    sandbox.git(dir, ['commit', '-q', '-m', 'husky']);
    sandbox.git(dir, ['config', 'core.hooksPath', '.husky/_']);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain('hooks in .husky/_');
    expect(out).toContain("husky's");
    expect(sandbox.git(dir, ['status', '--porcelain']).stdout).toBe('');

    sandbox.write(join(dir, 'QUEUE.md'), CONFLICTED);
    sandbox.git(dir, ['add', 'QUEUE.md']);
    const refused = sandbox.git(dir, ['commit', '-q', '-m', 'q'], { allowFail: true });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('QUEUE.md:3: conflict-markers:');
    // husky's own hook ran, under its own name.
    expect(sandbox.read(marker)).toBe('husky user hook pre-commit\n');

    // husky rewrites .husky/_ on npm install: doctor notices, install puts the shims back.
    generate();
    const doctor = sandbox.strata(dir, ['doctor'], { allowFail: true });
    expect(doctor.stdout).toMatch(/warn\s+hook pre-commit: .*husky regenerated it/);
    sandbox.strata(dir, ['install']);
    expect(sandbox.git(dir, ['commit', '-q', '-m', 'q'], { allowFail: true }).status).toBe(1);
    expect(sandbox.read(marker)).toBe('husky user hook pre-commit\nhusky user hook pre-commit\n');
  });

  it('never overwrites a different older backup unless --force', () => {
    const dir = repo();
    const hooks = join(dir, '.git/hooks');
    writeHook(join(hooks, 'pre-commit'), '#!/bin/sh\necho new\n');
    writeHook(join(hooks, 'pre-commit.pre-strata'), '#!/bin/sh\necho old\n');
    const refused = sandbox.strata(dir, ['install'], { allowFail: true });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--force');
    expect(sandbox.read(join(hooks, 'pre-commit'))).toBe('#!/bin/sh\necho new\n');
    expect(sandbox.strata(dir, ['install', '--force']).stdout).toContain('older pre-commit.pre-strata was replaced');
    expect(sandbox.read(join(hooks, 'pre-commit.pre-strata'))).toBe('#!/bin/sh\necho new\n');
  });

  it('leaves a tracked hook in a team hooks directory alone and says what line to add', () => {
    const dir = repo();
    writeHook(join(dir, '.githooks/pre-commit'), '#!/bin/sh\nexit 0\n');
    sandbox.git(dir, ['add', '.githooks']);
    sandbox.git(dir, ['commit', '-q', '-m', 'team hooks']);
    sandbox.git(dir, ['config', 'core.hooksPath', '.githooks']);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain('.githooks/pre-commit is tracked by git');
    expect(out).toContain('inside the work tree and not ignored');
    expect(sandbox.read(join(dir, '.githooks/pre-commit'))).toBe('#!/bin/sh\nexit 0\n');
    expect(existsSync(join(dir, '.githooks/post-merge'))).toBe(true);

    // doctor names the same line as the fix (install would not touch a tracked hook).
    const line = /^ {4}(if command -v git-strata .*git strata hook pre-commit "\$@" .*)$/m.exec(out)?.[1];
    expect(line).toBeDefined();
    const before = sandbox.strata(dir, ['doctor'], { allowFail: true }).stdout;
    expect(before).toMatch(/warn\s+hook pre-commit: \.githooks\/pre-commit is tracked by git and does not call strata/);
    expect(before).toContain(`fix: add this line to .githooks/pre-commit: ${line}`);
    // The line commented out (left for later) calls nothing: install prints the line, doctor warns.
    writeHook(join(dir, '.githooks/pre-commit'), `#!/bin/sh\n# ${line}\nexit 0\n`);
    expect(sandbox.strata(dir, ['install']).stdout).toContain('.githooks/pre-commit is tracked by git');
    expect(sandbox.strata(dir, ['doctor'], { allowFail: true }).stdout).toMatch(/warn\s+hook pre-commit: \.githooks\/pre-commit is tracked by git and does not call strata/);
    // The line it prints works where strata is on PATH and lets a teammate without it commit.
    writeHook(join(dir, '.githooks/pre-commit'), `#!/bin/sh\n${line}\nexit 0\n`);
    expect(sandbox.strata(dir, ['doctor'], { allowFail: true }).stdout).toMatch(/ok\s+hook pre-commit: \.githooks\/pre-commit calls git strata hook pre-commit/);
    sandbox.write(join(dir, 'QUEUE.md'), CONFLICTED);
    sandbox.git(dir, ['add', 'QUEUE.md']);
    const bin = join(sandbox.dir, 'bin-team');
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, 'git-strata'));
    const withStrata = gitEnv(dir, ['commit', '-q', '-m', 'q'], { PATH: `${bin}:${sandbox.env.PATH}` });
    expect(withStrata.status).toBe(1);
    expect(withStrata.stderr).toContain('conflict-markers');
    const withoutStrata = (sandbox.env.PATH ?? '').split(':').filter((d) => d !== '' && !existsSync(join(d, 'git-strata'))).join(':');
    const teammate = gitEnv(dir, ['commit', '-q', '-m', 'q'], { PATH: withoutStrata });
    expect(teammate.status, teammate.stderr).toBe(0);
  });

  it('installs hooks that fire in linked worktrees too', () => {
    const dir = repo();
    sandbox.strata(dir, ['install']);
    const wt = join(sandbox.dir, 'wt');
    sandbox.git(dir, ['worktree', 'add', '-q', wt]);
    sandbox.write(join(wt, 'QUEUE.md'), CONFLICTED);
    sandbox.git(wt, ['add', 'QUEUE.md']);
    const refused = sandbox.git(wt, ['commit', '-q', '-m', 'q'], { allowFail: true });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('conflict-markers');
    // install from inside the worktree is the same install.
    expect(sandbox.strata(wt, ['install']).stdout).toContain('pre-commit unchanged');
  });

  it('--global registers the driver in the global config, and hooks only per repository', () => {
    const outside = sandbox.strata(sandbox.dir, ['install', '--global']);
    expect(outside.stdout).toContain('no hooks were written');
    expect(sandbox.git(sandbox.dir, ['config', '--global', 'merge.strata.driver']).stdout).toContain('git-strata.cjs');
    expect(sandbox.git(sandbox.dir, ['config', '--global', '--get', 'core.hooksPath'], { allowFail: true }).status).toBe(1);
    const dir = repo();
    expect(sandbox.strata(dir, ['doctor']).stdout).toMatch(/ok\s+driver: registered in global config/);
    sandbox.strata(dir, ['install', '--global']);
    expect(existsSync(join(dir, '.git/hooks/pre-commit'))).toBe(true);
    expect(sandbox.git(dir, ['config', '--local', '--get', 'merge.strata.driver'], { allowFail: true }).status).toBe(1);
    sandbox.strata(dir, ['uninstall', '--global']);
    expect(sandbox.git(dir, ['config', '--global', '--get', 'merge.strata.driver'], { allowFail: true }).status).toBe(1);
    expect(existsSync(join(dir, '.git/hooks/pre-commit'))).toBe(false);

    // A repository installed on its own keeps its hooks when the global driver goes.
    const own = repo('own');
    sandbox.strata(own, ['install']);
    sandbox.strata(own, ['install', '--global']);
    const out = sandbox.strata(own, ['uninstall', '--global']).stdout;
    expect(out).toContain("this repository's own config still registers the driver, so its hooks stay");
    expect(existsSync(join(own, '.git/hooks/pre-commit'))).toBe(true);
    expect(sandbox.strata(own, ['doctor']).status).toBe(0);
  });

  it('uninstall --global undoes only the global install, also from a bare repository or from inside .git', () => {
    const bare = join(sandbox.dir, 'bare.git');
    sandbox.git(sandbox.dir, ['init', '-q', '--bare', bare]);
    const own = repo('own');
    for (const cwd of [bare, join(own, '.git')]) {
      sandbox.strata(cwd, ['install']);
      sandbox.strata(cwd, ['install', '--global']);
      const hooksBefore = snapshot(join(cwd, 'hooks'), HOOKS);
      const localBefore = sandbox.git(cwd, ['config', '--local', '--get-regexp', '^merge\\.strata\\.']).stdout;
      const out = sandbox.strata(cwd, ['uninstall', '--global']).stdout;
      expect(out).toContain('removed merge.strata from the global git config');
      expect(out).toContain("this repository's own config still registers the driver, so its hooks stay");
      expect(sandbox.git(cwd, ['config', '--global', '--get', 'merge.strata.driver'], { allowFail: true }).status).toBe(1);
      expect(sandbox.git(cwd, ['config', '--local', '--get-regexp', '^merge\\.strata\\.']).stdout).toBe(localBefore);
      expect(snapshot(join(cwd, 'hooks'), HOOKS)).toEqual(hooksBefore);
      expect(hooksBefore['pre-commit']).toContain('# git-strata hook shim');
    }
  });

  it('prints the .gitattributes block when nothing is typed, and --attributes appends it once', () => {
    const dir = repo('plain', false);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain('QUEUE.md            merge=strata strata=queue');
    // install has just run: the example file's "then run `git strata install`" is not for this output.
    expect(out).not.toContain('then run `git strata install`');
    expect(out).not.toContain('Copy this block');
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
    sandbox.write(join(dir, '.gitattributes'), '*.png binary');
    sandbox.strata(dir, ['install', '--attributes']);
    const text = sandbox.read(join(dir, '.gitattributes'));
    expect(text.startsWith('*.png binary\n\n# strata:')).toBe(true);
    expect(text).not.toContain('Copy this block');
    sandbox.strata(dir, ['install', '--attributes']);
    expect(sandbox.read(join(dir, '.gitattributes'))).toBe(text);
    expect(sandbox.git(dir, ['check-attr', 'merge', '--', 'QUEUE.md']).stdout).toBe('QUEUE.md: merge: strata\n');
  });
});

describe('git strata uninstall', () => {
  it('restores displaced hooks byte for byte and removes only its own config', () => {
    const dir = repo();
    sandbox.git(dir, ['config', 'strata.handler.deploy', '/bin/true']);
    const hooks = join(dir, '.git/hooks');
    const marker = join(sandbox.dir, 'm');
    writeHook(join(hooks, 'pre-commit'), hookScript(marker, 0) + '# no trailing newline');
    // The sample git ships, activated: it runs the pre-commit hook for a patch git am applies.
    writeHook(join(hooks, 'pre-applypatch'), '#!/bin/sh\n. git-sh-setup\nprecommit="$(git rev-parse --git-path hooks/pre-commit)"\ntest -x "$precommit" && exec "$precommit" ${1+"$@"}\n:\n');
    writeHook(join(hooks, 'post-checkout'), '#!/bin/bash\necho "$0"\n');
    chmodSync(join(hooks, 'post-checkout'), 0o700);
    writeHook(join(sandbox.dir, 'shared-hook'), '#!/bin/sh\nexit 0\n');
    symlinkSync(join(sandbox.dir, 'shared-hook'), join(hooks, 'post-merge'));
    const config = readFileSync(join(dir, '.git/config'), 'utf8');
    const before = snapshot(hooks, HOOKS);
    sandbox.strata(dir, ['install']);
    sandbox.strata(dir, ['install']);
    const out = sandbox.strata(dir, ['uninstall']).stdout;
    expect(out).toContain('pre-commit restored');
    expect(out).toContain('pre-applypatch restored');
    expect(out).toContain('post-rewrite removed');
    expect(snapshot(hooks, HOOKS)).toEqual(before);
    expect(statSync(join(hooks, 'post-checkout')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(hooks, 'post-merge')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(hooks, 'pre-commit.pre-strata'))).toBe(false);
    expect(readFileSync(join(dir, '.git/config'), 'utf8')).toBe(config);
    // Twice is harmless.
    expect(sandbox.strata(dir, ['uninstall']).stdout).toContain('no merge.strata');
  });
});

describe('git strata install with a core.hooksPath shared by every repository', () => {
  it('says that the hooks now run in every repository, and that an uninstall anywhere removes them', () => {
    const dir = repo();
    const shared = join(sandbox.dir, 'team-hooks');
    sandbox.git(dir, ['config', '--global', 'core.hooksPath', shared]);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain(`strata: ${shared} comes from core.hooksPath in your global git config, so every repository on this machine shares it`);
    expect(existsSync(join(shared, 'pre-commit'))).toBe(true);
    // A repository-local hooksPath is that repository's own: nothing to say.
    sandbox.git(dir, ['config', '--global', '--unset', 'core.hooksPath']);
    sandbox.git(dir, ['config', 'core.hooksPath', '.hooks']);
    expect(sandbox.strata(dir, ['install']).stdout).not.toContain('every repository on this machine');
  });
});

describe('git strata install with a hook that is a symlink to another', () => {
  it('chains post-merge -> pre-commit to the old pre-commit, and uninstall puts both back as they were', () => {
    const dir = repo();
    const hooks = join(dir, '.git/hooks');
    const marker = join(sandbox.dir, 'm-link');
    writeHook(join(hooks, 'pre-commit'), hookScript(marker));
    symlinkSync('pre-commit', join(hooks, 'post-merge'));
    const before = snapshot(hooks, HOOKS);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toMatch(/post-merge.*pre-strata/);
    // The displaced post-merge still runs the user's script, not strata's pre-commit shim.
    expect(readlinkSync(join(hooks, 'post-merge.pre-strata'))).toBe('pre-commit.pre-strata');
    const run = spawnSync(join(hooks, 'post-merge'), ['0'], { cwd: dir, env: sandbox.env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('post-merge 0\n');
    sandbox.strata(dir, ['install']);
    sandbox.strata(dir, ['uninstall']);
    expect(snapshot(hooks, HOOKS)).toEqual(before);
    expect(readlinkSync(join(hooks, 'post-merge'))).toBe('pre-commit');
    expect(existsSync(join(hooks, 'post-merge.pre-strata')) || lstatSafe(join(hooks, 'post-merge.pre-strata'))).toBe(false);
  });

  it('follows absolute links and chains of links to a sibling, and keeps a dangling link, all restored as written', () => {
    const dir = repo();
    const hooks = join(dir, '.git/hooks');
    const marker = join(sandbox.dir, 'm-chain');
    writeHook(join(hooks, 'pre-commit'), hookScript(marker));
    symlinkSync(join(hooks, 'pre-commit'), join(hooks, 'post-merge'));
    symlinkSync('post-merge', join(hooks, 'post-rewrite'));
    symlinkSync('nowhere', join(hooks, 'post-checkout'));
    const links = (): Record<string, string> => Object.fromEntries(['post-merge', 'post-rewrite', 'post-checkout'].map((h) => [h, readlinkSync(join(hooks, h))]));
    const before = links();
    sandbox.strata(dir, ['install']);
    sandbox.strata(dir, ['install']);
    // Each displaced link still runs the user's script (not a shim), under the name git called.
    const run = spawnSync(join(hooks, 'post-rewrite'), ['amend'], { cwd: dir, env: sandbox.env, encoding: 'utf8', input: '' });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('post-rewrite amend\n');
    expect(spawnSync(join(hooks, 'post-checkout'), ['a', 'b', '1'], { cwd: dir, env: sandbox.env }).status).toBe(0);
    sandbox.strata(dir, ['uninstall']);
    expect(links()).toEqual(before);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(hookScript(marker));
    for (const h of HOOKS) expect(lstatSafe(join(hooks, `${h}.pre-strata`))).toBe(false);
  });
});

function lstatSafe(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('an install by a strata without the pre-applypatch hook', () => {
  it('is named by doctor, with what goes unchecked, and completed by install, which leaves the other hooks as they are', () => {
    const dir = repo();
    sandbox.strata(dir, ['install']);
    const hooks = join(dir, '.git/hooks');
    rmSync(join(hooks, 'pre-applypatch'));
    const others = snapshot(hooks, HOOKS.filter((h) => h !== 'pre-applypatch'));
    const doctor = sandbox.strata(dir, ['doctor'], { env: { NO_COLOR: '1' }, allowFail: true }).stdout;
    expect(doctor).toMatch(/warn\s+hook pre-applypatch: missing in \.git\/hooks: patches git am applies are not checked\n\s+fix: git strata install\n/);
    const out = sandbox.strata(dir, ['install']).stdout;
    expect(out).toContain('pre-commit unchanged');
    expect(out).toContain('pre-applypatch written');
    expect(snapshot(hooks, HOOKS.filter((h) => h !== 'pre-applypatch'))).toEqual(others);
    expect(sandbox.strata(dir, ['doctor'], { env: { NO_COLOR: '1' }, allowFail: true }).stdout).toMatch(/ok\s+hook pre-applypatch: strata's shim\n/);
  });
});

describe('git strata doctor', () => {
  it('FAILs when files have merge=strata but no driver is registered, and says the fix', () => {
    const dir = repo();
    const result = sandbox.strata(dir, ['doctor'], { allowFail: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+driver: .*merge=strata but merge\.strata\.driver is not set: git silently falls back to a text merge/);
    expect(result.stdout).toMatch(/fix: git strata install\n/);
    const json = JSON.parse(sandbox.strata(dir, ['doctor', '--json'], { allowFail: true }).stdout);
    expect(json.ok).toBe(false);
    expect(json.checks.find((c: { name: string }) => c.name === 'driver').status).toBe('fail');
  });

  it('warns while .gitattributes with merge=strata is not committed as it is', () => {
    const dir = repo('uncommitted-attributes', false);
    sandbox.strata(dir, ['install']);
    sandbox.write(join(dir, '.gitattributes'), ATTRIBUTES);
    const untracked = sandbox.strata(dir, ['doctor'], { allowFail: true });
    expect(untracked.stdout).toMatch(/warn\s+attributes committed: \.gitattributes is not committed: other clones and CI do not merge with strata/);
    sandbox.git(dir, ['add', '.gitattributes']);
    sandbox.git(dir, ['commit', '-q', '-m', 'attributes']);
    expect(sandbox.strata(dir, ['doctor'], { allowFail: true }).stdout).not.toContain('attributes committed');
    sandbox.write(join(dir, '.gitattributes'), `${ATTRIBUTES}notes/*.md merge=strata strata=markdown\n`);
    expect(sandbox.strata(dir, ['doctor'], { allowFail: true }).stdout).toContain('.gitattributes is changed and not committed');
    // Ignored and never committed: still not committed.
    const ignored = repo('ignored-attributes', false);
    sandbox.write(join(ignored, '.git/info/exclude'), '.gitattributes\n');
    sandbox.write(join(ignored, '.gitattributes'), ATTRIBUTES);
    expect(sandbox.strata(ignored, ['doctor'], { allowFail: true }).stdout).toContain('.gitattributes is not committed');
  });

  it('is all green after install, and FAILs when the registered script is gone', () => {
    const dir = repo();
    sandbox.strata(dir, ['install']);
    const bin = join(sandbox.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, 'git-strata'));
    const env = { PATH: `${bin}:${sandbox.env.PATH}`, NO_COLOR: '1' };
    const result = sandbox.strata(dir, ['doctor'], { env });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/^(warn|FAIL)/m);
    expect(result.stdout).toMatch(/ok\s+hook pre-commit: strata's shim/);
    expect(result.stdout).toMatch(/ok\s+hook pre-applypatch: strata's shim/);
    expect(result.stdout).not.toContain('\u001b[');
    // It names the tracked file the attributes cover, not conventional names that do not exist here.
    expect(result.stdout).toMatch(/ok\s+attributes: merge=strata in effect \(README\.md\)\n/);

    // A core.hooksPath set later (husky, a team directory) bypasses the shims in .git/hooks.
    sandbox.git(dir, ['config', 'core.hooksPath', '.hooks']);
    const bypassed = sandbox.strata(dir, ['doctor'], { env });
    expect(bypassed.stdout).toMatch(/warn\s+hooks: no strata hooks in .hooks; strata's shims in .git\/hooks are bypassed because core.hooksPath points elsewhere/);
    sandbox.git(dir, ['config', '--unset', 'core.hooksPath']);

    // A handler replay cannot use is named, with its fix, before a pull silently skips its ops.
    sandbox.git(dir, ['config', 'strata.handler.deploy', '/bin/true']);
    sandbox.git(dir, ['config', 'strata.handler.deploy.timeout', 'ten minutes']);
    expect(sandbox.strata(dir, ['doctor'], { env }).stdout).toMatch(
      /warn\s+handler deploy: git config strata\.handler\.deploy: timeout 'ten minutes' is not a duration like 30s, 5m or 1h; replay skips ops of kind deploy\n\s+fix: git config strata\.handler\.deploy\.timeout 5m/,
    );
    sandbox.git(dir, ['config', '--unset', 'strata.handler.deploy.timeout']);
    expect(sandbox.strata(dir, ['doctor'], { env }).stdout).toMatch(/ok\s+handler deploy: runs \/bin\/true \(timeout 10m; this clone is not an executor, so it runs no op\)\n/);
    sandbox.git(dir, ['config', '--unset', 'strata.handler.deploy']);

    // Arguments git fills in but strata would read wrongly: no %P (every file merged as Markdown), a swapped pair.
    for (const [args, expected] of [
      ['%O %A %B', /FAIL\s+driver: merge\.strata\.driver lacks %P: the driver cannot look up a file's type/],
      ['%O %A %B %P', /FAIL\s+driver: merge\.strata\.driver passes its arguments as %O %A %B %P, where strata reads %O %A %B %L %P/],
      ['%A %O %B %L %P', /FAIL\s+driver: merge\.strata\.driver passes its arguments as %A %O %B %L %P/],
    ] as const) {
      sandbox.git(dir, ['config', 'merge.strata.driver', `'${process.execPath}' '${CLI}' merge ${args}`]);
      const wrong = sandbox.strata(dir, ['doctor'], { env, allowFail: true });
      expect(wrong.status).toBe(1);
      expect(wrong.stdout).toMatch(expected);
    }
    sandbox.git(dir, ['config', 'merge.strata.driver', `'${process.execPath}' '${CLI}' merge --type queue %O %A %B %L`]);
    expect(sandbox.strata(dir, ['doctor'], { env }).stdout).toMatch(/ok\s+driver: registered/);

    sandbox.git(dir, ['config', 'merge.strata.driver', `'${process.execPath}' '/nonexistent/git-strata.mjs' merge %O %A %B %L %P`]);
    const broken = sandbox.strata(dir, ['doctor'], { env, allowFail: true });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/FAIL\s+driver: the driver's script \/nonexistent\/git-strata.mjs does not exist/);
  });

  it('looks up every handler the way replay does: FAILs in an executor for each that cannot run, with the fix; ok for the others', () => {
    const dir = repo('handlers');
    sandbox.strata(dir, ['install']);
    const bin = join(sandbox.dir, 'handler-bin');
    mkdirSync(join(bin, 'a-directory'), { recursive: true });
    sandbox.write(join(bin, 'deploy'), '#!/bin/sh\necho deployed\n');
    chmodSync(join(bin, 'deploy'), 0o755);
    sandbox.write(join(bin, 'not-executable'), '#!/bin/sh\n');
    sandbox.write(join(dir, 'tools/in-tree'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tools/in-tree'), 0o755);
    const env = { PATH: `${bin}:${sandbox.env.PATH}`, NO_COLOR: '1' };
    const handlers: Record<string, string> = {
      missing: '/nonexistent/deploy',
      nopath: 'mail-sender-not-on-path --flag',
      noexec: join(bin, 'not-executable'),
      dir: join(bin, 'a-directory'),
      relative: './tools/in-tree',
      intree: join(dir, 'tools/in-tree'),
      good: JSON.stringify([join(bin, 'deploy'), 'production']),
      bare: 'deploy',
    };
    for (const [kind, command] of Object.entries(handlers)) sandbox.git(dir, ['config', `strata.handler.${kind}`, command]);
    sandbox.git(dir, ['config', 'strata.handler.bare.idempotent', 'true']);
    sandbox.git(dir, ['config', 'strata.executor', 'true']);
    const result = sandbox.strata(dir, ['doctor'], { env, allowFail: true });
    expect(result.status, result.stdout).toBe(1);
    const lines = result.stdout.split('\n');
    const line = (kind: string): string => {
      const at = lines.findIndex((l) => new RegExp(`^\\S+\\s+handler ${kind}: `).test(l));
      expect(at, `handler ${kind}\n${result.stdout}`).toBeGreaterThan(-1);
      return [lines[at], lines[at + 1]?.startsWith('      fix:') ? lines[at + 1] : ''].join('\n');
    };
    const skips = (kind: string): string => `; replay skips ops of kind ${kind}\n      fix: `;
    expect(line('missing')).toBe(`FAIL  handler missing: git config strata.handler.missing: /nonexistent/deploy does not exist${skips('missing')}install it there, or point the handler at the program: git config strata.handler.missing '["/path/to/deploy"]'`);
    expect(line('nopath')).toBe(`FAIL  handler nopath: git config strata.handler.nopath: mail-sender-not-on-path is in no absolute directory of PATH${skips('nopath')}install it on PATH, or give its absolute path: git config strata.handler.nopath '["/path/to/mail-sender-not-on-path","--flag"]'`);
    expect(line('noexec')).toBe(`FAIL  handler noexec: git config strata.handler.noexec: ${join(bin, 'not-executable')} is not executable${skips('noexec')}chmod +x '${join(bin, 'not-executable')}', or point the handler at the program: git config strata.handler.noexec '["/path/to/not-executable"]'`);
    expect(line('dir')).toMatch(/^FAIL {2}handler dir: .*a-directory is a directory; replay skips ops of kind dir\n {6}fix: point the handler at the program/);
    expect(line('relative')).toMatch(/^FAIL {2}handler relative: .*\.\/tools\/in-tree is a relative path \(replay runs an absolute path, or a bare name on PATH\)/);
    expect(line('intree')).toMatch(/^FAIL {2}handler intree: .*in-tree is inside this work tree, and a file a pull can change is never run; replay skips ops of kind intree\n {6}fix: move it out of the repository/);
    expect(line('good')).toBe(`ok    handler good: runs ${join(bin, 'deploy')} (timeout 10m)\n`);
    expect(line('bare')).toBe(`ok    handler bare: runs ${join(bin, 'deploy')} (deploy on PATH; timeout 10m; idempotent)\n`);
    expect(result.stdout).toMatch(/, 6 FAIL\n$/);
    // A clone that is not an executor runs nothing: the same problems are warnings there.
    sandbox.git(dir, ['config', 'strata.executor', 'false']);
    const quiet = sandbox.strata(dir, ['doctor'], { env, allowFail: true });
    expect(quiet.stdout).toMatch(/^warn {2}handler missing: /m);
    expect(quiet.stdout).not.toMatch(/^FAIL/m);
  });
});

describe('git strata doctor: where an executor\'s claims are linearised', () => {
  it('ok through the remote; a warning with the fix when claims stay in this clone or no remote is chosen', () => {
    const dir = repo('claims');
    sandbox.strata(dir, ['install']);
    const env = { NO_COLOR: '1' };
    const doctor = (): string => sandbox.strata(dir, ['doctor'], { env, allowFail: true }).stdout;
    expect(doctor()).not.toContain('executor claims');
    sandbox.git(dir, ['config', 'strata.executor', 'true']);
    expect(doctor()).toMatch(/warn\s+executor claims: only in this clone \(this clone has no remote\)/);
    sandbox.git(sandbox.dir, ['init', '-q', '--bare', join(sandbox.dir, 'claims-remote.git')]);
    sandbox.git(dir, ['remote', 'add', 'origin', join(sandbox.dir, 'claims-remote.git')]);
    expect(doctor()).toMatch(/ok\s+executor claims: linearised by origin \(origin\)/);
    sandbox.git(dir, ['config', 'strata.claimRemote', 'none']);
    expect(doctor()).toMatch(/warn\s+executor claims: only in this clone \(strata.claimRemote is none\).*\n\s+fix: git config --unset strata.claimRemote/);
    sandbox.git(dir, ['config', 'strata.claimRemote', 'orgin']);
    expect(doctor()).toMatch(/FAIL\s+executor claims: strata.claimRemote is 'orgin', which is no remote of this clone \(it has origin\).*\n\s+fix: git config strata.claimRemote origin/);
    sandbox.git(dir, ['config', '--unset', 'strata.claimRemote']);
    sandbox.git(dir, ['remote', 'rename', 'origin', 'hub']);
    sandbox.git(dir, ['remote', 'add', 'fork', join(sandbox.dir, 'claims-remote.git')]);
    expect(doctor()).toMatch(/warn\s+executor claims: several remotes \(fork, hub\) and none chosen.*\n\s+fix: git config strata.claimRemote fork/);
  });
});

describe('git strata hook pre-commit', () => {
  it('refuses a staged typed file with conflict markers; --no-verify and STRATA=0 bypass', () => {
    const dir = repo();
    sandbox.strata(dir, ['install']);
    sandbox.write(join(dir, 'QUEUE.md'), CONFLICTED);
    sandbox.git(dir, ['add', 'QUEUE.md']);
    const refused = sandbox.git(dir, ['commit', '-q', '-m', 'q'], { allowFail: true });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('QUEUE.md:3: conflict-markers: unresolved merge conflict (lines 3-7)');
    expect(refused.stderr).toContain('STRATA=0');
    expect(gitEnv(dir, ['commit', '-q', '-m', 'q'], { STRATA: '0' }).status).toBe(0);
    sandbox.write(join(dir, 'MEMORY.md'), CONFLICTED);
    sandbox.git(dir, ['add', 'MEMORY.md']);
    expect(sandbox.git(dir, ['commit', '-q', '--no-verify', '-m', 'm']).status).toBe(0);
  });

  it('checks the staged content, ignores untyped files and Markdown setext underlines', () => {
    const dir = repo('typed', false);
    sandbox.write(join(dir, '.gitattributes'), 'QUEUE.md merge=strata strata=queue\n');
    sandbox.strata(dir, ['install']);
    sandbox.write(join(dir, 'other.txt'), CONFLICTED);
    sandbox.write(join(dir, 'QUEUE.md'), 'Queue\n=======\n\n- [ ] [seq:1] [id:aaaaaaaaaa] a\n');
    sandbox.git(dir, ['add', '-A']);
    sandbox.git(dir, ['commit', '-q', '-m', 'ok']);
    // Staged clean, work tree conflicted: the commit is of the index, so it passes.
    sandbox.write(join(dir, 'QUEUE.md'), CONFLICTED);
    sandbox.git(dir, ['commit', '-q', '--allow-empty', '-m', 'empty']);
    // `git commit -a` stages through a temporary index; the hook must see it.
    expect(sandbox.git(dir, ['commit', '-q', '-a', '-m', 'all'], { allowFail: true }).status).toBe(1);
  });

  it('warns but does not block when the shim cannot find node or the script', () => {
    const pkg = join(sandbox.dir, 'pkg');
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
    const dir = repo();
    const install = spawnSync(process.execPath, [join(pkg, 'dist/git-strata.mjs'), 'install'], { cwd: dir, env: sandbox.env, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    rmSync(pkg, { recursive: true });
    sandbox.write(join(dir, 'QUEUE.md'), CONFLICTED);
    sandbox.git(dir, ['add', 'QUEUE.md']);
    const result = sandbox.git(dir, ['commit', '-q', '-m', 'q']);
    expect(result.stderr).toContain("strata's pre-commit hook did not run");
    expect(result.stderr).toContain('reinstall strata (./install.sh in its checkout)');
    const doctor = sandbox.strata(dir, ['doctor'], { allowFail: true });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL\s+hook pre-commit: strata's shim points to/);
  });
});

describe('git strata help', () => {
  it('lists every command and shows one command’s options', () => {
    const all = sandbox.strata(sandbox.dir, ['help']).stdout;
    for (const name of ['merge', 'install', 'uninstall', 'doctor', 'demo', 'hook', 'help']) expect(all).toContain(`  ${name}`);
    const install = sandbox.strata(sandbox.dir, ['help', 'install']).stdout;
    expect(install).toContain('--global');
    expect(install).toContain('--attributes');
    expect(sandbox.strata(sandbox.dir, ['help', 'nope'], { allowFail: true }).status).toBe(2);
  });

  it('ships a man page that names every command', () => {
    const page = readFileSync(join(ROOT, 'man/man1/git-strata.1'), 'utf8');
    for (const name of ['merge', 'install', 'uninstall', 'doctor', 'demo', 'hook', 'help', 'check', 'verify', 'resolve', 'replay', 'queue', 'heartbeat', 'fact', 'op']) {
      expect(page).toMatch(new RegExp(`^\\.B ${name}\\b`, 'm'));
    }
  });
});

/** The demo's boxes, per file: 'with strata', 'plain git' and 'merge=union' to the text shown. */
function demoBoxes(out: string): Record<string, Record<string, string>> {
  const files: Record<string, Record<string, string>> = {};
  let file: Record<string, string> | undefined;
  let title: string | undefined;
  for (const line of out.split('\n')) {
    if (/^[A-Z]+\.md$/.test(line)) {
      file = files[line] = {};
      title = undefined;
    } else if (file && title && line.startsWith('  │ ')) {
      file[title] = `${file[title] ?? ''}${line.slice(4)}\n`;
    } else {
      title = /^ {2}(with strata|plain git|merge=union)\b/.exec(line)?.[1];
    }
  }
  return files;
}

describe('git strata demo', () => {
  it('merges the three files losslessly in both clones, says where it worked, and removes it', () => {
    // TMPDIR inside the sandbox: whatever the demo leaves behind goes with it.
    const result = sandbox.strata(sandbox.dir, ['demo'], { env: { NO_COLOR: '1', TMPDIR: sandbox.dir } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('git pull merged cleanly (exit 0)');
    for (const file of ['HEARTBEAT.md', 'MEMORY.md', 'NOTES.md']) expect(result.stdout).toContain(file);
    expect(result.stdout).toMatch(/with strata \(identical in both clones: yes\)/);
    expect(result.stdout).toMatch(/plain git: \d+ conflict\(s\)/);
    expect(result.stdout).not.toMatch(/clean, but\s*$/m);
    expect(result.stdout).toContain('Nothing lost, no conflict, both clones byte-identical.');
    const dir = /^strata demo in (\S+) \(removed at the end; '--keep' keeps it\)$/m.exec(result.stdout)?.[1];
    expect(dir?.startsWith(sandbox.dir)).toBe(true);
    expect(result.stdout.trimEnd().endsWith(`Removed ${dir} ('git strata demo --keep' keeps it).`)).toBe(true);
    expect(existsSync(dir!)).toBe(false);
  });

  it("shows as merge=union what git's union merge of the same commits gives, and it differs from strata's", () => {
    const result = sandbox.strata(sandbox.dir, ['demo', '--keep'], { env: { NO_COLOR: '1', TMPDIR: sandbox.dir } });
    expect(result.status, result.stderr).toBe(0);
    const dir = /^strata demo in (\S+) \(kept at the end\)$/m.exec(result.stdout)?.[1];
    expect(result.stdout).toContain(`Kept ${dir}: `);
    // bob pulled alice's commit: his merge commit's parents are the two sides. Merge them again with
    // merge=union, from bob's side as his pull did.
    const bob = join(dir!, 'bob');
    const check = join(sandbox.dir, 'union-check');
    sandbox.git(sandbox.dir, ['clone', '-q', bob, check]);
    const theirs = sandbox.git(check, ['rev-parse', 'HEAD^2']).stdout.trim();
    sandbox.git(check, ['checkout', '-q', '--detach', 'HEAD^1']);
    sandbox.write(join(check, '.git/info/attributes'), '* merge=union\n');
    sandbox.git(check, ['merge', '--no-edit', '-q', theirs]);
    const boxes = demoBoxes(result.stdout);
    expect(Object.keys(boxes)).toEqual(['HEARTBEAT.md', 'MEMORY.md', 'NOTES.md']);
    for (const [file, shown] of Object.entries(boxes)) {
      expect(shown['merge=union'], file).toBe(sandbox.read(join(check, file)));
      expect(shown['with strata'], file).toBe(sandbox.read(join(bob, file)));
      expect(shown['merge=union'], file).not.toBe(shown['with strata']);
    }
    // The point of each file: union keeps stale lines that strata does not.
    expect(boxes['HEARTBEAT.md']!['merge=union']).toContain('[agent:bob] [at:2026-11-27T10:00:00.000Z] [status:idle]');
    expect(boxes['NOTES.md']!['merge=union']).toContain('- who owns deploys?\n');
    expect(boxes['NOTES.md']!['with strata']).not.toContain('- who owns deploys?\n');
  });
});
