// git strata install [--global] [--force] [--attributes]
//
// Registers the merge driver (absolute node + script, shell-quoted) in the repository's config, or the
// global one with --global, and puts hook shims in the directory git runs hooks from. Hooks are per
// repository, as with git-lfs: --global never touches core.hooksPath (that would silently disable every
// repository's own .git/hooks); run inside a repository it also installs that repository's hooks.
import { appendFile, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { configGet, git, gitTry, type RepoPaths } from '../git/exec.js';
import { installHooks, trackedHookLine, type HookAction } from '../git/hooks.js';
import { DRIVER_NAME, attributesBlock, currentTarget, driverScript, installScope, isTracked, pathsWithStrataMerge } from '../git/install-target.js';
import { driverCommand } from '../git/shell.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';

interface Options {
  global?: boolean;
  force?: boolean;
  attributes?: boolean;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function run(args: string[]): Promise<number> {
  const program = command('install', 'register the strata merge driver and hooks')
    .option('--global', 'register the driver in your global git config (hooks stay per repository)')
    .option('--force', 'replace an older <hook>.pre-strata backup with the hook that is there now')
    .option('--attributes', "append strata's block to .gitattributes when no file has merge=strata");
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options } = parsed;

  const cwd = process.cwd();
  const { repo, scope } = await installScope(cwd, 'install', Boolean(options.global));
  const target = currentTarget();
  await registerDriver(cwd, scope, driverCommand(target.node, driverScript(target.cli)));

  let status: number = EXIT.ok;
  if (repo) {
    const actions = await installHooks(repo.hooks, target, { force: Boolean(options.force), isTracked: (path) => isTracked(repo, path) });
    status = reportHooks(repo, actions);
    await warnIfShared(cwd, repo);
    await warnIfCommittable(repo, actions);
    if (repo.top) await offerAttributes(repo.top, target.cli, Boolean(options.attributes));
  } else {
    say("strata: not inside a repository, so no hooks were written: hooks are per repository; run 'git strata install' in each one.");
  }
  return status;
}

async function registerDriver(cwd: string, scope: 'local' | 'global', driver: string): Promise<void> {
  const where = scope === 'global' ? 'global git config' : 'this repository’s git config';
  let changed = false;
  for (const [key, value] of [
    ['merge.strata.name', DRIVER_NAME],
    ['merge.strata.driver', driver],
  ] as const) {
    // Skipping equal values keeps a re-run from touching the config file at all.
    if ((await configGet(cwd, key, scope)) === value) continue;
    await git(cwd, ['config', `--${scope}`, key, value]);
    changed = true;
  }
  say(`strata: merge driver ${changed ? 'registered in' : 'already registered in'} ${where}: ${driver}`);
}

function reportHooks(repo: RepoPaths, actions: HookAction[]): number {
  const dir = repo.top ? relativeOrAbsolute(repo.top, repo.hooks) : repo.hooks;
  let status: number = EXIT.ok;
  const parts: string[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'written':
      case 'updated':
      case 'unchanged':
        parts.push(`${action.hook} ${action.kind}`);
        break;
      case 'calls-strata':
        parts.push(`${action.hook} already calls strata (left as is)`);
        break;
      case 'chained':
        parts.push(`${action.hook} chained (the previous hook runs first, kept as ${basename(action.backup)})`);
        break;
      case 'backup-replaced':
        parts.push(`${action.hook} chained (--force: the older ${basename(action.backup)} was replaced)`);
        break;
      case 'tracked':
        parts.push(`${action.hook} NOT installed`);
        say(
          `strata: ${relativeOrAbsolute(repo.top ?? '', action.path)} is tracked by git, so strata leaves it alone; add this line to it\n` +
            `(teammates without strata skip it, as the shims do when strata is gone):\n` +
            `    ${trackedHookLine(action.hook)}`,
        );
        break;
      case 'backup-conflict':
        parts.push(`${action.hook} NOT installed`);
        status = EXIT.findings;
        process.stderr.write(
          `strata: ${join(dir, action.hook)} is not strata's and ${basename(action.backup)} already holds a different hook.\n` +
            `hint: look at both; 'git strata install --force' keeps the current one as ${basename(action.backup)} and drops the older.\n`,
        );
        break;
    }
  }
  say(`strata: hooks in ${dir}: ${parts.join(', ')}`);
  if (isHuskyDir(repo.hooks)) {
    say(
      `strata: ${dir} is husky's (core.hooksPath); husky rewrites it on 'npm install', which removes strata's shims.\n` +
        `    Re-run 'git strata install' after that ('git strata doctor' notices), or add 'git strata hook <name> "$@"' lines to .husky/<name>.`,
    );
  }
  return status;
}

