// `git strata resolve [--committed] [paths]`: merge what a driverless merge left conflicted — GitHub's
// merge button, libgit2/JGit/IDEs, a clone without strata installed, or STRATA=0.
// Pipeline per file: read the three versions (index stages; a merge in progress whose file was staged
// with its markers: the merge's commits; else the conflict markers in the file) →
// type → merge (core) → check nothing was lost → write atomically → `git add` when clean.
// Whatever fails, the file stays as it was. The write is made as the writers make theirs (writePlanned):
// under the file's lock and git's index lock, planned again if the file or the index changed since they
// were read, never through a link out of the work tree; `git add` runs once the locks are released.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { StrataError } from '../core/errors.js';
import { mergeFile } from '../core/merge/file.js';
import { conflictSamples, endingAsStaged, hasConflict, lostEntries, splitConflicts } from '../core/resolve.js';
import {
  type MergeInProgress,
  type Stages,
  blobText,
  blobsAt,
  changedSinceHead,
  committedMarkersBase,
  decodeUtf8,
  mergeInProgress,
  strataTypes,
  trackedPaths,
  unmergedPaths,
} from '../git/conflicts.js';
import { gitConflictStyle, gitLineMerge } from '../git/line-merge.js';
import { gitOnIndex } from '../ops/index-lock.js';
import { repoTop, writePlanned } from '../ops/workfile.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';
import { guarded } from './guard.js';

interface Options {
  committed?: boolean;
  dryRun?: boolean;
}

type Outcome = 'resolved' | 'conflicted' | 'skipped';

interface Resolution {
  readonly outcome: Outcome;
  readonly message: string;
  /** The text to write, if any. */
  readonly write?: string;
  /** `git add` the file once it is written. */
  readonly stage?: boolean;
}

interface Versions {
  readonly base: string;
  readonly ours: string;
  readonly theirs: string;
  readonly from: string;
  readonly labels: readonly [string, string, string];
  /** Conflict regions the file has now; a re-merge is written only if it has fewer. */
  readonly regions: number;
  /** Stage only if the re-merge gives exactly this text (the file as a killed driver left it). */
  readonly onlyIf?: string;
}

