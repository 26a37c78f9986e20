// `git strata demo`: a throw-away remote and two agents' clones, concurrent edits to a heartbeat file,
// a memory of facts and a notes file, then `git pull` — with strata, and the same two commits merged by
// git itself without strata (its text merge, and merge=union), so what it shows is what git does.
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { command, parse } from './args.js';
import { execa } from 'execa';
import pc from 'picocolors';

const FILES = ['HEARTBEAT.md', 'MEMORY.md', 'NOTES.md'] as const;

const SEED: Record<(typeof FILES)[number], string> = {
  'HEARTBEAT.md': [
    '# Heartbeats',
    '',
    '- [agent:alice] [at:2026-11-27T10:00:00.000Z] [status:idle] [ttl:10m] waiting for work',
    '- [agent:bob] [at:2026-11-27T10:00:00.000Z] [status:idle] [ttl:10m] waiting for work',
    '',
  ].join('\n'),
  'MEMORY.md': [
    '# Memory',
    '',
    '- [entity:frontend] [attr:framework] [at:2026-11-27T09:00:00.000Z] [agent:alice] Vue',
    '',
  ].join('\n'),
  'NOTES.md': ['# Notes', '', '## Decisions', '', '- use Markdown files to coordinate', '', '## Open questions', '', '- who owns deploys?', ''].join('\n'),
};

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`demo: '${from}' not found`);
  return text.replace(from, to);
}

const ALICE: Record<(typeof FILES)[number], (t: string) => string> = {
  'HEARTBEAT.md': (t) =>
    edit(t, '- [agent:alice] [at:2026-11-27T10:00:00.000Z] [status:idle] [ttl:10m] waiting for work', '- [agent:alice] [at:2026-11-27T10:05:00.000Z] [status:busy] [ttl:10m] building frontend (task 142)'),
  'MEMORY.md': (t) => `${t}- [entity:frontend] [attr:framework] [at:2026-11-27T10:04:00.000Z] [agent:alice] React\n`,
  'NOTES.md': (t) => edit(t, '- who owns deploys?\n', '- who owns deploys? the deploy agent (alice, 10:05)\n'),
};

const BOB: Record<(typeof FILES)[number], (t: string) => string> = {
  'HEARTBEAT.md': (t) =>
    edit(t, '- [agent:bob] [at:2026-11-27T10:00:00.000Z] [status:idle] [ttl:10m] waiting for work', '- [agent:bob] [at:2026-11-27T10:06:00.000Z] [status:busy] [ttl:10m] reviewing PR 17'),
  'MEMORY.md': (t) => `${t}- [entity:frontend] [attr:framework] [at:2026-11-27T10:05:30.000Z] [agent:bob] Svelte\n`,
  'NOTES.md': (t) => edit(t, '- who owns deploys?\n', '- who owns deploys?\n- do we squash-merge agent branches?\n'),
};

interface Env {
  readonly env: NodeJS.ProcessEnv;
  git(cwd: string, ...args: string[]): Promise<string>;
}

function sandboxEnv(dir: string): Env {
  const config = join(dir, 'gitconfig');
  writeFileSync(config, '[user]\n\tname = strata demo\n\temail = demo@strata.invalid\n[init]\n\tdefaultBranch = main\n[pull]\n\trebase = false\n');
  const env = { ...process.env, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
  return {
    env,
    git: async (cwd, ...args) => (await execa('git', args, { cwd, env, extendEnv: false })).stdout,
  };
}

type Texts = Record<(typeof FILES)[number], string>;

/**
 * The files after git merges branch `theirs` into `ours` in a clone of `from` with `merge=<driver>` for
 * every path (.git/info/attributes overrides the repository's .gitattributes): git's own merge, not an
 * imitation of it.
 */
async function mergeWith(sh: Env, from: string, clone: string, driver: 'text' | 'union', ours: { name: string; commit: string }, theirs: { name: string; commit: string }): Promise<Texts> {
  if (!existsSync(clone)) await sh.git(dirname(clone), 'clone', '-q', from, clone);
  writeFileSync(join(clone, '.git/info/attributes'), `* merge=${driver}\n`);
  await sh.git(clone, 'checkout', '-q', '-f', '-B', ours.name, ours.commit);
  await sh.git(clone, 'branch', '-f', theirs.name, theirs.commit);
  // A text merge with conflicts exits 1 and leaves the markers in the files, which is what is shown.
  await execa('git', ['merge', '--no-edit', '-q', theirs.name], { cwd: clone, env: sh.env, extendEnv: false, reject: false });
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(clone, f), 'utf8')])) as Texts;
}