function isHuskyDir(hooks: string): boolean {
  return basename(hooks) === '_' && basename(dirname(hooks)) === '.husky';
}

function relativeOrAbsolute(top: string, path: string): string {
  const rel = relative(top, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/**
 * A core.hooksPath from the global or system config is one directory for every repository: the shims
 * written there run in all of them (doing nothing where no file is typed), and an uninstall anywhere
 * removes them everywhere. Say so, since the user asked for one repository.
 */
async function warnIfShared(cwd: string, repo: RepoPaths): Promise<void> {
  const set = await gitTry(cwd, ['config', '--show-scope', '--get', 'core.hooksPath']);
  const scope = set.exitCode === 0 ? set.stdout.split('\t')[0] : undefined;
  if (scope !== 'global' && scope !== 'system') return;
  say(
    `strata: ${repo.hooks} comes from core.hooksPath in your ${scope} git config, so every repository on this machine shares it:\n` +
      `    strata's hooks now run in all of them (they do nothing where no file is typed), and 'git strata uninstall' in any one removes them for all.`,
  );
}

/** Shims hold this machine's absolute paths: say so if they could end up in a commit. */
async function warnIfCommittable(repo: RepoPaths, actions: HookAction[]): Promise<void> {
  if (!repo.top || relative(repo.top, repo.hooks).startsWith('..')) return;
  // Inside the git directory nothing can be committed (and check-ignore does not say so).
  if (!relative(repo.commonDir, repo.hooks).startsWith('..')) return;
  const written = actions.filter((a) => a.kind === 'written' || a.kind === 'chained' || a.kind === 'updated' || a.kind === 'backup-replaced');
  const paths = written.map((a) => relative(repo.top!, join(repo.hooks, a.hook)));
  if (paths.length === 0) return;
  const ignored = await gitTry(repo.top, ['check-ignore', '--stdin', '-z'], paths.map((p) => `${p}\0`).join(''));
  const ignoredSet = new Set(ignored.stdout.split('\0').filter(Boolean));
  const open = paths.filter((p) => !ignoredSet.has(p));
  if (open.length > 0) {
    say(
      `strata: warning: ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} inside the work tree and not ignored; do not commit ${open.length === 1 ? 'it' : 'them'} (machine-specific paths).\n` +
        `    To hide them: printf '%s\\n' ${open.map((p) => `'/${p}'`).join(' ')} >> "$(git rev-parse --git-path info/exclude)"`,
    );
  }
}

async function offerAttributes(top: string, cli: string, append: boolean): Promise<void> {
  if ((await pathsWithStrataMerge(top)).length > 0) return;
  const block = attributesBlock(cli);
  const path = join(top, '.gitattributes');
  if (append) {
    const existing = await readFile(path, 'utf8').catch(() => '');
    if (/\bmerge=strata\b/.test(existing)) {
      say('strata: .gitattributes already mentions merge=strata (check its patterns).');
      return;
    }
    const separator = existing === '' || existing.endsWith('\n\n') ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
    await appendFile(path, separator + block);
    say("strata: appended strata's block to .gitattributes; commit it so every clone merges the same way:\n    git add .gitattributes && git commit -m 'strata: type coordination files'");
    return;
  }
  say(
    'strata: no file in this repository has merge=strata, so git will not call the driver yet. Add this to .gitattributes\n' +
      "    (or run 'git strata install --attributes' to append it), then commit it:\n",
  );
  process.stdout.write(`${block.trimEnd().replace(/^/gm, '    ')}\n`);
}
