// The strong layer's integrity rules: ledger records are never edited or removed (against a base), and
// across OPS.md and the ledger, a key reused with other parameters or executed twice is reported.
import { type Entry, lineBody } from '../entries/scan.js';
import { ledgerFindings } from '../replay/plan.js';
import type { Finding } from './finding.js';
import { type TagRules, checkTagValues, malformed } from './tags.js';

const OPS_TAGS: TagRules = { values: {}, single: new Set(['op', 'kind', 'args', 'agent', 'at']) };
const LEDGER_TAGS: TagRules = { values: {}, single: new Set(['op', 'state', 'by', 'at', 'lease', 'exit', 'out']) };

function requireTags(path: string, entries: readonly Entry[], rules: TagRules, required: readonly string[], what: string): Finding[] {
  const findings: Finding[] = [];
  for (const entry of entries) {
    checkTagValues(path, entry, rules, findings);
    const missing = required.filter((key) => !entry.tags.some((t) => t.key === key));
    if (missing.length > 0) {
      findings.push(malformed(path, entry, undefined, `${what} without ${missing.map((k) => `[${k}:…]`).join(' and ')}`, `complete line ${entry.line + 1}, or restore the file: git checkout -- ${path}`));
    }
  }
  return findings;
}

export const checkOps = (path: string, entries: readonly Entry[]): Finding[] => requireTags(path, entries, OPS_TAGS, ['op', 'kind'], 'op request');
export const checkLedger = (path: string, entries: readonly Entry[]): Finding[] => requireTags(path, entries, LEDGER_TAGS, ['op', 'state', 'by', 'at'], 'ledger record');

export function checkLedgerAgainstBase(path: string, entries: readonly Entry[], base: readonly Entry[]): Finding[] {
  const now = new Map<string, number>();
  for (const e of entries) {
    const text = e.lines.map(lineBody).join('\n');
    now.set(text, (now.get(text) ?? 0) + 1);
  }
  const findings: Finding[] = [];
  for (const e of base) {
    const text = e.lines.map(lineBody).join('\n');
    const left = now.get(text) ?? 0;
    if (left > 0) {
      now.set(text, left - 1);
      continue;
    }
    findings.push({
      path,
      line: Math.min(e.line + 1, Math.max(1, entries.length ? entries[entries.length - 1]!.line + 1 : 1)),
      rule: 'ledger-record-changed',
      message: `the ledger record of line ${e.line + 1} in the base was edited or removed: ${lineBody(e.lines[0]!).trim()}`,
      hint: 'ledger records are history: restore it (git checkout <base> -- the file and re-apply your additions); record a new state with git strata op resolve instead',
    });
  }
  return findings;
}

/** Findings across one ops file and the ledger (either may be empty text). */
export function checkOpsWithLedger(opsPath: string, opsText: string, ledgerPath: string, ledgerText: string): Finding[] {
  return ledgerFindings(opsText, ledgerText).map((f) => ({
    path: f.in === 'ops' ? opsPath : ledgerPath,
    line: f.line,
    rule: f.rule as Finding['rule'],
    message: f.message,
    hint: f.hint,
  }));
}
