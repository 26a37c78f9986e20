// Deterministic input generators for the benchmark (scripts/bench.mjs), tests and torture runs.
// Every generator takes a seed and returns the same bytes for the same arguments on every machine:
// a seeded PRNG (mulberry32), fixed time stamps, no Date.now(), no Math.random().
//
// Scenarios model realistic concurrent edits of agent coordination files:
//   heartbeatScenario — an LWW-map of agents; each side refreshes ~1% of the agents in place and
//                       appends a few new agents at the end (so both sides insert at the same spot).
//   factsScenario     — a grow-only fact log; both sides append new facts at the end, some of which
//                       supersede an existing (entity, attr).
//   notesScenario     — a large Markdown notes file (sections, prose, ~20k bullets); both sides append
//                       to the same section, so `git merge-file` conflicts there.
// Each returns { base, ours, theirs, ...expectations } with texts ending in '\n'.

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. Returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers bound to one PRNG. */
export function rng(seed) {
  const next = prng(seed);
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  /** `k` distinct integers in [0, n), in ascending order. */
  const sample = (n, k) => {
    const chosen = new Set();
    k = Math.min(k, n);
    while (chosen.size < k) chosen.add(int(n));
    return [...chosen].sort((x, y) => x - y);
  };
  return { next, int, pick, sample };
}

const EPOCH = Date.UTC(2026, 10, 27, 10, 0, 0);
/** A fixed ISO-8601 UTC stamp `ms` milliseconds after 2026-11-27T10:00:00Z. */
export function stamp(ms) {
  return new Date(EPOCH + ms).toISOString();
}

export const agentName = (i) => `agent-${String(i).padStart(6, '0')}`;

const STATUSES = ['idle', 'busy', 'blocked', 'reviewing', 'asleep'];
const TASK_WORDS = [
  'building frontend', 'running tests', 'reviewing PR', 'writing docs', 'deploying to staging',
  'fixing flaky test', 'profiling merge driver', 'triaging issues', 'refactoring parser', 'waiting for CI',
];

function heartbeatLine(r, agent, at) {
  return `- [agent:${agent}] [at:${stamp(at)}] [status:${r.pick(STATUSES)}] [ttl:10m] ${r.pick(TASK_WORDS)} (task ${1 + r.int(999)})\n`;
}

const HEARTBEAT_HEADER =
  '# Heartbeat\n\nOne line per agent; the newest `at` wins. An agent is alive while `at + ttl` is in the future.\n\n';

/**
 * A heartbeat file with `n` agents. Each side updates `updateRate` of the agents in place (some agents
 * on both sides, which LWW settles) and appends `appended` new agents at the end of the file.
 * Returns the texts plus `agents`, every agent name the merge result must contain.
 */
export function heartbeatScenario({ n, seed = 1, updateRate = 0.01, appended = 3 }) {
  const r = rng(seed ^ 0x4842);
  const agents = [];
  const lines = [];
  for (let i = 0; i < n; i++) {
    agents.push(agentName(i));
    // Base stamps within the last hour before EPOCH + 1h.
    lines.push(heartbeatLine(r, agents[i], r.int(3_600_000)));
  }
  const k = Math.max(1, Math.round(n * updateRate));
  const side = (sideSeed, offsetMs, firstNew) => {
    const s = rng(sideSeed);
    const copy = [...lines];
    for (const i of s.sample(n, k)) copy[i] = heartbeatLine(s, agents[i], 3_600_000 + offsetMs + s.int(60_000));
    const added = [];
    for (let j = 0; j < appended; j++) {
      const name = agentName(firstNew + j);
      added.push(name);
      copy.push(heartbeatLine(s, name, 3_600_000 + offsetMs + s.int(60_000)));
    }
    return { text: HEARTBEAT_HEADER + copy.join(''), added };
  };
  const base = HEARTBEAT_HEADER + lines.join('');
  const ours = side(seed * 31 + 1, 0, n);
  const theirs = side(seed * 31 + 2, 500, n + appended);
  return {
    base,
    ours: ours.text,
    theirs: theirs.text,
    agents: [...agents, ...ours.added, ...theirs.added],
  };
}

const ENTITIES = ['frontend', 'backend', 'db', 'ci', 'deploy', 'auth', 'search', 'billing', 'docs', 'infra'];
const ATTRS = ['framework', 'owner', 'version', 'status', 'region', 'budget', 'endpoint', 'schema', 'policy', 'sla'];
const VALUES = ['React', 'Postgres 16', 'eu-west-1', 'alice', 'v2.3.1', 'green', 'deprecated', '99.9%', 'https://api.example.com', 'strict'];
const FACT_AGENTS = ['research', 'code-intel', 'deploy', 'ops', 'reviewer', 'planner'];

function factLine(r, entity, attr, at) {
  return `- [entity:${entity}] [attr:${attr}] [at:${stamp(at)}] [agent:${r.pick(FACT_AGENTS)}] ${r.pick(VALUES)} ${r.int(100000)}\n`;
}

const FACTS_HEADER = '# Memory\n\nFacts supersede, never delete: the newest fact per (entity, attr) is current.\n\n';

/**
 * A facts file with `n` facts over a pool of entities/attributes (so many facts are already superseded
 * in the base, as in a real long-lived log). Both sides append `appended` new facts at the end, some of
 * them about an existing (entity, attr). Returns the texts plus `added`, the new lines of both sides.
 */
