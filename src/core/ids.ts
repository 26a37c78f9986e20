// Entry identities: random, 50 bits, ten characters of lowercase base32. Random rather than sequential
// because two agents on two branches must never mint the same id (beads' lesson); the randomness is
// injected so the core stays pure and tests stay deterministic.

/** Lowercase base32 without i, l, o, u (Crockford's alphabet): nothing to misread in a terminal. */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const ID_LENGTH = 10;
export const ID_PATTERN = /^[0-9a-z]{6,}$/;

/** Returns `n` random bytes (the shell passes `crypto.randomBytes`). */
export type RandomSource = (n: number) => Uint8Array;

/** A new id of 10 base32 characters (50 bits); retries while it collides with one in `taken`. */
export function newId(random: RandomSource, taken: ReadonlySet<string> = new Set()): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const bytes = random(7);
    if (bytes.length < 7) throw new Error('the random source returned too few bytes');
    let bits = 0n;
    for (const byte of bytes.subarray(0, 7)) bits = (bits << 8n) | BigInt(byte);
    let id = '';
    for (let i = 0; i < ID_LENGTH; i++) {
      id += ID_ALPHABET[Number(bits & 31n)];
      bits >>= 5n;
    }
    if (!taken.has(id)) return id;
  }
  throw new Error('the random source keeps returning ids that are taken');
}
