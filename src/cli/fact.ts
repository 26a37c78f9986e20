// `git strata fact set ENTITY ATTR VALUE` and `fact get ENTITY [ATTR]`: facts in MEMORY.md supersede,
// never delete. Edits the work tree only; agents commit themselves.
import { clockNotes, stampsAt, tick } from '../core/clock.js';
import { StrataError } from '../core/errors.js';
import { getFacts, setFact, slotStamps } from '../core/fact-ops.js';
import { command, parse } from './args.js';
import { EXIT } from './exit.js';
import { guarded } from './guard.js';
import { agentName, editFile, now, readWorkFile, workFile } from '../ops/workfile.js';

const MEMORY_FILE = 'MEMORY.md';
const HEADER = '# Memory\n\n';

interface Options {
  agent?: string;
  file?: string;
  json?: boolean;
}

function help(): string {
  return [
    'usage: git strata fact <subcommand> [options]',
    '',
    '  set ENTITY ATTR VALUE [--agent A]   record a fact; older values of ENTITY/ATTR are marked superseded',
    '  get ENTITY [ATTR] [--json]          the current value of each attribute',
    '',
    `Both take --file F (default ${MEMORY_FILE} at the repository root).`,
    '',
  ].join('\n');
}

async function runSet(args: string[]): Promise<number> {
  const program = command('fact set', 'record a fact; older values of the same entity and attribute are superseded')
    .option('--agent <name>', 'the agent (default STRATA_AGENT, else git config user.name)')
    .option('--file <path>', `facts file (default ${MEMORY_FILE})`)
    .option('--json', 'print JSON')
    .arguments('<entity> <attr> <value...>');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  const [entity, attr, ...value] = operands;
  const cwd = process.cwd();
  const file = await workFile(cwd, options.file, MEMORY_FILE, 'facts');
  const agent = await agentName(cwd, options.agent);
  let warnings: string[] = [];
  const result = await editFile(cwd, file, HEADER, (text) => {
    // After the slot's facts, wherever their stamps lie: written before the current one, the new value
    // would not be current. Other facts' stamps beyond the clock bound are not followed.
    const at = now();
    const clock = tick(at, stampsAt(text), slotStamps(text, entity!, attr!));
    warnings = clockNotes(file.rel, clock, at, 'fix the wrong clock (a fact is never edited: its stamp stays)', `a fact is current only when stamped after the one it supersedes`);
    return setFact(text, { entity: entity!, attr: attr!, value: value.join(' '), agent, stamp: clock.stamp });
  });
  for (const warning of warnings) process.stderr.write(`strata: warning: ${warning}\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ file: file.rel, line: result.line, superseded: result.superseded })}\n`);
  } else {
    const older = result.superseded > 0 ? ` (supersedes ${result.superseded} older)` : '';
    process.stdout.write(`${file.rel}: ${result.line}${older}\n`);
  }
  return EXIT.ok;
}

async function runGet(args: string[]): Promise<number> {
  const program = command('fact get', 'print the current value of each attribute of an entity')
    .option('--file <path>', `facts file (default ${MEMORY_FILE})`)
    .option('--json', 'print JSON')
    .arguments('<entity> [attr]');
  const parsed = parse<Options>(program, args);
  if (typeof parsed === 'number') return parsed;
  const { options, operands } = parsed;
  const [entity, attr] = operands;
  const file = await workFile(process.cwd(), options.file, MEMORY_FILE, 'facts');
  const found = getFacts((await readWorkFile(file)) ?? '', entity!, attr);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
    return EXIT.ok;
  }
  if (found.length === 0) {
    throw new StrataError('BAD_INPUT', `${file.rel}: no fact about ${entity}${attr ? ` ${attr}` : ''}`, `record one with git strata fact set ${entity} ${attr ?? 'ATTR'} VALUE`);
  }
  // One attribute: just the value, for scripts; several: attr, tab, value.
  if (attr !== undefined) process.stdout.write(`${found[0]!.value}\n`);
  else process.stdout.write(found.map((f) => `${f.attr}\t${f.value}\n`).join(''));
  return EXIT.ok;
}

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === 'set') return guarded(() => runSet(rest));
  if (name === 'get') return guarded(() => runGet(rest));
  if (name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(help());
    return EXIT.ok;
  }
  process.stderr.write(name === undefined ? help() : `strata: unknown fact subcommand '${name}'\n\n${help()}`);
  return EXIT.usage;
}
