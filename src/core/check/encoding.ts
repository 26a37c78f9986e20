// A typed file strata cannot read as it is: bytes that are not UTF-8 (Latin-1 from an old editor), or a
// byte order mark before the first entry (Windows editors, PowerShell 5's Out-File). Decoded as UTF-8,
// the first would come out with U+FFFD in place of the bytes — and a writer or the hook's id stamping
// would then write those back, losing them; the second hides the first entry (read as prose). So both
// are refused by the writers, the hook and `check`, with the fix. Pure: the shell passes the bytes.
import type { Finding } from './finding.js';

const lineOf = (text: string, at: number): number => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

/** Why a typed file's bytes cannot be read as entries, or undefined. `valid`: whether they are UTF-8. */
export function unreadable(path: string, text: string, valid: boolean): Finding | undefined {
  if (!valid) {
    const at = text.indexOf('\uFFFD');
    const line = at === -1 ? 1 : lineOf(text, at);
    return {
      path,
      line,
      rule: 'malformed-entry',
      message: `${path} is not UTF-8 (line ${line} has bytes that are not): strata reads and writes its typed files as UTF-8, and would lose those bytes`,
      hint: `convert it to UTF-8, e.g. iconv -f latin1 -t utf-8 ${path} > ${path}.utf8 && mv ${path}.utf8 ${path}, then stage it again`,
    };
  }
  if (text.charCodeAt(0) === 0xfeff) {
    return {
      path,
      line: 1,
      rule: 'malformed-entry',
      message: `${path} starts with a byte order mark (U+FEFF): its first line would be read as prose, not as an entry`,
      hint: `save it as UTF-8 without a BOM, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' ${path}, then stage it again`,
    };
  }
  return undefined;
}
