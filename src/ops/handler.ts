// Running one handler: the program and fixed arguments from local git config, then the op's arguments
// as separate argv entries, no shell, the key in STRATA_IDEMPOTENCY_KEY, a timeout, and the combined
// output captured up to a cap and digested (sha256) for the ledger's [out:…].
import { createHash } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { access, constants, mkdir, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { HandlerSpec } from '../core/replay/config.js';

/** Output kept (and digested) per run; the rest is drained and dropped. */
export const OUTPUT_CAP = 64 * 1024;

export interface HandlerRun {
  readonly exit: number;
  readonly state: 'done' | 'failed';
  readonly output: Buffer;
  readonly truncated: boolean;
  /** `sha256-<hex>` of the kept output. */
  readonly digest: string;
  /** The first line of output (or what went wrong), for the record's text. */
  readonly summary: string;
}

/** Why a handler's program cannot run (locateProgram). */
export type Unrunnable =
  /** A relative path with a directory part: it would depend on the directory replay runs in. */
  | 'relative'
  /** An absolute path that does not exist. */
  | 'missing'
  /** It exists, but is a directory or not executable. */
  | 'not-executable'
  /** A bare name found in no absolute entry of PATH. */
  | 'not-on-path'
  /** It resolves (symlinks followed) into the work tree, which a pull can change. */
  | 'inside-work-tree';

export type ProgramLookup = { readonly path: string } | { readonly why: Unrunnable; readonly path?: string };

async function executableFile(path: string): Promise<boolean | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile()) return false;
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Where a handler's program is: an absolute path as configured, or a bare name looked up on the
 * absolute entries of PATH — or why it cannot run. A program inside the work tree is refused: a script
 * that arrives with `git pull` must never be what a handler runs. replay runs what this finds; doctor
 * reports why it finds nothing.
 */
export async function locateProgram(program: string, top: string): Promise<ProgramLookup> {
  if (program.includes('/') && !isAbsolute(program)) return { why: 'relative' };
  const candidates = isAbsolute(program)
    ? [program]
    : (process.env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir)).map((dir) => join(dir, program));
  const repo = await realpath(top).catch(() => top);
  let unusable: string | undefined;
  for (const candidate of candidates) {
    const usable = await executableFile(candidate);
    if (usable === undefined) continue;
    if (!usable) {
      unusable ??= candidate;
      continue;
    }
    const real = await realpath(candidate).catch(() => undefined);
    if (real === undefined) continue;
    const rel = relative(repo, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return { why: 'inside-work-tree', path: real };
    return { path: candidate };
  }
  if (unusable !== undefined) return { why: 'not-executable', path: unusable };
  return { why: isAbsolute(program) ? 'missing' : 'not-on-path' };
}

/** The program's absolute path (locateProgram), or undefined when it cannot run. */
export async function resolveProgram(program: string, top: string): Promise<string | undefined> {
  const found = await locateProgram(program, top);
  return 'why' in found ? undefined : found.path;
}

function firstLine(output: Buffer): string {
  const text = output.toString('utf8');
  return text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
}

export async function runHandler(spec: HandlerSpec, program: string, key: string, args: readonly string[], cwd: string): Promise<HandlerRun> {
  const { execa } = await import('execa');
  const argv = spec.argv!;
  // The handler leads its own process group: a timeout stops everything it started (a subshell's
  // sleep-then-effect included), so nothing of it runs on after the ledger says it ended.
  const child = execa(program, [...argv.slice(1), ...args], {
    shell: false,
    cwd,
    env: { STRATA_IDEMPOTENCY_KEY: key, STRATA_OP_KIND: spec.kind },
    extendEnv: true,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    detached: true,
    windowsHide: true,
  });
  const group = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  let hardKill: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    group('SIGTERM');
    hardKill = setTimeout(() => group('SIGKILL'), 5000);
  }, spec.timeoutMs);
  // A process the handler left running in its group (`cmd &`) holds its output open, and replay — with
  // the git pull that runs it — would wait for it: 2 s after the handler exits, the group is stopped.
  // A real daemon detaches into a session of its own (setsid) and is not touched.
  let detach: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    clearTimeout(timer);
    if (timedOut) {
      // What the handler started and SIGTERM did not stop yet.
      clearTimeout(hardKill);
      group('SIGKILL');
    }
    detach = setTimeout(() => group('SIGKILL'), 2000);
  });
  const kept: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const drain = (async () => {
    if (!child.all) return;
    for await (const chunk of child.all) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (size < OUTPUT_CAP) {
        const part = buf.subarray(0, OUTPUT_CAP - size);
        kept.push(part);
        size += part.length;
        if (part.length < buf.length) truncated = true;
      } else if (buf.length > 0) truncated = true;
    }
  })();
  const result = await child;
  await drain.catch(() => undefined);
  clearTimeout(timer);
  clearTimeout(detach);
  clearTimeout(hardKill);
  const output = Buffer.concat(kept);
  const digest = `sha256-${createHash('sha256').update(output).digest('hex')}`;
  let exit: number;
  let summary = firstLine(output);
  if (timedOut) {
    exit = 124;
    summary = `timed out after ${Math.round(spec.timeoutMs / 1000)}s${summary ? `: ${summary}` : ''}`;
  } else if (typeof result.exitCode === 'number') {
    exit = result.exitCode;
  } else if (result.signal) {
    const number = (osConstants.signals as Record<string, number | undefined>)[result.signal] ?? 0;
    exit = 128 + number;
    summary = `killed by ${result.signal}${summary ? `: ${summary}` : ''}`;
  } else {
    exit = 127;
    summary = `could not start ${argv[0]}: ${result.shortMessage ?? 'unknown error'}`;
  }
  if (summary === '') summary = exit === 0 ? 'done (no output)' : `exit ${exit} (no output)`;
  return { exit, state: exit === 0 ? 'done' : 'failed', output, truncated, digest, summary };
}

/** Keeps a run's output under the git directory, named by digest, so `op run KEY` can show it here. */
export async function storeOutput(commonDir: string, run: HandlerRun): Promise<void> {
  const dir = join(commonDir, 'strata', 'out');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, run.digest), run.output);
}

export function outputPath(commonDir: string, digest: string): string | undefined {
  return /^sha256-[0-9a-f]{64}$/.test(digest) ? join(commonDir, 'strata', 'out', digest) : undefined;
}
