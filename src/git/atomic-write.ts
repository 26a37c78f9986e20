// The atomic write of the merge driver's %A and of the agent commands' files: a temp file next to the
// target, fsync, rename, so no reader sees half a file. write-file-atomic does the same, but it loads
// signal-exit, imurmurhash and node's worker_threads on require: a measurable share of a driver that
// runs once per file on every pull. Everything here is synchronous, like the driver's whole write path.
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * UTF-8 bytes of `text`; an ASCII text (the usual file: every character one UTF-8 byte) is copied,
 * not encoded.
 */
function encode(text: string): Buffer {
  return Buffer.byteLength(text, 'utf8') === text.length ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

/**
 * Replaces `path` with `data` atomically: readers see the old file or the new one. A symlinked path is
 * written where it points; an existing file keeps its mode (and its owner, where this process may set
 * it). On any error the temp file is removed and `path` is unchanged.
 *
 * `beforeRename` runs between the fsync and the rename; what it throws leaves `path` unchanged (the
 * writers' lock check: a writer that lost its lock while stalled must not write). The driver runs this
 * inside `holdingSignals`, so that an interrupted merge leaves no temp file in the work tree.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, beforeRename?: () => void): void {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // Not there yet: written as a new file.
  }
  let mode: number | undefined;
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = statSync(target);
    mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    // A new file: the default mode.
  }
  // The name workfile.ts's removeDeadTemps knows: <name>.strata-<pid>-<hex>.tmp.
  const temp = `${target}.strata-${process.pid}-${Math.floor(Math.random() * 0x100000000).toString(16)}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode ?? 0o666);
    const bytes = typeof data === 'string' ? encode(data) : data;
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    if (mode !== undefined) fchmodSync(fd, mode);
    if (owner && typeof process.getuid === 'function' && process.getuid() === 0) fchownSync(fd, owner.uid, owner.gid);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    beforeRename?.();
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Holds SIGINT, SIGTERM and SIGHUP while the synchronous `work` runs (with a listener installed, node
 * delivers a signal to JavaScript only once that code has returned), and lets the caller finish: the
 * driver's write is its last step, so it exits right after with the merge's own code. Dying of the
 * signal instead would be an exit above 128, which makes git abort the whole merge although %A holds a
 * complete result. (A signal before the write kills the driver as usual; %A is then untouched.)
 */
export async function holdingSignals<T>(work: () => T): Promise<T> {
  const hold = (): void => {};
  for (const signal of SIGNALS) process.on(signal, hold);
  try {
    return work();
  } finally {
    // A signal reaches `hold` when the event loop polls. This code may itself run inside a poll
    // callback (the driver is loaded by file I/O), where the first immediate runs before the next poll:
    // the second runs after it.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    for (const signal of SIGNALS) process.off(signal, hold);
  }
}
