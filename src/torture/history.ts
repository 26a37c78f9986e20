// The history of a torture run, Jepsen style: every operation is an `invoke` followed by its completion
// (`ok`, `fail`, or `info` when nobody can tell whether it took effect), plus the nemesis's faults.
// Pure data: the shell (run.ts) records it, the checker (check.ts) reads it.

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** What an operation did; the completion carries what was learnt while doing it (a new task's id). */
export type Op =
  | { readonly f: 'queue-add'; readonly token: string; readonly depends: readonly number[]; readonly id?: string; readonly seq?: number }
  | { readonly f: 'queue-claim'; readonly id: string; readonly seq: number }
  | { readonly f: 'queue-checkpoint'; readonly id: string; readonly seq: number; readonly token: string }
  | { readonly f: 'queue-done'; readonly id: string; readonly seq: number }
  | { readonly f: 'heartbeat'; readonly token: string }
  | { readonly f: 'fact-set'; readonly entity: string; readonly attr: string; readonly value: string }
  | { readonly f: 'op-request'; readonly key: string; readonly kind: string; readonly args: readonly string[] }
  /** A free-text line appended to a Markdown file (NOTES.md, the daily log). */
  | { readonly f: 'note'; readonly file: string; readonly line: string }
  | { readonly f: 'pull'; readonly mode: 'merge' | 'rebase'; readonly head?: string; readonly resolved?: boolean; readonly killDriver?: string }
  | { readonly f: 'push'; readonly head?: string }
  | { readonly f: 'replay'; readonly killAfterMs?: number }
  /** A coordination file truncated mid-line in a work tree; then restored, refused by pre-commit, or committed. */
  | { readonly f: 'torn-write'; readonly file: string; readonly bytes: number; readonly outcome?: 'restored' | 'refused' | 'committed'; readonly head?: string }
  | { readonly f: 'partition'; readonly agents: readonly string[] }
  | { readonly f: 'heal'; readonly agents: readonly string[] };

export type OpName = Op['f'];

export interface HistoryEvent {
  /** Position in the history, from 0. */
  readonly index: number;
  /** Milliseconds since the run started. */
  readonly time: number;
  readonly type: EventType;
  /** The agent (or `nemesis`) that did it. */
  readonly process: string;
  readonly op: Op;
  /** For completions: the index of the invoke. */
  readonly invoke?: number;
  readonly error?: string;
}

/** The operations that write coordination data (the ones the lost/duplicate checks are about). */
export const WRITES: ReadonlySet<OpName> = new Set(['queue-add', 'queue-claim', 'queue-checkpoint', 'queue-done', 'heartbeat', 'fact-set', 'op-request', 'note']);

/** A commit of the remote's main branch, as the final read sees it. */
export interface CommitInfo {
  readonly sha: string;
  readonly parents: readonly string[];
  /** QUEUE.md in this commit (undefined when absent). */
  readonly queue: string | undefined;
}

/** One line the external-effect service appended: one per effect. */
export interface Effect {
  readonly key: string;
  readonly kind: string;
  readonly executor: string;
}

/** A finding of `git strata check` / `verify`, as JSON. */
export interface ToolFinding {
  readonly path: string;
  readonly line: number;
  readonly rule: string;
  readonly message: string;
  readonly commit?: { readonly sha: string; readonly short: string; readonly subject: string };
}

/** Everything read after the heal. */
export interface FinalState {
  /** Files of the remote's main after convergence, by path. */
  readonly files: Readonly<Record<string, string | undefined>>;
  /** Every commit reachable from the remote's main, parents before children. */
  readonly commits: readonly CommitInfo[];
  readonly effects: readonly Effect[];
  /** Handler kinds and whether each is idempotent. */
  readonly kinds: Readonly<Record<string, { readonly idempotent: boolean }>>;
  /** Rounds of pull+push after the heal until every clone was byte-identical (undefined: never). */
  readonly convergenceRounds: number | undefined;
  /** Each clone's HEAD tree after the last round, by agent. */
  readonly trees: Readonly<Record<string, string>>;
  /** The remote main's tree. */
  readonly remoteTree: string;
  /** Each clone's HEAD over time (ms since start, commit), pulls and the final rounds included. */
  readonly heads: Readonly<Record<string, ReadonlyArray<readonly [number, string]>>>;
  /** Time of the heal (ms since start). */
  readonly healedAt: number;
  readonly verify: { readonly ran: boolean; readonly findings: readonly ToolFinding[]; readonly error?: string };
  readonly check: { readonly ran: boolean; readonly findings: readonly ToolFinding[]; readonly error?: string };
  /** Lines the driver wrapper logged: `call`, `exit N`, `killed`. */
  readonly driver: { readonly calls: number; readonly conflicts: number; readonly killed: number };
}
