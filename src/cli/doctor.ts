// git strata doctor [--json]: one line per check (ok / warn / FAIL), each problem with the command
// that fixes it. Exit 0 when nothing FAILed, 1 otherwise.
//
// Versions: strata needs node >= 20 and git >= 2.31 (`rev-parse --path-format=absolute`, used to find
// the hooks directory); git >= 2.38 is recommended because `git merge-tree --write-tree`, which the
// later verify/resolve commands use, appeared there. The merge driver itself works on any git that runs
// merge drivers with %P (2.5+).
import { spawnSync } from 'node:child_process';
import { constants, existsSync, realpathSync, statSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pc from 'picocolors';
import { gitTry, repoPaths, type RepoPaths } from '../git/exec.js';
import { BACKUP_SUFFIX, HOOK_NAMES, callsStrata, isShim, renderShim, shimTarget, trackedHookLine } from '../git/hooks.js';
import { driverScript, isTracked, pathsWithStrataMerge } from '../git/install-target.js';
import { parseDriverCommand, shellWord } from '../git/shell.js';
import { StrataError } from '../core/errors.js';
import { LEDGER_PATH } from '../core/replay/write.js';
import { type Unrunnable, locateProgram } from '../ops/handler.js';
import type { ReplaySettings } from '../core/replay/config.js';
import { readLocalSettings } from '../ops/probe.js';
import { command, parse } from './args.js';
import { COMMANDS, VERSION, bundleFile } from './commands.js';
import { EXIT } from './exit.js';

type Status = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly status: Status;
  readonly name: string;
  readonly message: string;
  readonly fix?: string;
}

interface Options {
  json?: boolean;
}

const MIN_GIT: readonly number[] = [2, 31];
const RECOMMENDED_GIT: readonly number[] = [2, 38];
const MIN_NODE = 20;

export async function run(args: string[]): Promise<number> {
  const program = command('doctor', 'check that the strata driver, attributes, hooks, node and git really work').option('--json', 'print the checks as JSON');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const checks = await diagnose(process.cwd());
  const failed = checks.some((c) => c.status === 'fail');
  if (parsed.options.json) {
    process.stdout.write(`${JSON.stringify({ ok: !failed, version: VERSION, checks }, null, 2)}\n`);
  } else {
    print(checks);
  }
  return failed ? EXIT.findings : EXIT.ok;
}

function print(checks: readonly Check[]): void {
  const useColor = !process.env.NO_COLOR && (Boolean(process.env.FORCE_COLOR) || process.stdout.isTTY === true);
  const c = pc.createColors(useColor);
  const label: Record<Status, string> = { ok: c.green('ok  '), warn: c.yellow('warn'), fail: c.red(c.bold('FAIL')) };
  for (const check of checks) {
    process.stdout.write(`${label[check.status]}  ${check.name}: ${check.message}\n`);
    if (check.fix && check.status !== 'ok') process.stdout.write(`      ${c.dim('fix:')} ${check.fix}\n`);
  }
  const count = (s: Status) => checks.filter((ch) => ch.status === s).length;
  process.stdout.write(`\nstrata doctor: ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} FAIL\n`);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function diagnose(cwd: string): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push(await checkGit(cwd));
  checks.push(checkNode());
  const repo = await repoPaths(cwd).catch(() => undefined);
  const typed = repo?.top ? await pathsWithStrataMerge(repo.top) : [];
  // Names tracked files; only where none has the attribute yet, the conventional names it would cover.
  const tracked = typed.filter((t) => t.tracked);
  const typedPaths = tracked.length > 0 ? tracked.map((t) => t.path) : typed.map((t) => `${t.path} (not tracked yet)`);
  checks.push(...(await checkDriver(cwd, typedPaths)));
  const commands = checkCommands();
  if (commands) checks.push(commands);
  if (!repo) {
    checks.push({ status: 'warn', name: 'repository', message: 'not inside a git repository: attributes and hooks not checked', fix: 'run git strata doctor inside a repository' });
  } else {
    if (repo.top) {
      checks.push(checkAttributes(typedPaths));
      const committed = await checkAttributesCommitted(repo.top);
      if (committed) checks.push(committed);
      const unmerged = await checkUnmerged(repo.top, cwd, tracked.map((t) => t.path));
      if (unmerged) checks.push(unmerged);
    }
    checks.push(...(await checkHooks(cwd, repo)));
    const indexLock = checkIndexLock(repo);
    if (indexLock) checks.push(indexLock);
    if (repo.top) {
      const ledger = await checkLedger(repo.top);
      if (ledger) checks.push(ledger);
      const settings = readLocalSettings(repo.top);
      checks.push(...(await checkHandlers(repo.top, settings)));
      const claims = await checkClaims(repo.top, settings);
      if (claims) checks.push(claims);
    }
  }
  checks.push(checkPath());
  return checks;
}