async function readWorkTree(path: string): Promise<string | null | undefined> {
  try {
    return decodeUtf8(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The three versions of an unmerged path: base from stage 1, the sides from the file's markers
 * (which keeps any edit made since the merge) or, with no markers, from stages 2 and 3. */
function fromStages(top: string, stages: Stages, text: string, type: string, from = 'index stages'): Versions | string {
  if (!stages.ours || !stages.theirs) return 'deleted on one side (modify/delete): resolve by hand with git add or git rm';
  const base = stages.base ? blobText(top, stages.base) : '';
  const ours = blobText(top, stages.ours);
  const theirs = blobText(top, stages.theirs);
  if (base === null || ours === null || theirs === null) return 'a version is not UTF-8 text: resolve by hand (git checkout --ours or --theirs, or edit), then git add';
  if (hasConflict(text, type)) {
    const sides = splitConflicts(text, conflictSamples(text, type));
    if (!sides) return 'cannot read the conflict markers in the file: resolve by hand';
    return { base, ours: endingAsStaged(sides.ours, ours), theirs: endingAsStaged(sides.theirs, theirs), from, labels: sides.labels, regions: sides.regions };
  }
  if (text === ours) return { base, ours, theirs, from, labels: ['ours', 'base', 'theirs'], regions: 1 };
  // A driver killed after it wrote %A leaves the merged file, unmerged, without markers: if merging the
  // stages again gives exactly the file, it is that merge; anything else was edited by a person.
  return { base, ours, theirs, from: 'index stages (the file already holds their merge)', labels: ['ours', 'base', 'theirs'], regions: 1, onlyIf: text };
}

/**
 * A file with conflict markers but no unmerged entries while a merge is in progress: staged with
 * `git add`, markers and all. The index no longer has the stages, but the commits do: base at the merge
 * base, ours at HEAD, theirs at MERGE_HEAD, the versions git merged. A string says why they cannot be
 * used (several merge bases: git merged from a virtual base no commit holds; an octopus; markers HEAD
 * already had, which this merge did not write); undefined when no merge is in progress.
 */
async function mergeStages(top: string, rel: string, merge: MergeInProgress | undefined, type: string): Promise<Stages | string | undefined> {
  if (!merge) return undefined;
  if (merge.heads.length > 1) return `MERGE_HEAD names ${merge.heads.length} commits (an octopus merge), so the merge had no three versions of it`;
  if (merge.bases.length > 1) return `HEAD and MERGE_HEAD have ${merge.bases.length} merge bases, so the base git merged from (a virtual one) is in no commit`;
  const revs = [merge.heads[0]!, 'HEAD', ...merge.bases];
  const [theirs, ours, base] = await blobsAt(top, revs.map((rev) => `${rev}:${rel}`));
  const oursText = ours === undefined ? undefined : blobText(top, ours);
  if (oursText && hasConflict(oursText, type)) return 'HEAD has these conflict markers already, so this merge did not write them';
  return { ...(base ? { base } : {}), ...(ours ? { ours } : {}), ...(theirs ? { theirs } : {}) };
}

/**
 * Resolves one file: plans from the file and the index as they are, then writes as the writers do
 * (writePlanned, which plans again under the locks if either changed meanwhile), then stages it.
 */
async function resolveOne(top: string, rel: string, type: string, dryRun: boolean): Promise<Resolution> {
  const plan = async () => {
    const planned = await planResolve(top, rel, type, dryRun);
    return { write: planned.write, result: planned };
  };
  // A dry run writes nothing, so it takes no lock.
  const resolution = dryRun ? (await plan()).result : await writePlanned(top, { top, path: join(top, rel), rel }, plan);
  // git add takes the index lock itself: after writePlanned released it, and again while a writer (or
  // a git command) holds it.
  if (resolution.stage) await gitOnIndex(top, ['add', '--', rel]);
  return resolution;
}

/** What resolving `rel` takes, read from the file, its index stages and the merge in progress now. */
async function planResolve(top: string, rel: string, type: string, dryRun: boolean): Promise<Resolution> {
  const path = join(top, rel);
  const stages = (await unmergedPaths(top, [rel])).get(rel);
  const text = await readWorkTree(path);
  if (text === undefined) return stages ? { outcome: 'conflicted', message: 'missing from the work tree: resolve by hand with git add or git rm' } : { outcome: 'skipped', message: 'no such file' };
  if (text === null) {
    const next = stages ? `; pick a side (git checkout --ours -- ${rel}, or --theirs) or edit it, then git add ${rel}` : '';
    return { outcome: stages ? 'conflicted' : 'skipped', message: `not UTF-8 text: left as it is${next}` };
  }

  let versions: Versions | string;
  // Markers but no stages during a merge (the file was staged with git add): the merge's own commits.
  const fromMerge = !stages && hasConflict(text, type) ? await mergeStages(top, rel, await mergeInProgress(top), type) : undefined;
  if (stages) {
    versions = fromStages(top, stages, text, type);
  } else if (fromMerge !== undefined && typeof fromMerge !== 'string') {
    versions = fromStages(top, fromMerge, text, type, 'the merge in progress: its merge base, HEAD and MERGE_HEAD');
  } else {
    // Why the merge in progress could not give the versions, said with whatever is done instead.
    const why = typeof fromMerge === 'string' ? ` (${fromMerge})` : '';
    const sides = hasConflict(text, type) ? splitConflicts(text, conflictSamples(text, type)) : null;
    if (!sides) {
      return hasConflict(text, type)
        ? { outcome: 'conflicted', message: 'cannot read the conflict markers in the file: resolve by hand' }
        : { outcome: 'skipped', message: 'no conflict markers: nothing to resolve' };
    }
    if (sides.diff3) versions = { ...sides, from: `committed conflict markers, diff3 base${why}` };
    else {
      // Two-way markers carry no base: take it from the merge that committed them. Without it, both
      // sides of a region would count as insertions — two edits of one paragraph would be kept side by
      // side instead of conflicting.
      const base = await committedMarkersBase(top, rel, (t) => hasConflict(t, type));
      if (base !== undefined) versions = { ...sides, base, from: `committed conflict markers, base from the merge that committed them${why}` };
      else if (type === 'markdown') {
        return { outcome: 'conflicted', message: `the markers carry no base and no merge commit brought them in, so edits cannot be told from insertions: resolve by hand${why}` };
      } else versions = { ...sides, from: `committed conflict markers, base unknown inside regions (entries merged by identity)${why}` };
    }
  }
  if (typeof versions === 'string') return { outcome: 'conflicted', message: versions };

  const { base, ours, theirs } = versions;
  const fileType = type as Parameters<typeof mergeFile>[0];
  const result = await mergeFile(fileType, base, ours, theirs, { markerSize: 7, lineMerge: gitLineMerge, labels: versions.labels, conflictStyle: gitConflictStyle });
  const lost = lostEntries(type, base, ours, theirs, result.text);
  if (lost.length > 0) {
    return { outcome: 'conflicted', message: `the merge would lose ${lost.join(', ')}; left as it was (please report this)` };
  }
  if (result.conflicts === 0 && hasConflict(result.text, type)) {
    return { outcome: 'conflicted', message: 'the merge reported no conflict but wrote markers; left as it was' };
  }
  if (versions.onlyIf !== undefined && (result.conflicts > 0 || result.text !== versions.onlyIf)) {
    return { outcome: 'conflicted', message: `no conflict markers and changed since the merge (resolved by hand?): check it, then git add ${rel}` };
  }
  const what = `${type} via ${result.method}, from ${versions.from}`;
  if (result.conflicts > 0) {
    const fewer = result.conflicts < versions.regions;
    const narrowed = fewer ? ` (narrowed from ${versions.regions}, written)` : ' (no fewer than the file has: the file is left as it was)';
    return { outcome: 'conflicted', message: `${result.conflicts} conflict(s) left${narrowed} (${what}): edit the file, then git add ${rel}`, ...(fewer && !dryRun ? { write: result.text } : {}) };
  }
  if (dryRun) return { outcome: 'resolved', message: `would resolve (${what})` };
  return { outcome: 'resolved', message: `resolved (${what}), staged`, ...(result.text !== text ? { write: result.text } : {}), stage: true };
}

/** The paths to resolve, relative to the top level. */
async function targets(top: string, cwd: string, operands: string[], committed: boolean, unmerged: Map<string, Stages>, merging: boolean): Promise<string[]> {
  if (operands.length > 0) {
    return operands.map((operand) => {
      const rel = relative(top, resolvePath(cwd, operand));
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        throw new StrataError('PATH_ESCAPES_REPO', `${operand} is outside the repository ${top}`, 'name files inside the work tree');
      }
      return rel.split('\\').join('/');
    });
  }
  const unmergedTypes = await strataTypes(top, [...unmerged.keys()]);
  const candidates = [...unmerged.keys()].filter((path) => unmergedTypes.get(path) !== undefined);
  // A merge in progress whose conflicted file was staged with `git add`, markers and all: no longer
  // unmerged, but still the merge's to resolve.
  if (merging && !committed) candidates.push(...(await typedWithMarkers(top, (await changedSinceHead(top)).filter((path) => !unmerged.has(path)))));
  if (committed) candidates.push(...(await typedWithMarkers(top, (await trackedPaths(top)).filter((path) => !unmerged.has(path)))));
  return candidates;
}

/** The typed files among `paths` whose work tree copy has conflict markers. */
async function typedWithMarkers(top: string, paths: readonly string[]): Promise<string[]> {
  const types = await strataTypes(top, paths);
  const found: string[] = [];
  for (const path of paths) {
    const type = types.get(path);
    if (type === undefined) continue;
    const text = await readWorkTree(join(top, path)).catch(() => undefined);
    if (text && hasConflict(text, type)) found.push(path);
  }
  return found;
}

export async function run(args: string[]): Promise<number> {
  const program = command('resolve', 'merge typed files that a merge without the strata driver left conflicted')
    .option('--committed', 'also repair tracked typed files whose committed content has conflict markers')
    .option('--dry-run', 'say what would be done, change nothing')
    .argument('[paths...]', 'files to resolve (default: every unmerged typed file and, during a merge, every typed file with conflict markers)');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  return guarded(async () => {
    const cwd = process.cwd();
    const top = await repoTop(cwd);
    const unmerged = await unmergedPaths(top);
    const merge = await mergeInProgress(top);
    const paths = [...new Set(await targets(top, cwd, operands, options.committed === true, unmerged, merge !== undefined))].sort();
    if (paths.length === 0) {
      process.stdout.write(options.committed ? 'nothing to resolve\n' : 'nothing to resolve (no unmerged typed file; --committed also looks for committed conflict markers)\n');
      return EXIT.ok;
    }
    // A path the user named that is neither in the work tree nor unmerged: a typo, as for git add.
    const missing = operands.length > 0 ? paths.filter((rel) => !unmerged.has(rel) && !existsSync(join(top, rel))) : [];
    if (missing.length > 0) {
      process.stderr.write(`strata: no such file: ${missing.join(', ')}\nhint: give paths of files in this repository (git status shows the unmerged ones)\n`);
      return EXIT.usage;
    }
    const types = await strataTypes(top, paths);
    let left = 0;
    for (const rel of paths) {
      let outcome: { outcome: Outcome; message: string };
      try {
        outcome = await resolveOne(top, rel, types.get(rel) ?? 'markdown', options.dryRun === true);
      } catch (error) {
        outcome = { outcome: 'conflicted', message: `failed (${(error as Error).message}); left as it was` };
      }
      if (outcome.outcome === 'conflicted') left++;
      process.stdout.write(`${rel}: ${outcome.message}\n`);
    }
    return left > 0 ? EXIT.conflicts : EXIT.ok;
  });
}
