// Benchmark of the merge driver as git runs it: `node dist/git-strata.cjs merge --type T O A B 7 path`,
// wall time including node start-up, next to `git merge-file` on the same three inputs, plus the
// driver's peak memory. Numbers only (no pass/fail); the budget is printed next to them for the reader.
// Every measured run is checked: a bench that times a crashing or lossy driver is worthless.
//
//   npm run bench                 builds, then runs everything (1k/10k/100k entries + a large notes file)
//   BENCH_QUICK=1 npm run bench   1k/10k only, fewer runs
//   BENCH_KEEP=1                  keeps the temp dir with the inputs (path printed) for profiling
//
// The inputs come from scripts/gen.mjs (deterministic, seeded).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { factsScenario, heartbeatScenario, notesScenario, queueScenario } from './gen.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const KEEP = process.env.BENCH_KEEP === '1';

if (!existsSync(join(ROOT, 'dist/git-strata.cjs'))) {
  console.error('bench: dist/git-strata.cjs is missing; run `npm run build` (or `npm run bench`)');
  process.exit(2);
}

// A private copy of the bundle: a concurrent `npm run build` deletes dist/ while we measure.
const work = mkdtempSync(join(tmpdir(), 'strata-bench-'));
cpSync(join(ROOT, 'dist'), join(work, 'dist'), { recursive: true });
const CLI = join(work, 'dist/git-strata.cjs');
// The driver as git starts it: the entry `git strata install` registers.
const DRIVER = join(work, 'dist/git-strata.cjs');
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const DRIVER_ENV = { ...GIT_ENV };
delete DRIVER_ENV.STRATA;
delete DRIVER_ENV.STRATA_DEBUG;

// ---------- measuring ----------

function timed(cmd, args, env = GIT_ENV) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  // Nearest-rank: p90 of 5 runs is the slowest run, of 15 runs the 14th.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Peak memory: GNU time's %M (max RSS in KiB of the child, which on Linux also covers the
// largest of its own waited-for children, here `git merge-file`). Fallback: a preloaded hook that
// writes the node process's own process.resourceUsage().maxRSS (KiB) at exit (git child excluded).
const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => {
  if (!existsSync(p)) return false;
  const r = spawnSync(p, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '');
});
const RSS_HOOK = join(work, 'rss-hook.cjs');
writeFileSync(
  RSS_HOOK,
  "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.STRATA_BENCH_RSS, `${u.maxRSS} ${(u.userCPUTime + u.systemCPUTime) / 1000}`); });\n",
);
const RSS_METHOD = GNU_TIME
  ? `${GNU_TIME} -f %M (max RSS of node; includes its git merge-file child's if larger)`
  : 'process.resourceUsage().maxRSS of the driver process via a --require hook (git merge-file child not included)';

