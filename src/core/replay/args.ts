// The argv of an op, as it travels in one `[args:…]` tag value: words separated by white space, each
// word percent-encoded where it holds a byte the tag grammar cannot carry (white space, brackets,
// backticks, `%`). `op request` writes this form; a hand-written `[args:v42 production]` reads as the two
// words `v42` and `production`. Decoding yields plain strings that the executor hands to the handler as
// separate argv entries: nothing here is ever given to a shell.

const NEEDS_ENCODING = /[%\s[\]`\u0000-\u001f\u007f]/gu;

/** One argument as a tag-safe word. */
export function encodeArg(arg: string): string {
  return arg.replace(NEEDS_ENCODING, (ch) =>
    [...new TextEncoder().encode(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** The `[args:…]` value for `args`; throws on an empty argument, which the word form cannot carry. */
export function encodeArgs(args: readonly string[]): string {
  if (args.some((a) => a === '')) throw new RangeError('an empty argument cannot be written to [args:…]');
  return args.map(encodeArg).join(' ');
}

/** The argv that an `[args:…]` value stands for. A `%` not followed by valid UTF-8 escapes stays literal. */
export function decodeArgs(value: string): string[] {
  return value
    .split(/\s+/u)
    .filter((word) => word !== '')
    .map((word) =>
      word.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
        try {
          return decodeURIComponent(run);
        } catch {
          return run;
        }
      }),
    );
}
