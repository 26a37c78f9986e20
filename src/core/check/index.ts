// The integrity checks of SPEC "Causal integrity checks", pure: a file's text (and its base's) in,
// findings out. The shell (check, verify, the pre-commit hook) reads the texts and prints the findings.
import { type Entry, type LineCache, entriesOf, parseDoc } from '../entries/scan.js';
import type { FileType } from '../file-types.js';
import { checkStampsAhead, latestStamp } from './ahead.js';
import { checkFacts, checkFactsAgainstBase } from './facts.js';
import { type Finding, byPosition } from './finding.js';
import { checkHeartbeat, checkHeartbeatAgainstBase } from './heartbeat.js';
import { checkLedger, checkLedgerAgainstBase, checkOps } from './ledger.js';
import { type MarkerRegion, findConflictMarkers, inFencedCode } from './markers.js';
import { checkQueue, checkQueueAgainstBase } from './queue.js';

export { RULES, type Finding, type Rule } from './finding.js';
export { type CommitRef, type Format, type Reported, FORMATS, format, formatGithub, formatJson, formatText, isFormat } from './format.js';
export { findConflictMarkers } from './markers.js';
export { decodeText, unreadable } from './encoding.js';
export { checkOpsWithLedger } from './ledger.js';
export { type InParent, mergeFindings, unseenFindings } from './parents.js';
export { type IdFor, type Stamp, type StampResult, nestedTasks, reusingBase, sameAs, sameSeqAs, stampIds, untaggedTasks } from './stamp.js';

interface Rules {
  single(path: string, entries: ReturnType<typeof entriesOf>): Finding[];
  againstBase(path: string, entries: ReturnType<typeof entriesOf>, base: ReturnType<typeof entriesOf>, lineCount: number, opts: CheckOptions): Finding[];
}

/**
 * Types with entry rules; markdown gets the marker check only. ops and the ledger are also checked
 * together (checkOpsWithLedger), which needs both files.
 */
const TYPE_RULES: Partial<Record<FileType, Rules>> = {
  queue: { single: checkQueue, againstBase: checkQueueAgainstBase },
  heartbeat: { single: checkHeartbeat, againstBase: (path, entries, base, _lines, opts) => checkHeartbeatAgainstBase(path, entries, base, opts.time) },
  facts: { single: checkFacts, againstBase: checkFactsAgainstBase },
  ledger: { single: checkLedger, againstBase: (path, entries, base) => checkLedgerAgainstBase(path, entries, base) },
  ops: { single: checkOps, againstBase: () => [] },
};

export interface CheckOptions {
  /**
   * The commit concludes a merge (or cherry-pick, revert, rebase step): conflict markers count even
   * inside a Markdown code block, where a conflict in a code sample leaves them.
   */
  readonly inMerge?: boolean;
  /**
   * Reads of lines shared with other parses of the same file (the hook's stamping, the base): the
   * versions share almost all their lines, so each is matched and its tags read once.
   */
  readonly lines?: LineCache;
  /**
   * When the commit being checked is made (ms since the epoch): the pre-commit hook's clock, each
   * commit's committer time in verify. A stamp far ahead of it came from a wrong clock: the commit may
   * correct one the base had (heartbeat-backwards), and may not bring one (stamp-ahead). Not now: CI
   * checks a commit later than it was made.
   */
  readonly time?: number;
  /**
   * The file is new against the base (so a `baseText` of undefined means that, not that there is no
   * base to compare with): every stamp in it is new to the commit. Holds the base versions of the files
   * of its type the commit deleted, where it may have been moved from (`git mv`), whose stamps are not.
   */
  readonly added?: readonly string[];
}

/**
 * Checks one typed file. With `baseText` (the file at the base commit; undefined when it did not exist
 * there) the rules that compare with history run too. A file with conflict markers gets only those
 * findings: its entries are two versions at once, and every other rule would report noise.
 */
