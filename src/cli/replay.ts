// git strata replay [--dry-run]: run the pending ops this clone is the executor for.
//
// Also the post-merge / post-rewrite step (replayFromHook). That path must cost next to nothing when
// there is nothing to do: a few git calls through spawnSync, the two files read at HEAD, a pure plan;
// the executor (execa, locks, plumbing) is imported only when the plan has an action.
import { claimsMayUseRemote } from '../core/replay/config.js';
import { planReplay } from '../core/replay/plan.js';
import { REPLAY_ACTIVE_ENV, clockNow, hasUnpushedLedger, readLocalSettings, snapshot } from '../ops/probe.js';
import { EXIT, reportError } from './exit.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * The hook entry: `post-merge` (after a pull that merged or fast-forwarded) and `post-rewrite rebase`
 * (after `pull --rebase`). Never fails the git command that ran the hook.
 */
export async function replayFromHook(hookName: string, args: string[]): Promise<number> {
  if (process.env[REPLAY_ACTIVE_ENV]) return EXIT.ok;
  if (hookName === 'post-rewrite' && args[0] !== 'rebase') return EXIT.ok;
  try {
    const cwd = process.cwd();
    const settings = readLocalSettings(cwd);
    if (!settings.executor) return EXIT.ok;
    const snap = snapshot(cwd, settings);
    if (!snap.head) return EXIT.ok;
    const handlers = new Map([...settings.handlers].map(([kind, spec]) => [kind, { idempotent: spec.idempotent }]));
    const plan = planReplay({ ops: snap.opsTexts, ledger: snap.ledger, now: clockNow(), executor: snap.executor, handlers });
    // Ledger records a failed push left behind go out with the next pull (no ledger: none to look for).
    if (plan.actions.length === 0 && !(claimsMayUseRemote(settings) && snap.ledger !== '' && hasUnpushedLedger(snap.top))) {
      const waiting = plan.needsPerson.length + plan.conflicts.length;
      if (waiting > 0) err(`strata: ${waiting} op${waiting === 1 ? ' needs' : 's need'} a person: git strata op show`);
      return EXIT.ok;
    }
    const { replay } = await import('../ops/replay.js');
    await replay({ cwd, quiet: true, out, err, finishingRebase: hookName === 'post-rewrite' });
  } catch (error) {
    reportError(error);
  }
  return EXIT.ok;
}

export async function run(args: string[]): Promise<number> {
  const { command, parse } = await import('./args.js');
  const program = command('replay', 'run the pending ops this clone is the executor for')
    .option('-n, --dry-run', 'show what would run; change nothing')
    .addHelpText(
      'after',
      [
        '',
        'Runs only in a clone with `git config strata.executor true`. Handlers come only from local config:',
        '  git config strata.handler.<kind> \'["/path/to/program", "fixed arg"]\'   (JSON array), or',
        '  git config strata.handler.<kind> "/path/to/program fixed-arg"           (split on white space, no quoting)',
        "The op's [args:…] follow as separate argv entries; no shell is involved. The key is in",
        'STRATA_IDEMPOTENCY_KEY. Options: strata.handler.<kind>.timeout (default 10m),',
        'strata.handler.<kind>.idempotent, strata.executorName, strata.claimRemote, strata.claimBranch, strata.lease.',
        '',
        'Claims are linearised by the remote: before running an op, replay pushes a claim commit and runs the',
        'op only if the push is accepted. The remote is strata.claimRemote, by default the one the current branch',
        "tracks, else origin, else the only remote; the branch is strata.claimBranch, by default the current",
        "branch's upstream.",
        '`git config strata.claimRemote none` keeps claims in this clone (a local lock; right for a single',
        'executor); a clone with no remote does the same and says so.',
        '',
        'Every record replay commits also goes to this clone\'s journal (<git common dir>/strata/replay-journal):',
        'an op HEAD\'s ledger shows as pending although this clone ran it (HEAD moved to a commit without the',
        'record) is recorded unknown instead of running again; merge the branch that has the record, or decide',
        'with git strata op resolve.',
      ].join('\n'),
    );
  const parsed = parse<{ dryRun?: boolean }>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { nothingRun, replay } = await import('../ops/replay.js');
  const report = await replay({ cwd: process.cwd(), dryRun: Boolean(parsed.options.dryRun), out, err });
  if (!report.executor) {
    err('strata: this clone is not an executor, so replay runs nothing (git config strata.executor true makes it one)');
    return EXIT.ok;
  }
  if (report.outcomes.length === 0 && !parsed.options.dryRun) out(`strata: ${report.plan ? nothingRun(report.plan) : 'nothing to run'}`);
  return EXIT.ok;
}
