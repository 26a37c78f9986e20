// The driver's own atomic write of %A (src/git/atomic-write.ts), on real files and a real signal: it
// replaced write-file-atomic on the hot path, so it has to keep what that library promised.
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../src/git/atomic-write.js';
import { ROOT } from '../helpers/git.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('replaces the file, keeps its mode and leaves nothing else in the directory', () => {
    const d = join(dir, 'mode');
    mkdirSync(d);
    const file = join(d, '.merge_file_abc');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    writeFileAtomicSync(file, 'new ✓\n');
    expect(readFileSync(file, 'utf8')).toBe('new ✓\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['.merge_file_abc']);
  });

  it('writes the UTF-8 bytes of any text, ASCII or not', () => {
    const file = join(dir, 'bytes.md');
    // Characters whose low byte is ASCII ('Ł' is U+0141) must not pass for ASCII.
    for (const text of ['- [agent:a] idle\n', 'aŁb\n', 'é 🌙\n', '\ud800', '']) {
      writeFileAtomicSync(file, text);
      expect(readFileSync(file)).toEqual(Buffer.from(text, 'utf8'));
    }
  });

  it('writes where a symlink points, and the link stays a link', () => {
    const d = join(dir, 'link');
    mkdirSync(d);
    writeFileSync(join(d, 'target.md'), 'old\n');
    symlinkSync('target.md', join(d, 'QUEUE.md'));
    writeFileAtomicSync(join(d, 'QUEUE.md'), Buffer.from('new\n'));
    expect(lstatSync(join(d, 'QUEUE.md')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(d, 'QUEUE.md'))).toBe('target.md');
    expect(readFileSync(join(d, 'target.md'), 'utf8')).toBe('new\n');
    expect(readdirSync(d).sort()).toEqual(['QUEUE.md', 'target.md']);
  });

  it('fails without touching the file or leaving a temp file', () => {
    const d = join(dir, 'fail');
    mkdirSync(d);
    // The target is a directory: the rename fails after the temp file was written.
    mkdirSync(join(d, 'target'));
    writeFileSync(join(d, 'target', 'inside'), 'kept\n');
    expect(() => writeFileAtomicSync(join(d, 'target'), 'x')).toThrow();
    expect(readdirSync(d)).toEqual(['target']);
    expect(readFileSync(join(d, 'target', 'inside'), 'utf8')).toBe('kept\n');
  });
});

describe('holdingSignals', () => {
  it('lets a SIGTERM that arrives during the write wait for the rename, and the driver finishes with its own exit code', () => {
    const d = join(dir, 'signal');
    mkdirSync(d);
    const module = join(d, 'atomic-write.mjs');
    buildSync({ entryPoints: [join(ROOT, 'src/git/atomic-write.ts')], bundle: true, format: 'esm', platform: 'node', outfile: module, logLevel: 'error' });
    const target = join(d, 'out.md');
    writeFileSync(target, 'old\n');
    // The signal comes while the synchronous write is under way (sent by the child itself, so the
    // timing is exact); without the hold it would kill the child before the rename, and dying of it
    // after would be an exit above 128, which makes git abort the whole merge.
    const script = `
      import { holdingSignals, writeFileAtomicSync } from ${JSON.stringify(module)};
      await holdingSignals(() => {
        process.kill(process.pid, 'SIGTERM');
        const until = Date.now() + 200;
        while (Date.now() < until);
        writeFileAtomicSync(${JSON.stringify(target)}, 'new\\n');
      });
      console.log('finished');
      process.exitCode = 1;
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(1);
    expect(child.stdout).toContain('finished');
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(readdirSync(d).filter((name) => name.includes('.strata-'))).toEqual([]);
  });
});
