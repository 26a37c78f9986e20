// git strata torture end to end: a short fixed-seed run with faults passes every check, and a driver
// that keeps only ours (a "clean" merge that drops theirs) is caught as lost writes.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/git.js';

interface Json {
  ok: boolean;
  seed: number;
  metrics: { lost: number; duplicated: number; operations: { invoked: number; ok: number }; convergenceRounds: number | undefined; driverCalls: number };
  anomalies: Array<{ kind: string; message: string; events: number[]; eventDetails: unknown[] }>;
}

function torture(args: string[]): { status: number; json: Json; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'torture', '--json', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { PATH: process.env.PATH, LANG: 'C', TZ: 'UTC' },
  });
  let json: Json;
  try {
    json = JSON.parse(result.stdout) as Json;
  } catch {
    throw new Error(`torture printed no JSON (exit ${result.status}):\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 4000)}`);
  }
  return { status: result.status ?? 128, json, stderr: result.stderr };
}

describe('git strata torture', () => {
  it('a fixed-seed run with every fault (partitions, driver and replay kills, clock skew, torn writes, torn commits) passes every check', () => {
    const { status, json } = torture(['--agents', '3', '--seconds', '20', '--seed', '20261127', '--faults', 'all']);
    const summary = json.anomalies.map((a) => `${a.kind}: ${a.message}`).join('\n');
    expect(summary).toBe('');
    expect(status).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.seed).toBe(20261127);
    expect(json.metrics.operations.ok).toBeGreaterThan(10);
    expect(json.metrics.driverCalls).toBeGreaterThan(0);
    expect(json.metrics.convergenceRounds).toBeLessThanOrEqual(2);
  }, 120_000);

  it('catches a driver that keeps only ours: lost writes, each named by its events', () => {
    const { status, json } = torture(['--agents', '3', '--seconds', '12', '--seed', '7', '--faults', 'none', '--driver-override', "sh -c 'exit 0'"]);
    expect(status).toBe(1);
    expect(json.ok).toBe(false);
    expect(json.metrics.lost).toBeGreaterThan(0);
    const lost = json.anomalies.find((a) => a.kind === 'lost')!;
    expect(lost.events.length).toBeGreaterThanOrEqual(2);
    expect(lost.eventDetails).toHaveLength(lost.events.length);
  }, 120_000);
});
