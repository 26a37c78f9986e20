// git strata torture: a Jepsen-style simulation of agents, remotes and faults against this build (or
// against another driver with --driver-override), judged by a checker over the history and the final
// state. Exit 0 when every check holds, 1 when an anomaly was found, 2 on bad arguments.
import { randomInt } from 'node:crypto';
import { argv, execPath } from 'node:process';
import { resolve } from 'node:path';
import { command, parse } from './args.js';
import { EXIT, reportError } from './exit.js';

interface Options {
  agents: string;
  seconds: string;
  ops?: string;
  seed?: string;
  preload: string;
  faults: string;
  keep?: boolean;
  json?: boolean;
  driverOverride?: string;
}

function positive(name: string, value: string | undefined, min: number): number | string {
  if (value === undefined) return `${name} needs a value`;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) return `${name} must be a whole number of at least ${min} (got '${value}')`;
  return Number(value);
}

export async function run(args: string[]): Promise<number> {
  const program = command('torture', 'simulate agents, syncs and faults against real git and this build, then check the history')
    .option('--agents <n>', 'agents, each with its own clone', '5')
    .option('--seconds <n>', 'how long the agents run', '60')
    .option('--ops <n>', 'stop after this many client operations (whichever comes first)')
    .option('--seed <n>', 'seed of the decisions (printed; the same seed replays the same choices)')
    .option('--preload <n>', 'start with this many settled tasks, stale heartbeats and old facts in the typed files (large files merge folded)', '0')
    .option('--faults <list>', 'all, none, or a comma-separated list of partition,kill-driver,kill-replay,skew,torn,torn-commit', 'all')
    .option('--keep', 'keep the temporary directory (clones, remote, history.jsonl, driver and effect logs)')
    .option('--json', 'print the result as JSON')
    .option('--driver-override <cmd>', 'register this merge.strata.driver command line instead of strata (%O %A %B %L %P as git expands them); also STRATA_TORTURE_DRIVER')
    .addHelpText(
      'after',
      [
        '',
        'Checks: no acknowledged write lost, nothing duplicated, every clone byte-identical within 2 sync rounds',
        'after the heal, `git strata check` and `verify` pass on every commit of main, no task status ever went',
        'down, nothing done before its dependencies, idempotent ops applied exactly once and the others at most',
        'once with any doubt recorded as unknown. Each anomaly names the events that show it.',
        'Exit status: 0 every check holds, 1 anomalies, 2 usage error, 3 the harness itself failed.',
      ].join('\n'),
    );
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const o = parsed.options;
  const agents = positive('--agents', o.agents, 1);
  const seconds = positive('--seconds', o.seconds, 1);
  const ops = o.ops === undefined ? undefined : positive('--ops', o.ops, 1);
  const seed = o.seed === undefined ? randomInt(1, 2 ** 31 - 1) : positive('--seed', o.seed, 0);
  const preload = positive('--preload', o.preload, 0);
  for (const v of [agents, seconds, ops, seed, preload]) {
    if (typeof v === 'string') {
      process.stderr.write(`strata: ${v}\n`);
      return EXIT.usage;
    }
  }
  const { FAULTS } = await import('../torture/run.js');
  const wanted = o.faults.trim() === 'all' ? [...FAULTS] : o.faults.trim() === 'none' ? [] : o.faults.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = wanted.filter((f) => !(FAULTS as readonly string[]).includes(f));
  if (unknown.length > 0) {
    process.stderr.write(`strata: unknown fault '${unknown[0]}' (use all, none, or some of ${FAULTS.join(',')})\n`);
    return EXIT.usage;
  }
  const driverOverride = o.driverOverride ?? (process.env.STRATA_TORTURE_DRIVER || undefined);
  try {
    const [{ runTorture }, { check }, { renderJson, renderTable }] = await Promise.all([import('../torture/run.js'), import('../torture/check.js'), import('../torture/report.js')]);
    const faults = new Set(wanted as (typeof FAULTS)[number][]);
    const result = await runTorture({
      agents: agents as number,
      seconds: seconds as number,
      ops: ops as number | undefined,
      seed: seed as number,
      preload: preload as number,
      faults,
      keep: Boolean(o.keep),
      driverOverride,
      node: execPath,
      cli: resolve(argv[1]!),
      progress: (line) => {
        if (!o.json) process.stderr.write(`${line}\n`);
      },
    });
    const verdict = check(result.history, result.final);
    const info = {
      seed: seed as number,
      agents: agents as number,
      seconds: seconds as number,
      faults: [...faults],
      driver: driverOverride ?? 'strata (this build)',
      dir: o.keep ? result.dir : undefined,
      elapsedMs: result.elapsedMs,
    };
    process.stdout.write(o.json ? renderJson(info, verdict, result.history) : renderTable(info, verdict, result.history));
    if (!o.json && !verdict.ok) process.stderr.write(`replay this run with: git strata torture --seed ${seed} --agents ${agents} --seconds ${seconds} --preload ${preload} --faults ${o.faults}\n`);
    return verdict.ok ? EXIT.ok : EXIT.findings;
  } catch (error) {
    process.stderr.write(`strata torture: seed ${seed}\n`);
    return reportError(error);
  }
}
