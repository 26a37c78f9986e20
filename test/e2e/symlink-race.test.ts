// A symlink leading out of the work tree that a pull brings while a writer waits for git's index lock
// (or plans its edit): the writer plans again on the file as the pull left it, and must refuse the link
// then as workFile refuses it up front, not write through it to a file outside the repository.
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/core/errors.js';
import { editFile, workFile } from '../../src/ops/workfile.js';
import { type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';

let sandbox: Sandbox;
let a: string;
let b: string;
const HB = '# Heartbeat\n\n- [agent:x] [at:2026-11-27T10:00:00.000Z] [ttl:10m] busy\n';

beforeAll(() => {
  sandbox = makeSandbox('strata-symlink-race-');
  ({ a, b } = makeRemoteWithClones(sandbox, ['a', 'b'], { files: { 'HEARTBEAT.md': HB } }) as { a: string; b: string });
});
afterAll(() => sandbox?.cleanup());

describe('a symlink out of the work tree that a pull brings during a write', () => {
  it('is refused when the edit is planned again under the index lock, and nothing outside is written', async () => {
    const outside = join(sandbox.dir, 'outside.md');
    writeFileSync(outside, 'not strata\'s\n');
    rmSync(join(b, 'HEARTBEAT.md'));
    symlinkSync('../outside.md', join(b, 'HEARTBEAT.md'));
    sandbox.git(b, ['add', '-A']);
    sandbox.git(b, ['commit', '-qm', 'link out', '--no-verify']);
    sandbox.git(b, ['push', '-q']);

    const file = await workFile(a, undefined, 'HEARTBEAT.md', 'heartbeat');
    let plans = 0;
    const error = await editFile(a, file, '', (text) => {
      plans++;
      // The pull runs while this writer plans (or waits for the index lock).
      if (plans === 1) sandbox.git(a, ['pull', '-q', '--no-rebase', '--no-edit']);
      return { text: `${text}- [agent:w] [at:2026-11-27T10:01:00.000Z] [ttl:10m] written\n` };
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(readFileSync(outside, 'utf8')).toBe('not strata\'s\n');
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('PATH_ESCAPES_REPO');
  });
});
