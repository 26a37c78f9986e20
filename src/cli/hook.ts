// git strata hook <name> [args]: the entry point the hook shims call.
//
// Every commit pays for pre-commit, so this module imports no option parser and runs git through
// node:child_process spawnSync: execa's own start-up (it loads a few dozen modules) would cost more
// than the two git calls the common "no typed file staged" case needs.
import { spawnSync } from 'node:child_process';
import { EXIT } from './exit.js';

type HookHandler = (args: string[]) => Promise<number> | number;

/**
 * One handler per hook. post-merge, post-rewrite and post-checkout do nothing yet; replay of pending
 * ops plugs in here (post-merge after pull, post-rewrite after pull --rebase).
 */
export const HOOKS: Readonly<Record<string, HookHandler>> = {
  'pre-commit': preCommit,
  'post-merge': () => EXIT.ok,
  'post-rewrite': () => EXIT.ok,
  'post-checkout': () => EXIT.ok,
};

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(
      `usage: git strata hook <name> [args]\n\nThe entry point of strata's hook shims (see 'git strata install'). Hooks: ${Object.keys(HOOKS).join(', ')}.\nSTRATA=0 in the environment turns every hook into a no-op.\n`,
    );
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const handler = HOOKS[name];
  if (!handler) {
    // A shim from a newer strata may call a hook this one does not know: never block git for that.
    process.stderr.write(`strata: no hook named '${name}' in this version of strata; ignored\n`);
    return EXIT.ok;
  }
  if (process.env.STRATA === '0') return EXIT.ok;
  return handler(rest);
}

function gitSync(args: string[], input?: string): string {
  const result = spawnSync('git', args, { encoding: 'utf8', input, maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

interface Staged {
  readonly path: string;
  readonly blob: string;
}

/** Regular files added, copied, modified or renamed in the index, with their staged blob ids. */
function stagedFiles(): Staged[] {
  // --raw gives the staged blob id, so the staged content (not the work tree's) is what gets checked.
  const out = gitSync(['diff', '--cached', '--raw', '--no-abbrev', '-z', '--no-renames', '--diff-filter=AMT', '--no-ext-diff']);
  const fields = out.split('\0');
  const staged: Staged[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i]!.split(' ');
    const mode = meta[1];
    const blob = meta[3];
    if (mode === '100644' || mode === '100755') staged.push({ path: fields[i + 1]!, blob: blob! });
  }
  return staged;
}

/** The staged files that carry a strata type (any value but unspecified/unset). */
function typedFiles(staged: readonly Staged[]): Staged[] {
  const out = gitSync(['check-attr', '-z', '--stdin', 'strata'], staged.map((s) => `${s.path}\0`).join(''));
  const fields = out.split('\0');
  const typed = new Set<string>();
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const value = fields[i + 2];
    if (value !== 'unspecified' && value !== 'unset') typed.add(fields[i]!);
  }
  return staged.filter((s) => typed.has(s.path));
}

function blobTexts(blobs: readonly string[]): string[] {
  const result = spawnSync('git', ['cat-file', '--batch'], { input: blobs.map((b) => `${b}\n`).join(''), maxBuffer: 1024 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`git cat-file --batch failed: ${String(result.stderr).trim()}`);
  const out = result.stdout;
  const texts: string[] = [];
  let at = 0;
  for (let n = 0; n < blobs.length; n++) {
    const headerEnd = out.indexOf(10, at);
    const header = out.subarray(at, headerEnd).toString('utf8').split(' ');
    const size = Number(header[2]);
    texts.push(out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    at = headerEnd + 1 + size + 1;
  }
  return texts;
}

export interface MarkerFinding {
  readonly line: number;
  readonly message: string;
}

/**
 * Unresolved conflict regions: a `<<<<<<<` line (7 or more, then a space or the end of the line) up
 * to its `>>>>>>>`. A lone `=======` is not one: in Markdown it underlines a heading.
 */
export function findConflictMarkers(text: string): MarkerFinding[] {
  const lines = text.split('\n');
  const findings: MarkerFinding[] = [];
  let open: number | undefined;
  let separator = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (/^<{7,}( |$)/.test(line)) {
      if (open !== undefined) findings.push({ line: open, message: 'conflict marker <<<<<<< without its >>>>>>>' });
      open = i + 1;
      separator = false;
    } else if (open !== undefined && /^(={7,}|\|{7,}( .*)?)$/.test(line)) {
      separator = true;
    } else if (open !== undefined && /^>{7,}( |$)/.test(line)) {
      findings.push({ line: open, message: `unresolved merge conflict (lines ${open}-${i + 1})` });
      open = undefined;
    }
  }
  if (open !== undefined) findings.push({ line: open, message: `conflict marker <<<<<<< without its >>>>>>>${separator ? '' : ' or ======='}` });
  return findings;
}

function preCommit(): number {
  const staged = stagedFiles();
  if (staged.length === 0) return EXIT.ok;
  const typed = typedFiles(staged);
  if (typed.length === 0) return EXIT.ok;
  const texts = blobTexts(typed.map((s) => s.blob));
  const refused = new Set<string>();
  typed.forEach((file, n) => {
    for (const finding of findConflictMarkers(texts[n]!)) {
      process.stderr.write(`${file.path}:${finding.line}: conflict-markers: ${finding.message}\n`);
      refused.add(file.path);
    }
  });
  if (refused.size === 0) return EXIT.ok;
  const paths = [...refused].map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`)).join(' ');
  process.stderr.write(
    `strata: commit refused: ${refused.size === 1 ? 'a typed file has' : `${refused.size} typed files have`} unresolved conflict markers.\n` +
      `hint: resolve them (or run 'git strata resolve ${paths}' once available), then 'git add ${paths}' and commit again.\n` +
      `hint: to commit anyway, once: STRATA=0 git commit … (or git commit --no-verify, which skips every pre-commit hook).\n`,
  );
  return EXIT.findings;
}
