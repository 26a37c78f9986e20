// The writers' lock with a real repository: a writer that lost its lock while stalled (SIGSTOP, a
// suspended VM: longer than the stale time, so another command took the lock over) writes nothing.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/errors.js';
import { lockDir, withFileLock } from '../../src/ops/lock.js';
import { editFile, workFile } from '../../src/ops/workfile.js';
import { type Sandbox, makeSandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let repo: string;

beforeAll(() => {
  sandbox = makeSandbox('strata-lock-');
  repo = join(sandbox.dir, 'repo');
  sandbox.git(sandbox.dir, ['init', '-q', repo]);
});

afterAll(() => sandbox?.cleanup());

describe('the writers\' lock', () => {
  it('refuses to publish once another command took the lock over, and leaves that command\'s write', async () => {
    const file = await workFile(repo, 'QUEUE.md', 'QUEUE.md');
    writeFileSync(file.path, '# Queue\n');
    const owner = join(await lockDir(repo), 'QUEUE.md.owner');
    let stalled = false;
    const attempt = editFile(repo, file, '', (text) => {
      // While this writer is "stalled" between reading and writing, another takes the stale lock over
      // (it writes its own token) and writes its task. (Seeing the file changed, the writer plans its
      // edit again before the write.)
      if (!stalled) {
        stalled = true;
        writeFileSync(owner, 'someone-else');
        writeFileSync(file.path, `${text}- [ ] [seq:1] [id:bbbbbbbbbb] theirs\n`);
      }
      return { text: `${text}- [ ] [seq:1] [id:aaaaaaaaaa] ours\n` };
    });
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).message).toMatch(/lock on QUEUE\.md was taken over .*nothing was written/);
    expect(readFileSync(file.path, 'utf8')).toBe('# Queue\n- [ ] [seq:1] [id:bbbbbbbbbb] theirs\n');
    // No temp file is left next to it.
    expect(sandbox.git(repo, ['status', '--porcelain', '--untracked-files=all']).stdout).toBe('?? QUEUE.md\n');
  });

  it('publishes normally, keeping the file mode, and a later holder gets the lock', async () => {
    const file = await workFile(repo, 'notes/FACTS.md', 'notes/FACTS.md');
    await editFile(repo, file, '# Facts\n', (text) => ({ text: `${text}- a\n` }));
    expect(readFileSync(file.path, 'utf8')).toBe('# Facts\n- a\n');
    chmodSync(file.path, 0o640);
    await editFile(repo, file, '', (text) => ({ text: `${text}- b\n` }));
    expect(readFileSync(file.path, 'utf8')).toBe('# Facts\n- a\n- b\n');
    expect(statSync(file.path).mode & 0o777).toBe(0o640);
    await withFileLock(repo, 'notes/FACTS.md', async (held) => held.assertHeld());
  });

  it('writes through a symlinked file, which stays a link, and clears temp files a killed writer left', async () => {
    mkdirSync(join(repo, 'queues'), { recursive: true });
    writeFileSync(join(repo, 'queues/main.md'), '# Q\n');
    symlinkSync('queues/main.md', join(repo, 'LINKED.md'));
    // A writer killed between its temp file and the rename (pid 2^22 + 1 is above any real pid here).
    const dead = join(repo, 'queues/main.md.strata-4194305-abcd1234.tmp');
    writeFileSync(dead, 'half');
    const file = await workFile(repo, 'LINKED.md', 'LINKED.md');
    await editFile(repo, file, '', (text) => ({ text: `${text}- x\n` }));
    expect(lstatSync(join(repo, 'LINKED.md')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(repo, 'queues/main.md'), 'utf8')).toBe('# Q\n- x\n');
    expect(existsSync(dead)).toBe(false);
  });

  it('refuses a symlink that leads out of the work tree, as it refuses ../ in --file', async () => {
    // A committed HEARTBEAT.md -> ../outside.md: a writer must not rewrite a file outside the repository.
    writeFileSync(join(sandbox.dir, 'outside.md'), '# private\n');
    symlinkSync('../outside.md', join(repo, 'ESCAPE.md'));
    const error = await workFile(repo, undefined, 'ESCAPE.md').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).message).toMatch(/ESCAPE\.md is a symlink to .*outside\.md, outside the repository/);
    // A directory link out of the tree is refused too, for a file that does not exist yet.
    symlinkSync(sandbox.dir, join(repo, 'outdir'));
    await expect(workFile(repo, 'outdir/new.md', 'QUEUE.md')).rejects.toThrow(/outside the repository/);
    expect(readFileSync(join(sandbox.dir, 'outside.md'), 'utf8')).toBe('# private\n');
  });

  it('refuses it through the CLI after a pull, and writes nothing there', () => {
    const remote = join(sandbox.dir, 'link-remote.git');
    const a = join(sandbox.dir, 'link-a');
    const b = join(sandbox.dir, 'link-b');
    sandbox.git(sandbox.dir, ['init', '-q', '--bare', remote]);
    sandbox.git(sandbox.dir, ['clone', '-q', remote, a]);
    writeFileSync(join(sandbox.dir, 'victim.md'), '# private\n');
    symlinkSync('../victim.md', join(a, 'HEARTBEAT.md'));
    sandbox.git(a, ['add', 'HEARTBEAT.md']);
    sandbox.git(a, ['commit', '-qm', 'link']);
    sandbox.git(a, ['push', '-q', 'origin', 'HEAD:main']);
    sandbox.git(sandbox.dir, ['clone', '-q', remote, b]);
    const result = sandbox.strata(b, ['heartbeat', '--agent', 'bob', 'working'], { allowFail: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/HEARTBEAT\.md is a symlink to .*victim\.md, outside the repository/);
    expect(readFileSync(join(sandbox.dir, 'victim.md'), 'utf8')).toBe('# private\n');
  });
});
