// git strata uninstall [--global]
//
// Undoes install: removes the merge.strata section from the repository's config (or the global one
// with --global) and, inside a repository, removes strata's hook shims and moves the hooks they had
// displaced back, byte for byte. Other config (strata.handler.*, core.hooksPath, …) is left alone,
// and so is .gitattributes, which is the team's, not this clone's.
import { basename, join, relative } from 'node:path';
import { StrataError } from '../core/errors.js';
import { gitTry } from '../git/exec.js';
import { installScope } from '../git/install-target.js';
import { uninstallHooks } from '../git/hooks.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';

interface Options {
  global?: boolean;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function run(args: string[]): Promise<number> {
  const program = command('uninstall', 'remove the strata merge driver and hooks, restoring what was there').option(
    '--global',
    'remove the driver from your global git config (and this repository’s hooks, if inside one that does not register the driver itself)',
  );
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options } = parsed;
  const cwd = process.cwd();
  const { repo, scope } = await installScope(cwd, 'uninstall', Boolean(options.global));
  const removed = await gitTry(cwd, ['config', `--${scope}`, '--remove-section', 'merge.strata']);
  if (removed.exitCode === 0) say(`strata: removed merge.strata from the ${scope} git config`);
  else if (/no such section/i.test(removed.stderr) || removed.exitCode === 128) say(`strata: no merge.strata in the ${scope} git config`);
  else throw new StrataError('GIT_FAILED', `git config --remove-section merge.strata failed: ${removed.stderr.trim()}`);

  if (!repo) return EXIT.ok;
  // --global inside a repository that registers the driver in its own config too: that install stays
  // whole, hooks included (the driver and its hooks go together). A bare repository, or a cwd inside
  // .git, has no work tree but a config of its own all the same.
  if (scope === 'global' && (await gitTry(cwd, ['config', '--local', '--get', 'merge.strata.driver'])).exitCode === 0) {
    say("strata: this repository's own config still registers the driver, so its hooks stay; 'git strata uninstall' (without --global) removes both.");
    return EXIT.ok;
  }
  const actions = await uninstallHooks(repo.hooks);
  const dir = repo.top && !relative(repo.top, repo.hooks).startsWith('..') ? relative(repo.top, repo.hooks) : repo.hooks;
  const parts: string[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'removed':
        parts.push(`${action.hook} removed`);
        break;
      case 'restored':
        parts.push(`${action.hook} restored (the previous hook is back)`);
        break;
      case 'stale-backup-removed':
        parts.push(`${action.hook} was already replaced; its duplicate backup removed`);
        break;
      case 'backup-left':
        parts.push(`${action.hook} left as is`);
        say(`strata: ${dir}/${action.hook} is not strata's shim any more; the hook strata had displaced is still at ${basename(action.backup)}: move it back by hand if you want it.`);
        break;
      case 'foreign':
      case 'absent':
        break;
    }
  }
  say(`strata: hooks in ${dir}: ${parts.length > 0 ? parts.join(', ') : 'no strata hooks found'}`);
  // Shims left in .git/hooks by an install from before core.hooksPath was set go too.
  const defaultDir = join(repo.commonDir, 'hooks');
  if (defaultDir !== repo.hooks) {
    const cleaned = (await uninstallHooks(defaultDir)).filter((a) => a.kind === 'removed' || a.kind === 'restored');
    if (cleaned.length > 0) say(`strata: hooks in ${defaultDir}: ${cleaned.map((a) => `${a.hook} ${a.kind}`).join(', ')}`);
  }
  return EXIT.ok;
}
