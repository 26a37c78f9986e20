// Every command but the merge driver: import nothing but the command that runs.
import { COMMANDS, VERSION, loadCommand, usage } from './commands.js';
import { StrataError } from '../core/errors.js';
import { EXIT, reportError } from './exit.js';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`strata ${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`strata: unknown command '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  let command;
  try {
    command = await loadCommand(name, entry);
  } catch (error) {
    // A hook never blocks git for a broken install, as the shims let a commit through when node or
    // the entry script is gone.
    if (name !== 'hook' || !(error instanceof StrataError)) throw error;
    process.stderr.write(`strata: warning: ${error.message}, so this hook did not run; git goes on without it\nhint: ${error.hint}\n`);
    return EXIT.ok;
  }
  return command.run(rest);
}

// A reader that stops early (`git strata op show | head`) closes the pipe: that is the end of the
// output, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** Runs one command line to its exit code, reporting what it threw. */
export async function dispatch(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    return reportError(error);
  }
}
