// `git strata merge %O %A %B %L %P [%S %X %Y]` — the merge driver.
// Pipeline: read → type → merge (core) → write %A atomically. Whatever goes wrong, the user's data
// survives: the fallback is git's own line merge, and if even that fails %A is left as ours and the
// file is reported as a conflict (exit 1). Never exit above 128: git would abort the whole merge.
import { isAscii, isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { type FileType, isFileType, mergeFile } from '../core/merge/file.js';
import type { LineMerge, MergeResult } from '../core/result.js';
import { holdingSignals, writeFileAtomicSync } from '../git/atomic-write.js';
import { gitConflictStyle, gitLineMerge, mergeFiles, spawnSync } from '../git/line-merge.js';

/** Above this, structure is not worth the memory: git's line merge handles the file. */
const MAX_STRUCTURED_BYTES = 64 * 1024 * 1024;

interface DriverArgs {
  readonly base: string;
  readonly ours: string;
  readonly theirs: string;
  readonly markerSize: number;
  readonly path: string | undefined;
  readonly type: string | undefined;
  readonly labels: readonly [string, string, string];
}

const USAGE = 'usage: git strata merge [--type T] %O %A %B [%L] [%P] [%S %X %Y]';
const HELP = `${USAGE}

The merge driver git runs (merge.strata.driver, registered by git strata install): merges base %O, ours
%A and theirs %B of the file at path %P into %A by the file's strata type (its .gitattributes), with
conflict markers %L characters long where it conflicts. Exit 0 clean, 1 conflicts written.

  --type T       merge as type T (markdown, heartbeat, facts, queue, ops, ledger), whatever the attributes say
  --self-check   load the driver and its Markdown merge, print "ok" (doctor and install.sh use it)

STRATA=0 makes it plain git merge-file; STRATA_DEBUG=1 says which method merged each file.
`;

function parseArgs(args: string[]): DriverArgs | string {
  let type: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--type') type = args[++i];
    else if (arg.startsWith('--type=')) type = arg.slice('--type='.length);
    else if (arg === '-h' || arg === '--help') return HELP;
    else positional.push(arg);
  }
  const [base, ours, theirs, size, path, baseLabel, oursLabel, theirsLabel] = positional;
  if (!base || !ours || !theirs) return USAGE;
  const markerSize = size && /^\d+$/.test(size) ? Number(size) : 7;
  // git < 2.44 passes %S %X %Y through as literal text.
  const label = (value: string | undefined, fallback: string): string =>
    value && !/^%[SXY]$/.test(value) ? value : fallback;
  return {
    base,
    ours,
    theirs,
    markerSize: Math.max(7, Math.min(markerSize, 128)),
    path: path && path !== '%P' ? path : undefined,
    type,
    labels: [label(oursLabel, 'ours'), label(baseLabel, 'base'), label(theirsLabel, 'theirs')],
  };
}

/** A repository-relative path that stays inside the repository, or undefined. */
function safePath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const normal = normalize(path);
  if (isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    process.stderr.write(`strata: ignoring path '${path}': it escapes the repository\n`);
    return undefined;
  }
  return normal;
}

