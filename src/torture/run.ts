// The torture shell: a bare remote and N clones in a temporary directory, agents that drive the real CLI
// and git as separate processes, a nemesis that injects faults, a heal, and the final read the checker
// (check.ts) judges. Decisions come from a seeded PRNG; the operating system's timing does not, so a
// seed replays the same choices, not the same interleaving.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tasks } from '../core/queue-ops.js';
import { driverQuote, shellQuote } from '../git/shell.js';
import { FILES } from './check.js';
import { REPLAY_ACTIVE_ENV } from '../ops/probe.js';
import type { CommitInfo, Effect, FinalState, HistoryEvent, Op, ToolFinding } from './history.js';
import { type Rng, rng } from './prng.js';

export const FAULTS = ['partition', 'kill-driver', 'kill-replay', 'skew', 'torn', 'torn-commit'] as const;
export type Fault = (typeof FAULTS)[number];

export interface TortureOptions {
  readonly agents: number;
  readonly seconds: number;
  /** Stop after this many client operations (whichever comes first with `seconds`). */
  readonly ops: number | undefined;
  readonly seed: number;
  /** Settled tasks, stale heartbeats and old facts the typed files start with (0: they start empty). */
  readonly preload?: number;
  readonly faults: ReadonlySet<Fault>;
  readonly keep: boolean;
  /** A merge.strata.driver command line to use instead of strata's (%O %A %B %L %P expanded by git). */
  readonly driverOverride: string | undefined;
  /** node and the bundled CLI every agent runs. */
  readonly node: string;
  readonly cli: string;
  /** Progress lines (stderr). */
  readonly progress: (line: string) => void;
}

export interface TortureRun {
  readonly dir: string;
  readonly history: readonly HistoryEvent[];
  readonly final: FinalState;
  readonly elapsedMs: number;
}

/** The kinds of ops and their handlers: one idempotent (deduplicated by key), one not. */
export const KINDS = { deploy: { idempotent: true }, email: { idempotent: false } } as const;

const ATTRIBUTES = [
  '*.md                merge=strata strata=markdown',
  'QUEUE.md            merge=strata strata=queue',
  'queues/*.md         merge=strata strata=queue',
  'HEARTBEAT.md        merge=strata strata=heartbeat',
  'MEMORY.md           merge=strata strata=facts',
  'OPS.md              merge=strata strata=ops',
  '.strata/ledger.md   merge=strata strata=ledger',
  '',
].join('\n');

const NOTES = '# Notes\n\n## Findings\n\n- the queue lives in QUEUE.md\n\n## Decisions\n\n- use strata for merges\n\n## Open questions\n\n- none yet\n';
const DAILY = '# 2026-11-27\n\nDaily log.\n\n';
const ENTITIES = ['frontend', 'backend', 'infra', 'docs'];
const ATTRS = ['owner', 'status', 'version'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'build', 'tests', 'deploy', 'review', 'docs', 'cache', 'index', 'merge'];

/**
 * Large typed files to start from, so that merges run folded (fold.ts) under every fault: settled tasks
 * (done, each after the one before, some depending on it), stale heartbeats of agents that left, and
 * facts about entities the agents never touch. Nothing here is an operation of the run.
 */
function preloaded(n: number): Record<string, string> {
  const at = (k: number): string => new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + k * 1000).toISOString();
  const pad = (k: number): string => String(k).padStart(6, '0');
  const queue = ['# Queue', '', 'Agents take the lowest ready seq.', ''];
  const beats = ['# Heartbeat', ''];
  const facts = ['# Memory', ''];
  for (let k = 1; k <= n; k++) {
    const depends = k > 1 && k % 3 === 0 ? ` [depends:${k - 1}]` : '';
    queue.push(`- [x] [seq:${k}] [id:pre${pad(k)}]${depends} [agent:seed] [done:${at(k)}] preloaded task ${k}`);
    beats.push(`- [agent:gone-${pad(k)}] [at:${at(k)}] [ttl:10m] [status:idle] left`);
    facts.push(`- [entity:old-${pad(k)}] [attr:note] [at:${at(k)}] [agent:seed] fact ${k}`);
  }
  return { [FILES.queue]: `${queue.join('\n')}\n`, [FILES.heartbeat]: `${beats.join('\n')}\n`, [FILES.facts]: `${facts.join('\n')}\n` };
}

const COMMAND_TIMEOUT_MS = 60_000;
const PARTITIONED_URL = '/nonexistent/strata-torture-partitioned.git';

// ---------------------------------------------------------------------------------------------------
// processes

interface Proc {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed by us: a timeout or a planned SIGKILL. */
  readonly killed: boolean;
}

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command in its own process group and collects its output. `killAfterMs` SIGKILLs the command
 * itself (a crash): the git processes it started finish on their own, as they would after a real crash
 * (killing them too would kill the remote's receive-pack mid-update and leave the remote locked, which
 * no client crash does). A timeout kills the whole group.
 */
function exec(cmd: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; killAfterMs?: number; timeoutMs?: number }): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timers: NodeJS.Timeout[] = [];
    if (options.killAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          killed = true;
          try {
            child.kill('SIGKILL');
          } catch {
            // gone already
          }
        }, options.killAfterMs),
      );
    }
    timers.push(
      setTimeout(() => {
        killed = true;
        killGroup(child);
      }, options.timeoutMs ?? COMMAND_TIMEOUT_MS),
    );
    const done = async (status: number | null, signal: NodeJS.Signals | null): Promise<void> => {
      for (const t of timers) clearTimeout(t);
      // What a crashed command started runs to its end before the agent looks at the clone again.
      if (killed && child.pid !== undefined) {
        const until = Date.now() + 20_000;
        while (groupAlive(child.pid) && Date.now() < until) await sleep(50);
        if (groupAlive(child.pid)) killGroup(child);
      }
      children.delete(child);
      resolve({ status, signal, stdout, stderr, killed });
    };
    child.on('error', (error) => {
      stderr += String(error);
      void done(127, null);
    });
    child.on('close', (status, signal) => void done(status, signal));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('hint:'))?.slice(0, 200) ?? '';
}