async function checkGit(cwd: string): Promise<Check> {
  const result = await gitTry(cwd, ['--version']);
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(result.stdout);
  if (result.exitCode !== 0 || !match) return { status: 'fail', name: 'git', message: 'cannot run git --version', fix: 'install git >= 2.38' };
  const version = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  const text = version.join('.');
  if (compareVersions(version, MIN_GIT) < 0) {
    return { status: 'fail', name: 'git', message: `git ${text} is too old: strata needs 2.31 or later (2.38 recommended)`, fix: 'upgrade git' };
  }
  if (compareVersions(version, RECOMMENDED_GIT) < 0) {
    return { status: 'warn', name: 'git', message: `git ${text}: the driver and hooks work; git merge-tree --write-tree (verify, resolve) needs 2.38`, fix: 'upgrade git to 2.38 or later' };
  }
  return { status: 'ok', name: 'git', message: `git ${text} (>= 2.38: merge-tree --write-tree available)` };
}

function checkNode(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE) return { status: 'fail', name: 'node', message: `node ${process.version} is too old: strata needs node >= ${MIN_NODE}`, fix: 'install node 20 or later' };
  return { status: 'ok', name: 'node', message: `node ${process.version} (${process.execPath})` };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `<node> <cli> --version`; the version string, or an error text. */
function probe(node: string, cli: string): { version?: string; error?: string } {
  const result = spawnSync(node, [cli, '--version'], { encoding: 'utf8', timeout: 20_000 });
  if (result.error) return { error: result.error.message };
  if (result.status !== 0) return { error: `exit ${result.status}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}` };
  const version = /strata (\S+)/.exec(result.stdout)?.[1];
  return version ? { version } : { error: `unexpected output: ${result.stdout.trim()}` };
}

/**
 * Every command but the driver is a bundle of its own next to the entry (dist/cmd-<name>.mjs with its
 * chunks, or dist/cmd-<name>.cjs), loaded only when it runs: `--version` and `merge --self-check` load
 * none of them, so a half-copied or half-built dist passes the driver's check while `queue` cannot
 * start, nor the `hook` every commit runs. Loads each of this strata's (the dist this doctor runs from)
 * in one node, which runs none of them.
 */
function checkCommands(): Check | undefined {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.mjs')) return undefined; // run from the sources (tests): there are no bundles
  const dist = dirname(self);
  const files = Object.keys(COMMANDS)
    .filter((name) => name !== 'merge')
    .map((name) => pathToFileURL(join(dist, bundleFile(name))).href);
  const script = [
    `for (const file of ${JSON.stringify(files)}) {`,
    '  try { await import(file); }',
    "  catch (error) { process.stdout.write(`${file.slice(file.lastIndexOf('/') + 1)}: ${String(error?.message ?? error).split('\\n')[0].replace(/ imported from .*$/, '')}`); process.exit(1); }",
    '}',
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  if (result.status === 0) return { status: 'ok', name: 'commands', message: `every command of ${dist} loads` };
  const why = (result.stdout || result.error?.message || (result.stderr ?? '').trim().split('\n')[0] || `exit ${result.status}`).trim();
  return { status: 'fail', name: 'commands', message: `a command of ${dist} does not load (${why}): it fails where it is run, and a hook that needs it does not run`, fix: 'reinstall strata (./install.sh in its checkout)' };
}

/**
 * What is wrong with the driver's arguments after `merge`, if anything: git fills in %O %A %B %L %P in
 * any order they are written, so a swapped pair or a missing %P passes git and merges wrongly.
 */
function driverArgumentProblem(args: readonly string[]): { status: 'fail' | 'warn'; message: string } | undefined {
  const positional: string[] = [];
  let typed = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--type') {
      typed = true;
      i++;
    } else if (args[i]!.startsWith('--type=')) typed = true;
    else positional.push(args[i]!);
  }
  const expected = ['%O', '%A', '%B', '%L', '%P', '%S', '%X', '%Y'];
  const order = positional.map((p) => expected.indexOf(p));
  if (order.some((k, n) => k !== n)) {
    return { status: 'fail', message: `passes its arguments as ${positional.join(' ')}, where strata reads %O %A %B %L %P (a swapped pair merges the wrong files)` };
  }
  if (!typed && !positional.includes('%P')) {
    return { status: 'fail', message: 'lacks %P: the driver cannot look up a file\'s type, so every queue, heartbeat and facts file merges as plain Markdown' };
  }
  return undefined;
}

