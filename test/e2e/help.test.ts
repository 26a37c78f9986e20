// Every command and subcommand answers --help (and `git strata help CMD`) with its help on stdout and
// exit 0: a demanding user reads the help first, and a stack trace there is the first impression.
import { afterAll, expect, it } from 'vitest';
import { makeSandbox } from '../helpers/git.js';

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
