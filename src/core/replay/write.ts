// The lines replay and the op commands write, and where they go. Pure: text in, text out.
import { entriesOf, parseDoc, readTags } from '../entries/scan.js';
import { type Tick, stampsAt, tick } from '../clock.js';
import { opParameters } from '../crdt/ops.js';
import { StrataError } from '../errors.js';
import { eolOf, insertLine } from '../text-edit.js';
import { encodeArgs } from './args.js';
import { KIND, cleanName } from './config.js';
import { requestsOf, rowsOf } from './plan.js';

export const LEDGER_PATH = '.strata/ledger.md';
export const DEFAULT_OPS_PATH = 'OPS.md';

const LEDGER_HEADER = [
  '# Idempotency ledger',
  '',
  'Written by `git strata replay` and `git strata op resolve`. Records are never edited or removed.',
  '',
  '',
].join('\n');

const OPS_HEADER = ['# Operations', '', 'Requests for side effects, run once by an executor (`git strata op request`).', '', ''].join('\n');

export type RecordState = 'claimed' | 'done' | 'failed' | 'unknown' | 'retry';

export interface NewRecord {
  readonly key: string;
  readonly state: RecordState;
  readonly by: string;
  readonly lease?: string;
  readonly exit?: number;
  readonly out?: string;
  readonly resolved?: boolean;
  readonly note?: string;
}

/**
 * Output and notes become the free text of one Markdown line: one line, no control characters, and
 * brackets turned into parentheses so a handler's output cannot smuggle a `[state:…]` tag in.
 */
export function cleanNote(text: string, max = 200): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\[/g, '(')
    .replace(/\]/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The ledger with one record appended (stamped after every stamp already in it within the clock bound,
 * and after the key's own records wherever they lie: a record written before them would sort before
 * them, and a `retry` would not count); also the line.
 */
export function appendRecord(ledger: string, record: NewRecord, now: number): { text: string; line: string; at: string } {
  // Only [at:…] moves the clock: a [lease:…] lies in the future on purpose.
  const rows = rowsOf(ledger).map((r) => ({ key: r.key, stamp: r.at, line: r.line }));
  const { stamp: at } = tick(now, rows, rows.filter((r) => r.key === record.key));
  const tags = [`[op:${record.key}]`, `[state:${record.state}]`, `[by:${cleanName(record.by)}]`, `[at:${at}]`];
  if (record.lease !== undefined) tags.push(`[lease:${record.lease}]`);
  if (record.exit !== undefined) tags.push(`[exit:${record.exit}]`);
  if (record.out !== undefined) tags.push(`[out:${record.out}]`);
  if (record.resolved) tags.push('[resolved:yes]');
  const note = record.note === undefined ? '' : cleanNote(record.note);
  const line = `- ${tags.join(' ')}${note === '' ? '' : ` ${note}`}`;
  const source = ledger.trim() === '' ? LEDGER_HEADER : ledger;
  const doc = parseDoc(source);
  const last = entriesOf(doc).pop();
  return { text: insertLine(doc, last, line, eolOf(source)), line, at };
}

export interface RequestInput {
  readonly kind: string;
  readonly key: string;
  readonly args: readonly string[];
  readonly agent: string;
  readonly note: string;
}

export interface RequestResult {
  /** The new OPS.md text; unchanged when the same op was already requested. */
  readonly text: string;
  readonly line: string | undefined;
  readonly changed: boolean;
  /** The clock's reading for the new line: stamps beyond the bound it did not follow (clockNotes). */
  readonly clock?: Tick;
}

/**
 * OPS.md with a request appended. The same key with the same parameters is already requested (nothing
 * to do); with different parameters it is refused: keys are idempotency keys.
 */
export function appendRequest(text: string, others: readonly string[], input: RequestInput, now: number): RequestResult {
  if (!KIND.test(input.kind)) {
    throw new StrataError('USAGE', `invalid kind '${input.kind}'`, 'a kind is lower case letters, digits and -, starting with a letter (it names git config strata.handler.<kind>)');
  }
  if (!/^[^\s\][`]+$/u.test(input.key)) {
    throw new StrataError('USAGE', `invalid key '${input.key}'`, 'a key has no white space, brackets or backticks');
  }
  let args: string;
  try {
    args = encodeArgs(input.args);
  } catch (error) {
    throw new StrataError('USAGE', (error as Error).message, 'leave the argument out, or give it a value');
  }
  const same = requestsOf([text, ...others]).filter((r) => r.key === input.key);
  const wanted = opParameters({ kind: input.kind, args });
  const differing = same.find((r) => opParameters(r) !== wanted);
  if (differing) {
    throw new StrataError(
      'USAGE',
      `op key '${input.key}' is already used with different parameters (kind:${differing.kind} args:${differing.args || '(none)'})`,
      'choose another --key, or leave --key out to get a fresh one',
    );
  }
  if (same.length > 0) return { text, line: undefined, changed: false };
  const note = cleanNote(input.note);
  if (readTags(note).length > 0) throw new StrataError('USAGE', 'the note contains a [key:value] tag');
  const clock = tick(now, stampsAt(text));
  const at = clock.stamp;
  const line = `- [op:${input.key}] [kind:${input.kind}] [agent:${cleanName(input.agent)}] [at:${at}]${args === '' ? '' : ` [args:${args}]`}${note === '' ? '' : ` ${note}`}`;
  const source = text.trim() === '' ? OPS_HEADER : text;
  const doc = parseDoc(source);
  const last = entriesOf(doc).pop();
  return { text: insertLine(doc, last, line, eolOf(source)), line, changed: true, clock };
}
