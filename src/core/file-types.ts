// The strata types a file can have (its `strata=` attribute). Its own module, with no imports, so the
// commands that only need the names (check, the hook, the writers) do not load the merge.
export const FILE_TYPES = ['markdown', 'heartbeat', 'facts', 'queue', 'ops', 'ledger'] as const;
export type FileType = (typeof FILE_TYPES)[number];

export function isFileType(name: string): name is FileType {
  return (FILE_TYPES as readonly string[]).includes(name);
}
