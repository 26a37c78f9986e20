// The replay settings of one clone, read from git config entries (local, untracked configuration: the
// only place a handler command may come from). Pure: the shell passes the `key → value` pairs that
// `git config -z --get-regexp` printed.
//
//   strata.executor              true: this clone runs handlers (default: it runs nothing)
//   strata.executorName          the name in [by:…] (default: user@host, chosen by the shell)
//   strata.claimRemote           remote whose atomic ref update linearises claims (default: the remote
//                                the current branch tracks, else origin, else the only remote; `none`:
//                                claims stay local, which keeps apart only the replays of this one clone)
//   strata.claimBranch           branch claims are pushed to (default: the current branch's upstream
//                                branch on that remote, else the current branch's name)
//   strata.lease                 how long a claim holds (default 10m; never shorter than timeout + 1m)
//   strata.handler.<kind>        the handler: a JSON array ["prog","arg"] or words split on white space
//   strata.handler.<kind>.timeout     default 10m
//   strata.handler.<kind>.idempotent  true: re-run with the same key after a crash left `unknown`
import { parseDuration } from '../clock.js';

/** Kinds that can name a handler: a git config variable name, lower case (git lowercases them). */
export const KIND = /^[a-z][a-z0-9-]*$/;

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_LEASE_MS = 10 * 60_000;
/** Time after a handler's timeout for the terminal record to be committed before the lease runs out. */
export const LEASE_MARGIN_MS = 60_000;

export interface HandlerSpec {
  readonly kind: string;
  /** Program and fixed arguments; undefined when the configured value cannot be read. */
  readonly argv: readonly string[] | undefined;
  readonly error: string | undefined;
  readonly timeoutMs: number;
  readonly idempotent: boolean;
}

export interface ReplaySettings {
  readonly executor: boolean;
  readonly executorName: string | undefined;
  readonly claimRemote: string | undefined;
  readonly claimBranch: string | undefined;
  readonly leaseMs: number;
  readonly handlers: ReadonlyMap<string, HandlerSpec>;
  readonly userName: string | undefined;
  readonly userEmail: string | undefined;
}

/** git's boolean spellings; a key given without `=` is true. */
export function configBool(value: string | undefined): boolean {
  if (value === undefined) return false;
  return /^(true|yes|on|1|)$/i.test(value.trim());
}

/**
 * Splits a handler command into argv without a shell: a JSON array of strings when the value starts
 * with `[`, otherwise words separated by white space (no quotes, no escapes, no expansion).
 */
export function splitCommand(value: string): { argv: string[] } | { error: string } {
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { error: `not a JSON array: ${(error as Error).message}` };
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string') || parsed[0] === '') {
      return { error: 'the JSON form is a non-empty array of strings, the program first' };
    }
    return { argv: parsed as string[] };
  }
  const words = text.split(/\s+/u).filter((w) => w !== '');
  return words.length === 0 ? { error: 'empty command' } : { argv: words };
}

