// Adversarial three-way cases for the fold differential fuzzer (fold.fuzz.test.ts): typed files with
// recurring and unique identities, multi-line entries, fences and comments (and sides that wrap a range
// of lines in one, with bare and non-bare closing lines), inline code, repeated tags, values with spaces
// and `::`, CRLF and mixed endings, no final newline, front matter on one side, a private-use character
// on one side; edits that insert, remove a big block, move, duplicate, and the same edits on both sides.
// Queues add colliding seqs, hand-written tasks, ids stamped or dropped, renumbered tasks with [was:N],
// depends edges deep into unchanged runs, claims, checkpoints (some with fences) and reopened tasks.
import fc from 'fast-check';

export type FoldType = 'heartbeat' | 'facts' | 'ops' | 'ledger' | 'queue';

const stamp = (n: number): string => new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + n * 1000).toISOString();

// ---------------- units ----------------
export interface Unit {
  text: string; // lines joined with \n, ending in \n
  crlf: boolean;
}

export const PROSE = [
  '## Section\n',
  '\n',
  'Some prose that explains things.\n',
  '- a plain item without tags\n',
  '* star item [not a tag](link)\n',
  '<!-- a comment -->\n',
  '<!--\n- [agent:alice] [at:2026-01-01T00:00:00.000Z] in comment\n-->\n',
  '```\n- [agent:alice] [op:op-1] [entity:api] [attr:owner] [seq:1] [id:t1] [at:2026-01-01T00:00:00.000Z] inside a fence\n```\n',
  '~~~md\n- [seq:2] [id:t2] [agent:bob] tilde fence\n~~~\n',
  '  indented prose\n',
  '1. numbered plain\n',
  '---\n',
  '> quote [agent:zed]\n',
  '- `[agent:code] [seq:3] [id:t3]` inline code item\n',
  '- [ ] hand task no tags\n',
];

/** Openers and closers to wrap a range (opened before, closed after). */
export const WRAPS: Array<[string, string]> = [
  ['```\n', '```\n'],
  ['~~~\n', '~~~\n'],
  ['<!--\n', '-->\n'],
  ['  ```\n', '  ```\n'],
  ['```\n', '```js\n'],
  ['````\n', '```\n'],
  ['<!-- open\n', 'close -->\n'],
];

function linesOf(u: Unit): string {
  return u.crlf ? u.text.replace(/\n/g, '\r\n') : u.text;
}

export function render(units: readonly Unit[], noFinalNewline: boolean, front: boolean): string {
  let s = (front ? '---\ntitle: q\n---\n' : '') + units.map(linesOf).join('');
  if (noFinalNewline) s = s.replace(/\r?\n$/, '');
  return s;
}

// ---------------- tag type entries ----------------
const recurring = <T>(common: readonly T[], pool: fc.Arbitrary<T>) => fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...common) }, { weight: 4, arbitrary: pool });

function agentName(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: recurring(['alice', 'bob'], fc.nat(300).map((n) => `agent-${n}`)) },
    { weight: 1, arbitrary: fc.constantFrom(' alice', 'alice ', 'a b', 'x::y', ':alice', 'bo b', '') },
  );
}

function tagEntry(type: Exclude<FoldType, 'queue'>): fc.Arbitrary<(at: number) => string> {
  const decor = fc.constantFrom('', '', '', '', ' [agent:x] [agent:y]', ' `[agent:alice]`', ' [note:a b::c]', ' [link:x](y)', ' trailing  ');
  switch (type) {
    case 'heartbeat':
      return fc
        .record({ agent: agentName(), text: fc.constantFrom('idle', 'busy', 'review 🌙', 'idle'), dv: fc.nat(6), decor })
        .map(({ agent, text, dv, decor }) => (at) => `- [agent${dv === 0 ? '::' : ':'}${agent}] [at:${stamp(at)}] ${text}${decor}`);
    case 'facts':
      return fc
        .record({ entity: recurring(['api', 'db'], fc.nat(300).map((n) => `svc-${n}`)), attr: fc.constantFrom('owner', 'sla', 'own er'), value: fc.constantFrom('alice', '99.9%', 'strict'), decor })
        .map(({ entity, attr, value, decor }) => (at) => `- [entity:${entity}] [attr:${attr}] [at:${stamp(at)}] [agent:a] ${value}${decor}`);
    case 'ops':
      return fc
        .record({ op: recurring(['op-1', 'op-2'], fc.nat(300).map((n) => `op-${n + 10}`)), kind: fc.constantFrom('deploy', 'mail'), decor })
        .map(({ op, kind, decor }) => (at) => `- [op:${op}] [kind:${kind}] [args:x y] [agent:a] [at:${stamp(at)}] ${kind} it${decor}`);
    case 'ledger':
      return fc
        .record({ op: recurring(['op-1', 'op-2'], fc.nat(300).map((n) => `op-${n + 10}`)), state: fc.constantFrom('claimed', 'done'), decor })
        .map(({ op, state, decor }) => (at) => `- [op:${op}] [state:${state}] [by:a] [at:${stamp(at)}]${decor}`);
  }
}