// ---------------------------------------------------------------------------------------------------
// the world

interface Agent {
  readonly name: string;
  readonly index: number;
  readonly dir: string;
  readonly executor: boolean;
  readonly skewMs: number;
  /** Details of operations (which task, which words). */
  readonly rng: Rng;
  /** The choice of the next step: a stream of its own, so a step's details never shift later choices. */
  readonly steps: Rng;
  partitioned: boolean;
  counter: number;
  heads: Array<[number, string]>;
}

class World {
  readonly history: HistoryEvent[] = [];
  readonly start = Date.now();
  readonly env: NodeJS.ProcessEnv;
  readonly remote: string;
  readonly agents: Agent[] = [];
  clientOps = 0;
  stopping = false;

  constructor(
    readonly dir: string,
    readonly options: TortureOptions,
  ) {
    const home = join(dir, 'home');
    this.remote = join(dir, 'remote.git');
    this.env = {
      PATH: process.env.PATH,
      HOME: home,
      GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_EDITOR: 'true',
      GIT_MERGE_AUTOEDIT: 'no',
      LANG: 'C',
      TZ: 'UTC',
      // The driver's account of each merge goes to driver/debug.log (see driverWrapper), not to git.
      ...(process.env.STRATA_DEBUG ? { STRATA_DEBUG: process.env.STRATA_DEBUG } : {}),
    };
  }

  now(): number {
    return Date.now() - this.start;
  }

  record(type: HistoryEvent['type'], process: string, op: Op, invoke?: number, error?: string): HistoryEvent {
    const event: HistoryEvent = { index: this.history.length, time: this.now(), type, process, op, ...(invoke !== undefined ? { invoke } : {}), ...(error ? { error } : {}) };
    this.history.push(event);
    return event;
  }

  envFor(agent: Agent | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    if (!agent) return { ...this.env, ...extra };
    // Only strata's clock is skewed: git's own revision walks (A..B, hence pull --rebase) trust commit
    // dates, and commits dated before their parents make `pull --rebase` replay the whole history.
    const stamp = new Date(Date.now() + agent.skewMs).toISOString();
    return { ...this.env, STRATA_AGENT: agent.name, STRATA_NOW: stamp, ...extra };
  }