export function checkFile(type: FileType, path: string, text: string, baseText?: string, opts: CheckOptions = {}): Finding[] {
  let markers = findConflictMarkers(text);
  // Plain Markdown may show conflict markers in a code block (a document about git does); outside a
  // merge they are taken for that. Typed files never hold them legitimately.
  if (markers.length > 0 && !TYPE_RULES[type]) {
    // Concluding a merge, only a sample the base already had counts as one (an amend at a rebase stop).
    const shown = inFencedCode(text, markers);
    const lines = opts.inMerge ? text.split('\n') : [];
    const inBase = (m: MarkerRegion): boolean => baseText !== undefined && baseText.includes(lines.slice(m.line - 1, m.end).join('\n'));
    markers = markers.filter((m) => !shown.has(m) || (opts.inMerge && !inBase(m)));
  }
  if (markers.length > 0) {
    return markers.map((m) => ({
      path,
      line: m.line,
      rule: 'conflict-markers',
      message: m.message,
      hint: `git strata resolve ${path} merges both sides again (from the index during a merge; with --committed from markers already committed), or resolve by hand: keep what both sides meant, delete the marker lines, and stage the file again`,
    }));
  }
  const rules = TYPE_RULES[type];
  if (!rules) return [];
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = lineCount(text.slice(0, nul + 1));
    return [{
      path,
      line,
      rule: 'malformed-entry',
      message: `line ${line} holds a NUL byte: git takes ${path} for a binary file, and every later merge of it conflicts`,
      hint: `delete the binary bytes, or restore the file (git checkout HEAD -- ${path}), then stage it again`,
    }];
  }
  // A cache pays off only where another parse shares it (the base, or the hook's stamping).
  const lines = opts.lines ?? (baseText !== undefined ? new Map() : undefined);
  const doc = parseDoc(text, lines, false);
  const entries = entriesOf(doc);
  const findings = [...rules.single(path, entries), ...tornListItems(path, doc)];
  const base = baseText === undefined ? undefined : entriesOf(parseDoc(baseText, lines, false));
  if (base !== undefined && findConflictMarkers(baseText!).length === 0) {
    findings.push(...rules.againstBase(path, entries, base, lineCount(text), opts));
  }
  // Which stamps the commit brings needs its base; a file checked on its own has none to tell.
  if (opts.time !== undefined && (base !== undefined || opts.added !== undefined)) {
    const before = (): Entry[][] => [...(base ? [base] : []), ...(opts.added ?? []).map((moved) => entriesOf(parseDoc(moved)))];
    findings.push(...checkStampsAhead(type, path, entries, () => latestStamp(type, before()), opts.time));
  }
  return findings.sort(byPosition);
}

/**
 * A typed file that existed at the base and is gone now (deleted, or renamed to a path that is not
 * typed the same): every entry the history rules keep went with it. One finding per file, naming how
 * many, rather than one per entry of a 10k-entry file.
 *
 * `successors` are the texts of files of the same type that appeared at the same time (a rename, or a
 * split into channels): the file counts as moved when one of them keeps everything it had to keep.
 */
export function checkDeleted(type: FileType, path: string, baseText: string, restore = `git checkout <base> -- ${path}`, successors: readonly string[] = []): Finding[] {
  const rules = TYPE_RULES[type];
  if (!rules || findConflictMarkers(baseText).length > 0 || baseText.includes('\0')) return [];
  const baseEntries = entriesOf(parseDoc(baseText));
  const lost = rules.againstBase(path, [], baseEntries, 0, {});
  if (lost.length === 0) return [];
  const keeps = (text: string): boolean => !text.includes('\0') && rules.againstBase(path, entriesOf(parseDoc(text)), baseEntries, lineCount(text), {}).length === 0;
  if (successors.some(keeps)) return [];
  const what = lost.length === 1 ? '1 entry' : `${lost.length} entries`;
  return [
    {
      path,
      line: 1,
      rule: lost[0]!.rule,
      message: `${path} was deleted, renamed to a path not typed '${type}', or retyped, and with it ${what} that must stay, e.g.: ${lost[0]!.message}`,
      hint: `put the file back (${restore}): settled entries are history that agents and depends edges rely on`,
    },
  ];
}

const TORN_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX-]\][ \t]+)?\[(?:[a-z][a-z0-9_-]*(?::[^\]]*)?)?\r?\n?$/;

/** A list item of prose that is only the start of a tag: an entry whose write was cut off. */
function tornListItems(path: string, doc: ReturnType<typeof parseDoc>): Finding[] {
  const findings: Finding[] = [];
  for (const block of doc.blocks) {
    if (block.kind !== 'prose') continue;
    block.lines.forEach((line, i) => {
      if (!line.includes('[') || !TORN_ITEM.test(line)) return;
      findings.push({
        path,
        line: block.line + i + 1,
        rule: 'malformed-entry',
        message: `'${line.trim()}' on line ${block.line + i + 1} is an entry cut off inside its first tag`,
        hint: `finish the entry or delete the line, or restore the file: git checkout -- ${path}`,
      });
    });
  }
  return findings;
}

function lineCount(text: string): number {
  let count = text === '' || text.endsWith('\n') ? 0 : 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
