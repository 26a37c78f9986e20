// `git strata queue add|claim|checkpoint|done|next|graph`: the agent-facing queue commands. Planning is
// pure (src/core/queue-ops.ts); this file reads, locks, stamps and writes the work tree's file only —
// agents commit themselves.
import type { Command } from 'commander';
import { type Dated, clockNotes, stampsAt, tick } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { leases } from '../core/heartbeat-ops.js';
import { newId } from '../core/ids.js';
import { type EditResult, type Liveness, type Task, add, checkpoint, claim, dependencyDoneStamps, done, graph, lostClaim, next, resolveTask, resolveTasks } from '../core/queue-ops.js';
import { entriesOf, parseDoc, tagValue } from '../core/entries/scan.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';
import { guarded } from './guard.js';
import { type WorkFile, agentName, editFile, now, random, readWorkFile, workFile } from '../ops/workfile.js';

export const QUEUE_FILE = 'QUEUE.md';
export const HEARTBEAT_FILE = 'HEARTBEAT.md';
const HEADER = '# Queue\n\n';

const SUBCOMMANDS: Readonly<Record<string, string>> = {
  add: 'add [--depends TASK,…] [--agent A] TEXT  append a task with the next seq; prints its id',
  claim: 'claim TASK [--agent A]                  claim a task (refused while a live agent holds it, or if it can never be done)',
  checkpoint: 'checkpoint TASK TEXT                    log progress under a task',
  done: 'done TASK [--force]                     mark a task done (refused before its dependencies)',
  next: 'next [--agent A] [--json]               the causally ready tasks, in seq order',
  graph: 'graph                                   the dependency DAG as a Mermaid flowchart',
};

function help(): string {
  return [
    'usage: git strata queue <subcommand> [options]',
    '',
    ...Object.values(SUBCOMMANDS).map((s) => `  ${s}`),
    '',
    'TASK is a seq or an id: name tasks by the id add prints, as a merge may renumber a seq ([was:N]).',
    `Every subcommand takes --file F (default ${QUEUE_FILE} at the repository root; queues/*.md are channels).`,
    'The agent is --agent, else STRATA_AGENT, else git config user.name. Commands edit the work tree only.',
    '',
  ].join('\n');
}

interface Common {
  file?: string;
  agent?: string;
  json?: boolean;
  heartbeats?: string;
  depends?: string;
  force?: boolean;
}

function program(name: string, description: string, args: string[]): Command {
  const p = command(`queue ${name}`, description)
    .option('--file <path>', `queue file (default ${QUEUE_FILE})`)
    .option('--json', 'print JSON');
  return args.length > 0 ? p.arguments(args.join(' ')) : p;
}

function taskArg(value: string | undefined): string {
  if (value === undefined || value.trim() === '') {
    throw new StrataError('USAGE', 'no task given', 'pass the seq of a task (git strata queue claim 142) or its id (git strata queue claim k7q2m9xa4c)');
  }
  return value;
}

/** The tasks of `--depends`: seqs or ids, looked up in the file's text under its lock (resolveTask). */
function dependsArg(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(/[\s,]+/).filter(Boolean);
}

/** The heartbeat file the leases are read from: `--heartbeats`, else HEARTBEAT.md (or the one heartbeat file). */
function heartbeatFile(cwd: string, file: string | undefined): Promise<WorkFile> {
  return workFile(cwd, file, HEARTBEAT_FILE, 'heartbeat', '--heartbeats');
}

/** The leases in the heartbeat file as it is now, and the time now. */
async function liveness(hb: WorkFile): Promise<Liveness> {
  return { leases: leases((await readWorkFile(hb)) ?? ''), now: now(), file: hb.rel };
}

function report(result: EditResult, json: boolean | undefined, file: WorkFile, warnings: readonly string[] = []): number {
  // What the clock met is said only when a stamp was written.
  if (result.changed) for (const warning of warnings) process.stderr.write(`strata: warning: ${warning}\n`);
  for (const note of result.notes ?? []) process.stderr.write(`strata: note: ${file.rel}: ${note}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ file: file.rel, seq: result.seq, id: result.id ?? null, changed: result.changed, message: result.message })}\n`);
  } else {
    process.stdout.write(`${file.rel}: ${result.message}\n`);
  }
  return EXIT.ok;
}