async function checkDriver(cwd: string, typedPaths: readonly string[]): Promise<Check[]> {
  const result = await gitTry(cwd, ['config', '--show-scope', '--get', 'merge.strata.driver']);
  const name = 'driver';
  if (result.exitCode !== 0) {
    if (typedPaths.length > 0) {
      // With no [merge "strata"] section at all git quietly text-merges; with a section but no driver
      // line (merge.strata.name alone) git 2.39 stops every such merge with "lacks command line".
      const partial = (await gitTry(cwd, ['config', '--get-regexp', '^merge\\.strata\\.'])).stdout.trim() !== '';
      const effect = partial ? 'git stops every merge of them with "custom merge driver strata lacks command line"' : 'git silently falls back to a text merge';
      return [
        {
          status: 'fail',
          name,
          message: `${typedPaths.slice(0, 3).join(', ')}${typedPaths.length > 3 ? ', …' : ''} ${typedPaths.length === 1 ? 'has' : 'have'} merge=strata but merge.strata.driver is not set: ${effect}`,
          fix: 'git strata install',
        },
      ];
    }
    return [{ status: 'warn', name, message: 'merge.strata.driver is not set', fix: 'git strata install (this repository) or git strata install --global' }];
  }
  const [scope, ...rest] = result.stdout.replace(/\n$/, '').split('\t');
  const line = rest.join('\t');
  const words = parseDriverCommand(line);
  if (!words || words.length < 3 || words[2] !== 'merge') {
    const slow = /\bnpx\b/.test(line) ? ' (npx adds seconds to every merged file)' : '';
    return [{ status: 'warn', name, message: `merge.strata.driver (${scope} config) is not what strata writes: ${line}${slow}`, fix: 'git strata install' }];
  }
  const [node, cli] = words as [string, string];
  const missingArgs = ['%O', '%A', '%B'].filter((p) => !words.includes(p));
  if (missingArgs.length > 0) return [{ status: 'fail', name, message: `merge.strata.driver lacks ${missingArgs.join(' ')}: ${line}`, fix: 'git strata install' }];
  const wrong = driverArgumentProblem(words.slice(3));
  if (wrong) return [{ status: wrong.status, name, message: `merge.strata.driver ${wrong.message}: ${line}`, fix: 'git strata install' + (scope === 'global' ? ' --global' : '') }];
  if (!isAbsolute(node) || !(await isExecutable(node))) {
    return [{ status: 'fail', name, message: `the driver's node ${node} does not exist or is not executable (node moved or upgraded?)`, fix: 'git strata install' + (scope === 'global' ? ' --global' : '') }];
  }
  if (!isAbsolute(cli) || !existsSync(cli)) {
    return [{ status: 'fail', name, message: `the driver's script ${cli} does not exist (strata moved or removed?)`, fix: 'reinstall strata (./install.sh), then git strata install' + (scope === 'global' ? ' --global' : '') }];
  }
  const probed = probe(node, cli);
  if (probed.error) return [{ status: 'fail', name, message: `the driver does not run: ${node} ${cli} --version: ${probed.error}`, fix: 'reinstall strata (./install.sh), then git strata install' }];
  // `--version` runs without the driver's own bundle (dist/driver.cjs) and the Markdown merge it loads
  // lazily: load both.
  const bundle = spawnSync(node, [cli, 'merge', '--self-check'], { encoding: 'utf8', timeout: 20_000 });
  if (bundle.status !== 0 || !/strata merge driver: ok/.test(bundle.stdout ?? '')) {
    const why = (bundle.stderr || bundle.error?.message || '').trim().split('\n')[0] ?? '';
    return [{ status: 'fail', name, message: `the driver's merge code does not load (${why}); merges fall back to git's line merge`, fix: 'reinstall strata (./install.sh)' }];
  }
  const checks: Check[] = [{ status: 'ok', name, message: `registered in ${scope} config and runs: strata ${probed.version} on ${node}` }];
  // Registered by an older strata: the ES module entry, which node starts more slowly.
  const script = driverScript(cli);
  if (script !== cli) {
    checks.push({ status: 'warn', name: 'driver entry', message: `merge.strata.driver starts ${basename(cli)}; ${basename(script)} beside it starts about 10 ms sooner on every merged file`, fix: 'git strata install' + (scope === 'global' ? ' --global' : '') });
  }
  // The code V8 compiled for the driver at build time (src/cli/compiled.ts): without it every merge is
  // slower, never different.
  const cache = /^compile cache: (.*)$/m.exec(bundle.stdout ?? '')?.[1];
  if (cache !== undefined && cache !== 'used') {
    checks.push({ status: 'warn', name: 'driver compile cache', message: cache, fix: `run ./install.sh again in strata's checkout, with the node the driver runs (${node})` });
  }
  if (probed.version !== VERSION) {
    checks.push({ status: 'warn', name: 'driver version', message: `the driver is strata ${probed.version}, this is ${VERSION}`, fix: 'git strata install' + (scope === 'global' ? ' --global' : '') });
  }
  return checks;
}