const SUBLINES = fc.constantFrom(
  '  more about it\n',
  '  - [agent:bob] [at:2026-01-01T00:00:00.000Z] nested\n',
  '    - deeper item\n',
  '\n  after a blank\n',
  '  ```\n  - [agent:alice] code\n  ```\n',
  '  - [at:2026-01-01T00:00:00.000Z] checkpoint: step\n',
  '\tTabbed note\n',
);

function tagUnit(type: Exclude<FoldType, 'queue'>): fc.Arbitrary<(at: number) => string> {
  return fc.oneof(
    { weight: 12, arbitrary: tagEntry(type).map((line) => (at: number) => `${line(at)}\n`) },
    { weight: 3, arbitrary: fc.tuple(tagEntry(type), SUBLINES).map(([line, rest]) => (at: number) => `${line(at)}\n${rest}`) },
    { weight: 2, arbitrary: fc.constantFrom(...PROSE).map((text) => () => text) },
  );
}

// ---------------- edits ----------------
type Edit =
  | { kind: 'insert' | 'replace'; pos: number; unit: (at: number) => string }
  | { kind: 'remove'; pos: number }
  | { kind: 'removeBlock'; pos: number; len: number }
  | { kind: 'move'; pos: number; len: number; to: number }
  | { kind: 'dup'; pos: number; to: number }
  | { kind: 'wrap'; pos: number; len: number; wrap: number }
  | { kind: 'crlf'; pos: number }
  | { kind: 'append'; unit: (at: number) => string };

function edit(unit: fc.Arbitrary<(at: number) => string>): fc.Arbitrary<Edit> {
  const pos = fc.nat(1000);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('insert' as const, 'replace' as const), pos, unit }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), unit }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pos }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeBlock' as const), pos, len: fc.integer({ min: 2, max: 60 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), pos, len: fc.integer({ min: 1, max: 8 }), to: pos }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('dup' as const), pos, to: pos }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), pos, len: fc.integer({ min: 1, max: 30 }), wrap: fc.nat(WRAPS.length - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('crlf' as const), pos }) },
  );
}

function applyEdits(units: Unit[], edits: readonly Edit[], clock: { at: number }, crlf: boolean): Unit[] {
  const next = units.map((u) => ({ ...u }));
  for (const e of edits) {
    const n = next.length;
    if (e.kind === 'append') {
      next.push({ text: e.unit(++clock.at), crlf });
      continue;
    }
    if (n === 0) continue;
    const pos = e.pos % (n + (e.kind === 'insert' ? 1 : 0));
    switch (e.kind) {
      case 'insert':
        next.splice(pos, 0, { text: e.unit(++clock.at), crlf });
        break;
      case 'replace':
        next.splice(pos, 1, { text: e.unit(++clock.at), crlf });
        break;
      case 'remove':
        next.splice(pos, 1);
        break;
      case 'removeBlock':
        next.splice(pos, e.len);
        break;
      case 'move': {
        const block = next.splice(pos, e.len);
        const to = e.to % (next.length + 1);
        next.splice(to, 0, ...block);
        break;
      }
      case 'dup':
        next.splice(e.to % (n + 1), 0, { ...next[pos]! });
        break;
      case 'wrap': {
        const [open, close] = WRAPS[e.wrap]!;
        const end = Math.min(n, pos + e.len);
        next.splice(end, 0, { text: close, crlf });
        next.splice(pos, 0, { text: open, crlf });
        break;
      }
      case 'crlf':
        next[pos]!.crlf = !next[pos]!.crlf;
        break;
    }
  }
  return next;
}

export interface Case {
  readonly b: string;
  readonly o: string;
  readonly t: string;
}