  git(agent: Agent | undefined, cwd: string, args: readonly string[], extra: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<Proc> {
    return exec('git', args, { cwd, env: this.envFor(agent, extra.env), ...(extra.killAfterMs !== undefined ? { killAfterMs: extra.killAfterMs } : {}) });
  }

  strata(agent: Agent, args: readonly string[], extra: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<Proc> {
    return exec(this.options.node, [this.options.cli, ...args], { cwd: agent.dir, env: this.envFor(agent, extra.env), ...(extra.killAfterMs !== undefined ? { killAfterMs: extra.killAfterMs } : {}) });
  }

  async must(agent: Agent | undefined, cwd: string, args: readonly string[]): Promise<string> {
    const r = await this.git(agent, cwd, args);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${r.stderr.trim()}`);
    return r.stdout;
  }
}

// ---------------------------------------------------------------------------------------------------
// set-up

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** The driver git runs: logs each call, kills itself when the pull that armed it says so, runs the real driver. */
function driverWrapper(dir: string, options: TortureOptions): string {
  const log = join(dir, 'driver', 'calls.log');
  const real = options.driverOverride
    ? `( ${options.driverOverride.replace(/%O/g, '"$1"').replace(/%A/g, '"$2"').replace(/%B/g, '"$3"').replace(/%L/g, '"$4"').replace(/%P/g, '"$5"')} )`
    : `${shellQuote(options.node)} ${shellQuote(options.cli)} merge "$1" "$2" "$3" "$4" "$5"`;
  return [
    '#!/bin/sh',
    '# strata torture: the registered merge driver, wrapped to count calls and to SIGKILL itself on cue.',
    `log=${shellQuote(log)}`,
    'n=',
    'echo "call $$ $5" >> "$log"',
    'if [ -n "${STRATA_TORTURE_KILL_AT:-}" ] && [ -n "${STRATA_TORTURE_COUNTER:-}" ]; then',
    '  n=$(cat "$STRATA_TORTURE_COUNTER" 2>/dev/null || echo 0)',
    '  n=$((n + 1))',
    '  echo "$n" > "$STRATA_TORTURE_COUNTER"',
    '  if [ "$n" = "$STRATA_TORTURE_KILL_AT" ] && [ "${STRATA_TORTURE_KILL_MODE:-}" = before ]; then echo "killed $$ before $5" >> "$log"; kill -9 $$; fi',
    'fi',
    // With STRATA_DEBUG set, what the driver says of each merge (which method, +fold) is kept in debug.log.
    'if [ -n "${STRATA_DEBUG:-}" ]; then',
    `  ${real} 2>>${shellQuote(join(dir, 'driver', 'debug.log'))}`,
    'else',
    `  ${real}`,
    'fi',
    'code=$?',
    'if [ -n "$n" ] && [ "$n" = "${STRATA_TORTURE_KILL_AT:-}" ] && [ "${STRATA_TORTURE_KILL_MODE:-}" = after ]; then echo "killed $$ after $5" >> "$log"; kill -9 $$; fi',
    'echo "exit $code $$ $5" >> "$log"',
    'exit $code',
    '',
  ].join('\n');
}

/** The external-effect service: one line per effect; the idempotent kind applies a key once. */
function effectHandler(dir: string): string {
  const log = join(dir, 'effects', 'effects.log');
  const lock = join(dir, 'effects', 'effects.lock');
  return [
    '#!/bin/sh',
    '# strata torture: the external effect. argv: kind idempotent|once executor [op args…]',
    'kind=$1; mode=$2; executor=$3; shift 3',
    'for a; do if [ "$a" = bounce ]; then echo "bounced: no effect"; exit 3; fi; done',
    `exec 9>>${shellQuote(lock)}`,
    'flock 9',
    `if [ "$mode" = idempotent ] && grep -qF "$(printf '%s\\t' "$STRATA_IDEMPOTENCY_KEY")" ${shellQuote(log)} 2>/dev/null; then`,
    '  echo "already applied $STRATA_IDEMPOTENCY_KEY"; exit 0',
    'fi',
    `printf '%s\\t%s\\t%s\\n' "$STRATA_IDEMPOTENCY_KEY" "$kind" "$executor" >> ${shellQuote(log)}`,
    'exec 9>&-',
    // The window between the effect and its ledger record, where a SIGKILL of replay leaves doubt.
    'sleep 0.2',
    'echo "applied $STRATA_IDEMPOTENCY_KEY"',
    '',
  ].join('\n');
}

async function setUp(world: World): Promise<void> {
  const { dir, options } = world;
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  mkdirSync(join(dir, 'driver', 'counters'), { recursive: true });
  mkdirSync(join(dir, 'effects'), { recursive: true });
  writeFileSync(
    join(home, '.gitconfig'),
    ['[user]', '\tname = strata torture', '\temail = torture@strata.invalid', '[init]', '\tdefaultBranch = main', '[advice]', '\tdetachedHead = false', '\tskippedCherryPicks = false', '[pull]', '\trebase = false', '[gc]', '\tauto = 0', '[maintenance]', '\tauto = false', ''].join('\n'),
  );
  writeFileSync(join(dir, 'driver', 'calls.log'), '');
  writeFileSync(join(dir, 'effects', 'effects.log'), '');
  const wrapper = join(dir, 'driver', 'driver.sh');
  writeExecutable(wrapper, driverWrapper(dir, options));
  const handler = join(dir, 'effects', 'effect.sh');
  writeExecutable(handler, effectHandler(dir));

  await world.must(undefined, dir, ['init', '-q', '--bare', world.remote]);
  const seed = join(dir, 'seed');
  await world.must(undefined, dir, ['clone', '-q', world.remote, seed]);
  writeFileSync(join(seed, '.gitattributes'), ATTRIBUTES);
  writeFileSync(join(seed, FILES.notes), NOTES);
  mkdirSync(join(seed, 'memory'), { recursive: true });
  writeFileSync(join(seed, FILES.log), DAILY);
  if (options.preload) for (const [file, text] of Object.entries(preloaded(options.preload))) writeFileSync(join(seed, file), text);
  await world.must(undefined, seed, ['add', '-A']);
  await world.must(undefined, seed, ['commit', '-q', '-m', 'seed: attributes and notes']);
  await world.must(undefined, seed, ['push', '-q', 'origin', 'HEAD:main']);

  const top = rng(options.seed);
  const executors = options.agents >= 2 ? 2 : 1;
  for (let i = 0; i < options.agents; i++) {
    const name = `a${i}`;
    const agentRng = top.fork(i + 1);
    const skewMs = options.faults.has('skew') ? agentRng.between(-300_000, 300_000) : 0;
    const agent: Agent = { name, index: i, dir: join(dir, name), executor: i < executors, skewMs, rng: agentRng, steps: agentRng.fork(7777), partitioned: false, counter: 0, heads: [] };
    world.agents.push(agent);
    await world.must(undefined, dir, ['clone', '-q', world.remote, agent.dir]);
    await world.must(undefined, agent.dir, ['config', 'user.name', name]);
    await world.must(undefined, agent.dir, ['config', 'user.email', `${name}@strata.invalid`]);
    const installed = await world.strata(agent, ['install']);
    if (installed.status !== 0) throw new Error(`git strata install failed in ${agent.dir}: ${installed.stderr}`);
    await world.must(undefined, agent.dir, ['config', 'merge.strata.driver', `${driverQuote(wrapper)} %O %A %B %L %P`]);
    if (agent.executor) {
      await world.must(undefined, agent.dir, ['config', 'strata.executor', 'true']);
      await world.must(undefined, agent.dir, ['config', 'strata.executorName', `exec-${name}`]);
      await world.must(undefined, agent.dir, ['config', 'strata.claimRemote', 'origin']);
      for (const [kind, spec] of Object.entries(KINDS)) {
        await world.must(undefined, agent.dir, ['config', `strata.handler.${kind}`, JSON.stringify([handler, kind, spec.idempotent ? 'idempotent' : 'once', `exec-${name}`])]);
        await world.must(undefined, agent.dir, ['config', `strata.handler.${kind}.idempotent`, String(spec.idempotent)]);
        await world.must(undefined, agent.dir, ['config', `strata.handler.${kind}.timeout`, '30s']);
      }
    }
    agent.heads.push([world.now(), (await world.must(undefined, agent.dir, ['rev-parse', 'HEAD'])).trim()]);
  }
}

// ---------------------------------------------------------------------------------------------------
// recovery: what an agent does after a killed or failed command

async function inProgress(world: World, agent: Agent): Promise<'merge' | 'rebase' | undefined> {
  const r = await world.git(agent, agent.dir, ['rev-parse', '--path-format=absolute', '--git-path', 'MERGE_HEAD', '--git-path', 'rebase-merge', '--git-path', 'rebase-apply']);
  const [merge, rebaseMerge, rebaseApply] = r.stdout.split('\n');
  if ((rebaseMerge && existsSync(rebaseMerge)) || (rebaseApply && existsSync(rebaseApply))) return 'rebase';
  if (merge && existsSync(merge)) return 'merge';
  return undefined;
}

/** Back to a clean work tree at HEAD: abort what is in progress, drop stale locks, reset. */
async function cleanUp(world: World, agent: Agent): Promise<void> {
  const gitDir = join(agent.dir, '.git');
  for (const lock of ['index.lock', 'HEAD.lock', 'ORIG_HEAD.lock', 'config.lock', join('refs', 'heads', 'main.lock'), join('refs', 'remotes', 'origin', 'main.lock'), 'packed-refs.lock']) {
    rmSync(join(gitDir, lock), { force: true });
  }
  const locks = join(gitDir, 'strata', 'locks');
  if (existsSync(locks)) for (const name of readdirSync(locks)) if (name.endsWith('.lock')) rmSync(join(locks, name), { recursive: true, force: true });
  const busy = await inProgress(world, agent);
  if (busy === 'rebase') await world.git(agent, agent.dir, ['rebase', '--abort']);
  if (busy === 'merge') await world.git(agent, agent.dir, ['merge', '--abort']);
  if (busy === 'rebase' && (await inProgress(world, agent)) === 'rebase') rmSync(join(gitDir, 'rebase-merge'), { recursive: true, force: true });
  await world.git(agent, agent.dir, ['reset', '-q', '--hard', 'HEAD']);
  await world.git(agent, agent.dir, ['clean', '-q', '-fd', '-e', '.strata']);
}

async function head(world: World, agent: Agent): Promise<string | undefined> {
  const r = await world.git(agent, agent.dir, ['rev-parse', '-q', '--verify', 'HEAD']);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------
// client operations: a CLI command (or a file append), then git commit

function readLocal(agent: Agent, path: string): string {
  try {
    return readFileSync(join(agent.dir, path), 'utf8');
  } catch {
    return '';
  }
}

/** Commits `paths`; ok, fail (refused: nothing committed) or info (killed, timed out). */
async function commit(world: World, agent: Agent, paths: readonly string[], message: string): Promise<{ type: 'ok' | 'fail' | 'info'; error?: string }> {
  const status = await world.git(agent, agent.dir, ['status', '--porcelain', '--', ...paths]);
  if (status.status === 0 && status.stdout.trim() === '') return { type: 'ok' }; // nothing to do: it holds already
  const added = await world.git(agent, agent.dir, ['add', '--', ...paths]);
  if (added.status !== 0) return { type: 'fail', error: firstLine(added.stderr) };
  const r = await world.git(agent, agent.dir, ['commit', '-q', '-m', message]);
  if (r.killed) return { type: 'info', error: 'git commit killed' };
  if (r.status !== 0) return { type: 'fail', error: firstLine(r.stderr) || firstLine(r.stdout) };
  return { type: 'ok' };
}

type Outcome = { type: 'ok' | 'fail' | 'info'; op?: Op; error?: string };

async function clientOp(world: World, agent: Agent, op: Op, body: () => Promise<Outcome>): Promise<Outcome> {
  world.clientOps++;
  const invoke = world.record('invoke', agent.name, op);
  let result: Outcome;
  try {
    result = await body();
  } catch (error) {
    result = { type: 'info', error: (error as Error).message };
  }
  world.record(result.type, agent.name, result.op ?? op, invoke.index, result.error);
  if (result.type !== 'ok') await cleanUp(world, agent);
  return result;
}

/** A CLI writer followed by a commit of the file it wrote. */
async function cliThenCommit(world: World, agent: Agent, args: readonly string[], paths: readonly string[], message: string, learn?: (stdout: string) => Op | undefined): Promise<Outcome> {
  const r = await world.strata(agent, args);
  if (r.killed) return { type: 'info', error: 'killed' };
  if (r.status !== 0) return { type: 'fail', error: firstLine(r.stderr) };
  const learnt = learn?.(r.stdout);
  const c = await commit(world, agent, paths, message);
  return { ...c, ...(learnt ? { op: learnt } : {}) };
}

function token(agent: Agent, letter: string): string {
  agent.counter++;
  return `${agent.name}-${letter}${agent.counter}`;
}

function words(r: Rng, n: number): string {
  return Array.from({ length: n }, () => r.pick(WORDS)).join(' ');
}

async function queueAdd(world: World, agent: Agent): Promise<void> {
  const r = agent.rng;
  const known = tasks(readLocal(agent, FILES.queue));
  const depends = known.length > 0 && r.chance(0.4) ? [...new Set(Array.from({ length: r.between(1, 2) }, () => known[Math.max(0, known.length - 1 - r.int(5))]!.seq))].sort((a, b) => a - b) : [];
  const tok = token(agent, 't');
  const op: Op = { f: 'queue-add', token: tok, depends };
  const args = ['queue', 'add', '--json', ...(depends.length ? ['--depends', depends.join(',')] : []), 'task', tok, words(r, 2)];
  await clientOp(world, agent, op, () =>
    cliThenCommit(world, agent, args, [FILES.queue], `${agent.name}: add ${tok}`, (stdout) => {
      try {
        const out = JSON.parse(stdout) as { seq: number; id: string };
        return { ...op, id: out.id, seq: out.seq };
      } catch {
        return undefined;
      }
    }),
  );
}

async function queueEdit(world: World, agent: Agent, what: 'claim' | 'checkpoint' | 'done'): Promise<void> {
  const r = agent.rng;
  const all = tasks(readLocal(agent, FILES.queue)).filter((t) => t.id !== undefined);
  const bySeq = new Map(all.map((t) => [t.seq, t]));
  const candidates =
    what === 'done'
      ? all.filter((t) => t.status !== 'done' && t.status !== 'cancelled' && t.depends.every((d) => bySeq.get(d)?.status === 'done'))
      : what === 'claim'
        ? all.filter((t) => t.status === 'open' || t.status === 'claimed')
        : all;
  if (candidates.length === 0) return queueAdd(world, agent);
  const task = r.chance(0.6) ? candidates[candidates.length - 1 - r.int(Math.min(candidates.length, 4))]! : r.pick(candidates);
  const id = task.id!;
  if (what === 'checkpoint') {
    const tok = token(agent, 'c');
    const op: Op = { f: 'queue-checkpoint', id, seq: task.seq, token: tok };
    await clientOp(world, agent, op, () => cliThenCommit(world, agent, ['queue', 'checkpoint', id, 'checkpoint', tok], [FILES.queue], `${agent.name}: checkpoint ${tok}`));
    return;
  }
  const op: Op = what === 'claim' ? { f: 'queue-claim', id, seq: task.seq } : { f: 'queue-done', id, seq: task.seq };
  // done on a task another live agent claimed is refused unless forced: force half of them, so a done
  // racing a concurrent claim still happens.
  const force = what === 'done' && r.chance(0.5) ? ['--force'] : [];
  // By id, as the README tells agents to: a merge may renumber the task between this read and the edit.
  await clientOp(world, agent, op, () => cliThenCommit(world, agent, ['queue', what, id, ...force], [FILES.queue], `${agent.name}: ${what} ${task.seq}`));
}

async function heartbeat(world: World, agent: Agent): Promise<void> {
  const tok = token(agent, 'h');
  const status = agent.rng.pick(['busy', 'idle', 'reviewing']);
  await clientOp(world, agent, { f: 'heartbeat', token: tok }, () =>
    cliThenCommit(world, agent, ['heartbeat', '--status', status, 'working', 'on', tok], [FILES.heartbeat], `${agent.name}: heartbeat ${tok}`),
  );
}

async function factSet(world: World, agent: Agent): Promise<void> {
  const r = agent.rng;
  const entity = r.pick(ENTITIES);
  const attr = r.pick(ATTRS);
  const value = token(agent, 'f');
  await clientOp(world, agent, { f: 'fact-set', entity, attr, value }, () =>
    cliThenCommit(world, agent, ['fact', 'set', entity, attr, value], [FILES.facts], `${agent.name}: fact ${entity} ${attr} ${value}`),
  );
}

async function opRequest(world: World, agent: Agent): Promise<void> {
  const r = agent.rng;
  const kind = r.chance(0.6) ? 'deploy' : 'email';
  const key = `${kind}-${token(agent, 'k')}`;
  const args = kind === 'deploy' ? [`v${agent.counter}`, r.pick(['staging', 'production'])] : ['team', ...(r.chance(0.2) ? ['bounce'] : [])];
  await clientOp(world, agent, { f: 'op-request', key, kind, args }, () =>
    cliThenCommit(world, agent, ['op', 'request', kind, '--key', key, '--', ...args], [FILES.ops], `${agent.name}: request ${key}`),
  );
}

/** Inserts a line at the end of a section of NOTES.md, or appends one to the daily log. */
async function note(world: World, agent: Agent, daily: boolean): Promise<void> {
  const r = agent.rng;
  const n = token(agent, 'n');
  const file = daily ? FILES.log : FILES.notes;
  const line = daily ? `- ${agent.name}: log ${n} ${words(r, 3)}` : `- ${agent.name} note ${n}: ${words(r, 4)}`;
  await clientOp(world, agent, { f: 'note', file, line }, async () => {
    const path = join(agent.dir, file);
    const text = readLocal(agent, file);
    let next: string;
    if (daily) {
      next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
    } else {
      const lines = text.split('\n');
      const headings = lines.map((l, i) => (l.startsWith('## ') ? i : -1)).filter((i) => i >= 0);
      if (headings.length === 0) {
        next = `${text}${text.endsWith('\n') ? '' : '\n'}${line}\n`;
      } else {
        const h = r.pick(headings);
        const end = headings.find((x) => x > h) ?? lines.length;
        let last = end - 1;
        while (last > h && lines[last]!.trim() === '') last--;
        lines.splice(last + 1, 0, line);
        next = lines.join('\n');
      }
    }
    writeFileSync(path, next);
    return commit(world, agent, [file], `${agent.name}: note ${n}`);
  });
}

// ---------------------------------------------------------------------------------------------------
// sync

async function resolveConflicts(world: World, agent: Agent, mode: 'merge' | 'rebase'): Promise<boolean> {
  for (let step = 0; step < 50; step++) {
    const busy = await inProgress(world, agent);
    if (busy === undefined) return true;
    await world.strata(agent, ['resolve']);
    const unmerged = await world.git(agent, agent.dir, ['diff', '--name-only', '--diff-filter=U']);
    if (unmerged.stdout.trim() !== '') return false;
    const next =
      mode === 'rebase' || busy === 'rebase'
        ? await world.git(agent, agent.dir, ['-c', 'core.editor=true', 'rebase', '--continue'])
        : await world.git(agent, agent.dir, ['commit', '-q', '--no-edit']);
    if (next.status !== 0 && (await world.git(agent, agent.dir, ['diff', '--name-only', '--diff-filter=U'])).stdout.trim() === '' && (await inProgress(world, agent)) === busy && busy === 'merge') {
      return false;
    }
  }
  return false;
}

/**
 * `git pull` with the agent's hooks. `hookReplay: false` keeps an executor's post-merge hook from
 * replaying (as replay's own git commands do): the heal's counted sync rounds measure the merge layer.
 */
async function pull(world: World, agent: Agent, mode: 'merge' | 'rebase', allowFaults = true, hookReplay = true): Promise<boolean> {
  const r = agent.rng;
  let env: NodeJS.ProcessEnv = hookReplay ? {} : { [REPLAY_ACTIVE_ENV]: '1' };
  let killDriver: string | undefined;
  if (allowFaults && world.options.faults.has('kill-driver') && r.chance(0.2)) {
    const at = r.between(1, 3);
    const when = r.chance(0.5) ? 'before' : 'after';
    killDriver = `call ${at} ${when}`;
    const counter = join(world.dir, 'driver', 'counters', `${agent.name}-${world.history.length}`);
    env = { ...env, STRATA_TORTURE_KILL_AT: String(at), STRATA_TORTURE_KILL_MODE: when, STRATA_TORTURE_COUNTER: counter };
  }
  const op: Op = { f: 'pull', mode, ...(killDriver ? { killDriver } : {}) };
  const invoke = world.record('invoke', agent.name, op);
  const res = await world.git(agent, agent.dir, ['pull', '-q', '--no-edit', mode === 'rebase' ? '--rebase' : '--no-rebase', 'origin', 'main'], { env });
  let type: 'ok' | 'fail' | 'info' = 'ok';
  let resolved = false;
  let error: string | undefined;
  if (res.killed) {
    type = 'info';
    error = 'git pull killed (timeout)';
  } else if (res.status !== 0) {
    if ((await inProgress(world, agent)) !== undefined) {
      resolved = await resolveConflicts(world, agent, mode);
      if (!resolved) {
        type = 'fail';
        error = `conflicts strata resolve could not settle: ${firstLine(res.stdout) || firstLine(res.stderr)}`;
      }
    } else {
      type = 'fail';
      error = firstLine(res.stderr) || firstLine(res.stdout);
    }
  }
  if (type !== 'ok') await cleanUp(world, agent);
  const h = await head(world, agent);
  if (type === 'ok' && h) agent.heads.push([world.now(), h]);
  world.record(type, agent.name, { ...op, ...(h ? { head: h } : {}), ...(resolved ? { resolved } : {}) }, invoke.index, error);
  return type === 'ok';
}

async function push(world: World, agent: Agent): Promise<'ok' | 'rejected' | 'failed'> {
  const h = await head(world, agent);
  const op: Op = { f: 'push', ...(h ? { head: h } : {}) };
  const invoke = world.record('invoke', agent.name, op);
  const res = await world.git(agent, agent.dir, ['push', '-q', '--porcelain', 'origin', 'HEAD:main']);
  if (res.killed) {
    world.record('info', agent.name, op, invoke.index, 'git push killed (timeout)');
    return 'failed';
  }
  if (res.status === 0) {
    world.record('ok', agent.name, op, invoke.index);
    return 'ok';
  }
  const rejected = /rejected|non-fast-forward|fetch first/.test(res.stdout + res.stderr);
  world.record('fail', agent.name, op, invoke.index, rejected ? 'rejected: non-fast-forward' : firstLine(res.stderr));
  return rejected ? 'rejected' : 'failed';
}

/** Pull, push, and on a non-fast-forward rejection pull and push again (a few times). */
async function sync(world: World, agent: Agent, allowFaults = true): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const mode = agent.rng.chance(0.5) ? 'rebase' : 'merge';
    if (!(await pull(world, agent, mode, allowFaults))) return false;
    if (agent.executor && (!allowFaults || agent.rng.chance(0.5))) await replay(world, agent, allowFaults);
    const pushed = await push(world, agent);
    if (pushed === 'ok') return true;
    if (pushed === 'failed') return false;
  }
  return false;
}

async function replay(world: World, agent: Agent, allowFaults = true): Promise<void> {
  const kill = allowFaults && world.options.faults.has('kill-replay') && agent.rng.chance(0.35) ? agent.rng.between(100, 2500) : undefined;
  const op: Op = { f: 'replay', ...(kill !== undefined ? { killAfterMs: kill } : {}) };
  const invoke = world.record('invoke', agent.name, op);
  const res = await world.strata(agent, ['replay'], kill !== undefined ? { killAfterMs: kill } : {});
  if (res.killed) {
    world.record('info', agent.name, op, invoke.index, 'SIGKILL');
    await cleanUp(world, agent);
    return;
  }
  world.record(res.status === 0 ? 'ok' : 'fail', agent.name, op, invoke.index, res.status === 0 ? undefined : firstLine(res.stderr));
  if (res.status !== 0) await cleanUp(world, agent);
}

// ---------------------------------------------------------------------------------------------------
// faults

/**
 * Truncates a coordination file mid-line, as a crash in the middle of a write would. With `commitIt`
 * the cut lands inside the tags of the file's last entry (so the entry grammar is broken and the
 * pre-commit hook must refuse the commit); otherwise anywhere in the last line, and the agent notices
 * and restores the file with `git checkout -- file`.
 */
async function tornWrite(world: World, agent: Agent, commitIt: boolean): Promise<void> {
  const r = agent.rng;
  const candidates = commitIt ? [FILES.queue, FILES.heartbeat, FILES.facts, FILES.ops] : [FILES.queue, FILES.heartbeat, FILES.facts, FILES.notes, FILES.ops];
  const files = candidates.filter((f) => readLocal(agent, f).trim() !== '');
  if (files.length === 0) return;
  const file = r.pick(files);
  const text = readLocal(agent, file);
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lineStart = body.lastIndexOf('\n') + 1;
  const last = body.slice(lineStart);
  let cut: number;
  if (commitIt) {
    // Inside one tag: after its `[`, before its `]`. (A cut exactly between two tags leaves a shorter
    // entry that is still well-formed — indistinguishable from an edit, so no check could refuse it.)
    const tags = [...last.matchAll(/\[[a-z][a-z0-9_-]*:[^\]\n]*\]/g)];
    if (tags.length === 0) return;
    const tag = r.pick(tags);
    cut = lineStart + r.between(tag.index! + 1, tag.index! + tag[0].length - 1);
  } else {
    if (last.length < 4) return;
    cut = lineStart + r.between(2, last.length - 1);
  }
  const op: Op = { f: 'torn-write', file, bytes: cut };
  const invoke = world.record('invoke', agent.name, op);
  writeFileSync(join(agent.dir, file), text.slice(0, cut));
  if (!commitIt) {
    await world.git(agent, agent.dir, ['checkout', '--', file]);
    world.record('ok', agent.name, { ...op, outcome: 'restored' }, invoke.index);
    return;
  }
  await world.git(agent, agent.dir, ['add', '--', file]);
  const c = await world.git(agent, agent.dir, ['commit', '-q', '-m', `${agent.name}: torn write of ${file}`]);
  if (c.status === 0) {
    const h = await head(world, agent);
    world.record('ok', agent.name, { ...op, outcome: 'committed', ...(h ? { head: h } : {}) }, invoke.index);
    return;
  }
  await cleanUp(world, agent);
  world.record('ok', agent.name, { ...op, outcome: 'refused' }, invoke.index, firstLine(c.stderr));
}

async function setPartition(world: World, agent: Agent, on: boolean): Promise<void> {
  agent.partitioned = on;
  await world.git(undefined, agent.dir, ['config', 'remote.origin.url', on ? PARTITIONED_URL : world.remote]);
}

async function nemesis(world: World): Promise<void> {
  if (!world.options.faults.has('partition') || world.agents.length < 2) return;
  const r = rng(world.options.seed).fork(9999);
  const scale = Math.min(1, world.options.seconds / 60);
  while (!world.stopping) {
    await sleepUnlessStopping(world, r.between(2000, 6000) * scale + 500);
    if (world.stopping) break;
    const free = world.agents.filter((a) => !a.partitioned);
    const count = Math.max(1, r.int(Math.floor(world.agents.length / 2)) + 1);
    const chosen: Agent[] = [];
    for (let i = 0; i < count && free.length > 0; i++) chosen.push(free.splice(r.int(free.length), 1)[0]!);
    const names = chosen.map((a) => a.name);
    const inv = world.record('invoke', 'nemesis', { f: 'partition', agents: names });
    for (const a of chosen) await setPartition(world, a, true);
    world.record('ok', 'nemesis', { f: 'partition', agents: names }, inv.index);
    await sleepUnlessStopping(world, r.between(2000, 8000) * scale + 500);
    const healInv = world.record('invoke', 'nemesis', { f: 'heal', agents: names });
    for (const a of chosen) await setPartition(world, a, false);
    world.record('ok', 'nemesis', { f: 'heal', agents: names }, healInv.index);
  }
}

async function sleepUnlessStopping(world: World, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!world.stopping && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
}

// ---------------------------------------------------------------------------------------------------
// the agents' loop

async function agentLoop(world: World, agent: Agent): Promise<void> {
  const r = agent.steps;
  const limit = world.options.ops;
  while (!world.stopping) {
    if (limit !== undefined && world.clientOps >= limit) break;
    const torn = world.options.faults.has('torn');
    const tornCommit = world.options.faults.has('torn-commit');
    if ((torn || tornCommit) && r.chance(0.03)) {
      await tornWrite(world, agent, tornCommit && (!torn || agent.rng.chance(0.5)));
      continue;
    }
    const step = r.weighted<string>([
      [14, 'heartbeat'],
      [14, 'fact'],
      [10, 'note'],
      [10, 'log'],
      [7, 'queue-add'],
      [4, 'claim'],
      [3, 'checkpoint'],
      [4, 'done'],
      [4, 'op'],
      [12, 'pull'],
      [24, 'sync'],
      [agent.executor ? 4 : 0, 'replay'],
    ]);
    switch (step) {
      case 'heartbeat':
        await heartbeat(world, agent);
        break;
      case 'fact':
        await factSet(world, agent);
        break;
      case 'note':
        await note(world, agent, false);
        break;
      case 'log':
        await note(world, agent, true);
        break;
      case 'queue-add':
        await queueAdd(world, agent);
        break;
      case 'claim':
      case 'checkpoint':
      case 'done':
        await queueEdit(world, agent, step);
        break;
      case 'op':
        await opRequest(world, agent);
        break;
      case 'pull':
        if ((await pull(world, agent, agent.rng.chance(0.5) ? 'rebase' : 'merge')) && agent.executor && agent.rng.chance(0.5)) await replay(world, agent);
        break;
      case 'sync':
        await sync(world, agent);
        break;
      case 'replay':
        await replay(world, agent);
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// heal and final read

async function treeOf(world: World, agent: Agent): Promise<string> {
  const tree = (await world.git(agent, agent.dir, ['rev-parse', 'HEAD^{tree}'])).stdout.trim();
  const dirty = (await world.git(agent, agent.dir, ['status', '--porcelain'])).stdout.trim() !== '';
  return dirty ? `${tree}+dirty` : tree;
}

async function remoteTree(world: World): Promise<string> {
  return (await world.must(undefined, world.dir, ['--git-dir', world.remote, 'rev-parse', 'main^{tree}'])).trim();
}

async function allIdentical(world: World): Promise<boolean> {
  const remote = await remoteTree(world);
  for (const a of world.agents) if ((await treeOf(world, a)) !== remote) return false;
  return true;
}

/**
 * Rounds of pull + push by every clone until all are byte-identical; the number of rounds, or undefined.
 * Without `withReplay` no replay runs, not even from the post-merge hook: a replay that claims an op
 * and pushes is new work, not slow convergence (the final replay passes run it).
 */
async function converge(world: World, maxRounds: number, withReplay: boolean): Promise<number | undefined> {
  for (let round = 1; round <= maxRounds; round++) {
    for (const agent of world.agents) {
      if (withReplay && agent.executor) {
        await pull(world, agent, 'merge', false);
        await replay(world, agent, false);
      }
      for (let attempt = 0; attempt < 5; attempt++) {
        await pull(world, agent, attempt % 2 === 0 ? 'merge' : 'rebase', false, withReplay);
        const ahead = (await world.git(agent, agent.dir, ['rev-list', '--count', 'origin/main..HEAD'])).stdout.trim();
        if (ahead === '0') break;
        if ((await push(world, agent)) === 'ok') break;
      }
    }
    if (await allIdentical(world)) return round;
  }
  return undefined;
}

function parseFindings(stdout: string): { findings: ToolFinding[]; error?: string } {
  try {
    const parsed = JSON.parse(stdout) as { findings?: ToolFinding[] };
    return { findings: parsed.findings ?? [] };
  } catch {
    return { findings: [], error: `unreadable output: ${stdout.slice(0, 200)}` };
  }
}

async function commitsOfMain(world: World): Promise<CommitInfo[]> {
  const list = (await world.must(undefined, world.dir, ['--git-dir', world.remote, 'rev-list', '--topo-order', '--reverse', '--parents', 'main'])).trim().split('\n').filter(Boolean);
  const shas = list.map((l) => l.split(' '));
  const texts = await catFiles(world, shas.map(([sha]) => `${sha}:${FILES.queue}`));
  return shas.map(([sha, ...parents], i) => ({ sha: sha!, parents, queue: texts[i] }));
}

/** `git cat-file --batch` over `specs`, reading stdout as bytes. */
function catFiles(world: World, specs: readonly string[]): Promise<(string | undefined)[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', world.remote, 'cat-file', '--batch'], { cwd: world.dir, env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', () => {
      const out = Buffer.concat(chunks);
      const texts: (string | undefined)[] = [];
      let at = 0;
      for (let n = 0; n < specs.length; n++) {
        const end = out.indexOf(10, at);
        if (end === -1) {
          texts.push(undefined);
          continue;
        }
        const header = out.subarray(at, end).toString('utf8');
        at = end + 1;
        const m = / blob (\d+)$/.exec(header);
        if (!m) {
          texts.push(undefined);
          continue;
        }
        const size = Number(m[1]);
        texts.push(out.subarray(at, at + size).toString('utf8'));
        at += size + 1;
      }
      resolve(texts);
    });
    child.stdin.end(specs.map((s) => `${s}\n`).join(''));
  });
}

function driverStats(dir: string): FinalState['driver'] {
  const lines = readFileSync(join(dir, 'driver', 'calls.log'), 'utf8').split('\n');
  return {
    calls: lines.filter((l) => l.startsWith('call ')).length,
    conflicts: lines.filter((l) => l.startsWith('exit ') && l.split(' ')[1] === '1').length,
    killed: lines.filter((l) => l.startsWith('killed ')).length,
  };
}

function effectsOf(dir: string): Effect[] {
  return readFileSync(join(dir, 'effects', 'effects.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [key, kind, executor] = l.split('\t');
      return { key: key!, kind: kind ?? '', executor: executor ?? '' };
    });
}

async function finalRead(world: World, convergenceRounds: number | undefined, healedAt: number): Promise<FinalState> {
  const files: Record<string, string | undefined> = {};
  const paths = Object.values(FILES);
  const texts = await catFiles(world, paths.map((p) => `main:${p}`));
  paths.forEach((p, i) => (files[p] = texts[i]));
  const first = world.agents[0]!;
  const root = (await world.must(first, first.dir, ['rev-list', '--max-parents=0', 'HEAD'])).trim().split('\n')[0]!;
  const verified = await world.strata(first, ['verify', '--range', `${root}..HEAD`, '--format', 'json']);
  const checked = await world.strata(first, ['check', '--format', 'json']);
  const verify = parseFindings(verified.stdout);
  const checkResult = parseFindings(checked.stdout);
  const trees: Record<string, string> = {};
  for (const a of world.agents) trees[a.name] = await treeOf(world, a);
  return {
    files,
    commits: await commitsOfMain(world),
    effects: effectsOf(world.dir),
    kinds: KINDS,
    convergenceRounds,
    trees,
    remoteTree: await remoteTree(world),
    heads: Object.fromEntries(world.agents.map((a) => [a.name, a.heads])),
    healedAt,
    verify: { ran: true, findings: verify.findings, ...(verify.error && verified.status !== 0 ? { error: `${verify.error} ${firstLine(verified.stderr)}` } : {}) },
    check: { ran: true, findings: checkResult.findings, ...(checkResult.error && checked.status !== 0 ? { error: `${checkResult.error} ${firstLine(checked.stderr)}` } : {}) },
    driver: driverStats(world.dir),
  };
}

// ---------------------------------------------------------------------------------------------------

export async function runTorture(options: TortureOptions): Promise<TortureRun> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-torture-'));
  const world = new World(dir, options);
  const onSignal = (): void => {
    for (const child of children) killGroup(child);
  };
  process.once('exit', onSignal);
  try {
    options.progress(`strata torture: seed ${options.seed}, ${options.agents} agents, ${options.seconds} s, in ${dir}`);
    await setUp(world);
    const started = Date.now();
    const stopAt = started + options.seconds * 1000;
    const loops = [...world.agents.map((a) => agentLoop(world, a)), nemesis(world)];
    const timer = (async () => {
      while (Date.now() < stopAt && !(options.ops !== undefined && world.clientOps >= options.ops)) await sleep(100);
      world.stopping = true;
    })();
    await Promise.all([...loops, timer]);
    world.stopping = true;
    options.progress(`strata torture: ${world.clientOps} operations; healing`);

    // Heal: every partition ends, every clone is cleaned up, then sync rounds until all are identical.
    const healedAt = world.now();
    const healInv = world.record('invoke', 'nemesis', { f: 'heal', agents: world.agents.map((a) => a.name) });
    for (const a of world.agents) {
      await setPartition(world, a, false);
      await cleanUp(world, a);
      // An executor that comes back runs its replay once, as it would on a restart: that is also what
      // puts back a ledger a killed replay left half-merged (which would block every pull).
      if (a.executor) await replay(world, a, false);
    }
    world.record('ok', 'nemesis', { f: 'heal', agents: world.agents.map((a) => a.name) }, healInv.index);
    const rounds = await converge(world, 6, false);
    // The final replays (every executor, until nothing changes), then sync again.
    for (let pass = 0; pass < 4; pass++) {
      const before = await remoteTree(world);
      await converge(world, 1, true);
      await converge(world, 4, false);
      if ((await remoteTree(world)) === before) break;
    }
    await converge(world, 4, false);
    const final = await finalRead(world, rounds, healedAt);
    return { dir, history: world.history, final, elapsedMs: Date.now() - started };
  } finally {
    process.removeListener('exit', onSignal);
    for (const child of children) killGroup(child);
    if (options.keep) writeFileSync(join(dir, 'history.jsonl'), `${world.history.map((e) => JSON.stringify(e)).join('\n')}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
