// git strata op request|run|show|resolve: the writers and readers of OPS.md and the ledger.
//
//   op request KIND [--key K] [ARGS…]   append a request (key generated when absent) to OPS.md
//   op run KEY                          done/failed: print the recorded result, exit with its code;
//                                       otherwise run it here through the replay path (executors only)
//   op show [KEY] [--json]              pending / claimed / done / failed / unknown, with who and when
//   op resolve KEY done|failed|retry    a person's decision about an op nobody can vouch for
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { clockNotes } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { type OpStatus, leaseEnd, opStatuses } from '../core/replay/plan.js';
import { DEFAULT_OPS_PATH, LEDGER_PATH, appendRequest } from '../core/replay/write.js';
import { firstConflict } from '../core/check/markers.js';
import { outputPath } from '../ops/handler.js';
import { type Snapshot, opsPathsOf, snapshot } from '../ops/probe.js';
import { agentName, editFile, now, random, readWorkFile, refuseUnmerged, workFile } from '../ops/workfile.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';
import { guarded } from './guard.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

function help(): string {
  return [
    'usage: git strata op <subcommand> [options]',
    '',
    '  request KIND [--key K] [--agent A] [--note T] [--] [ARGS…]   ask for an op (appends to OPS.md)',
    '  run KEY                             print a settled op\'s recorded result and exit with its code;',
    '                                      run a pending one here if this clone is an executor',
    '  show [KEY] [--json]                 every op (or one) with its state, who and when',
    '  resolve KEY done|failed|retry       record a person\'s decision about an unknown op',
    '',
    'Keys are idempotency keys: a key is run at most once, and reusing one with other parameters is refused.',
    '',
  ].join('\n');
}

async function runRequest(args: string[]): Promise<number> {
  const program = command('op request', 'ask for an operation with side effects; an executor runs it once')
    .option('--key <key>', 'the idempotency key (default KIND-<10 random base32 characters>)')
    .option('--agent <name>', 'the requesting agent (default STRATA_AGENT, else git config user.name)')
    .option('--note <text>', 'free text for people reading OPS.md')
    .option('--file <path>', `requests file (default the file typed strata=ops, else ${DEFAULT_OPS_PATH})`)
    .option('--json', 'print JSON')
    .arguments('<kind> [args...]');
  const parsed = parse<{ key?: string; agent?: string; note?: string; file?: string; json?: boolean }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  const [kind, ...opArgs] = operands;
  const cwd = process.cwd();
  const probe = await workFile(cwd, undefined, DEFAULT_OPS_PATH);
  const typed = opsPathsOf(probe.top);
  const file = { ...(await workFile(cwd, options.file, typed[0] ?? DEFAULT_OPS_PATH)), type: 'ops' as const };
  // The other requests files are read for a key reused with other parameters: with the file, each time
  // the request is planned, so one written while this waits for the lock is seen.
  const others = typed.filter((p) => p !== file.rel).map((p) => ({ top: file.top, path: resolve(file.top, p), rel: p, type: 'ops' as const }));
  const agent = await agentName(cwd, options.agent);
  const key = options.key ?? `${kind}-${newId(random)}`;
  let at = 0;
  const result = await editFile(
    cwd,
    file,
    '',
    async (text) => {
      const texts = await Promise.all(others.map(async (other) => (await readWorkFile(other)) ?? ''));
      return appendRequest(text, texts, { kind: kind!, key, args: opArgs, agent, note: options.note ?? '' }, (at = now()));
    },
    { reads: others.map((other) => other.path) },
  );
  if (result.clock) for (const note of clockNotes(file.rel, result.clock, at, 'fix the wrong clock (the stamp may stay: strata does not follow it)')) err(`strata: warning: ${note}`);
  if (options.json) {
    out(JSON.stringify({ key, file: file.rel, line: result.line ?? null, changed: result.changed }));
  } else if (result.changed) {
    out(`${file.rel}: ${result.line}`);
    err(`hint: commit and push ${file.rel}; an executor runs it after its next pull (git strata op show ${key})`);
  } else {
    out(`${key} is already requested with these parameters; nothing changed`);
  }
  return EXIT.ok;
}