/** Peak RSS (KiB) and CPU time (user + sys, ms) of one driver run. */
function peakRssKiB(args) {
  if (GNU_TIME) {
    const r = spawnSync(GNU_TIME, ['-f', '%M %U %S', process.execPath, ...args], { env: DRIVER_ENV, encoding: 'utf8', maxBuffer: 1 << 30 });
    const [kib, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    return { kib, cpuMs: (user + sys) * 1000 };
  }
  const out = join(work, 'rss.txt');
  spawnSync(process.execPath, ['--require', RSS_HOOK, ...args], { env: { ...DRIVER_ENV, STRATA_BENCH_RSS: out }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const [kib, cpuMs] = readFileSync(out, 'utf8').split(' ').map(Number);
  return { kib, cpuMs };
}

// ---------- checks ----------

const lines = (text) => text.split('\n').map((l) => l.replace(/\r$/, ''));
const hasMarkers = (text) => /^(<{7}|>{7})( |$)/m.test(text) || /^={7}$/m.test(text);

function check(kind, scenario, result) {
  const problems = [];
  if (hasMarkers(result)) problems.push('conflict markers in output');
  if (kind === 'heartbeat') {
    const seen = new Set();
    for (const m of result.matchAll(/^- \[agent:([^\]]+)\]/gm)) {
      if (seen.has(m[1])) problems.push(`agent ${m[1]} twice`);
      seen.add(m[1]);
    }
    const missing = scenario.agents.filter((a) => !seen.has(a));
    if (missing.length) problems.push(`${missing.length} agent(s) missing, e.g. ${missing.slice(0, 3).join(', ')}`);
    if (seen.size !== scenario.agents.length) problems.push(`${seen.size} agents, expected ${scenario.agents.length}`);
    return problems.length ? problems.join('; ') : `ok: all ${scenario.agents.length} agents`;
  }
  if (kind === 'facts') {
    const have = new Set(lines(result).map((l) => l.replace(' [superseded:yes]', '')));
    const missing = scenario.added.filter((l) => !have.has(l.replace(/\n$/, '')));
    if (missing.length) problems.push(`${missing.length} added fact(s) missing`);
    const count = (t) => (t.match(/^- \[entity:/gm) ?? []).length;
    const want = count(scenario.base) + scenario.added.length;
    if (count(result) !== want) problems.push(`${count(result)} facts, expected ${want}`);
    return problems.length ? problems.join('; ') : `ok: all ${want} facts`;
  }
  if (kind === 'queue') {
    const tasks = [...result.matchAll(/^- \[[ x-]\] \[seq:(\d+)\] \[id:([^\]]+)\](?: \[depends:(\d+)\])?/gm)];
    const seqs = new Set(tasks.map((m) => m[1]));
    if (tasks.length !== scenario.tasks) problems.push(`${tasks.length} tasks, expected ${scenario.tasks}`);
    if (seqs.size !== tasks.length) problems.push('duplicate seq');
    const seqOfId = new Map(tasks.map((m) => [m[2], m[1]]));
    for (const [child, parent] of scenario.pairs) {
      const row = tasks.find((m) => m[2] === child);
      if (!row || row[3] !== seqOfId.get(parent)) problems.push(`${child} does not depend on ${parent}`);
    }
    return problems.length ? problems.join('; ') : `ok: ${tasks.length} tasks, seq unique, depends kept`;
  }
  const have = new Set(lines(result));
  const missing = scenario.added.filter((l) => !have.has(l.replace(/\n$/, '')));
  if (missing.length) problems.push(`${missing.length} added bullet(s) missing`);
  return problems.length ? problems.join('; ') : `ok: both sides' ${scenario.added.length} bullets kept`;
}

// ---------- cases ----------

const cases = [];
for (const n of QUICK ? [1000, 10000] : [1000, 10000, 100000]) {
  const runs = QUICK ? 5 : n >= 100000 ? 5 : 15;
  cases.push({ kind: 'heartbeat', type: 'heartbeat', n, runs, make: () => heartbeatScenario({ n, seed: 7 }) });
  cases.push({ kind: 'facts', type: 'facts', n, runs, make: () => factsScenario({ n, seed: 7 }) });
  cases.push({ kind: 'queue', type: 'queue', n, runs, make: () => queueScenario({ n, seed: 7 }) });
}
if (!QUICK) cases.push({ kind: 'notes', type: 'markdown', n: 20000, runs: 15, make: () => notesScenario({ bullets: 20000, seed: 7 }) });

function budgetFor(c) {
  if (c.kind === 'notes') return '—';
  if (c.n === 10000) return '≤ 150 ms median';
  if (c.n === 100000) return '≤ 1.5 s, ≤ 400 MB';
  return '—';
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtSize = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} KB`);
const fmtN = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));

console.log(`strata bench — node ${process.version}, ${spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim()}, ` +
  `${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? '?'}), load ${loadavg().map((x) => x.toFixed(2)).join(' ')}` +
  `${QUICK ? ', BENCH_QUICK' : ''}`);
console.log(`driver: ${DRIVER} (copy of dist/)`);
console.log(`peak memory and cpu (user+sys, median of 3): ${RSS_METHOD}`);
console.log('');

// Reference: bare node start-up.
const nodeRuns = [];
for (let i = 0; i < (QUICK ? 5 : 15); i++) nodeRuns.push(timed(process.execPath, ['-e', '0']).ms);

const rows = [];
let failures = 0;
for (const c of cases) {
  const s = c.make();
  const dir = join(work, `${c.kind}-${c.n}`);
  mkdirSync(dir, { recursive: true });
  const O = join(dir, 'base.md');
  const A0 = join(dir, 'ours.md');
  const B = join(dir, 'theirs.md');
  const A = join(dir, 'result.md');
  writeFileSync(O, s.base);
  writeFileSync(A0, s.ours);
  writeFileSync(B, s.theirs);
  const path = { heartbeat: 'HEARTBEAT.md', facts: 'MEMORY.md', queue: 'QUEUE.md' }[c.kind] ?? 'NOTES.md';
  const args = [DRIVER, 'merge', '--type', c.type, O, A, B, '7', path];

  // One warm-up run (page cache, not measured) that is also the correctness check.
  copyFileSync(A0, A);
  const first = timed(process.execPath, args, DRIVER_ENV);
  const result = readFileSync(A, 'utf8');
  const digest = createHash('sha256').update(result).digest('hex');
  let verdict = first.status === 0 ? check(c.kind, s, result) : `exit ${first.status ?? first.signal}`;
  if (first.stderr.trim()) verdict += ` (stderr: ${first.stderr.trim().split('\n')[0].slice(0, 120)})`;

  const driver = [];
  for (let i = 0; i < c.runs; i++) {
    copyFileSync(A0, A);
    const r = timed(process.execPath, args, DRIVER_ENV);
    driver.push(r.ms);
    if (r.status !== first.status || createHash('sha256').update(readFileSync(A)).digest('hex') !== digest) {
      verdict += `; run ${i + 1} differs (exit ${r.status})`;
    }
  }
  const git = [];
  const G = join(dir, 'git.md');
  let gitStatus;
  for (let i = 0; i < c.runs; i++) {
    copyFileSync(A0, G);
    const r = timed('git', ['merge-file', G, O, B]);
    git.push(r.ms);
    gitStatus = r.status;
  }
  // Peak memory and CPU time (user + sys: less sensitive than wall time to other load on the machine).
  const mem = [];
  for (let i = 0; i < 3; i++) {
    copyFileSync(A0, A);
    mem.push(peakRssKiB(args));
  }
  const rss = Math.max(...mem.map((m) => m.kib));
  if (!verdict.startsWith('ok')) failures++;
  rows.push({
    case: `${c.kind} ${fmtN(c.n)}`,
    size: fmtSize(statSync(O).size),
    runs: String(c.runs),
    median: fmtMs(median(driver)),
    p90: fmtMs(quantile(driver, 0.9)),
    cpu: fmtMs(median(mem.map((m) => m.cpuMs))),
    git: `${fmtMs(median(git))} (${gitStatus === 0 ? 'clean' : `${gitStatus} confl.`})`,
    rss: `${(rss / 1024).toFixed(0)} MB`,
    budget: budgetFor(c),
    check: verdict,
  });
  if (KEEP) console.log(`inputs kept: ${dir}`);
}

const header = { case: 'case', size: 'base size', runs: 'N', median: 'driver med', p90: 'driver p90', cpu: 'driver cpu', git: 'git merge-file med', rss: 'peak RSS', budget: 'budget', check: 'result check' };
const cols = Object.keys(header);
const width = Object.fromEntries(cols.map((k) => [k, Math.max(header[k].length, ...rows.map((r) => r[k].length))]));
const fmtRow = (r) => cols.map((k) => r[k].padEnd(width[k])).join('  ').trimEnd();
console.log(fmtRow(header));
console.log(cols.map((k) => '-'.repeat(width[k])).join('  '));
for (const r of rows) console.log(fmtRow(r));
console.log('');
console.log(`reference: node -e 0  median ${fmtMs(median(nodeRuns))}, p90 ${fmtMs(quantile(nodeRuns, 0.9))} (N=${nodeRuns.length})`);
console.log('');
benchCommands();
if (failures) console.log(`WARNING: ${failures} case(s) failed the result check; their timings measure a broken driver.`);

if (!KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`work dir kept: ${work}`);

/**
 * The other costs a user pays: `check` of a 10k-entry queue, the pre-commit hook on a commit that
 * stages no typed file (a commit with the hook minus the same commit with --no-verify), and replay
 * after a pull when nothing is pending (the post-merge hook of an executor clone).
 */
function benchCommands() {
  const runs = QUICK ? 5 : 15;
  const repo = join(work, 'repo');
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = bench\n\temail = bench@strata.invalid\n[init]\n\tdefaultBranch = main\n');
  const env = { ...DRIVER_ENV, HOME: home, GIT_CONFIG_GLOBAL: join(home, '.gitconfig') };
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  mkdirSync(repo);
  git('init', '-q');
  const q = queueScenario({ n: 10000, seed: 7 });
  writeFileSync(join(repo, '.gitattributes'), readFileSync(join(ROOT, '.gitattributes.example')));
  writeFileSync(join(repo, 'QUEUE.md'), q.base);
  writeFileSync(join(repo, 'OPS.md'), '# Ops\n');
  writeFileSync(join(repo, 'code.txt'), '0\n');
  let r = spawnSync(process.execPath, [CLI, 'install'], { cwd: repo, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`install: ${r.stderr}`);
  git('add', '-A');
  git('commit', '-q', '--no-verify', '-m', 'seed');
  git('config', 'strata.executor', 'true');

  const timeIn = (cmd, args) => {
    const t0 = process.hrtime.bigint();
    const out = spawnSync(cmd, args, { cwd: repo, env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${out.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const sample = (fn) => Array.from({ length: runs }, fn);
  let n = 0;
  const commit = (verify) => () => {
    writeFileSync(join(repo, 'code.txt'), `${++n}\n`);
    git('add', 'code.txt');
    return timeIn('git', ['commit', '-q', ...(verify ? [] : ['--no-verify']), '-m', `c${n}`]);
  };
  const withHook = sample(commit(true));
  const without = sample(commit(false));
  // A commit that stages the 10k-task queue (one task appended): the hook stamps and checks it.
  let added = 0;
  const commitQueue = () => {
    added++;
    writeFileSync(join(repo, 'QUEUE.md'), `${readFileSync(join(repo, 'QUEUE.md'), 'utf8')}- [ ] [seq:${900000 + added}] [id:bench${String(added).padStart(6, '0')}] bench task ${added}\n`);
    git('add', 'QUEUE.md');
    return timeIn('git', ['commit', '-q', '-m', `q${added}`]);
  };
  const queueCommit = median(sample(commitQueue));
  const version = median(sample(() => timeIn(process.execPath, [CLI, '--version'])));
  const replayIdle = median(sample(() => timeIn(process.execPath, [CLI, 'hook', 'post-merge', '0'])));
  const rowsOut = [
    ['check, 10k-entry queue', median(sample(() => timeIn(process.execPath, [CLI, 'check', 'QUEUE.md']))), '≤ 150 ms median'],
    ['pre-commit hook, no typed file staged', median(withHook) - median(without), '≤ 80 ms'],
    ['commit staging the 10k-entry queue', queueCommit, ''],
    ['post-merge replay, nothing pending', replayIdle, ''],
    ['  … added over starting strata at all', replayIdle - version, '≤ 100 ms added to git pull'],
    ['reference: git strata --version', version, ''],
  ];
  console.log('command                                   median      budget');
  for (const [what, ms, budget] of rowsOut) console.log(`${what.padEnd(40)}  ${fmtMs(ms).padEnd(10)}  ${budget}`);
  console.log(`(hook: median commit ${fmtMs(median(withHook))} with the hook, ${fmtMs(median(without))} with --no-verify)`);
}