const shape = fc.record({
  crlf: fc.constantFrom('lf', 'lf', 'crlf', 'mixed'),
  noFinal: fc.constantFrom('none', 'none', 'none', 'base', 'ours', 'all'),
  front: fc.constantFrom('none', 'none', 'none', 'all', 'ours'),
  pua: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'none', 'ours', 'base', 'theirs'),
});

function finish(units: [Unit[], Unit[], Unit[]], s: { crlf: string; noFinal: string; front: string; pua: string }): Case {
  const texts = units.map((us, side) => {
    const text = render(us, s.noFinal === 'all' || (s.noFinal === 'base' && side === 0) || (s.noFinal === 'ours' && side === 1), s.front === 'all' || (s.front === 'ours' && side === 1));
    const pua = ['base', 'ours', 'theirs'].indexOf(s.pua) === side;
    return pua ? text.replace(/(\n- [^\n]*?)\n/, '$1 \uE0010 x\n') : text;
  });
  return { b: texts[0]!, o: texts[1]!, t: texts[2]! };
}

export function tagCase(type: Exclude<FoldType, 'queue'>, maxUnits: number): fc.Arbitrary<Case> {
  const u = tagUnit(type);
  const e = edit(u);
  return fc
    .record({
      base: fc.array(u, { minLength: Math.max(10, Math.floor(maxUnits / 3)), maxLength: maxUnits, size: "max" }),
      shared: fc.array(e, { maxLength: 3 }),
      ours: fc.array(e, { maxLength: 6 }),
      theirs: fc.array(e, { maxLength: 6 }),
      shape,
      mixSeed: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    })
    .map(({ base, shared, ours, theirs, shape, mixSeed }) => {
      const clock = { at: 0 };
      const crlf = shape.crlf === 'crlf';
      const units: Unit[] = base.map((mk, k) => ({ text: mk(++clock.at), crlf: shape.crlf === 'mixed' ? mixSeed[k % 64]! : crlf }));
      const common = applyEdits(units, shared, { at: 500 }, crlf);
      // "shared" edits: both sides made the same edit (same clock).
      const o = applyEdits(common, ours, { at: 1000 }, crlf);
      const t = applyEdits(common, theirs, { at: 2000 }, crlf);
      return finish([units, o, t], shape);
    });
}

// ---------------- queue ----------------
interface Task {
  seq: number;
  id?: string;
  was?: number;
  deps: number[];
  box: ' ' | 'x' | '-';
  claim?: string;
  lost?: string;
  done?: string;
  log: string[];
  text: string;
  decor: string;
}

type QUnit = { task: Task; crlf: boolean } | { text: string; crlf: boolean };

function renderTask(t: Task): string {
  const tags = [
    `[seq:${t.seq}]`,
    ...(t.id ? [`[id:${t.id}]`] : []),
    ...(t.was !== undefined ? [`[was:${t.was}]`] : []),
    ...(t.deps.length ? [`[depends:${t.deps.join(',')}]`] : []),
    ...(t.claim ? [`[claim:${t.claim}]`] : []),
    ...(t.lost ? [`[claim-lost:${t.lost}]`] : []),
    ...(t.done ? [`[done:${t.done}]`] : []),
  ];
  return `- [${t.box}] ${tags.join(' ')} ${t.text}${t.decor}\n${t.log.join('')}`;
}

type QOp =
  | { kind: 'add'; deps: number[]; text: string; at: number | null; hand: boolean; seqMode: number; decor: string }
  | { kind: 'claim' | 'done' | 'cancel' | 'reopen' | 'checkpoint' | 'edit' | 'remove' | 'stamp' | 'renumber' | 'dep' | 'undep' | 'fenceLog' | 'decorate'; pick: number; arg: number }
  | { kind: 'struct'; e: Edit };

const QTEXT = fc.constantFrom('build', 'test', 'deploy', 'build', 'write docs', 'a  b', 'x::y');
const QDECOR = fc.constantFrom('', '', '', '', '', ' [agent:x] [agent:x]', ' `[seq:9]`', ' [agent: spaced ]', ' [note::a::b]');

