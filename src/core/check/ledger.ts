// The strong layer's integrity rules: ledger records are never edited or removed (against a base), and
// across OPS.md and the ledger, a key reused with other parameters or executed twice is reported.
import { type Entry, lineBody } from '../entries/scan.js';
import { ledgerFindings } from '../replay/plan.js';
import type { Finding } from './finding.js';

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