/** The file's type as git sees it (`git check-attr`), so the driver and the checks never disagree. */
function lookupType(path: string | undefined): FileType {
  if (!path) return 'markdown';
  const result = spawnSync('git', ['check-attr', '-z', 'strata', '--', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (result.status === 0) {
    const value = result.stdout.split('\0')[2];
    if (value && isFileType(value)) return value;
    if (value && value !== 'unspecified' && value !== 'unset' && value !== 'set') {
      process.stderr.write(`strata: ${path}: unknown strata type '${value}', merging as markdown\n`);
    }
  }
  return 'markdown';
}

/** The text, or why there is none: a NUL byte makes a file binary for git too. */
function decodeUtf8(bytes: Buffer): string | 'binary' | 'not-utf8' {
  if (bytes.includes(0)) return 'binary';
  // Validated natively, then decoded as is (a byte order mark stays in the text, as git keeps it).
  // ASCII, the usual coordination file, is copied: the same text, without decoding.
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : 'not-utf8';
}

async function lineMergeInPlace(args: DriverArgs, why: string): Promise<number> {
  const result = mergeFiles(args.ours, args.base, args.theirs, args.markerSize, args.labels);
  await holdingSignals(() => writeFileAtomicSync(args.ours, result.bytes));
  if (process.env.STRATA_DEBUG) process.stderr.write(`strata: ${args.path ?? args.ours}: ${why}\n`);
  return result.conflicts > 0 ? 1 : 0;
}

/**
 * git's line merge, run on the files git handed the driver when it is asked about exactly their texts
 * (the Markdown merge's first step), instead of writing three copies of them to a temp dir.
 */
function onDriverFiles(args: DriverArgs, base: string, ours: string, theirs: string): LineMerge {
  return (input) => {
    if (input.base !== base || input.ours !== ours || input.theirs !== theirs) return gitLineMerge(input);
    const result = mergeFiles(args.ours, args.base, args.theirs, input.markerSize, input.labels ?? ['ours', 'base', 'theirs']);
    return { text: result.bytes.toString('utf8'), conflicts: result.conflicts };
  };
}

async function structuredMerge(args: DriverArgs): Promise<number> {
  const sizes = [args.base, args.ours, args.theirs].map((file) => statSync(file).size);
  if (sizes.some((size) => size > MAX_STRUCTURED_BYTES)) return lineMergeInPlace(args, 'fallback:too-large');
  const texts = [args.base, args.ours, args.theirs].map((file) => decodeUtf8(readFileSync(file)));
  if (texts.includes('binary')) {
    // What git does with a binary file: keep ours, report a conflict.
    const file = args.path ?? args.ours;
    process.stderr.write(`strata: ${file}: binary content, left as ours; take theirs with git checkout --theirs -- ${file} (or fix the file by hand), then git add ${file}\n`);
    return 1;
  }
  if (texts.includes('not-utf8')) return lineMergeInPlace(args, 'fallback:not-utf8');
  const [base, ours, theirs] = texts as [string, string, string];
  const path = safePath(args.path);
  const type: FileType = args.type && isFileType(args.type) ? args.type : lookupType(path);
  const result: MergeResult = await mergeFile(type, base, ours, theirs, {
    markerSize: args.markerSize,
    lineMerge: onDriverFiles(args, base, ours, theirs),
    labels: args.labels,
    conflictStyle: gitConflictStyle,
  });
  await holdingSignals(() => writeFileAtomicSync(args.ours, result.text));
  if (process.env.STRATA_DEBUG) {
    process.stderr.write(`strata: ${path ?? args.ours}: ${type} via ${result.method}, ${result.conflicts} conflict(s)\n`);
  }
  return result.conflicts > 0 ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === '--self-check') {
    // For doctor and install.sh: this bundle loaded, and so does the Markdown merge it loads lazily.
    await import('../core/merge/markdown.js');
    process.stdout.write('strata merge driver: ok\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (args === HELP) {
    process.stdout.write(HELP);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  if (args.type !== undefined && !isFileType(args.type)) {
    process.stderr.write(`strata: unknown --type '${args.type}' (markdown, heartbeat, facts, queue, ops, ledger)\n`);
    return 2;
  }
  try {
    if (process.env.STRATA === '0') return await lineMergeInPlace(args, 'STRATA=0');
    return await structuredMerge(args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`strata: ${args.path ?? args.ours}: structured merge failed (${message}); using git's line merge\n`);
    try {
      return await lineMergeInPlace(args, 'fallback:error');
    } catch (again) {
      const why = again instanceof Error ? again.message : String(again);
      process.stderr.write(
        `strata: ${args.path ?? args.ours}: line merge failed too (${why}); left as ours, marked conflicted.\n` +
          'hint: resolve by hand (git checkout --theirs/--ours, or edit), then git add\n',
      );
      return 1;
    }
  }
}
