// Every command but the merge driver: import nothing but the command that runs.
import { COMMANDS, VERSION, usage } from './commands.js';
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
  const command = await entry.load();
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
