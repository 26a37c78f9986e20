// Nothing from a pulled file is run or given to a shell: a kind with no local handler runs nothing,
// and args crafted with shell syntax reach the handler as literal argv entries.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, makeRemoteWithClones, makeSandbox } from '../helpers/git.js';
import { makeExecutor, pullAndPush, readLog, writeHandler } from './ops-helpers.js';

describe('ops: security', () => {
  let sandbox: Sandbox;
  let clones: Record<string, string>;
  let log: string;
  let pwned: string;

  beforeAll(() => {
    sandbox = makeSandbox('strata-ops-sec-');
    clones = makeRemoteWithClones(sandbox, ['exec', 'mallory']);
    log = join(sandbox.dir, 'handler.log');
    pwned = join(sandbox.dir, 'pwned');
    const handler = writeHandler(sandbox.dir, 'handler.sh', log, join(sandbox.dir, 'no-flag'));
    makeExecutor(sandbox, clones.exec!, 'exec', {});
    // The plain-words form of a handler command.
    sandbox.git(clones.exec!, ['config', 'strata.handler.note', `${handler} fixed`]);
  });
  afterAll(() => sandbox?.cleanup());

  it('runs crafted args as literal argv, and nothing for unconfigured or crafted kinds', async () => {
    const at = '2026-11-27T11:00:00.000Z';
    const lines = [
      `- [op:inj-1] [kind:note] [agent:mallory] [at:${at}] [args:; touch ${pwned} $(touch\${IFS}${pwned}) |sh &&rm${pwned}] hand-written`,
      `- [op:rm-1] [kind:rm] [agent:mallory] [at:${at}] [args:-rf /] no handler for rm`,
      `- [op:sh-1] [kind:note;touch ${pwned}] [agent:mallory] [at:${at}] a kind that is shell syntax`,
      `- [op:sub-1] [kind:$(touch ${pwned})] [agent:mallory] [at:${at}] another`,
      `- [op:dup-1] [kind:note] [agent:mallory] [at:${at}] [args:a] one`,
      `- [op:dup-1] [kind:note] [agent:mallory] [at:2026-11-27T11:00:01.000Z] [args:b] the same key, other args`,
    ];
    sandbox.write(join(clones.mallory!, 'OPS.md'), `# Ops\n\n${lines.join('\n')}\n`);
    sandbox.strata(clones.mallory!, ['op', 'request', 'note', '--key', 'inj-2', '--agent', 'mallory', '--', `; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, '%41 [x:y]']);
    sandbox.git(clones.mallory!, ['add', 'OPS.md']);
    sandbox.git(clones.mallory!, ['commit', '-q', '-m', 'crafted ops']);
    await pullAndPush(sandbox, clones.mallory!);
    sandbox.git(clones.exec!, ['pull', '-q', '--no-edit', 'origin', 'main']);

    const replayed = sandbox.strata(clones.exec!, ['replay']);
    expect(replayed.stderr).toContain("rm-1: no handler for kind 'rm'");
    expect(replayed.stderr).toContain('dup-1: key reused with different parameters');
    expect(existsSync(pwned)).toBe(false);

    const ran = new Map(readLog(log));
    expect([...ran.keys()].sort()).toEqual(['inj-1', 'inj-2']);
    expect(ran.get('inj-1')).toEqual(['fixed', ';', 'touch', pwned, `$(touch\${IFS}${pwned})`, '|sh', `&&rm${pwned}`]);
    expect(ran.get('inj-2')).toEqual(['fixed', `; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, '%41 [x:y]']);

    const shown = JSON.parse(sandbox.strata(clones.exec!, ['op', 'show', '--json']).stdout) as Array<{ key: string; state: string }>;
    expect(Object.fromEntries(shown.map((s) => [s.key, s.state]))).toEqual({
      'inj-1': 'done',
      'inj-2': 'done',
      'rm-1': 'pending',
      'sh-1': 'pending',
      'sub-1': 'pending',
      'dup-1': 'conflict',
    });
    // Running again changes nothing, and says why not: not "nothing to run" while requests wait for a
    // handler nobody configured here.
    for (const args of [['replay'], ['replay', '--dry-run']]) {
      const again = sandbox.strata(clones.exec!, args);
      expect(again.stdout).not.toContain('nothing to run');
      expect(again.stdout).toContain('nothing run: 3 ops are pending with no handler configured here for their kind (rm-1: kind rm, sh-1: kind note;touch ');
      expect(again.stdout).toContain('1 key is reused with different parameters');
      expect(again.stderr).toContain("rm-1: no handler for kind 'rm' is configured in this clone (git config strata.handler.rm), so it stays pending");
      expect(again.stderr).toContain(`hint: give kind 'rm' a program in this clone: git config strata.handler.rm '["/absolute/path/to/program"]'`);
    }
    expect(readLog(log)).toHaveLength(2);
    expect(existsSync(pwned)).toBe(false);
  });

  it('never runs a handler program that lives in the work tree (it would arrive with a pull)', async () => {
    const script = join(clones.mallory!, 'tools', 'run.sh');
    sandbox.write(script, `#!/bin/sh\ntouch '${pwned}'\n`);
    sandbox.git(clones.mallory!, ['update-index', '--add', '--chmod=+x', 'tools/run.sh']);
    sandbox.strata(clones.mallory!, ['op', 'request', 'tool', '--key', 'tool-1', '--agent', 'mallory']);
    sandbox.git(clones.mallory!, ['add', 'OPS.md', 'tools/run.sh']);
    sandbox.git(clones.mallory!, ['commit', '-q', '-m', 'a tool']);
    await pullAndPush(sandbox, clones.mallory!);
    sandbox.git(clones.exec!, ['pull', '-q', '--no-edit', 'origin', 'main']);
    for (const command of [join(clones.exec!, 'tools', 'run.sh'), 'tools/run.sh']) {
      sandbox.git(clones.exec!, ['config', 'strata.handler.tool', command]);
      // --dry-run says the same, and does not claim it would run the op.
      const dry = sandbox.strata(clones.exec!, ['replay', '--dry-run']);
      expect(dry.stderr).toContain('outside this work tree');
      expect(dry.stdout).toContain('would skip tool-1 (tool): its handler cannot run');
      expect(dry.stdout).not.toContain('would run tool-1');
      const replayed = sandbox.strata(clones.exec!, ['replay']);
      expect(replayed.stderr).toContain('outside this work tree');
      expect(existsSync(pwned)).toBe(false);
    }
  });

  it('a handler output line cannot forge ledger tags', () => {
    const ledger = sandbox.read(join(clones.exec!, '.strata/ledger.md'));
    for (const line of ledger.split('\n').filter((l) => l.startsWith('- '))) {
      expect(line.match(/\[state:/g)).toHaveLength(1);
    }
  });
});
