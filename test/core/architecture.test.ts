// The architecture, enforced: a pure core, and a merge driver whose hot path loads no Markdown parser.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/git.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

type Outputs = Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown>; entryPoint?: string }>;

function outputsOfBuild(): Outputs {
  return (JSON.parse(readFileSync(join(ROOT, 'dist/meta.json'), 'utf8')) as { outputs: Outputs }).outputs;
}

/** The files loaded before `start` runs (it and its static imports, transitively), and the builtins. */
function staticGraph(outputs: Outputs, start: string): { files: Set<string>; inputs: string[]; builtins: Set<string> } {
  const files = new Set<string>();
  const builtins = new Set<string>();
  const visit = (out: string): void => {
    if (files.has(out)) return;
    if (!outputs[out]) {
      builtins.add(out);
      return;
    }
    files.add(out);
    for (const imp of outputs[out]!.imports) if (imp.kind === 'import-statement') visit(imp.path);
  };
  visit(start);
  return { files, inputs: [...files].flatMap((out) => Object.keys(outputs[out]!.inputs)), builtins };
}

describe('architecture', () => {
  it('src/core imports no I/O: no fs, child_process, isomorphic-git or execa', () => {
    const forbidden = /from ['"](node:)?(fs|fs\/promises|child_process|net|http|https)['"]|from ['"](isomorphic-git|execa|write-file-atomic|proper-lockfile)/;
    const offenders = files(join(ROOT, 'src/core')).filter((file) => forbidden.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('the merge driver is its own bundle: one CommonJS file, no Markdown parser, no child_process up front', () => {
    const outputs = outputsOfBuild();
    const entry = 'dist/git-strata.cjs';
    expect(outputs[entry]?.entryPoint).toBe('src/cli/main-cjs.ts');
    // The entry holds the driver's start and the command table, and requires only the CommonJS commands
    // (the others are imported): `merge` goes straight to the driver bundle, through its loader.
    expect(outputs[entry]!.imports.filter((imp) => imp.path.startsWith('.') && imp.kind !== 'dynamic-import').map((imp) => imp.path).sort()).toEqual(['./cmd-check.cjs', './cmd-hook.cjs']);
    expect(Object.keys(outputs[entry]!.inputs)).toEqual(expect.arrayContaining(['src/cli/driver.ts', 'src/cli/dispatch.ts']));
    expect(Object.keys(outputs[entry]!.inputs).filter((i) => /^src\/core\/(check|crdt|entries)\/|^src\/core\/merge\/(?!conflict-style\.ts$)/.test(i))).toEqual([]);
    const driver = 'dist/driver.cjs';
    expect(outputs[driver]?.entryPoint).toBe('src/cli/merge.ts');
    // It requires node's modules, and the loader (which runs the Markdown merge's bundle when needed).
    const required = outputs[driver]!.imports.map((imp) => imp.path);
    expect(required.filter((path) => !path.startsWith('node:'))).toEqual(['./compiled.cjs']);
    const inputs = Object.keys(outputs[driver]!.inputs);
    expect(inputs.filter((i) => /mdast|micromark|execa|isomorphic-git|commander|write-file-atomic|signal-exit/.test(i))).toEqual([]);
    expect(inputs).toContain('src/core/merge/typed.ts');
    // node:child_process (with net, stream and dgram) is loaded only when a merge needs git.
    expect(required.filter((b) => /child_process|worker_threads|crypto/.test(b))).toEqual([]);
    // The Markdown merge is a bundle of its own, loaded when a line merge conflicts.
    expect(outputs['dist/driver-markdown.cjs']?.entryPoint).toBe('src/core/merge/markdown.ts');
    expect(readFileSync(join(ROOT, driver), 'utf8')).toContain('.load(require("node:path").join(__dirname, "driver-markdown.cjs"))');
  });

  it('check and the pre-commit hook load no merge (a 10k-entry queue is checked, never merged), each from one file', () => {
    const outputs = outputsOfBuild();
    for (const command of ['check', 'hook']) {
      const start = `dist/cmd-${command}.cjs`;
      expect(outputs[start]?.entryPoint, command).toBe(`src/cli/${command}.ts`);
      const { files, inputs } = staticGraph(outputs, start);
      // A bundle of its own, required: no ES module to resolve and link, no ES module loader to start.
      expect([...files], command).toEqual([start]);
      expect(outputs[start]!.imports.filter((imp) => imp.path.startsWith('.') && imp.kind !== 'dynamic-import'), command).toEqual([]);
      expect(inputs.filter((i) => /^src\/core\/(merge\/(fold|typed|markdown|file)|crdt\/queue)\.ts$/.test(i)), command).toEqual([]);
    }
  });

  it('the entry loads only what the command that runs needs, and check and the hook start no ES module', () => {
    // The files node loads as CommonJS modules, and whether it set up an ES module to run.
    const dir = mkdtempSync(join(tmpdir(), 'strata-trace-'));
    const trace = join(dir, 'trace.cjs');
    writeFileSync(
      trace,
      "const M = require('node:module'); const seen = new Set(); const load = M._load; M._load = function (r, ...a) { seen.add(r); return load.call(this, r, ...a); };\n" +
        "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify({ files: [...seen].filter((f) => /cmd-|driver|lazy-|compiled/.test(f)), esm: process.moduleLoadList.includes('NativeModule internal/modules/esm/module_job') })));\n",
    );
    try {
      const loaded = (...args: string[]): { files: string[]; esm: boolean } => {
        const r = spawnSync(process.execPath, ['-r', trace, join(ROOT, 'dist/git-strata.cjs'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, STRATA: '0' } });
        const line = /LOADED (.*)$/m.exec(r.stderr);
        expect(line, r.stderr).not.toBeNull();
        const seen = JSON.parse(line![1]!) as { files: string[]; esm: boolean };
        return { ...seen, files: seen.files.map((f) => f.replace(/^.*\//, '')) };
      };
      expect(loaded('--version')).toEqual({ files: [], esm: false });
      // STRATA=0: the hook returns at once, after loading its bundle.
      expect(loaded('hook', 'pre-commit')).toEqual({ files: ['cmd-hook.cjs'], esm: false });
      expect(loaded('check', '--help')).toEqual({ files: ['cmd-check.cjs'], esm: false });
      // The other commands are ES modules (and the trace shows it can tell).
      expect(loaded('queue', '--help')).toEqual({ files: [], esm: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the agent commands', () => {
  it('load no execa: agents run them many times a minute, and it was half of each bundle', () => {
    const outputs = outputsOfBuild();
    for (const command of ['queue', 'heartbeat', 'fact', 'op', 'check', 'hook']) {
      const start = Object.keys(outputs).find((out) => outputs[out]!.entryPoint === `src/cli/${command}.ts`);
      expect(start, command).toBeDefined();
      expect(staticGraph(outputs, start!).inputs.filter((i) => i.includes('node_modules/execa/')), command).toEqual([]);
    }
  });
});

describe('hooks/example-*.sh', () => {
  // UPDATE=1 npx vitest run test/core/architecture.test.ts writes them again from renderShim.
  it('are what install writes (with example paths), one for each hook that can stop git', async () => {
    const { renderShim } = await import('../../src/git/hooks.js');
    const examples = readdirSync(join(ROOT, 'hooks')).filter((name) => /^example-.*\.sh$/.test(name)).sort();
    expect(examples).toEqual(['example-pre-applypatch.sh', 'example-pre-commit.sh']);
    for (const name of examples) {
      const hook = /^example-(.*)\.sh$/.exec(name)![1]!;
      const shim = renderShim(hook, { node: '/usr/bin/node', cli: '/opt/strata/dist/git-strata.cjs' });
      if (process.env.UPDATE) writeFileSync(join(ROOT, 'hooks', name), shim);
      expect(shim, name).toBe(readFileSync(join(ROOT, 'hooks', name), 'utf8'));
    }
  });
});
