// The replay journal on disk: `<git common dir>/strata/replay-journal`, untracked and shared by the
// linked worktrees of a clone, so a checkout, a reset or a branch switch never takes it away. Appended
// and fsynced before a handler starts; read only when an op would run as pending (see core journal.ts).
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../core/errors.js';
import { JOURNAL_HEADER, type JournalRecord, journalLine, journalOf } from '../core/replay/journal.js';

export function journalPath(commonDir: string): string {
  return join(commonDir, 'strata', 'replay-journal');
}

/** This clone's journal records of `keys` (none when the journal does not exist yet). */
export function readJournal(commonDir: string, keys: Iterable<string>): Map<string, JournalRecord[]> {
  let text: string;
  try {
    text = readFileSync(journalPath(commonDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new StrataError('GIT_FAILED', `cannot read the replay journal ${journalPath(commonDir)}: ${(error as Error).message}`, 'fix its permissions, then run git strata replay again');
  }
  return journalOf(text, keys);
}

/**
 * Appends one record and fsyncs it. A line torn by an earlier crash is closed first, so it cannot run
 * into this one. Throws when the record cannot be made durable.
 */
export function appendJournal(commonDir: string, record: JournalRecord): void {
  const path = journalPath(commonDir);
  let fd: number | undefined;
  try {
    mkdirSync(join(commonDir, 'strata'), { recursive: true });
    fd = openSync(path, 'a+');
    const size = fstatSync(fd).size;
    let prefix = size === 0 ? JOURNAL_HEADER : '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    writeSync(fd, prefix + journalLine(record));
    fsyncSync(fd);
    // A new file's name must be durable too.
    if (size === 0) syncDir(join(commonDir, 'strata'));
  } catch (error) {
    throw new StrataError('GIT_FAILED', `cannot write the replay journal ${path}: ${(error as Error).message}`, 'free some disk space (or fix the permissions of the git directory), then run git strata replay again');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the record itself is synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
