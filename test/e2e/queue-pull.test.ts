// The causal layer's promise with real git: three agents change QUEUE.md at once, and every order of
// `git pull` (merge or --rebase) ends in the same bytes, with seq unique and depends on the right task.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entriesOf, parseDoc, tagValue } from '../../src/core/entries/scan.js';
import { dependsOf, seqOf } from '../../src/core/crdt/queue.js';
import { makeRemoteWithClones, makeSandbox, type Sandbox } from '../helpers/git.js';

const BASE = [
  '# Queue',
  '',
  '- [x] [seq:141] [id:a9d4c1uv0s] [agent:code-intel] [done:2026-11-27T09:58:00.000Z] set up repo',
  '- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] build frontend',
  '',
].join('\n');

/** Each agent's commits, in order (A makes two, so a rebase replays them one by one). */
const EDITS: Record<'A' | 'B' | 'C', ((text: string) => string)[]> = {
  A: [
    (t) => `${t.trimEnd()}\n- [ ] [seq:143] [id:pa3n8w2re6] [depends:142] [agent:deploy] push to staging\n`,
    (t) => `${t.trimEnd()}\n- [ ] [seq:144] [id:pa4q7d2m1x] [depends:143] [agent:deploy] smoke test staging\n`,
  ],
  B: [(t) => `${t.trimEnd()}\n- [ ] [seq:143] [id:hb6y7mm1kz] [agent:docs] write the release notes\n`],
  C: [(t) => t.replace('[agent:code-intel] build frontend', '[agent:code-intel] [claim:code-intel@2026-11-27T10:02:11.000Z] build frontend')],
};

const ORDERS = [
  ['A', 'B', 'C'],
  ['A', 'C', 'B'],
  ['B', 'A', 'C'],
  ['B', 'C', 'A'],
  ['C', 'A', 'B'],
  ['C', 'B', 'A'],
] as const;

const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

function scenario(order: readonly ('A' | 'B' | 'C')[], rebase: boolean): string[] {
  const sb = makeSandbox('strata-queue-');
  sandboxes.push(sb);
  const clones = makeRemoteWithClones(sb, ['A', 'B', 'C'], { files: { 'QUEUE.md': BASE } });
  for (const name of ['A', 'B', 'C'] as const) {
    const file = join(clones[name]!, 'QUEUE.md');
    for (const [i, edit] of EDITS[name].entries()) {
      sb.write(file, edit(sb.read(file)));
      sb.git(clones[name]!, ['commit', '-q', '-am', `${name} edits the queue (${i + 1})`]);
    }
  }
  const pull = rebase ? ['pull', '-q', '--rebase', 'origin', 'main'] : ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'];
  for (const name of order) {
    sb.git(clones[name]!, pull);
    sb.git(clones[name]!, ['push', '-q', 'origin', 'HEAD:main']);
  }
  for (const name of order) sb.git(clones[name]!, pull);
  return order.map((name) => sb.read(join(clones[name]!, 'QUEUE.md')));
}

describe('three agents, every pull order', () => {
  const results: string[] = [];

  it.each(ORDERS.flatMap((order) => [[order.join(''), 'merge'] as const, [order.join(''), 'rebase'] as const]))(
    'order %s with %s: clean, converged, nothing lost, depends intact',
    (orderName, mode) => {
      const files = scenario(orderName.split('') as ('A' | 'B' | 'C')[], mode === 'rebase');
      expect(new Set(files).size).toBe(1);
      const text = files[0]!;
      expect(text).not.toMatch(/^<{7}/m);
      const entries = entriesOf(parseDoc(text));
      const ids = entries.map((e) => tagValue(e, 'id'));
      expect(ids.sort()).toEqual(['a9d4c1uv0s', 'hb6y7mm1kz', 'k7q2m9xa4c', 'pa3n8w2re6', 'pa4q7d2m1x']);
      const seqs = entries.map((e) => seqOf(e)!);
      expect(new Set(seqs).size).toBe(seqs.length);
      const idOfSeq = new Map(entries.map((e) => [seqOf(e)!, tagValue(e, 'id')!]));
      const byId = new Map(entries.map((e) => [tagValue(e, 'id')!, e]));
      expect(dependsOf(byId.get('pa4q7d2m1x')!).map((s) => idOfSeq.get(s))).toEqual(['pa3n8w2re6']);
      expect(dependsOf(byId.get('pa3n8w2re6')!).map((s) => idOfSeq.get(s))).toEqual(['k7q2m9xa4c']);
      expect(tagValue(byId.get('k7q2m9xa4c')!, 'claim')).toBe('code-intel@2026-11-27T10:02:11.000Z');
      results.push(text);
    },
  );

  it('every order and mode gave the same bytes', () => {
    expect(results).toHaveLength(ORDERS.length * 2);
    expect(new Set(results).size).toBe(1);
  });
});

