// The replay journal: the ledger records this clone's replays wrote, kept in the git directory (untracked,
// so checkout, reset and a branch switch leave it alone). HEAD's ledger is what planning trusts, but a
// clone can move HEAD to a commit that lacks records it wrote itself — a branch made from origin/main
// while its ledger commits sit, unpushed, on main; `git reset --hard origin/main`. The op then looks
// pending, and would run again. The journal remembers that this clone ran it.
//
// One line per record: the key (percent-encoded), state, by, at, the commit that holds the record, and
// the exit code of a result, separated by tabs. Pure: the shell reads, appends and fsyncs the file.
import type { Row } from './plan.js';

export type JournalState = 'claimed' | 'done' | 'failed' | 'unknown';

export interface JournalRecord {
  readonly key: string;
  readonly state: JournalState;
  /** As in the ledger's [by:…]. */
  readonly by: string;
  /** As in the ledger's [at:…], to the character: what tells whether HEAD's ledger has this record. */
  readonly at: string;
  /** The commit that added the record (for "merge the branch that has it"). */
  readonly commit: string | undefined;
  readonly exit: number | undefined;
}

export const JOURNAL_HEADER = '# strata replay journal: ledger records this clone wrote (key, state, by, at, commit, exit). Do not edit.\n';

const STATES: ReadonlySet<string> = new Set(['claimed', 'done', 'failed', 'unknown']);

export function journalLine(record: JournalRecord): string {
  return `${[encodeURIComponent(record.key), record.state, record.by, record.at, record.commit ?? '', record.exit ?? ''].join('\t')}\n`;
}

/**
 * The records of the given keys, in the order they were written. Only lines of those keys are parsed
 * (the journal grows with every op this clone ever ran); torn and foreign lines are skipped.
 */
export function journalOf(text: string, keys: Iterable<string>): Map<string, JournalRecord[]> {
  const wanted = new Map([...keys].map((key) => [encodeURIComponent(key), key]));
  const found = new Map<string, JournalRecord[]>();
  if (wanted.size === 0) return found;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    const key = tab === -1 ? undefined : wanted.get(line.slice(0, tab));
    if (key === undefined) continue;
    const [, state, by, at, commit, exit] = line.replace(/\r$/, '').split('\t');
    if (state === undefined || !STATES.has(state) || !by || !at || exit === undefined) continue;
    const record: JournalRecord = { key, state: state as JournalState, by, at, commit: commit || undefined, exit: exit === '' ? undefined : Number(exit) };
    const list = found.get(key);
    if (list) list.push(record);
    else found.set(key, [record]);
  }
  return found;
}

/** A run of this clone that HEAD's ledger does not know about. */
export interface LostRun {
  /** Our last claim of the key. */
  readonly claim: JournalRecord;
  /** The result we recorded for that claim, if we got that far. */
  readonly result: JournalRecord | undefined;
  /** The last record we wrote for the key: its commit has them all. */
  readonly latest: JournalRecord;
}

/**
 * Whether this clone's last claim of a key is lost to HEAD: neither the claim nor any record we wrote
 * after it is among HEAD's records of the key. (The ledger only grows and merges by union, so a HEAD
 * that descends from any of those records has it; an `unknown` we recorded for the lost run, on a HEAD
 * without the claim, counts as knowing: the person who settles it has been told.)
 */
export function lostRun(journal: readonly JournalRecord[] | undefined, rows: readonly Row[]): LostRun | undefined {
  if (!journal) return undefined;
  let last = -1;
  journal.forEach((r, i) => {
    if (r.state === 'claimed') last = i;
  });
  if (last === -1) return undefined;
  const ours = journal.slice(last);
  const known = ours.some((r) => rows.some((row) => row.state === r.state && row.by === r.by && row.at === r.at));
  if (known) return undefined;
  return { claim: ours[0]!, result: ours.find((r) => r.state === 'done' || r.state === 'failed'), latest: ours[ours.length - 1]! };
}

/** "ran it at T (done, exit 0)": what this clone knows about a lost run. */
export function describeLostRun(lost: LostRun): string {
  const result = lost.result ? `${lost.result.state}${lost.result.exit === undefined ? '' : `, exit ${lost.result.exit}`}` : 'no result recorded';
  return `ran it at ${lost.claim.at} (${result})`;
}
