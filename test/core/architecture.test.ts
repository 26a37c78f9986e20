// The architecture, enforced: a pure core, and a merge driver whose hot path loads no Markdown parser.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/git.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  it('src/core imports no I/O: no fs, child_process, isomorphic-git or execa', () => {
    const forbidden = /from ['"](node:)?(fs|fs\/promises|child_process|net|http|https)['"]|from ['"](isomorphic-git|execa|write-file-atomic|proper-lockfile)/;
    const offenders = files(join(ROOT, 'src/core')).filter((file) => forbidden.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('the merge command statically loads neither the Markdown parser nor execa', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown>; entryPoint?: string }>;
    };
    const outputs = meta.outputs;
    const mergeChunk = Object.keys(outputs).find((out) => Object.keys(outputs[out]!.inputs).includes('src/cli/merge.ts'));
    expect(mergeChunk).toBeDefined();
    const entry = Object.keys(outputs).find((out) => outputs[out]!.entryPoint === 'src/cli/main.ts')!;
    // Everything that runs before the merge starts: the entry, the merge chunk, and their static imports.
    const loaded = new Set<string>();
    const visit = (out: string): void => {
      if (loaded.has(out) || !outputs[out]) return;
      loaded.add(out);
      for (const imp of outputs[out]!.imports) if (imp.kind === 'import-statement') visit(imp.path);
    };
    visit(entry);
    visit(mergeChunk!);
    const inputs = [...loaded].flatMap((out) => Object.keys(outputs[out]!.inputs));
    expect(inputs.filter((i) => /mdast|micromark|execa|isomorphic-git|commander/.test(i))).toEqual([]);
    expect(inputs).toContain('src/core/merge/typed.ts');
  });
});

describe('hooks/example-pre-commit.sh', () => {
  it('is what install writes (with example paths)', async () => {
    const { renderShim } = await import('../../src/git/hooks.js');
    const example = readFileSync(join(ROOT, 'hooks/example-pre-commit.sh'), 'utf8');
    expect(renderShim('pre-commit', { node: '/usr/bin/node', cli: '/opt/strata/dist/git-strata.mjs' })).toBe(example);
  });
});
