// `git strata heartbeat [--agent A] [--status S] [--ttl 10m] [NOTE]`: renew this agent's lease in
// HEARTBEAT.md (replace its line, or append one). Edits the work tree only; agents commit themselves.
import { MAX_CLOCK_OFFSET, clockNotes, stampsAt, tick } from '../core/clock.js';
import { beat } from '../core/heartbeat-ops.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';
import { guarded } from './guard.js';
import { agentName, editFile, now, workFile } from '../ops/workfile.js';

const HEADER = '# Heartbeat\n\n';

interface Options {
  agent?: string;
  status?: string;
  ttl?: string;
  file?: string;
  json?: boolean;
}

export async function run(args: string[]): Promise<number> {
  const program = command('heartbeat', "renew this agent's lease: an agent is alive while at + ttl is in the future")
    .option('--agent <name>', 'the agent (default STRATA_AGENT, else git config user.name)')
    .option('--status <status>', 'a word such as busy or idle (default: the previous one, else alive)')
    .option('--ttl <duration>', 'lease length with its unit: 30s, 10m, 1h, 2d (default: the previous one, else 10m)')
    .option('--file <path>', 'heartbeat file (default HEARTBEAT.md)')
    .option('--json', 'print JSON')
    .argument('[note...]', 'what the agent is doing (default: the previous note)');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  return guarded(async () => {
    const cwd = process.cwd();
    const file = await workFile(cwd, options.file, 'HEARTBEAT.md', 'heartbeat');
    const agent = await agentName(cwd, options.agent);
    const note = operands.length > 0 ? operands.join(' ') : undefined;
    let warnings: string[] = [];
    const result = await editFile(cwd, file, HEADER, (text) => {
      // A stamp beyond the clock bound is not followed, the agent's own previous one included: this
      // beat replaces that line, at this clock's time, and check accepts the correction.
      const at = now();
      const clock = tick(at, stampsAt(text));
      warnings = clockNotes(file.rel, clock, at, `fix the wrong clock; a heartbeat's [at:…] more than ${MAX_CLOCK_OFFSET} ahead may be corrected by hand (git strata check accepts moving it back), and an agent's own is corrected by its next heartbeat`);
      return beat(text, { agent, stamp: clock.stamp, status: options.status, ttl: options.ttl, note });
    });
    for (const warning of warnings) process.stderr.write(`strata: warning: ${warning}\n`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ file: file.rel, agent, created: result.created, line: result.line })}\n`);
    } else {
      process.stdout.write(`${file.rel}: ${result.line}\n`);
    }
    return EXIT.ok;
  });
}
