// What a check reports: one finding per problem, with a position, the rule that failed, what failed
// and what to do about it. Findings are data; the shell decides how to print them.
import { MAX_CLOCK_OFFSET } from '../clock.js';

/** Every rule, with the one line `git strata check --help` and the README show for it. */
export const RULES = {
  'malformed-entry': 'an entry whose tags cannot be read (bad value, missing seq, repeated tag)',
  'conflict-markers': 'unresolved merge conflict markers in a typed file',
  'duplicate-seq': 'two queue entries with the same seq',
  'duplicate-id': 'two entries with the same id',
  'dangling-depends': 'depends on a seq that no entry has',
  'self-dependency': 'an entry that depends on itself',
  'dependency-cycle': 'entries that wait for each other in a circle',
  'done-before-dependency': 'an entry done before the entries it depends on',
  'settled-entry-removed': 'a done or cancelled entry deleted (against the base)',
  'identity-changed': "an entry's id, seq or agent changed (against the base)",
  'status-regressed': 'a status moved down the lattice open < claimed < done | cancelled, or from done to cancelled (against the base)',
  'heartbeat-backwards': "an agent's heartbeat [at:…] went back in time (against the base)",
  'stamp-ahead': `a stamp the commit brings more than ${MAX_CLOCK_OFFSET} ahead of the time of the commit, which only a wrong clock writes (against the base)`,
  'fact-edited': 'a fact changed in place instead of being superseded (against the base)',
  'fact-removed': 'a fact deleted (against the base)',
  'ledger-record-changed': 'a ledger record edited or removed (against the base)',
  'op-key-reused': 'one op key requested with different kind or args',
  'duplicate-execution': 'two terminal ledger records of one op from different executors',
} as const;

export type Rule = keyof typeof RULES;

export interface Finding {
  /** Repository-relative path, as git names it. */
  readonly path: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, where the finding is about one tag. */
  readonly column?: number;
  readonly rule: Rule;
  /** What failed. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

export function byPosition(a: Finding, b: Finding): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || (a.column ?? 0) - (b.column ?? 0) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}
