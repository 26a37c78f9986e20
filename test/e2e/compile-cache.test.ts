// The driver's compile cache (src/cli/compiled.ts, scripts/compile-cache.mjs): the build makes one that
// node takes, and a cache that is damaged, made for another build or missing changes nothing but speed:
// the same bytes, the same exit, never a crash.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsScenario, heartbeatScenario, notesScenario, queueScenario } from '../../scripts/gen.mjs';
import { makeSandbox, type Sandbox } from '../helpers/git.js';
import { snapshotCli } from '../helpers/scenario.js';

let sandbox: Sandbox;
let intact: string;
beforeAll(() => {
  sandbox = makeSandbox('strata-compile-cache-');
  intact = snapshotCli(sandbox);
});
afterAll(() => sandbox.cleanup());

/** A copy of the package whose dist/ `spoil` changes; returns its entry. */
function spoiled(name: string, spoil: (dist: string) => void): string {
  const pkg = join(sandbox.dir, name);
  spawnSync('cp', ['-R', dirname(dirname(intact)), pkg]);
  spoil(join(pkg, 'dist'));
  return join(pkg, 'dist/git-strata.cjs');
}

const selfCheck = (cli: string): string => {
  const r = spawnSync(process.execPath, [cli, 'merge', '--self-check'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return /^compile cache: (.*)$/m.exec(r.stdout)?.[1] ?? '';
};

const inputs = [
  ['heartbeat', heartbeatScenario({ n: 300 })],
  ['facts', factsScenario({ n: 300 })],
  ['queue', queueScenario({ n: 300 })],
  ['markdown', notesScenario({ bullets: 300, sections: 6 })],
] as const;

/** Each input merged by the driver at `cli`: exit code, stderr and merged bytes. */
function mergeAll(cli: string, tag: string): Array<{ status: number | null; stderr: string; text: string }> {
  return inputs.map(([type, s], k) => {
    const [base, ours, theirs] = ['base', 'ours', 'theirs'].map((side) => join(sandbox.dir, `${tag}-${k}.${side}`)) as [string, string, string];
    writeFileSync(base, s.base);
    writeFileSync(ours, s.ours);
    writeFileSync(theirs, s.theirs);
    const r = spawnSync(process.execPath, [cli, 'merge', '--type', type, base, ours, theirs, '7', `${type}.md`], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, text: readFileSync(ours, 'utf8') };
  });
}

describe('the merge driver\'s compile cache', () => {
  it('is built, and node takes it', () => {
    expect(selfCheck(intact)).toBe('used');
  });

  it('leaves V8\'s flags as they were: node\'s own modules loaded later still use their compiled code', () => {
    // The checksum flag is on only while a bundle compiles. Left on, it changes the flags' hash
    // (cachedDataVersionTag), and V8 refuses the code cache of every node module loaded afterwards.
    const dist = dirname(intact);
    const script = [
      "const v8 = require('node:v8');",
      'const before = v8.cachedDataVersionTag();',
      `require(${JSON.stringify(join(dist, 'compiled.cjs'))}).load(${JSON.stringify(join(dist, 'driver.cjs'))});`,
      'process.stdout.write(String(before === v8.cachedDataVersionTag()));',
    ].join('\n');
    expect(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout).toBe('true');
  });

  it('damaged, made for another build, or missing: refused, and every merge comes out the same', () => {
    const expected = mergeAll(intact, 'intact');
    expect(expected.map((r) => r.status)).toEqual([0, 0, 0, 0]);
    const cases: Array<[string, (dist: string) => void, RegExp]> = [
      [
        // Bytes flipped in the middle of the cache, its length unchanged: V8 would abort the process
        // reading it (exit 133, which aborts git's merge) without the checksum.
        'damaged',
        (dist) => {
          for (const name of ['driver.cjs.v8cache', 'driver-markdown.cjs.v8cache']) {
            const bytes = readFileSync(join(dist, name));
            for (let at = 4096; at < bytes.length; at += 997) bytes[at] = bytes[at]! ^ 0xff;
            writeFileSync(join(dist, name), bytes);
          }
        },
        /refused by V8 .*\(driver\.cjs, driver-markdown\.cjs\)/,
      ],
      [
        'stale',
        (dist) => {
          const file = join(dist, 'driver.cjs');
          writeFileSync(file, readFileSync(file, 'utf8').replace(/strataBuild=[0-9a-f]+/, `strataBuild=${'0'.repeat(64)}`));
        },
        /made for another build \(driver\.cjs\)/,
      ],
      ['missing', (dist) => rmSync(join(dist, 'driver-markdown.cjs.v8cache')), /not built \(driver-markdown\.cjs\)/],
      [
        // The cache of the other bundle: its build id is the other's.
        'swapped',
        (dist) => copyFileSync(join(dist, 'driver-markdown.cjs.v8cache'), join(dist, 'driver.cjs.v8cache')),
        /made for another build \(driver\.cjs\)/,
      ],
    ];
    for (const [name, spoil, said] of cases) {
      const cli = spoiled(name, spoil);
      expect(selfCheck(cli), name).toMatch(said);
      expect(mergeAll(cli, name), name).toEqual(expected);
    }
  });

  it('doctor names a cache node refused and how to make a new one, and a driver registered with the slower entry', () => {
    const cli = spoiled('doctor', (dist) => rmSync(join(dist, 'driver.cjs.v8cache')));
    const repo = join(sandbox.dir, 'repo');
    sandbox.git(sandbox.dir, ['init', '-q', repo]);
    expect(spawnSync(process.execPath, [cli, 'install'], { cwd: repo, env: sandbox.env, encoding: 'utf8' }).status).toBe(0);
    const doctor = spawnSync(process.execPath, [cli, 'doctor'], { cwd: repo, env: sandbox.env, encoding: 'utf8' });
    expect(doctor.stdout).toMatch(/driver compile cache.*not used: not built \(driver\.cjs\)/);
    expect(doctor.stdout).toContain(`run ./install.sh again in strata's checkout, with the node the driver runs (${process.execPath})`);
    expect(doctor.stdout).not.toContain('driver entry');
    // Registered by an older strata, with the ES module entry: it works, slower, and doctor says so.
    sandbox.git(repo, ['config', 'merge.strata.driver', `'${process.execPath}' '${cli.replace(/\.cjs$/, '.mjs')}' merge %O %A %B %L %P`]);
    const older = spawnSync(process.execPath, [cli, 'doctor'], { cwd: repo, env: sandbox.env, encoding: 'utf8' });
    expect(older.stdout).toMatch(/warn\s+driver entry: merge.strata.driver starts git-strata.mjs; git-strata.cjs beside it starts about 10 ms sooner/);
    expect(older.stdout).toMatch(/ok\s+driver: registered/);
    // A hook shim an older strata wrote, with the ES module entry: the same.
    const shim = join(repo, '.git/hooks/pre-commit');
    expect(readFileSync(shim, 'utf8')).toContain(`strata_cli='${cli}'`);
    writeFileSync(shim, readFileSync(shim, 'utf8').replace(cli, cli.replace(/\.cjs$/, '.mjs')));
    const olderHook = spawnSync(process.execPath, [cli, 'doctor'], { cwd: repo, env: sandbox.env, encoding: 'utf8' });
    expect(olderHook.stdout).toMatch(/warn\s+hook pre-commit: strata's shim starts git-strata.mjs; git-strata.cjs beside it starts about 10 ms sooner each time git runs the hook/);
    expect(spawnSync(process.execPath, [cli, 'install'], { cwd: repo, env: sandbox.env, encoding: 'utf8' }).status).toBe(0);
    expect(readFileSync(shim, 'utf8')).toContain(`strata_cli='${cli}'`);
  });
});
