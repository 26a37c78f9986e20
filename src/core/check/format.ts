// Printing findings: human text (`path:line: rule: message` and a hint), JSON, and GitHub workflow
// annotations (`::error file=…,line=…,title=…::message`).
import type { Finding } from './finding.js';

export const FORMATS = ['text', 'json', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

/** A commit a finding was made in (verify). */
export interface CommitRef {
  readonly sha: string;
  readonly short: string;
  readonly subject: string;
}

export interface Reported extends Finding {
  readonly commit?: CommitRef;
}

export function formatText(findings: readonly Reported[]): string {
  let out = '';
  let commit: string | undefined;
  for (const f of findings) {
    if (f.commit && f.commit.sha !== commit) {
      commit = f.commit.sha;
      out += `commit ${f.commit.short} ${f.commit.subject}\n`;
    }
    out += `${f.path}:${f.line}: ${f.rule}: ${f.message}\n  hint: ${f.hint}\n`;
  }
  return out;
}

export function formatJson(findings: readonly Reported[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ ok: findings.length === 0, ...extra, findings }, null, 2)}\n`;
}

/** Escaping of GitHub's workflow commands: data escapes %, CR and LF; properties also `:` and `,`. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(findings: readonly Reported[]): string {
  let out = '';
  for (const f of findings) {
    const props = [`file=${escapeProperty(f.path)}`, `line=${f.line}`, ...(f.column !== undefined ? [`col=${f.column}`] : [])];
    const title = f.commit ? `${f.rule} (commit ${f.commit.short})` : f.rule;
    props.push(`title=${escapeProperty(title)}`);
    const where = f.commit ? `in commit ${f.commit.short} "${f.commit.subject}": ` : '';
    out += `::error ${props.join(',')}::${escapeData(`${where}${f.message}\nhint: ${f.hint}`)}\n`;
  }
  return out;
}

export function format(findings: readonly Reported[], as: Format, extra: Record<string, unknown> = {}): string {
  return as === 'json' ? formatJson(findings, extra) : as === 'github' ? formatGithub(findings) : formatText(findings);
}
