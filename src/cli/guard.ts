import { StrataError } from '../core/errors.js';
import { EXIT, reportError } from './exit.js';

/**
 * Runs a writer command's body. A refusal (BAD_INPUT: the task is held, a dependency is not done)
 * exits 1 like a check finding, so an agent's script can tell "not now" from a broken setup (3).
 */
export async function guarded(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const code = reportError(error);
    return error instanceof StrataError && error.code === 'BAD_INPUT' ? EXIT.findings : code;
  }
}
