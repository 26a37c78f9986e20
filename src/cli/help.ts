// git strata help [command]: the overview from the command table, or one command's own --help.
// (`git strata --help` never reaches strata: git turns it into `git help strata`, i.e. `man git-strata`.)
import { COMMANDS, loadCommand, usage } from './commands.js';
import { EXIT } from './exit.js';

export async function run(args: string[]): Promise<number> {
  const [name, ...sub] = args;
  if (name === undefined || name === 'strata' || name === 'git-strata' || name === '-h' || name === '--help') {
    process.stdout.write(usage());
    process.stdout.write("The manual: 'man git-strata' (what 'git strata --help' opens), installed by install.sh.\n");
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`strata: no command named '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  const command = await loadCommand(name, entry);
  // `help queue add` is `queue add --help`, as `git help` reads `git help stash push`.
  return command.run([...sub.filter((word) => !word.startsWith('-')), '--help']);
}