export function factsScenario({ n, seed = 1, appended = 5 }) {
  const r = rng(seed ^ 0x4641);
  const entityCount = Math.max(10, Math.round(n / 20));
  const entity = (i) => `${ENTITIES[i % ENTITIES.length]}-${Math.floor(i / ENTITIES.length)}`;
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(factLine(r, entity(r.int(entityCount)), r.pick(ATTRS), i * 1000));
  // Mark superseded facts the way the driver renders them, so the base is a fixed point of the merge.
  const latest = new Map();
  lines.forEach((line, i) => latest.set(line.split('] [at:')[0], i));
  const rendered = lines.map((line, i) =>
    latest.get(line.split('] [at:')[0]) === i ? line : line.replace(/(\[agent:[^\]]*\])/, '$1 [superseded:yes]'),
  );
  const side = (sideSeed, offsetMs) => {
    const s = rng(sideSeed);
    const added = [];
    for (let j = 0; j < appended; j++) added.push(factLine(s, entity(s.int(entityCount)), s.pick(ATTRS), n * 1000 + offsetMs + j * 1000));
    return added;
  };
  const oursAdded = side(seed * 37 + 1, 0);
  const theirsAdded = side(seed * 37 + 2, 500);
  const base = FACTS_HEADER + rendered.join('');
  return {
    base,
    ours: base + oursAdded.join(''),
    theirs: base + theirsAdded.join(''),
    added: [...oursAdded, ...theirsAdded],
  };
}

const NOTE_WORDS = (
  'the merge driver keeps both sides of every concurrent insertion and orders them deterministically ' +
  'agents coordinate through plain markdown files in git with heartbeats queues facts and notes ' +
  'a removal never silently beats a concurrent change and conflicts stay local to one block'
).split(' ');

function sentence(r, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(r.pick(NOTE_WORDS));
  out[0] = out[0][0].toUpperCase() + out[0].slice(1);
  return out.join(' ') + '.';
}

/**
 * A Markdown notes file: `sections` sections with a short prose paragraph and bullets, `bullets`
 * bullets in total (~75 bytes each, so 20k bullets ≈ 1.5 MB). Both sides append `appended` bullets to
 * the end of the same section (section `target`, default the middle one), so the line merge conflicts.
 * Returns the texts plus `added`, the new bullet lines of both sides.
 */
export function notesScenario({ bullets = 20000, sections = 200, seed = 1, appended = 4, target }) {
  const r = rng(seed ^ 0x4e4f);
  const per = Math.ceil(bullets / sections);
  const parts = [];
  let made = 0;
  for (let s = 0; s < sections; s++) {
    let text = `## Section ${s}: ${sentence(r, 3).slice(0, -1)}\n\n${sentence(r, 14)} ${sentence(r, 10)}\n\n`;
    for (let b = 0; b < per && made < bullets; b++, made++) text += `- ${sentence(r, 10 + r.int(6))}\n`;
    parts.push(text + '\n');
  }
  const at = target ?? Math.floor(sections / 2);
  const side = (sideSeed, who) => {
    const s = rng(sideSeed);
    const added = [];
    for (let j = 0; j < appended; j++) added.push(`- ${who}: ${sentence(s, 8 + s.int(6))}\n`);
    const copy = [...parts];
    copy[at] = copy[at].replace(/\n$/, '') + added.join('') + '\n';
    return { text: `# Notes\n\n` + copy.join(''), added };
  };
  const ours = side(seed * 41 + 1, 'ours');
  const theirs = side(seed * 41 + 2, 'theirs');
  return {
    base: `# Notes\n\n` + parts.join(''),
    ours: ours.text,
    theirs: theirs.text,
    added: [...ours.added, ...theirs.added],
  };
}

/**
 * A queue with `n` tasks (seq 1..n, ids, some depends). Each side claims or finishes about 1% of the
 * tasks and appends two new tasks — with the same seqs on both sides (n+1, n+2), the second depending
 * on the first — so the merge must renumber one pair and keep each depends on its own side's task.
 */
export function queueScenario({ n, seed = 1 }) {
  const r = prng(seed ^ 0x5155);
  const id = (prefix, i) => `${prefix}${i.toString(36).padStart(9, '0')}`.slice(0, 10);
  const task = (seq, taskId, rest) => `- [ ] [seq:${seq}] [id:${taskId}] ${rest}\n`;
  const lines = [];
  for (let i = 1; i <= n; i++) {
    const dep = i > 1 && r() < 0.3 ? ` [depends:${Math.max(1, i - 1 - Math.floor(r() * 20))}]` : '';
    lines.push(task(i, id('q', i), `${dep.trim() ? `${dep.trim()} ` : ''}[agent:agent-${i % 50}] task number ${i}`));
  }
  const header = '# Queue\n\nAgents take the lowest ready seq.\n\n';
  const base = header + lines.join('');
  const side = (prefix, edit) => {
    const out = lines.map((l) => (r() < 0.01 ? edit(l) : l));
    out.push(task(n + 1, id(prefix, n + 1), `[agent:${prefix}] deploy`));
    out.push(task(n + 2, id(prefix, n + 2), `[depends:${n + 1}] [agent:${prefix}] smoke test`));
    return header + out.join('');
  };
  const ours = side('a', (l) => l.replace('] [agent:', `] [claim:alice@${stamp(60_000)}] [agent:`));
  const theirs = side('b', (l) => l.replace('- [ ]', '- [x]'));
  return { base, ours, theirs, tasks: n + 4, pairs: [[id('a', n + 2), id('a', n + 1)], [id('b', n + 2), id('b', n + 1)]] };
}