function checkAttributes(typedPaths: readonly string[]): Check {
  if (typedPaths.length === 0) {
    return { status: 'warn', name: 'attributes', message: 'no file has merge=strata, so git never calls the driver', fix: 'git strata install --attributes, then commit .gitattributes' };
  }
  return { status: 'ok', name: 'attributes', message: `merge=strata in effect (${typedPaths.slice(0, 4).join(', ')}${typedPaths.length > 4 ? ', …' : ''})` };
}

/**
 * A `.gitattributes` with `merge=strata` that is not committed as it is: this clone merges with strata,
 * the others (and CI) do not, and a pull that brings the file merges its typed files as text.
 */
async function checkAttributesCommitted(top: string): Promise<Check | undefined> {
  const text = await readText(join(top, '.gitattributes'));
  if (text === undefined || !/merge=strata/.test(text)) return undefined;
  // Not in HEAD (untracked, ignored, or only staged), or in HEAD but changed since.
  const inHead = (await gitTry(top, ['cat-file', '-e', 'HEAD:.gitattributes'])).exitCode === 0;
  const changed = inHead && (await gitTry(top, ['diff', '--quiet', 'HEAD', '--', '.gitattributes'])).exitCode !== 0;
  if (inHead && !changed) return undefined;
  const state = inHead ? 'changed and not committed' : 'not committed';
  return { status: 'warn', name: 'attributes committed', message: `.gitattributes is ${state}: other clones and CI do not merge with strata until it is`, fix: 'git add .gitattributes && git commit -m "merge coordination files with strata"' };
}

/**
 * Typed files a merge left conflicted: where the driver did not run (killed, or not installed when the
 * merge ran) the file may show ours alone, without a marker, and `git add` would drop theirs.
 */
