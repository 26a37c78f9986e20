// A handler runs as a process group: a timeout stops everything it started, so no effect happens after
// the ledger says it ended; what it leaves running in its group does not hold replay (and git pull).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { HandlerSpec } from '../../src/core/replay/config.js';
import { runHandler } from '../../src/ops/handler.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (script: string, timeoutMs: number): HandlerSpec => ({ kind: 'k', argv: ['/bin/sh', '-c', script], error: undefined, timeoutMs, idempotent: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a timeout stops the handler and what it started: a delayed effect never happens', async () => {
  const effect = join(dir, 'effect');
  const run = await runHandler(spec(`echo start; ( sleep 2; echo EFFECT > '${effect}' ) & sleep 30`, 500), '/bin/sh', 'key', [], dir);
  expect(run).toMatchObject({ exit: 124, state: 'failed', summary: 'timed out after 1s: start' });
  await sleep(2500);
  expect(existsSync(effect)).toBe(false);
});

it('a process left running in the background does not hold replay until it ends', async () => {
  const started = Date.now();
  const run = await runHandler(spec('echo hi; sleep 30 &', 10_000), '/bin/sh', 'key', [], dir);
  expect(run).toMatchObject({ exit: 0, state: 'done', summary: 'hi' });
  expect(Date.now() - started).toBeLessThan(10_000);
});

it('locateProgram finds what replay runs, and says why it finds nothing (a directory is no program)', async () => {
  const { mkdirSync, writeFileSync, chmodSync } = await import('node:fs');
  const { locateProgram, resolveProgram } = await import('../../src/ops/handler.js');
  const top = join(dir, 'repo');
  mkdirSync(join(top, 'bin'), { recursive: true });
  writeFileSync(join(top, 'bin/run'), '#!/bin/sh\n');
  chmodSync(join(top, 'bin/run'), 0o755);
  expect(await locateProgram('/bin/sh', top)).toEqual({ path: '/bin/sh' });
  expect(await locateProgram('/nonexistent/x', top)).toEqual({ why: 'missing' });
  expect(await locateProgram('bin/run', top)).toEqual({ why: 'relative' });
  expect(await locateProgram('no-such-program-anywhere', top)).toEqual({ why: 'not-on-path' });
  expect(await locateProgram(join(top, 'bin/run'), top)).toMatchObject({ why: 'inside-work-tree' });
  // execve of a directory fails: replay would record the op as failed, for good. Skipped instead.
  expect(await locateProgram(dir, top)).toEqual({ why: 'not-executable', path: dir });
  expect(await resolveProgram(dir, top)).toBeUndefined();
});
