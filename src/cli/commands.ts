// The command table: names, one-line summaries and lazy loaders. Loading this loads no command.

import { StrataError } from '../core/errors.js';

declare const STRATA_VERSION: string;
export const VERSION = typeof STRATA_VERSION === 'string' ? STRATA_VERSION : '0.0.0-dev';

export interface Command {
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: Readonly<Record<string, Entry>> = {
  merge: { summary: 'the merge driver: merge %O %A %B %L %P', load: () => import('./merge.js') },
  install: { summary: 'register the driver and hooks in this repository (or --global)', load: () => import('./install.js') },
  uninstall: { summary: 'remove the driver and hooks, restoring what was there', load: () => import('./uninstall.js') },
  doctor: { summary: 'check that the driver, attributes, hooks, node and git really work', load: () => import('./doctor.js') },
  demo: { summary: 'two clones, concurrent edits, a lossless pull, in a temporary directory', load: () => import('./demo.js') },
  check: { summary: 'check typed files for the causal integrity rules (--base REF, --staged, --format)', load: () => import('./check.js') },
  verify: { summary: 'check every commit of a range against its first parent (CI): verify --range A..B', load: () => import('./verify.js') },
  queue: { summary: 'agent-facing queue: add, claim, checkpoint, done, next, graph', load: () => import('./queue.js') },
  heartbeat: { summary: "renew this agent's lease in HEARTBEAT.md", load: () => import('./heartbeat.js') },
  fact: { summary: 'record (fact set) or read (fact get) facts in MEMORY.md', load: () => import('./fact.js') },
  resolve: { summary: 'merge typed files that a merge without the driver left conflicted', load: () => import('./resolve.js') },
  replay: { summary: 'run the pending ops this clone is the executor for (--dry-run)', load: () => import('./replay.js') },
  op: { summary: 'ops with side effects: op request|run|show|resolve', load: () => import('./op.js') },
  torture: { summary: 'Jepsen-style run: agents, syncs and faults against real git, then check the history', load: () => import('./torture.js') },
  hook: { summary: 'the entry point of the hook shims: hook <name> [args]', load: () => import('./hook.js') },
  help: { summary: 'show help for strata or one command', load: () => import('./help.js') },
};

/**
 * The commands built as CommonJS bundles (dist/cmd-<name>.cjs), which the entry dist/git-strata.cjs
 * requires without starting node's ES module loader: the ones a commit runs (the hook, and the checks it
 * shares with `check`). Every other command is an ES module bundle, dist/cmd-<name>.mjs. (The build
 * reads this list from here.)
 */
export const CJS_COMMANDS: readonly string[] = ['check', 'hook'];

/** The file of a command's bundle in dist/ (merge: the driver's bundle, loaded through dist/compiled.cjs). */
export function bundleFile(name: string): string {
  if (name === 'merge') return 'driver.cjs';
  return `cmd-${name}.${CJS_COMMANDS.includes(name) ? 'cjs' : 'mjs'}`;
}

/**
 * Loads a command's bundle (dist/cmd-<name>.cjs, or .mjs and its chunks). One that is missing or
 * unreadable is a broken install, not a bug in strata: a refusal that says so and how to fix it, not a
 * stack trace.
 */
export async function loadCommand(name: string, entry: Entry): Promise<Command> {
  try {
    return await entry.load();
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/ imported from .*$/, '');
    throw new StrataError(
      'CONFIG',
      `the ${name} command does not load (${why}): this install of strata is incomplete`,
      "reinstall strata (./install.sh in its checkout), then check with 'git strata doctor'",
    );
  }
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    `strata ${VERSION}: lossless git merges for agent coordination files`,
    '',
    'usage: git strata <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'git strata help <command>' or 'git strata <command> --help' for a command's options.",
    '',
  ].join('\n');
}