function qop(): fc.Arbitrary<QOp> {
  const prose = fc.constantFrom(...PROSE).map((text) => () => text);
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        deps: fc.array(fc.nat(400), { maxLength: 3 }),
        text: QTEXT,
        at: fc.option(fc.nat(1000), { freq: 3 }),
        hand: fc.nat(5).map((n) => n === 0),
        seqMode: fc.nat(9),
        decor: QDECOR,
      }),
    },
    {
      weight: 7,
      arbitrary: fc.record({
        kind: fc.constantFrom('claim' as const, 'done' as const, 'cancel' as const, 'reopen' as const, 'checkpoint' as const, 'edit' as const, 'remove' as const, 'stamp' as const, 'renumber' as const, 'dep' as const, 'undep' as const, 'fenceLog' as const, 'decorate' as const),
        pick: fc.nat(1000),
        arg: fc.nat(1000),
      }),
    },
    { weight: 2, arbitrary: edit(prose).map((e) => ({ kind: 'struct' as const, e })) },
  );
}

function applyQ(units: QUnit[], ops: readonly QOp[], branch: string, clock: { now: number }, crlf: boolean): QUnit[] {
  let next: QUnit[] = units.map((u) => ('task' in u ? { task: { ...u.task, deps: [...u.task.deps], log: [...u.task.log] }, crlf: u.crlf } : { ...u }));
  let n = 0;
  for (const o of ops) {
    const st = stamp(++clock.now);
    const tasks = next.filter((u): u is { task: Task; crlf: boolean } => 'task' in u).map((u) => u.task);
    const max = Math.max(0, ...tasks.map((t) => t.seq));
    if (o.kind === 'struct') {
      // structural edit: treat text units generically; tasks keep identity
      const asUnits: Unit[] = next.map((u) => ({ text: 'task' in u ? `\u0000${next.indexOf(u)}` : u.text, crlf: u.crlf }));
      const edited = applyEdits(asUnits, [o.e], { at: clock.now }, crlf);
      next = edited.map((u) => (u.text.startsWith('\u0000') ? { ...(next[Number(u.text.slice(1))] as QUnit), crlf: u.crlf } : u)) as QUnit[];
      // dup of a task unit makes an object alias: copy it
      next = next.map((u) => ('task' in u ? { task: { ...u.task, deps: [...u.task.deps], log: [...u.task.log] }, crlf: u.crlf } : u));
      continue;
    }
    if (o.kind === 'add') {
      const seq = o.seqMode === 0 && tasks.length ? tasks[(o.deps[0] ?? 0) % tasks.length]!.seq : max + 1;
      const task: Task = { seq, deps: o.deps.filter((d) => d < max).map((d) => d + 1), box: ' ', log: [], text: o.text, decor: o.decor };
      if (!o.hand) task.id = `${branch}${String(++n).padStart(6, '0')}`;
      if (o.at === null) next.push({ task, crlf });
      else next.splice(o.at % (next.length + 1), 0, { task, crlf });
      continue;
    }
    if (tasks.length === 0) continue;
    const task = tasks[o.pick % tasks.length]!;
    switch (o.kind) {
      case 'claim':
        if (task.box === ' ') task.claim = `${branch}@${st}`;
        break;
      case 'done':
        if (task.box === ' ') {
          task.box = 'x';
          task.done = st;
        }
        break;
      case 'cancel':
        if (task.box === ' ') task.box = '-';
        break;
      case 'reopen':
        task.box = ' ';
        delete task.done;
        break;
      case 'checkpoint':
        task.log.push(`  - [at:${st}] ${branch} step\n`);
        break;
      case 'fenceLog':
        task.log.push(o.arg % 2 ? `  \`\`\`\n  - [seq:${o.arg}] [id:f${o.arg}] code\n  \`\`\`\n` : `    - nested ${branch}\n`);
        break;
      case 'edit':
        task.text += ` (${branch})`;
        break;
      case 'remove': {
        const k = next.findIndex((u) => 'task' in u && u.task === task);
        next.splice(k, 1);
        break;
      }
      case 'stamp':
        if (!task.id) task.id = `${branch}s${o.arg}`;
        else if (o.arg % 3 === 0) delete task.id;
        break;
      case 'renumber':
        if (task.was === undefined) task.was = task.seq;
        task.seq = max + 1 + (o.arg % 3);
        break;
      case 'dep':
        task.deps.push(tasks[o.arg % tasks.length]!.seq);
        break;
      case 'undep':
        task.deps = task.deps.slice(1);
        break;
      case 'decorate':
        task.decor = [' [agent:x] [agent:x]', ' `[seq:9]`', ' [agent: spaced ]', '', ' [note::a::b]'][o.arg % 5]!;
        break;
    }
  }
  return next;
}

function renderQ(units: QUnit[]): Unit[] {
  return units.map((u) => ('task' in u ? { text: renderTask(u.task), crlf: u.crlf } : u));
}

