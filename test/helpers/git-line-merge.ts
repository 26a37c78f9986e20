/** The real `git merge-file` as a LineMerge, for tests and the corpus driver (never used by src/core). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LineMerge } from '../../src/core/result.js';

export const gitLineMerge: LineMerge = ({ base, ours, theirs, markerSize, labels }) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-merge-'));
  try {
    const files = (['ours', 'base', 'theirs'] as const).map((name, k) => {
      const file = join(dir, name);
      writeFileSync(file, [ours, base, theirs][k]!);
      return file;
    });
    const [lo, lb, lt] = labels ?? ['ours', 'base', 'theirs'];
    const r = spawnSync(
      'git',
      ['merge-file', '-p', `--marker-size=${markerSize}`, '-L', lo, '-L', lb, '-L', lt, ...files],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      },
    );
    if (r.error) throw r.error;
    const code = r.status;
    if (code === null || code < 0 || code >= 128) {
      throw new Error(`git merge-file failed (${code ?? r.signal}): ${r.stderr}`);
    }
    return { text: r.stdout, conflicts: code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
