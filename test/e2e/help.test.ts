// Every command and subcommand answers --help (and `git strata help CMD`) with its help on stdout and
// exit 0: a demanding user reads the help first, and a stack trace there is the first impression.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT, makeSandbox } from '../helpers/git.js';

const sandbox = makeSandbox('strata-help-');
afterAll(() => sandbox.cleanup());

const COMMANDS = [
  ['merge'], ['install'], ['uninstall'], ['doctor'], ['demo'], ['check'], ['verify'], ['resolve'], ['replay'], ['torture'],
  ['queue', 'add'], ['queue', 'claim'], ['queue', 'checkpoint'], ['queue', 'done'], ['queue', 'next'], ['queue', 'graph'],
  ['heartbeat'], ['fact', 'set'], ['fact', 'get'], ['op', 'request'], ['op', 'run'], ['op', 'show'], ['op', 'resolve'],
];

it.each(COMMANDS.map((c) => [c.join(' '), c] as const))('%s --help: help on stdout, exit 0', (_name, command) => {
  const r = sandbox.strata(sandbox.dir, [...command, '--help'], { allowFail: true });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/usage/i);
  expect(r.stderr).not.toMatch(/internal error|at .*\.mjs:\d+/);
});

it('git strata help CMD shows the same help', () => {
  for (const name of ['demo', 'merge', 'check']) {
    const r = sandbox.strata(sandbox.dir, ['help', name], { allowFail: true });
    expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/usage/i);
    expect(r.stderr).not.toMatch(/internal error/);
  }
});

it('git strata help CMD SUB is SUB\'s own help, as git help stash push is', () => {
  for (const command of COMMANDS.filter((c) => c.length === 2)) {
    const r = sandbox.strata(sandbox.dir, ['help', ...command]);
    expect(r.stdout).toBe(sandbox.strata(sandbox.dir, [...command, '--help']).stdout);
  }
});

it('git strata help queue names tasks as the subcommands take them: a seq or an id', () => {
  const r = sandbox.strata(sandbox.dir, ['help', 'queue']);
  expect(r.stdout).toContain('claim TASK [--agent A]');
  expect(r.stdout).toContain('done TASK [--force]');
  expect(r.stdout).toContain('TASK is a seq or an id');
});

// Each command is a bundle of its own: a refusal thrown in one (its own copy of StrataError) must still
// read as a refusal where the entry reports it, not as a bug with a stack trace and exit 70.
it.each([['replay'], ['install'], ['uninstall']])('%s outside a repository: a refusal with a hint, exit 3, no stack trace', (...command) => {
  const r = sandbox.strata(sandbox.dir, command, { allowFail: true });
  expect(r.stderr).not.toMatch(/internal error|at .*\.mjs:\d+/);
  expect(r.stderr).toMatch(/^strata: not inside a git/m);
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.status).toBe(3);
});

it('hook pre-commit run by hand outside a repository: what git said, a hint, exit 3, no stack trace', () => {
  const r = sandbox.strata(sandbox.dir, ['hook', 'pre-commit'], { allowFail: true });
  expect(r.stderr).not.toMatch(/internal error|at .*\.mjs:\d+|usage: git diff/);
  expect(r.stderr).toMatch(/^strata: git diff --cached .* failed: /m);
  expect(r.stderr).toMatch(/^hint: the hooks run inside a repository/m);
  expect(r.status).toBe(3);
});

// A half-copied or half-built dist: the entry is there, one command's bundle is not. That is a broken
// install, not a bug: a message with the fix (exit 3) rather than 'internal error', a stack trace and
// exit 70; a hook lets git go on, as the shims do when the entry itself is gone; doctor names it,
// although the driver's own checks (--version, merge --self-check) load no command bundle.
it('a command whose bundle is missing: a refusal with the fix, a hook that lets git go on, a doctor FAIL', () => {
  const dist = join(sandbox.dir, 'broken/dist');
  cpSync(join(ROOT, 'dist'), dist, { recursive: true });
  rmSync(join(dist, 'cmd-queue.mjs'));
  rmSync(join(dist, 'cmd-hook.cjs'));
  const strata = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(dist, 'git-strata.cjs'), ...args], { cwd: sandbox.dir, env: sandbox.env, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/internal error|at .*\.mjs:\d+/);
    return r;
  };
  for (const args of [['queue', 'next'], ['help', 'queue']]) {
    const r = strata(...args);
    expect(r.stderr).toMatch(/^strata: the queue command does not load \(Cannot find module .*cmd-queue\.mjs'\): this install of strata is incomplete$/m);
    expect(r.stderr).toMatch(/^hint: reinstall strata \(\.\/install\.sh/m);
    expect(r.status).toBe(3);
  }
  const hook = strata('hook', 'pre-commit');
  expect(hook.status).toBe(0);
  expect(hook.stderr).toMatch(/^strata: warning: the hook command does not load .*, so this hook did not run; git goes on without it$/m);
  const doctor = strata('doctor', '--json');
  const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; status: string; message: string }>;
  expect(checks.find((c) => c.name === 'commands')).toMatchObject({ status: 'fail', message: expect.stringMatching(/cmd-(queue|hook)\.mjs: Cannot find module/) });
  expect(doctor.status).toBe(1);
  // The whole dist: every command loads.
  const whole = sandbox.strata(sandbox.dir, ['doctor', '--json'], { allowFail: true });
  expect(JSON.parse(whole.stdout).checks.find((c: { name: string }) => c.name === 'commands')).toMatchObject({ status: 'ok' });
});

// Hooks and driver lines of earlier installs name dist/git-strata.mjs, which runs dist/git-strata.cjs.
// Without that file beside it, it copes as the old entry did without its bundles: git's line merge with
// markers for `merge`, a warning that lets git go on for a hook, and the fix for anything else.
it('the entry of earlier installs without dist/git-strata.cjs: a line merge, a hook that lets git go on, the fix', () => {
  const dist = join(sandbox.dir, 'no-cjs-entry/dist');
  cpSync(join(ROOT, 'dist'), dist, { recursive: true });
  rmSync(join(dist, 'git-strata.cjs'));
  const strata = (...args: string[]) => spawnSync(process.execPath, [join(dist, 'git-strata.mjs'), ...args], { cwd: sandbox.dir, env: sandbox.env, encoding: 'utf8' });
  const hook = strata('hook', 'pre-commit');
  expect(hook.status).toBe(0);
  expect(hook.stderr).toContain(`strata: warning: ${join(dist, 'git-strata.cjs')} is missing, so strata's pre-commit hook did not run; git goes on without it`);
  const queue = strata('queue', 'next');
  expect(queue.status).toBe(3);
  expect(queue.stderr).toMatch(/^hint: reinstall strata \(\.\/install\.sh in its checkout\)/m);
  // Both sides changed the one line: git's markers, with both versions, exit 1.
  const [base, ours, theirs] = ['base', 'ours', 'theirs'].map((name) => join(sandbox.dir, `no-cjs-${name}.md`));
  writeFileSync(base!, '# Notes\n\none\n');
  writeFileSync(ours!, '# Notes\n\nours\n');
  writeFileSync(theirs!, '# Notes\n\ntheirs\n');
  const merge = strata('merge', base!, ours!, theirs!, '7', 'notes.md');
  expect(merge.status).toBe(1);
  expect(merge.stderr).toContain("using git's line merge");
  expect(readFileSync(ours!, 'utf8')).toBe('# Notes\n\n<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\n');
});