export function readSettings(entries: Iterable<readonly [string, string | undefined]>): ReplaySettings {
  const plain = new Map<string, string | undefined>();
  const handlerCommands = new Map<string, string | undefined>();
  const handlerOptions = new Map<string, Map<string, string | undefined>>();
  for (const [rawKey, value] of entries) {
    const key = rawKey.trim();
    const lower = key.toLowerCase();
    if (lower.startsWith('strata.handler.')) {
      const rest = key.slice('strata.handler.'.length);
      const dot = rest.lastIndexOf('.');
      if (dot === -1) handlerCommands.set(rest.toLowerCase(), value);
      else {
        const kind = rest.slice(0, dot);
        const options = handlerOptions.get(kind) ?? new Map<string, string | undefined>();
        options.set(rest.slice(dot + 1).toLowerCase(), value);
        handlerOptions.set(kind, options);
      }
    } else {
      plain.set(lower, value);
    }
  }
  const handlers = new Map<string, HandlerSpec>();
  for (const [kind, command] of handlerCommands) {
    if (!KIND.test(kind)) continue;
    const options = handlerOptions.get(kind);
    const split = command === undefined ? { error: 'no command given' } : splitCommand(command);
    const timeout = options?.get('timeout');
    const parsedTimeout = timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeout);
    // A timeout that is not a duration makes the handler unusable (reported, never run), rather than
    // silently letting a handler meant to stop after 30s run for the default ten minutes.
    const badTimeout = parsedTimeout === undefined || parsedTimeout <= 0 ? `timeout '${timeout}' is not a duration like 30s, 5m or 1h` : undefined;
    const timeoutMs = badTimeout === undefined ? parsedTimeout! : DEFAULT_TIMEOUT_MS;
    handlers.set(kind, {
      kind,
      argv: 'argv' in split && badTimeout === undefined ? split.argv : undefined,
      error: 'error' in split ? split.error : badTimeout,
      timeoutMs,
      idempotent: configBool(options?.get('idempotent')),
    });
  }
  const longest = Math.max(0, ...[...handlers.values()].map((h) => h.timeoutMs));
  const lease = plain.get('strata.lease');
  const leaseMs = Math.max(lease === undefined ? DEFAULT_LEASE_MS : (parseDuration(lease) ?? DEFAULT_LEASE_MS), longest + LEASE_MARGIN_MS);
  const text = (k: string): string | undefined => {
    const v = plain.get(k)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  return {
    executor: plain.has('strata.executor') && configBool(plain.get('strata.executor')),
    executorName: text('strata.executorname'),
    claimRemote: text('strata.claimremote'),
    claimBranch: text('strata.claimbranch'),
    leaseMs,
    handlers,
    userName: text('user.name'),
    userEmail: text('user.email'),
  };
}

/** The `strata.claimRemote` value that keeps claims local (the opt-out of the remote's linearisation). */
export const NO_CLAIM_REMOTE = 'none';

export type ClaimRemoteChoice =
  | { readonly remote: string; readonly from: 'config' | 'upstream' | 'origin' | 'only-remote' }
  | { readonly remote: undefined; readonly from: 'opted-out' | 'no-remote' }
  | { readonly remote: undefined; readonly from: 'ambiguous'; readonly remotes: readonly string[] };

/**
 * Where claims are linearised (SPEC: by the remote's atomic ref update, by default): the configured
 * `strata.claimRemote`, unless it is `none`; else the remote the current branch tracks
 * (`branch.<name>.remote`; `.` is the local repository, not a remote); else `origin` if it exists, else
 * the only remote there is. Only a clone with no remote at all claims locally; with several remotes
 * and none of these rules naming one, nobody can tell which is shared (`ambiguous`).
 */
export function chooseClaimRemote(configured: string | undefined, branchRemote: string | undefined, remotes: readonly string[]): ClaimRemoteChoice {
  if (configured !== undefined) {
    return configured.toLowerCase() === NO_CLAIM_REMOTE ? { remote: undefined, from: 'opted-out' } : { remote: configured, from: 'config' };
  }
  if (branchRemote !== undefined && branchRemote !== '.' && remotes.includes(branchRemote)) return { remote: branchRemote, from: 'upstream' };
  if (remotes.includes('origin')) return { remote: 'origin', from: 'origin' };
  if (remotes.length === 1) return { remote: remotes[0]!, from: 'only-remote' };
  return remotes.length === 0 ? { remote: undefined, from: 'no-remote' } : { remote: undefined, from: 'ambiguous', remotes };
}

/** Whether claims may go through a remote at all (false only for the explicit opt-out). */
export function claimsMayUseRemote(settings: Pick<ReplaySettings, 'claimRemote'>): boolean {
  return settings.claimRemote?.toLowerCase() !== NO_CLAIM_REMOTE;
}

/** `git config -z --get-regexp` output (`key\nvalue\0`, or `key\0` for a valueless key) as pairs. */
export function parseConfigDump(dump: string): Array<[string, string | undefined]> {
  const pairs: Array<[string, string | undefined]> = [];
  for (const item of dump.split('\0')) {
    if (item === '') continue;
    const nl = item.indexOf('\n');
    pairs.push(nl === -1 ? [item, undefined] : [item.slice(0, nl), item.slice(nl + 1)]);
  }
  return pairs;
}

/** A name safe for a tag value: no brackets, no white space. */
export function cleanName(name: string): string {
  const cleaned = name.replace(/[^\w.@+-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'unknown' : cleaned;
}
