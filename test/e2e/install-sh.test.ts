// install.sh from a copy of the checkout: build, launcher on PATH, man page, repository install,
// harmless re-run. npm ci is skipped (--no-deps, node_modules linked in): the test must not hit the
// network, and it builds into the copy so the dist/ other tests use is never touched.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, makeSandbox, type RunResult, type Sandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let checkout: string;
let prefix: string;

beforeEach(() => {
  sandbox = makeSandbox('strata-install-sh-');
  checkout = join(sandbox.dir, 'strata checkout');
  mkdirSync(checkout);
  for (const entry of ['install.sh', 'package.json', 'package-lock.json', 'tsconfig.json', '.gitattributes.example', 'scripts', 'src', 'man']) {
    cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  prefix = join(sandbox.dir, 'prefix');
});
afterEach(() => sandbox.cleanup());

function installSh(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync('bash', [join(checkout, 'install.sh'), ...args], {
    cwd: sandbox.dir,
    env: { ...sandbox.env, PREFIX: prefix, ...env },
    encoding: 'utf8',
  });
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

describe('install.sh', () => {
  it('without PREFIX, picks a writable bin directory that is already on the PATH, so git strata works at once', () => {
    const home = sandbox.env.HOME!;
    const bin = join(home, 'bin');
    mkdirSync(bin, { recursive: true });
    // A PATH as a user without /usr/local/bin (not writable for most users) and with ~/bin would have.
    const system = (sandbox.env.PATH ?? '').split(':').filter((d) => d !== '' && !d.startsWith('/usr/local'));
    const PATH = [bin, ...system].join(':');
    const result = installSh(['--no-deps'], { PREFIX: '', PATH });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`git-strata: ${bin}/git-strata`);
    expect(result.stderr).not.toContain('is not on your PATH');
    const version = spawnSync('git', ['strata', '--version'], { cwd: sandbox.dir, env: { ...sandbox.env, PATH }, encoding: 'utf8' });
    expect(version.stdout).toMatch(/^strata \d/);
  });

  it('builds, puts git-strata on the PATH, installs the man page and a repository; a re-run changes nothing', () => {
    const repo = join(sandbox.dir, 'repo');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
    const first = installSh(['--no-deps', repo]);
    expect(first.status, first.stderr).toBe(0);
    const launcher = join(prefix, 'bin/git-strata');
    expect(first.stdout).toContain(`git-strata: ${launcher}`);
    expect(first.stdout).toContain(`man page: ${join(prefix, 'share/man/man1/git-strata.1')}`);
    expect(first.stderr).toContain('is not on your PATH');
    expect(existsSync(join(checkout, 'dist/git-strata.cjs'))).toBe(true);
    // The repository got the driver, pointing into the checkout.
    const driver = sandbox.git(repo, ['config', 'merge.strata.driver']).stdout;
    expect(driver).toContain(`'${join(checkout, 'dist/git-strata.cjs')}' merge`);
    expect(existsSync(join(repo, '.git/hooks/pre-commit'))).toBe(true);
    // Every hint printed is true after what just ran: the repository is installed, only the
    // attributes are missing.
    expect(first.stdout).toContain(`installing into ${repo}`);
    expect(first.stdout).toContain('QUEUE.md            merge=strata strata=queue');
    expect(first.stdout).not.toContain('then run `git strata install`');
    expect(first.stdout).not.toContain("next: run 'git strata install'");

    // With the bin directory on PATH, `git strata` works, and so does `git strata --help` (man).
    const env = { ...sandbox.env, PATH: `${join(prefix, 'bin')}:${sandbox.env.PATH}`, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' };
    const version = spawnSync('git', ['strata', '--version'], { cwd: repo, env, encoding: 'utf8' });
    expect(version.stdout).toMatch(/^strata \d/);
    const doctor = spawnSync('git', ['strata', 'doctor'], { cwd: repo, env, encoding: 'utf8' });
    expect(doctor.stdout).toMatch(/ok\s+PATH: node at .*, git-strata at /);
    if (spawnSync('sh', ['-c', 'command -v man']).status === 0) {
      const help = spawnSync('git', ['strata', '--help'], { cwd: repo, env, encoding: 'utf8' });
      expect(help.stdout).toContain('git-strata - lossless git merges');
    }

    const launcherText = readFileSync(launcher, 'utf8');
    const config = readFileSync(join(repo, '.git/config'), 'utf8');
    const second = installSh(['--no-deps', repo]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('(unchanged)');
    expect(readFileSync(launcher, 'utf8')).toBe(launcherText);
    expect(readFileSync(join(repo, '.git/config'), 'utf8')).toBe(config);
  });

  it('refuses to overwrite a git-strata it did not write, and says why', () => {
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    writeFileSync(join(prefix, 'bin/git-strata'), '#!/bin/sh\necho someone else\n');
    const result = installSh(['--no-deps']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is not strata's launcher");
    expect(readFileSync(join(prefix, 'bin/git-strata'), 'utf8')).toBe('#!/bin/sh\necho someone else\n');
  });

  it('explains a node that is too old', () => {
    const bin = join(sandbox.dir, 'oldnode');
    mkdirSync(bin);
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho 18.19.0\n', { mode: 0o755 });
    const result = installSh(['--no-deps'], { PATH: `${bin}:${sandbox.env.PATH}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('node 18.19.0');
    expect(result.stderr).toContain('needs node 20 or later');
  });
});
