import { StrataError } from '../core/errors.js';

/** Exit codes of every command. A merge driver must never exit above 128 (git would abort the merge). */
export const EXIT = {
  ok: 0,
  /** merge: conflicts were written; check: findings. */
  conflicts: 1,
  findings: 1,
  /** Wrong arguments. */
  usage: 2,
  /** Environment problem (not a repository, git failed, bad config). */
  environment: 3,
  /** A bug in strata. */
  internal: 70,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof StrataError) return error.code === 'USAGE' ? EXIT.usage : EXIT.environment;
  return EXIT.internal;
}

/** Prints an error the way every command does: what failed, then what to do. */
export function reportError(error: unknown): number {
  if (error instanceof StrataError) {
    process.stderr.write(`strata: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`strata: internal error: ${text}\nhint: please report this with the command you ran\n`);
  }
  return exitCodeFor(error);
}
