// Quoting for the two places strata writes shell: git's merge.<driver>.driver (run through `sh -c`
// after git expands %O, %A, …) and the hook shims.

/** Single-quotes `text` for POSIX sh; safe for spaces, quotes and every other byte. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A path as a shell word in a hint: bare where the shell reads it as it is (letters of any script too). */
export function shellWord(path: string): string {
  return /^[\p{L}\p{N}_@%+=:,./-]+$/u.test(path) ? path : shellQuote(path);
}

/** Quotes `text` for a merge.<driver>.driver line: shell quoting, and `%` doubled so git does not expand it. */
export function driverQuote(text: string): string {
  return shellQuote(text).replace(/%/g, '%%');
}

/** The driver command line strata registers: absolute node and script, never npx. */
export function driverCommand(node: string, cli: string): string {
  return `${driverQuote(node)} ${driverQuote(cli)} merge %O %A %B %L %P`;
}

/**
 * Splits a driver command line into words, undoing driverQuote (single quotes, `'\''`, `%%`).
 * Returns undefined for anything strata did not write (double quotes, backslashes outside quotes).
 */
export function parseDriverCommand(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  const text = line.trim();
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') {
      i++;
      continue;
    }
    let word = '';
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      const ch = text[i]!;
      if (ch === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) return undefined;
        word += text.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '\\' && text[i + 1] === "'") {
        word += "'";
        i += 2;
      } else if (ch === '"' || ch === '\\') {
        return undefined;
      } else {
        word += ch;
        i++;
      }
    }
    words.push(word.replace(/%%/g, '%'));
  }
  return words;
}