const conflictsIn = (text: string): number => text.split('\n').filter((l) => l.startsWith('<<<<<<< ')).length;

function box(title: string, text: string): string {
  const body = text.replace(/\n$/, '').split('\n').map((l) => `  ${pc.dim('│')} ${l}`).join('\n');
  return `  ${pc.bold(title)}\n${body}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const program = command('demo', 'concurrent edits by two agents, merged by git pull with strata and without').option('--keep', 'keep the temporary directory and print its path');
  const parsed = parse<{ keep?: boolean }>(program, argv);
  if (typeof parsed === 'number') return parsed;
  const keep = Boolean(parsed.options.keep);

  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'strata-demo-')));
  const sh = sandboxEnv(dir);
  const cli = [process.execPath, realpathSync(process.argv[1]!)];
  try {
    const remote = join(dir, 'remote.git');
    const seed = join(dir, 'seed');
    await sh.git(dir, 'init', '-q', '--bare', remote);
    await sh.git(dir, 'clone', '-q', remote, seed);
    const attributes = ['HEARTBEAT.md merge=strata strata=heartbeat', 'MEMORY.md merge=strata strata=facts', '*.md merge=strata strata=markdown', ''];
    // Later lines win in .gitattributes, so the generic rule goes first.
    writeFileSync(join(seed, '.gitattributes'), [attributes[2], attributes[0], attributes[1], ''].join('\n'));
    for (const file of FILES) writeFileSync(join(seed, file), SEED[file]);
    await sh.git(seed, 'add', '-A');
    await sh.git(seed, 'commit', '-q', '-m', 'seed coordination files');
    await sh.git(seed, 'push', '-q', 'origin', 'HEAD:main');

    const clones = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
    for (const [name, clone] of Object.entries(clones)) {
      await sh.git(dir, 'clone', '-q', remote, clone);
      await sh.git(clone, 'config', 'user.name', name);
      await execa(cli[0]!, [cli[1]!, 'install'], { cwd: clone, env: sh.env, extendEnv: false });
    }
    process.stdout.write(`${pc.bold('strata demo')} in ${dir} (${keep ? 'kept at the end' : "removed at the end; '--keep' keeps it"})\n\n`);
    process.stdout.write('Two agents, alice and bob, each in their own clone, edit the same three files at once:\n');
    process.stdout.write('  HEARTBEAT.md (heartbeat)  both update their own line\n');
    process.stdout.write('  MEMORY.md    (facts)      both record a new framework for the frontend\n');
    process.stdout.write('  NOTES.md     (markdown)   alice answers an open question, bob adds one below it\n\n');

    for (const [name, edits] of [['alice', ALICE], ['bob', BOB]] as const) {
      const clone = clones[name];
      for (const file of FILES) writeFileSync(join(clone, file), edits[file](readFileSync(join(clone, file), 'utf8')));
      await sh.git(clone, 'commit', '-q', '-am', `${name}: concurrent edits`);
    }
    await sh.git(clones.alice, 'push', '-q', 'origin', 'HEAD:main');
    process.stdout.write(`${pc.cyan('$')} (alice) git push   ${pc.cyan('$')} (bob) git pull\n`);
    const pull = await execa('git', ['pull', '--no-edit', '-q', 'origin', 'main'], { cwd: clones.bob, env: sh.env, extendEnv: false, reject: false });
    if (pull.exitCode !== 0) {
      process.stdout.write(`${pc.red('git pull failed:')}\n${pull.stdout}\n${pull.stderr}\n`);
      return 1;
    }
    await sh.git(clones.bob, 'push', '-q', 'origin', 'HEAD:main');
    await sh.git(clones.alice, 'pull', '-q', '--no-edit', 'origin', 'main');
    process.stdout.write(`${pc.green('✔')} bob's git pull merged cleanly (exit 0); he pushed the merge and alice pulled it.\n`);

    // The same two commits bob's pull merged, merged by git without strata, from bob's side as his pull
    // did; and union from alice's side, as her pull would have run had she pulled second.
    const bob = { name: 'bob', commit: (await sh.git(clones.bob, 'rev-parse', 'HEAD^1')).trim() };
    const alice = { name: 'alice', commit: (await sh.git(clones.bob, 'rev-parse', 'HEAD^2')).trim() };
    const plain = await mergeWith(sh, clones.bob, join(dir, 'plain-git'), 'text', bob, alice);
    const union = await mergeWith(sh, clones.bob, join(dir, 'union'), 'union', bob, alice);
    const unionSwapped = await mergeWith(sh, clones.bob, join(dir, 'union'), 'union', alice, bob);
    process.stdout.write(`  Below, next to strata's result: the same two commits merged by git without strata, from bob's side.\n\n`);

    const base = await Promise.all(FILES.map((f) => sh.git(seed, 'show', `HEAD:${f}`).then((t) => `${t}\n`)));
    let lossless = true;
    for (const [i, file] of FILES.entries()) {
      const mergedBob = readFileSync(join(clones.bob, file), 'utf8');
      const mergedAlice = readFileSync(join(clones.alice, file), 'utf8');
      const ours = ALICE[file](base[i]!);
      const theirs = BOB[file](base[i]!);
      const added = [...ours.split('\n'), ...theirs.split('\n')].filter((l) => l && !base[i]!.split('\n').includes(l));
      const comparable = mergedBob.replaceAll(' [superseded:yes]', '');
      const kept = added.filter((l) => comparable.includes(l)).length;
      const identical = mergedAlice === mergedBob;
      lossless &&= identical;
      const conflicts = conflictsIn(plain[file]);
      process.stdout.write(`${pc.bold(pc.underline(file))}\n`);
      process.stdout.write(box(`with strata (identical in both clones: ${identical ? pc.green('yes') : pc.red('NO')})`, mergedBob));
      process.stdout.write(box(`plain git: ${conflicts > 0 ? pc.red(`${conflicts} conflict(s)`) : 'clean'}`, plain[file]));
      const unionNote = union[file] !== unionSwapped[file] ? 'clean, but had alice pulled second she would have got other bytes' : 'clean';
      process.stdout.write(box(`merge=union: ${unionNote}`, union[file]));
      if (file === 'HEARTBEAT.md') process.stdout.write(`  ${pc.dim('union left stale lines: an agent can appear twice. strata keeps one line per agent, the latest.')}\n`);
      if (file === 'MEMORY.md') {
        process.stdout.write(
          `  ${pc.dim('union keeps every fact too (facts only grow), but nothing says which one is current. strata marks the older ones [superseded:yes].')}\n`,
        );
      }
      if (file === 'NOTES.md') process.stdout.write(`  ${pc.dim("union kept the question twice, as it was and as alice answered it. strata keeps alice's answer and bob's new question.")}\n`);
      process.stdout.write(`  ${kept}/${added.length} added lines kept\n\n`);
    }
    process.stdout.write(lossless ? `${pc.green('Nothing lost, no conflict, both clones byte-identical.')}\n` : `${pc.red('The clones differ: this is a bug, please report it.')}\n`);
    return lossless ? 0 : 1;
  } finally {
    if (keep) {
      process.stdout.write(`Kept ${dir}: remote.git, the clones seed, alice and bob, and plain-git and union (git's merges without strata).\n`);
    } else {
      rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`Removed ${dir} ('git strata demo --keep' keeps it).\n`);
    }
  }
}