async function checkUnmerged(top: string, cwd: string, typedPaths: readonly string[]): Promise<Check | undefined> {
  if (typedPaths.length === 0) return undefined;
  const result = await gitTry(top, ['diff', '--name-only', '-z', '--diff-filter=U']);
  if (result.exitCode !== 0) return undefined;
  const typed = new Set(typedPaths);
  const paths = result.stdout.split('\0').filter((p) => typed.has(p));
  if (paths.length === 0) return undefined;
  const shown = `${paths.slice(0, 4).join(', ')}${paths.length > 4 ? ', …' : ''}`;
  return {
    status: 'warn',
    name: 'unmerged files',
    message: `${shown} ${paths.length === 1 ? 'is' : 'are'} left conflicted by a merge; where the driver did not run to the end, the work tree may hold one side only, without markers`,
    // The path as the command reads it: from where doctor runs.
    fix: `git strata resolve${paths.length === 1 ? ` ${shellWord(relative(realpathSync(cwd), join(top, paths[0]!)))}` : ''} (merges both sides again from the index and stages the result)`,
  };
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** What goes unchecked where a hook that checks does not run (the others replay, and only report). */
const UNCHECKED: Readonly<Record<string, string>> = { 'pre-commit': 'commits', 'pre-applypatch': 'patches git am applies' };

async function checkHooks(cwd: string, repo: RepoPaths): Promise<Check[]> {
  const checks: Check[] = [];
  const shown = repo.top && !relative(repo.top, repo.hooks).startsWith('..') ? relative(repo.top, repo.hooks) : repo.hooks;
  const hooksPath = await gitTry(cwd, ['config', '--get', 'core.hooksPath']);
  const husky = /(^|\/)\.husky\/_\/?$/.test(repo.hooks);
  const defaultDir = join(repo.commonDir, 'hooks');
  if (hooksPath.exitCode === 0) {
    checks.push({
      status: 'ok',
      name: 'core.hooksPath',
      message: `${hooksPath.stdout.trim()}: git runs hooks from ${shown}${husky ? " (husky's; 'npm install' regenerates it)" : ''}`,
    });
  }
  let missing = 0;
  for (const hook of HOOK_NAMES) {
    const path = join(repo.hooks, hook);
    const name = `hook ${hook}`;
    const unchecked = UNCHECKED[hook];
    const text = await readText(path);
    const backupExists = existsSync(path + BACKUP_SUFFIX);
    if (text === undefined) {
      missing++;
      const elsewhere = hooksPath.exitCode === 0 && isShim((await readText(join(defaultDir, hook))) ?? '');
      checks.push({
        status: 'warn',
        name,
        message: elsewhere
          ? `missing in ${shown}; strata's shim in ${relative(repo.top ?? '', join(defaultDir, hook))} is bypassed because core.hooksPath points elsewhere`
          : `missing in ${shown}${unchecked ? `: ${unchecked} are not checked` : ''}`,
        fix: 'git strata install',
      });
      continue;
    }
    if (!(await isExecutable(path))) {
      checks.push({ status: 'fail', name, message: `${shown}/${hook} is not executable, so git ignores it`, fix: `chmod +x '${path}'` });
      continue;
    }
    if (isShim(text)) {
      const target = shimTarget(text);
      if (!target || !(await isExecutable(target.node)) || !existsSync(target.cli)) {
        checks.push({ status: 'fail', name, message: `strata's shim points to ${target?.node ?? '?'} ${target?.cli ?? '?'}, which no longer exist${unchecked ? ` (it warns and lets ${unchecked} through unchecked)` : ''}`, fix: 'git strata install' });
      } else if (!(['exec', 'source'] as const).some((chain) => renderShim(hook, target, chain) === text)) {
        // An older strata's shim runs, but may skip what this version checks (e.g. deleted files).
        checks.push({ status: 'warn', name, message: "strata's shim, as another version of strata wrote it", fix: 'git strata install' });
      } else if (driverScript(target.cli) !== target.cli) {
        // Written by an older strata, with the ES module entry: it works, and starts more slowly.
        checks.push({ status: 'warn', name, message: `strata's shim starts ${basename(target.cli)}; ${basename(driverScript(target.cli))} beside it starts about 10 ms sooner each time git runs the hook`, fix: 'git strata install' });
      } else {
        checks.push({ status: 'ok', name, message: `strata's shim${backupExists ? `, chained to ${hook}${BACKUP_SUFFIX}` : ''}` });
      }
      continue;
    }
    if (callsStrata(text)) {
      checks.push({ status: 'ok', name, message: `${shown}/${hook} calls git strata hook ${hook}` });
      continue;
    }
    // A hook git tracks is the team's: install leaves it alone, so the fix is the line to add to it.
    if (await isTracked(repo, path)) {
      checks.push({ status: 'warn', name, message: `${shown}/${hook} is tracked by git and does not call strata, so strata's ${hook} does not run`, fix: `add this line to ${shown}/${hook}: ${trackedHookLine(hook)}` });
      continue;
    }
    checks.push({
      status: 'warn',
      name,
      message: `${shown}/${hook} is not strata's${backupExists ? ` (something replaced strata's shim${husky ? ': husky regenerated it' : ''}; the hook strata displaced is still at ${hook}${BACKUP_SUFFIX})` : ''}, so strata's ${hook} does not run`,
      fix: `git strata install${husky ? ', or add \'git strata hook ' + hook + ' "$@"\' to .husky/' + hook : ''}`,
    });
  }
  if (missing === HOOK_NAMES.length) {
    // Collapse a warning per hook into one line.
    const first = checks.findIndex((c) => c.name.startsWith('hook '));
    const bypassed = checks[first]!.message.includes('bypassed');
    const message = `no strata hooks in ${shown}${bypassed ? `; strata's shims in ${relative(repo.top ?? '', defaultDir)} are bypassed because core.hooksPath points elsewhere` : ''}`;
    checks.splice(first, HOOK_NAMES.length, { status: 'warn', name: 'hooks', message, fix: 'git strata install' });
  }
  return checks;
}

/**
 * The ledger is written by replay only. Left uncommitted (a replay or git merge killed mid-way), it
 * makes every later `git pull` stop with "would be overwritten by merge" — and git names no strata
 * command. Silent where the repository has no ledger and none is pending.
 */
async function checkLedger(top: string): Promise<Check | undefined> {
  const status = await gitTry(top, ['status', '--porcelain', '--untracked-files=all', '--', LEDGER_PATH]);
  if (status.exitCode !== 0) return undefined;
  const line = status.stdout.trim();
  if (line === '') {
    const tracked = await gitTry(top, ['ls-files', '--error-unmatch', '--', LEDGER_PATH]);
    return tracked.exitCode === 0 ? { status: 'ok', name: 'ledger', message: `${LEDGER_PATH} is committed` } : undefined;
  }
  const untracked = line.startsWith('??');
  return {
    status: 'warn',
    name: 'ledger',
    message: `${LEDGER_PATH} is ${untracked ? 'untracked' : 'changed but not committed'} (an interrupted replay or merge?): git pull stops on it`,
    fix: 'git strata replay (it puts back a leftover whose records are all committed, and says what to do otherwise)',
  };
}

/**
 * git's index lock, there for over a minute: a git command holds it for its step (seconds), a strata
 * writer for its write (milliseconds), so one that old was most likely left by a process that was
 * killed (SIGKILL, a crash, a machine that went down) — unless an editor opened by `git commit -a`
 * is still open. Until it goes, git's commands that write the index fail and the writers refuse.
 */
function checkIndexLock(repo: RepoPaths): Check | undefined {
  const lock = `${repo.index}.lock`;
  let age: number;
  try {
    age = Date.now() - statSync(lock).mtimeMs;
  } catch {
    return undefined;
  }
  if (age < 60_000) return undefined;
  return {
    status: 'warn',
    name: 'index lock',
    message: `${lock} is ${Math.floor(age / 60_000)} min old: git's commands that write the index fail while it is there, and strata's writers wait for it, then refuse; a git command still running (an editor opened by git commit -a?) holds it, or a killed one left it`,
    fix: `if no git process is running, remove it: rm ${shellWord(lock)}`,
  };
}

/** A duration as a person writes it: 10m, 90s. */
function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

/** The fix that points a handler at a program by absolute path, keeping its fixed arguments. */
function pointAt(kind: string, argv: readonly string[], program = `/path/to/${basename(argv[0]!)}`): string {
  return `git config strata.handler.${kind} '${JSON.stringify([program, ...argv.slice(1)])}'`;
}

/**
 * Every configured handler, looked up the way replay looks it up (locateProgram): one line per kind.
 * One replay cannot run makes it skip that kind's ops at every pull: a FAIL in an executor clone, a
 * warning in one that runs nothing anyway.
 */
async function checkHandlers(top: string, settings: ReplaySettings): Promise<Check[]> {
  const bad = settings.executor ? ('fail' as const) : ('warn' as const);
  const checks: Check[] = [];
  for (const h of settings.handlers.values()) {
    const name = `handler ${h.kind}`;
    const skips = `replay skips ops of kind ${h.kind}`;
    if (h.argv === undefined) {
      checks.push({ status: bad, name, message: `git config strata.handler.${h.kind}: ${h.error}; ${skips}`, fix: `git config strata.handler.${h.kind}${h.error?.startsWith('timeout') ? '.timeout 5m' : " '/path/to/handler --flag'"}` });
      continue;
    }
    const program = h.argv[0]!;
    const found = await locateProgram(program, top);
    if (!('why' in found)) {
      const extra = [...(program === found.path ? [] : [`${program} on PATH`]), `timeout ${duration(h.timeoutMs)}`, ...(h.idempotent ? ['idempotent'] : []), ...(settings.executor ? [] : ['this clone is not an executor, so it runs no op'])];
      checks.push({ status: 'ok', name, message: `runs ${found.path} (${extra.join('; ')})` });
      continue;
    }
    const path = found.path ?? program;
    const directory = found.why === 'not-executable' && statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    const problem: Record<Unrunnable, { message: string; fix: string }> = {
      relative: { message: `${program} is a relative path (replay runs an absolute path, or a bare name on PATH)`, fix: pointAt(h.kind, h.argv) },
      missing: { message: `${program} does not exist`, fix: `install it there, or point the handler at the program: ${pointAt(h.kind, h.argv)}` },
      'not-executable': {
        message: `${path} is ${directory ? 'a directory' : 'not executable'}`,
        fix: `${directory ? '' : `chmod +x '${path}', or `}point the handler at the program: ${pointAt(h.kind, h.argv)}`,
      },
      'not-on-path': { message: `${program} is in no absolute directory of PATH`, fix: `install it on PATH, or give its absolute path: ${pointAt(h.kind, h.argv)}` },
      'inside-work-tree': {
        message: `${program}${path === program ? '' : ` (${path})`} is inside this work tree, and a file a pull can change is never run`,
        fix: `move it out of the repository and point the handler there: ${pointAt(h.kind, h.argv)}`,
      },
    };
    const { message, fix } = problem[found.why];
    checks.push({ status: bad, name, message: `git config strata.handler.${h.kind}: ${message}; ${skips}`, fix });
  }
  return checks;
}

/**
 * Where an executor's claims are linearised (replay's own choice, claimRemoteOf): through a remote,
 * or only in this clone — where a second executor of the same ops would run each of them again.
 */
async function checkClaims(top: string, settings: ReplaySettings): Promise<Check | undefined> {
  if (!settings.executor) return undefined;
  const { claimRemoteOf } = await import('../ops/ledger-commit.js');
  const name = 'executor claims';
  let choice: Awaited<ReturnType<typeof claimRemoteOf>>;
  try {
    choice = await claimRemoteOf({ top, env: process.env }, settings.claimRemote);
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    return { status: 'fail', name, message: `${error.message}: replay cannot claim, so it runs no op`, fix: error.hint ?? 'git config strata.claimRemote origin' };
  }
  if (choice.remote !== undefined) {
    const how = { config: 'strata.claimRemote', upstream: "the current branch's remote", origin: 'origin', 'only-remote': 'the only remote' }[choice.from];
    const detached = (await gitTry(top, ['symbolic-ref', '-q', 'HEAD'])).exitCode !== 0 && settings.claimBranch === undefined;
    if (detached) return { status: 'warn', name, message: `HEAD is detached: replay cannot tell which branch of ${choice.remote} claims go to, and refuses to run ops`, fix: 'git switch main (or git config strata.claimBranch main)' };
    return { status: 'ok', name, message: `linearised by ${choice.remote} (${how}): two executors never run one op twice` };
  }
  if (choice.from === 'ambiguous') {
    return { status: 'warn', name, message: `several remotes (${choice.remotes.join(', ')}) and none chosen: replay refuses to run ops`, fix: `git config strata.claimRemote ${choice.remotes[0]}` };
  }
  const why = choice.from === 'opted-out' ? 'strata.claimRemote is none' : 'this clone has no remote';
  return { status: 'warn', name, message: `only in this clone (${why}): right for the one executor of these ops; a second one would run each op again`, fix: choice.from === 'opted-out' ? 'git config --unset strata.claimRemote (claims then go through the remote the branch tracks)' : 'git remote add origin URL' };
}

function checkPath(): Check {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const find = (name: string) => dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  const node = find('node');
  const strata = find('git-strata');
  if (!node) {
    return {
      status: 'warn',
      name: 'PATH',
      message: 'node is not on the PATH: the driver and hooks still work (they start node by absolute path), but scripts that call node do not',
      fix: 'add the directory of node to PATH',
    };
  }
  if (!strata) {
    return { status: 'warn', name: 'PATH', message: "git-strata is not on the PATH, so 'git strata …' does not work from a shell", fix: './install.sh (from the strata checkout) or add its bin directory to PATH' };
  }
  return { status: 'ok', name: 'PATH', message: `node at ${node}, git-strata at ${strata}` };
}
