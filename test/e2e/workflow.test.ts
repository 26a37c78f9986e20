// The merge check of examples/github-workflow.yml, run as the runner runs it (bash -e), against real git.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, makeSandbox, type Sandbox } from '../helpers/git.js';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = makeSandbox('strata-workflow-');
});
afterEach(() => sandbox.cleanup());

/** The `run: |` block of the workflow step named `name`, unindented. */
function stepScript(name: string): string {
  const lines = readFileSync(join(ROOT, 'examples/github-workflow.yml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  const run = lines.findIndex((l, i) => i > start && l.trim() === 'run: |');
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && !line.startsWith('          ')) break;
    body.push(line.slice(10));
  }
  return body.join('\n');
}

const CHECK = 'Check that the pull request merges cleanly into its base with strata\'s driver';

describe('examples/github-workflow.yml', () => {
  it('annotates each file that conflicts even with the driver, by its real path', () => {
    const dir = join(sandbox.dir, 'repo');
    sandbox.git(sandbox.dir, ['init', '-q', dir]);
    sandbox.write(join(dir, '.gitattributes'), readFileSync(join(ROOT, '.gitattributes.example'), 'utf8'));
    const channels = ['queues/über plan.md', 'queues/a,b:c%.md', 'queues/say "hi".md'];
    const task = (text: string): string => `# Queue\n\n- [ ] [seq:1] [id:aaaaaaaaaa] ${text}\n`;
    for (const path of channels) sandbox.write(join(dir, path), task('shared'));
    sandbox.strata(dir, ['install']);
    sandbox.git(dir, ['add', '-A']);
    sandbox.git(dir, ['commit', '-q', '-m', 'base']);
    for (const branch of ['pr', 'main']) {
      sandbox.git(dir, ['checkout', '-q', ...(branch === 'pr' ? ['-b', 'pr'] : ['main'])]);
      // The same task text edited two ways: a conflict the driver keeps.
      for (const path of channels) sandbox.write(join(dir, path), task(`edited on ${branch}`));
      sandbox.git(dir, ['commit', '-q', '-a', '-m', branch]);
    }
    const base = sandbox.git(dir, ['rev-parse', 'main']).stdout.trim();
    const head = sandbox.git(dir, ['rev-parse', 'pr']).stdout.trim();
    const run = spawnSync('bash', ['-e', '-c', stepScript(CHECK)], { cwd: dir, env: { ...sandbox.env, BASE: base, HEAD: head }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    const files = [...run.stdout.matchAll(/^::error file=([^,]*),title=strata merge::(.*) conflicts when/gm)].map((m) => [m[1], m[2]]);
    expect(files.sort()).toEqual([
      ['queues/a%2Cb%3Ac%25.md', 'queues/a,b:c%25.md'],
      ['queues/say "hi".md', 'queues/say "hi".md'],
      ['queues/über plan.md', 'queues/über plan.md'],
    ]);
  });
});