/**
 * Refuses to read ops from requests files or a ledger with a merge conflict: markers committed at HEAD
 * (a web merge) make both sides' records one list, and a file git stopped a merge on is only half read.
 */
async function refuseConflicts(snap: Snapshot): Promise<Snapshot> {
  const files = [...snap.opsPaths.map((path, i) => ({ path, text: snap.opsTexts[i]!, type: 'ops' })), { path: LEDGER_PATH, text: snap.ledger, type: 'ledger' }];
  for (const { path, text, type } of files) {
    const conflict = firstConflict(text, type);
    if (conflict !== undefined) {
      throw new StrataError('BAD_INPUT', `${path}:${conflict.line}: ${conflict.message}, committed at HEAD; strata reads no ops from a file with a merge conflict in it`, `run git strata resolve --committed ${path} and commit the result, then run this command again`);
    }
  }
  await refuseUnmerged(snap.top, files.map((f) => f.path));
  return snap;
}

function describe(s: OpStatus): string {
  const r = s.record;
  switch (s.state) {
    case 'pending': {
      const req = s.requests[0];
      return req ? `requested by ${req.agent || '?'} at ${req.at || '?'}` : '';
    }
    case 'claimed':
      return `claimed by ${r?.by} at ${r?.at}, lease until ${r?.lease ?? new Date(leaseEnd(r!)).toISOString()} (${s.leaseLive ? 'live' : 'expired'})`;
    case 'done':
    case 'failed':
      return `by ${r?.by} at ${r?.at}${r?.exit !== undefined ? `, exit ${r.exit}` : ''}${r?.resolved ? ' (resolved by a person)' : ''}${r?.note ? `: ${r.note}` : ''}`;
    case 'unknown':
      return `recorded by ${r?.by} at ${r?.at}${r?.note ? `: ${r.note}` : ''}; decide with git strata op resolve ${s.key} done|failed|retry`;
    case 'conflict':
      return `key reused with different parameters (lines ${s.requests.map((q) => q.line).join(', ')}); never run`;
  }
}

function toJson(s: OpStatus, paths: readonly string[]): unknown {
  const r = s.record;
  return {
    key: s.key,
    state: s.state,
    kind: s.kind,
    args: s.args,
    by: r?.by ?? null,
    at: r?.at ?? null,
    lease: r?.lease ?? null,
    leaseLive: s.state === 'claimed' ? s.leaseLive : null,
    exit: r?.exit !== undefined ? Number(r.exit) : null,
    out: r?.out ?? null,
    note: r?.note ?? null,
    requests: s.requests.map((q) => ({ file: paths[q.file] ?? null, line: q.line, kind: q.kind, args: q.args, agent: q.agent, at: q.at, note: q.note })),
    records: s.records.map((x) => ({ line: x.line, state: x.state, by: x.by, at: x.at, lease: x.lease ?? null, exit: x.exit ?? null, out: x.out ?? null, resolved: x.resolved, note: x.note })),
  };
}

async function runShow(args: string[]): Promise<number> {
  const program = command('op show', 'show every op (or one) with its state, who and when').option('--json', 'print JSON').arguments('[key]');
  const parsed = parse<{ json?: boolean }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const [key] = parsed.operands;
  const snap = await refuseConflicts(snapshot(process.cwd()));
  let statuses = opStatuses(snap.opsTexts, snap.ledger, now());
  if (key !== undefined) {
    statuses = statuses.filter((s) => s.key === key);
    if (statuses.length === 0) throw new StrataError('BAD_INPUT', `no op with key '${key}' at HEAD`, 'git strata op show lists them (requests count once committed)');
  }
  if (parsed.options.json) {
    out(JSON.stringify(statuses.map((s) => toJson(s, snap.opsPaths)), null, 2));
    return EXIT.ok;
  }
  if (statuses.length === 0) out('no ops requested');
  const width = Math.max(0, ...statuses.map((s) => s.key.length));
  for (const s of statuses) {
    out(`${s.key.padEnd(width)}  ${s.state.padEnd(8)} ${(s.kind || '?').padEnd(10)} ${describe(s)}`);
    if (key === undefined) continue;
    if (s.args.length > 0) out(`  args: ${JSON.stringify(s.args)}`);
    for (const q of s.requests) out(`  request ${snap.opsPaths[q.file] ?? '?'}:${q.line}: kind:${q.kind} args:${q.args || '(none)'} by ${q.agent} at ${q.at}${q.note ? `: ${q.note}` : ''}`);
    for (const x of s.records) out(`  ledger line ${x.line}: ${x.state} by ${x.by} at ${x.at}${x.lease ? ` lease ${x.lease}` : ''}${x.exit !== undefined ? ` exit ${x.exit}` : ''}${x.note ? `: ${x.note}` : ''}`);
  }
  return EXIT.ok;
}

