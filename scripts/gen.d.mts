// Types of the generators in gen.mjs that the tests use.
export interface Scenario {
  readonly base: string;
  readonly ours: string;
  readonly theirs: string;
}
export function heartbeatScenario(options: { n: number; seed?: number; updateRate?: number; appended?: number }): Scenario & { agents: string[] };
export function factsScenario(options: { n: number; seed?: number; appended?: number }): Scenario;
export function notesScenario(options: { bullets?: number; sections?: number; seed?: number; appended?: number; target?: number }): Scenario & { added: string[] };
export function queueScenario(options: { n: number; seed?: number }): Scenario;
