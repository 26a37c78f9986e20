// A typed file strata cannot read as it is: bytes that are not UTF-8 (Latin-1 from an old editor), or a
// byte order mark before the first entry (Windows editors, PowerShell 5's Out-File). Decoded as UTF-8,
// the first would come out with U+FFFD in place of the bytes — and a writer or the hook's id stamping
// would then write those back, losing them; the second hides the first entry (read as prose). So both
// are refused by the writers, the hook, `check` and `verify`, with the fix. Pure: the shell passes bytes.
import type { Finding } from './finding.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or undefined where they are not UTF-8 (the platform's own decoder). */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const [need, min, max] = b >= 0xc2 && b <= 0xdf ? [1, 0x80, 0xbf] : b === 0xe0 ? [2, 0xa0, 0xbf] : b >= 0xe1 && b <= 0xec ? [2, 0x80, 0xbf] : b === 0xed ? [2, 0x80, 0x9f] : b >= 0xee && b <= 0xef ? [2, 0x80, 0xbf] : b === 0xf0 ? [3, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [3, 0x80, 0xbf] : b === 0xf4 ? [3, 0x80, 0x8f] : [0, 0, 0];
    if (need === 0 || i + need >= bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < min || second > max) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * A blob or file as text: UTF-8 where it is, else Latin-1 (every byte one character). A base read
 * that way compares equal to the same file converted with `iconv -f latin1 -t utf-8`, so converting a
 * file is not taken for editing every entry with an accent.
 */
export function decodeText(bytes: Buffer): string {
  return utf8(bytes) ?? bytes.toString('latin1');
}

/** Why a typed file's bytes cannot be read as entries, or undefined. */
export function unreadable(path: string, bytes: Uint8Array): Finding | undefined {
  // The platform's decoder first (native); the byte loop only to say where.
  const bad = utf8(bytes) !== undefined ? -1 : firstInvalidUtf8(bytes);
  if (bad !== -1) {
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    return {
      path,
      line,
      rule: 'malformed-entry',
      message: `${path} is not UTF-8 (line ${line} has bytes that are not): strata reads and writes its typed files as UTF-8, and would lose those bytes`,
      hint: `convert those bytes to UTF-8 (a file that is all Latin-1: iconv -f latin1 -t utf-8 ${path} > ${path}.utf8 && mv ${path}.utf8 ${path}; a file that is mostly UTF-8 already: fix line ${line} by hand), then stage it again`,
    };
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
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
