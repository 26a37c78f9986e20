// The integrity checks of SPEC "Causal integrity checks", pure: a file's text (and its base's) in,
// findings out. The shell (check, verify, the pre-commit hook) reads the texts and prints the findings.
import { entriesOf, parseDoc } from '../entries/scan.js';
import type { FileType } from '../merge/file.js';
import { checkFacts, checkFactsAgainstBase } from './facts.js';
import { type Finding, byPosition } from './finding.js';
import { checkHeartbeat, checkHeartbeatAgainstBase } from './heartbeat.js';
import { checkLedgerAgainstBase } from './ledger.js';
import { findConflictMarkers } from './markers.js';
import { checkQueue, checkQueueAgainstBase } from './queue.js';

export { RULES, type Finding, type Rule } from './finding.js';
export { type CommitRef, type Format, type Reported, FORMATS, format, formatGithub, formatJson, formatText, isFormat } from './format.js';
export { findConflictMarkers } from './markers.js';
export { checkOpsWithLedger } from './ledger.js';
export { type IdFor, type Stamp, type StampResult, reusingBase, sameAs, stampIds } from './stamp.js';

interface Rules {
  single(path: string, entries: ReturnType<typeof entriesOf>): Finding[];
  againstBase(path: string, entries: ReturnType<typeof entriesOf>, base: ReturnType<typeof entriesOf>, lineCount: number): Finding[];
}

/**
 * Types with entry rules; markdown gets the marker check only. ops and the ledger are also checked
 * together (checkOpsWithLedger), which needs both files.
 */
const TYPE_RULES: Partial<Record<FileType, Rules>> = {
  queue: { single: checkQueue, againstBase: checkQueueAgainstBase },
  heartbeat: { single: checkHeartbeat, againstBase: (path, entries, base) => checkHeartbeatAgainstBase(path, entries, base) },
  facts: { single: checkFacts, againstBase: checkFactsAgainstBase },
  ledger: { single: () => [], againstBase: (path, entries, base) => checkLedgerAgainstBase(path, entries, base) },
};

/**
 * Checks one typed file. With `baseText` (the file at the base commit; undefined when it did not exist
 * there) the rules that compare with history run too. A file with conflict markers gets only those
 * findings: its entries are two versions at once, and every other rule would report noise.
 */
export function checkFile(type: FileType, path: string, text: string, baseText?: string): Finding[] {
  const markers = findConflictMarkers(text);
  if (markers.length > 0) {
    return markers.map((m) => ({
      path,
      line: m.line,
      rule: 'conflict-markers',
      message: m.message,
      hint: 'resolve the conflict (keep what both sides meant and delete the marker lines), then stage the file again',
    }));
  }
  const rules = TYPE_RULES[type];
  if (!rules) return [];
  const entries = entriesOf(parseDoc(text));
  const findings = rules.single(path, entries);
  if (baseText !== undefined && findConflictMarkers(baseText).length === 0) {
    findings.push(...rules.againstBase(path, entries, entriesOf(parseDoc(baseText)), lineCount(text)));
  }
  return findings.sort(byPosition);
}

function lineCount(text: string): number {
  let count = text === '' || text.endsWith('\n') ? 0 : 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