/** One clone with the queue, and a commit of an edit of it. */
function queueClone(prefix: string): { sb: Sandbox; dir: string; file: string; commit: (edit: (t: string) => string, message: string) => void } {
  const sb = makeSandbox(prefix);
  sandboxes.push(sb);
  const dir = makeRemoteWithClones(sb, ['A'], { files: { 'QUEUE.md': BASE } }).A!;
  const file = join(dir, 'QUEUE.md');
  const commit = (edit: (t: string) => string, message: string): void => {
    sb.write(file, edit(sb.read(file)));
    sb.git(dir, ['commit', '-q', '-am', message]);
  };
  return { sb, dir, file, commit };
}
const TASK_143 = '- [ ] [seq:143] [id:pa3n8w2re6] [agent:deploy] push to staging\n';
const finish142 = (t: string): string => t.replace('- [ ] [seq:142]', '- [x] [seq:142]').replace('build frontend', '[done:2026-11-27T10:09:00.000Z] build frontend');
const add143 = (t: string): string => `${t.trimEnd()}\n${TASK_143}`;

describe('picking and dropping commits that change the queue', () => {
  // git's three-way base is the picked commit's parent, which the target branch may never have had: a
  // task finished there looks, from the target, as if the target had reopened it. Only the picked
  // commit's own change may arrive (a lattice rule for one-sided changes once brought the rest along).
  it('cherry-pick brings only the picked commit\'s change, and rebase -i can drop a commit that finished a task', () => {
    const { sb, dir, file, commit } = queueClone('strata-pick-');
    const main = sb.read(file);
    sb.git(dir, ['checkout', '-q', '-b', 'feature']);
    commit(finish142, 'C1: finish 142 (by mistake)');
    commit(add143, 'C2: add 143');
    const added = TASK_143;
    sb.git(dir, ['checkout', '-q', 'main']);
    sb.write(join(dir, 'NOTES.md'), '# other\n');
    sb.git(dir, ['add', 'NOTES.md']);
    sb.git(dir, ['commit', '-q', '-m', 'main moves']);
    sb.git(dir, ['cherry-pick', 'feature']);
    expect(sb.read(file)).toBe(main + added);
    // Dropping C1 from the feature branch: C2 replays without C1's done.
    sb.git(dir, ['checkout', '-q', 'feature']);
    sb.git(dir, ['rebase', '-q', '--onto', 'feature~2', 'feature~1', 'feature']);
    expect(sb.read(file)).toBe(main + added);
  });

  it('git revert of a `queue done` commit reopens the task, as asked, and verify reports it (status only moves up)', () => {
    const { sb, dir, file, commit } = queueClone('strata-revert-');
    commit(finish142, 'finish 142');
    commit(add143, 'add 143');
    sb.git(dir, ['revert', '--no-edit', 'HEAD~1']);
    expect(sb.read(file)).toContain('- [ ] [seq:142] [id:k7q2m9xa4c] [depends:141] [agent:code-intel] build frontend\n');
    const verified = sb.strata(dir, ['verify', '--range', 'HEAD~1..HEAD'], { allowFail: true });
    expect(verified.status).toBe(1);
    expect(verified.stdout).toMatch(/status-regressed: seq 142 went from done back to open/);
  });
});