/** The exit code a settled op replays: the recorded one (0–255), else 0 for done and 1 for failed. */
function recordedExit(s: OpStatus): number {
  const n = Number(s.record?.exit);
  if (Number.isInteger(n) && n >= 0 && n <= 255) return n;
  return s.state === 'done' ? 0 : 1;
}

/** `ranHere`: this call's replay just ran it (and said so); else the record is all there is. */
async function printSettled(s: OpStatus, commonDir: string, ranHere = false): Promise<number> {
  const r = s.record!;
  const path = r.out ? outputPath(commonDir, r.out) : undefined;
  const output = path ? await readFile(path).catch(() => undefined) : undefined;
  if (output) process.stdout.write(output);
  else if (r.note) out(r.note);
  err(`strata: ${s.key} was ${s.state} by ${r.by} at ${r.at}${r.exit !== undefined ? ` (exit ${r.exit})` : ''}${r.out ? `, output ${r.out}` : ''}; ${ranHere ? 'result recorded in the ledger' : 'recorded result, nothing run'}`);
  return recordedExit(s);
}

async function runRun(args: string[]): Promise<number> {
  const program = command('op run', "print a settled op's recorded result, or run a pending one here").arguments('<key>');
  const parsed = parse<Record<string, never>>(program, args);
  if (typeof parsed === 'number') return parsed;
  const [key] = parsed.operands as [string];
  const cwd = process.cwd();
  const find = (snap = snapshot(cwd)): { s: OpStatus | undefined; commonDir: string; executor: boolean } => {
    return { s: opStatuses(snap.opsTexts, snap.ledger, now()).find((x) => x.key === key), commonDir: snap.commonDir, executor: snap.settings.executor };
  };
  const before = find(await refuseConflicts(snapshot(cwd)));
  if (!before.s || before.s.requests.length === 0) {
    throw new StrataError('BAD_INPUT', `no op with key '${key}' at HEAD`, `request it with git strata op request KIND --key ${key}, commit, and pull where it should run`);
  }
  if (before.s.state === 'done' || before.s.state === 'failed') return printSettled(before.s, before.commonDir);
  if (before.s.state === 'conflict') throw new StrataError('BAD_INPUT', `${key}: key reused with different parameters; never run`, 'give one of the requests a new key');
  if (!before.executor) {
    throw new StrataError('BAD_INPUT', `${key} is ${before.s.state} and this clone is not an executor`, 'it runs where git config strata.executor is true; git strata op show shows its state');
  }
  const { replay } = await import('../ops/replay.js');
  const ran: string[] = [];
  await replay({ cwd, only: key, out: (line) => (ran.push(line), out(line)), err });
  const after = find();
  // Replay says 'ran KEY' when it executed the handler; another executor may have settled it instead.
  const ranHere = ran.some((line) => line.startsWith(`strata: ran ${key} `));
  if (after.s && (after.s.state === 'done' || after.s.state === 'failed')) return printSettled(after.s, after.commonDir, ranHere);
  throw new StrataError('BAD_INPUT', `${key} is ${after.s?.state ?? 'gone'}: ${after.s ? describe(after.s) : ''}`.trim());
}

/**
 * Refuses a decision the op's state at HEAD does not allow. `merged`: HEAD just took in the remote's
 * ledger, which said something the clone did not know when the person decided.
 */
