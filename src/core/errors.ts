/** Errors with a literal `code`; the CLI maps them to exit codes in src/cli/exit.ts. */
export type ErrorCode =
  | 'USAGE'
  | 'NOT_A_REPO'
  | 'GIT_FAILED'
  | 'BAD_INPUT'
  | 'PATH_ESCAPES_REPO'
  | 'CONFIG'
  | 'LOCK_LOST';

export class StrataError extends Error {
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