/** What to do about a queue's stamp beyond the clock bound. */
const QUEUE_FIX = 'fix the wrong clock (the stamp may stay: strata does not follow it)';

/**
 * The stamp for an edit of `text`: after the file's stamps within the clock bound and after `after`
 * (what the write must follow); what the clock met beyond the bound goes to `warnings`.
 */
function stamp(text: string, file: WorkFile, warnings: string[], after: readonly Dated[] = [], why?: string): string {
  const at = now();
  const clock = tick(at, stampsAt(text), after);
  warnings.splice(0, warnings.length, ...clockNotes(file.rel, clock, at, QUEUE_FIX, why));
  return clock.stamp;
}

async function runAdd(args: string[]): Promise<number> {
  const p = program('add', 'append a task with the next seq', ['<text...>'])
    .option('--depends <tasks>', 'comma-separated tasks this one waits for (seqs or ids)')
    .option('--agent <name>', 'the agent that owns the task');
  const parsed = parse<Common>(p, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  const cwd = process.cwd();
  const file = await workFile(cwd, options.file, QUEUE_FILE, 'queue');
  const agent = await agentName(cwd, options.agent);
  const depends = dependsArg(options.depends);
  const warnings: string[] = [];
  const result = await editFile(cwd, file, HEADER, (text) => {
    const taken = new Set(entriesOf(parseDoc(text)).map((e) => tagValue(e, 'id')?.trim() ?? ''));
    const seqs = resolveTasks(text, depends, file.rel);
    return add(text, { text: operands.join(' '), depends: seqs, agent, id: newId(random, taken), stamp: stamp(text, file, warnings), file: file.rel });
  });
  return report(result, options.json, file, warnings);
}

/** An edit of one task: the file's text, the task's seq, a fresh stamp and the file's path → result. */
type TaskEdit = (text: string, seq: number, stamp: string, file: string) => EditResult | Promise<EditResult>;

/** What a task edit needs: the edit, and the other files it reads (each time it is planned) to decide. */
interface Prepared {
  readonly edit: TaskEdit;
  readonly reads?: readonly WorkFile[];
}

/** The stamps an edit of task `seq` must come after, and why (see clock.ts `tick`). */
interface After {
  readonly stamps: (text: string, seq: number) => Dated[];
  readonly why: string;
}

/**
 * claim, checkpoint and done: parse, read the seq, let `prepare` gather what the edit needs that a
 * write cannot change (the agent, which heartbeat file), then edit the queue file under its lock and
 * report. What the edit decides on — the queue, the leases — it reads when it is planned, and again
 * under the lock if any of those files changed meanwhile (editFile).
 */
async function runTaskEdit(p: Command, args: string[], prepare: (cwd: string, options: Common, operands: string[]) => Prepared | Promise<Prepared>, after?: After): Promise<number> {
  const parsed = parse<Common>(p, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  const cwd = process.cwd();
  const ref = taskArg(operands[0]);
  const file = await workFile(cwd, options.file, QUEUE_FILE, 'queue');
  const { edit, reads = [] } = await prepare(cwd, options, operands);
  const warnings: string[] = [];
  // The task is looked up in the text under the lock: a seq or an id, as the file has it now.
  const result = await editFile(
    cwd,
    file,
    HEADER,
    (text) => {
      const seq = resolveTask(text, ref, file.rel);
      return edit(text, seq, stamp(text, file, warnings, after?.stamps(text, seq), after?.why), file.rel);
    },
    { reads: reads.map((read) => read.path) },
  );
  return report(result, options.json, file, warnings);
}

function runClaim(args: string[]): Promise<number> {
  const p = program('claim', 'claim a task for an agent (by seq or id)', ['<task>'])
    .option('--agent <name>', 'the claiming agent')
    .option('--heartbeats <path>', `heartbeat file for leases (default ${HEARTBEAT_FILE})`);
  return runTaskEdit(p, args, async (cwd, options) => {
    const agent = await agentName(cwd, options.agent);
    // The leases are read with the queue, so a heartbeat that lands before the claim is written counts.
    const hb = await heartbeatFile(cwd, options.heartbeats);
    return { edit: async (text, seq, at, rel) => claim(text, seq, agent, at, await liveness(hb), rel), reads: [hb] };
  });
}

async function runCheckpoint(args: string[]): Promise<number> {
  const p = program('checkpoint', "append a note to a task's checkpoint log (task by seq or id)", ['<task>', '<text...>']).option('--agent <name>', 'the agent logging (warned if it lost its claim on the task)');
  // Said once, from the plan that was written: the edit may be planned again under the lock.
  let lost: string | undefined;
  const code = await runTaskEdit(p, args, async (cwd, options, operands) => {
    const agent = await agentName(cwd, options.agent).catch(() => undefined);
    return {
      edit: (text, seq, at, rel) => {
        const result = checkpoint(text, seq, operands.slice(1).join(' '), at, rel);
        const holder = agent === undefined ? undefined : lostClaim(text, seq, agent);
        lost = holder === undefined ? undefined : `${agent} lost the claim on ${seq} to ${holder} (a merge kept the earlier claim); the checkpoint is logged, but ${holder} holds the task`;
        return result;
      },
    };
  });
  if (lost !== undefined) process.stderr.write(`strata: warning: ${lost}\n`);
  return code;
}

function runDone(args: string[]): Promise<number> {
  const p = program('done', 'mark a task done (by seq or id)', ['<task>'])
    .option('--agent <name>', 'the finishing agent (a task another live agent claimed is refused)')
    .option('--heartbeats <path>', `heartbeat file for leases (default ${HEARTBEAT_FILE})`)
    .option('--force', "mark it done even while another agent's claim on it is alive");
  return runTaskEdit(p, args, async (cwd, options) => {
    // Without a name (no --agent, STRATA_AGENT or user.name) only an unclaimed or expired task is done.
    const agent = await agentName(cwd, options.agent).catch(() => undefined);
    // The leases are read with the queue, as for claim.
    const hb = await heartbeatFile(cwd, options.heartbeats);
    return { edit: async (text, seq, at, rel) => done(text, seq, at, rel, { agent, liveness: await liveness(hb), force: options.force === true }), reads: [hb] };
  }, { stamps: dependencyDoneStamps, why: 'a task is done after its dependencies, and check refuses one done before them' });
}

function formatTask(task: Task): string {
  const claim = task.claim !== undefined ? ` [claim:${task.claim}]` : '';
  const deps = task.depends.length > 0 ? ` (after ${task.depends.join(', ')})` : '';
  return `${task.seq}\t${task.status}\t${task.text}${deps}${claim}`;
}

async function runNext(args: string[]): Promise<number> {
  const p = program('next', 'list the causally ready tasks', [])
    .option('--agent <name>', "include this agent's own claims")
    .option('--heartbeats <path>', `heartbeat file for leases (default ${HEARTBEAT_FILE})`);
  const parsed = parse<Common>(p, args);
  if (typeof parsed === 'number') return parsed;
  const { options } = parsed;
  const cwd = process.cwd();
  const file = await workFile(cwd, options.file, QUEUE_FILE, 'queue');
  // The agent whose claims count as its own, named as every queue command names it.
  const agent = await agentName(cwd, options.agent).catch(() => undefined);
  const ready = next((await readWorkFile(file)) ?? '', agent, await liveness(await heartbeatFile(cwd, options.heartbeats)));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(ready, null, 2)}\n`);
  } else if (ready.length === 0) {
    process.stderr.write(`${file.rel}: no task is ready\n`);
  } else {
    process.stdout.write(ready.map((t) => `${formatTask(t)}\n`).join(''));
  }
  return EXIT.ok;
}

async function runGraph(args: string[]): Promise<number> {
  const p = program('graph', 'render the dependency DAG as a Mermaid flowchart', []);
  const parsed = parse<Common>(p, args);
  if (typeof parsed === 'number') return parsed;
  const file = await workFile(process.cwd(), parsed.options.file, QUEUE_FILE, 'queue');
  process.stdout.write(graph((await readWorkFile(file)) ?? ''));
  return EXIT.ok;
}

const RUNNERS: Readonly<Record<string, (args: string[]) => Promise<number>>> = {
  add: runAdd,
  claim: runClaim,
  checkpoint: runCheckpoint,
  done: runDone,
  next: runNext,
  graph: runGraph,
};

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const runner = RUNNERS[name];
  if (!runner) {
    process.stderr.write(`strata: unknown queue subcommand '${name}'\n\n${help()}`);
    return EXIT.usage;
  }
  return guarded(() => runner(rest));
}