function refuseDecision(snap: Snapshot, key: string, decision: 'done' | 'failed' | 'retry', merged: boolean): void {
  const s = opStatuses(snap.opsTexts, snap.ledger, now()).find((x) => x.key === key);
  const was = merged ? ' (as the ledger just merged from the remote says: it changed since this clone last pulled)' : '';
  if (!s || s.requests.length === 0) throw new StrataError('BAD_INPUT', `no op with key '${key}' at HEAD`, 'git strata op show lists them');
  if (s.state === 'done') throw new StrataError('BAD_INPUT', `${key} is done${was}; that is final`, 'to do it again, request a new op with a new key');
  if (s.state === 'claimed' && s.leaseLive) {
    throw new StrataError('BAD_INPUT', `${key} is being run by ${s.record?.by} (lease until ${s.record?.lease})${was}`, 'wait for its result, or for the lease to end');
  }
  if (s.state === 'conflict') throw new StrataError('BAD_INPUT', `${key}: key reused with different parameters`, 'give one of the requests a new key');
  if (decision === 'retry' && s.state === 'pending') throw new StrataError('BAD_INPUT', `${key} is pending${was}: it will run anyway`);
  if (decision !== 'retry' && s.state === 'failed') throw new StrataError('BAD_INPUT', `${key} already failed${was}`, `to run it again: git strata op resolve ${key} retry`);
}

async function runResolve(args: string[]): Promise<number> {
  const program = command('op resolve', "record a person's decision about an op: done, failed, or retry (run it again)")
    .option('--agent <name>', 'who decides (default STRATA_AGENT, else git config user.name)')
    .option('--note <text>', 'why')
    .arguments('<key> <decision>');
  const parsed = parse<{ agent?: string; note?: string }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const [key, decision] = parsed.operands as [string, string];
  if (decision !== 'done' && decision !== 'failed' && decision !== 'retry') {
    throw new StrataError('USAGE', `unknown decision '${decision}'`, 'one of: done (it happened), failed (it did not, do not run it), retry (run it again)');
  }
  const cwd = process.cwd();
  const person = await agentName(cwd, parsed.options.agent);
  const snap = await refuseConflicts(snapshot(cwd));
  refuseDecision(snap, key, decision, false);
  const { commitFirst, remoteOf, repoOf, REPLAY_LOCK } = await import('../ops/replay.js');
  const { withFileLock } = await import('../ops/lock.js');
  const repo = repoOf(snap);
  const remote = await remoteOf(repo, snap);
  // The record is pushed before HEAD moves, as a claim is: HEAD may be behind the remote, where the op
  // may have been run or settled meanwhile. A rejected push brings the remote's ledger in, and the
  // decision is checked again on it.
  await withFileLock(snap.top, REPLAY_LOCK, async () => {
    // The record says `resolved` already (show prints "resolved by a person"): the note is the person's own.
    const note = parsed.options.note;
    const record = { key, state: decision, by: person, resolved: true, ...(note !== undefined ? { note } : {}) } as const;
    for (let attempt = 0; ; attempt++) {
      const current = await refuseConflicts(snapshot(snap.top, snap.settings));
      if (!current.head) throw new StrataError('BAD_INPUT', 'this branch has no commit yet', 'commit something first, then record');
      refuseDecision(current, key, decision, attempt > 0);
      if (await commitFirst(repo, remote, current, record, `strata: ${key} resolved ${decision}`)) return;
      if (attempt >= 8) throw new StrataError('GIT_FAILED', `could not record the decision: ${remote ? `${remote.name}/${remote.branch} kept moving` : 'HEAD kept moving'}`, `run git strata op resolve ${key} ${decision} again`);
    }
  });
  out(`strata: ${key}: recorded ${decision}${remote ? ` and pushed to ${remote.name}/${remote.branch}` : '; push it so executors see it'}`);
  return EXIT.ok;
}

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const table: Record<string, (a: string[]) => Promise<number>> = { request: runRequest, run: runRun, show: runShow, resolve: runResolve };
  const sub = name === undefined ? undefined : table[name];
  if (sub) return guarded(() => sub(rest));
  if (name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(help());
    return EXIT.ok;
  }
  process.stderr.write(name === undefined ? help() : `strata: unknown op subcommand '${name}'\n\n${help()}`);
  return EXIT.usage;
}
