// Option parsing for commands that are not on a hot path: commander, told not to exit the process, so
// a command returns its exit code like every other one.
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit.js';

export function command(name: string, description: string): Command {
  return new Command(`git strata ${name}`)
    .description(description)
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      // The shape of every other strata error: what failed, then what to do.
      outputError: (text, write) => write(`strata: ${text.replace(/^error: /, '').trimEnd()}\nhint: git strata ${name} --help shows the usage\n`),
    });
}

/**
 * Parses `args` with `program`; returns the options, or the exit code when parsing already finished
 * the command (help shown: 0, bad arguments: 2).
 */
export function parse<T>(program: Command, args: string[]): { options: T; operands: string[] } | number {
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return { options: program.opts<T & Record<string, unknown>>(), operands: program.args };
}