export function queueCase(maxTasks: number): fc.Arbitrary<Case> {
  return fc
    .record({
      seeds: fc.array(fc.record({ kind: fc.nat(30), dep: fc.nat(50), text: QTEXT, decor: fc.nat(20) }), { minLength: Math.max(10, Math.floor(maxTasks / 3)), maxLength: maxTasks, size: "max" }),
      base: fc.array(qop(), { maxLength: 8 }),
      shared: fc.array(qop(), { maxLength: 3 }),
      ours: fc.array(qop(), { maxLength: 6 }),
      theirs: fc.array(qop(), { maxLength: 6 }),
      shape,
    })
    .map(({ seeds, base, shared, ours, theirs, shape }) => {
      const crlf = shape.crlf === 'crlf';
      const start: QUnit[] = [{ text: '# Queue\n\n', crlf }];
      seeds.forEach((s, k) => {
        const seq = k + 1;
        const task: Task = { seq, id: s.kind === 0 ? undefined : `i${String(seq).padStart(7, '0')}`, deps: s.kind % 4 === 1 && k > 0 ? [Math.max(1, seq - 1 - (s.dep % seq))] : [], box: s.kind % 5 === 2 ? 'x' : s.kind === 3 ? '-' : ' ', log: [], text: s.text, decor: s.decor === 0 ? ' [agent:x] [agent:x]' : s.decor === 1 ? ' `[seq:9]`' : '' };
        if (task.box === 'x') task.done = stamp(k);
        if (s.kind % 6 === 4) task.claim = `a@${stamp(k)}`;
        if (s.kind % 7 === 5) task.log.push(`  - [at:${stamp(k)}] step\n`);
        if (s.kind === 29) task.was = Math.max(1, s.dep % seq);
        if (s.kind === 28) start.push({ text: '\n## Later\n\n', crlf });
        start.push({ task, crlf });
      });
      let b = applyQ(start, base, 'b', { now: 0 }, crlf);
      if (shape.crlf === 'mixed') b = b.map((u, k) => ({ ...u, crlf: k % 7 === 3 }));
      const common = applyQ(b, shared, 's', { now: 500 }, crlf);
      const o = applyQ(common, ours, 'o', { now: 1000 }, crlf);
      const t = applyQ(common, theirs, 't', { now: 2000 }, crlf);
      return finish([renderQ(b), renderQ(o), renderQ(t)], shape);
    });
}

// Simple files to probe git's alignment: unique one-line entries, blank lines and headings, short moves.
export function simpleCase(maxUnits: number): fc.Arbitrary<Case> {
  const entry = fc.nat(100000).map((n) => (at: number) => `- [agent:a${n}] [at:${stamp(at)}] ok\n`);
  const u = fc.oneof({ weight: 8, arbitrary: entry }, { weight: 2, arbitrary: fc.constantFrom('\n', '## S\n', '- plain\n', '  note\n').map((t) => () => t) });
  const pos = fc.nat(1000);
  const e: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ kind: fc.constantFrom('insert' as const, 'replace' as const), pos, unit: u }),
    fc.record({ kind: fc.constant('remove' as const), pos }),
    fc.record({ kind: fc.constant('move' as const), pos, len: fc.integer({ min: 1, max: 3 }), to: pos }),
    fc.record({ kind: fc.constant('dup' as const), pos, to: pos }),
  );
  return fc
    .record({ base: fc.array(u, { minLength: Math.floor(maxUnits / 3), maxLength: maxUnits, size: 'max' }), ours: fc.array(e, { maxLength: 6 }), theirs: fc.array(e, { maxLength: 6 }), near: fc.nat(1000) })
    .map(({ base, ours, theirs, near }) => {
      const clock = { at: 0 };
      const units: Unit[] = base.map((mk) => ({ text: mk(++clock.at), crlf: false }));
      // Edits land near one spot, so the sides interact.
      const local = (es: Edit[]) => es.map((x) => ('pos' in x ? { ...x, pos: (near % units.length) + (x.pos % 8), ...('to' in x ? { to: (near % units.length) + (x.to % 12) } : {}) } : x)) as Edit[];
      const o = applyEdits(units, local(ours), { at: 1000 }, false);
      const t = applyEdits(units, local(theirs), { at: 2000 }, false);
      return { b: render(units, false, false), o: render(o, false, false), t: render(t, false, false) };
    });
}
