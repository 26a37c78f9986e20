/** Errors with a literal `code`; the CLI maps them to exit codes in src/cli/exit.ts. */
export type ErrorCode =
  | 'USAGE'
  | 'NOT_A_REPO'
  | 'GIT_FAILED'
  | 'BAD_INPUT'
  | 'PATH_ESCAPES_REPO'
  | 'CONFIG'
  | 'LOCK_LOST';

/**
 * Every command is a bundle of its own (scripts/build.mjs), each with its own copy of this class, and
 * an error thrown in one is reported by another (the entry's dispatch): `instanceof` goes by a brand
 * in the global symbol registry, not by which copy of the class made the error.
 */
const BRAND = Symbol.for('strata.StrataError');

export class StrataError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  readonly [BRAND] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What the user should do next; printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StrataError';
  }
}
