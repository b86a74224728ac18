// Bytes as lowercase hex and back: the one table that sha256 digests, packed text hashes and
// shard names go through (engine, vector format, storage and tests).
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lowercase hex of bytes[at, at + n); n defaults to one sha256 digest (32 bytes).
 *
 * @example
 * ```ts
 * hexOf(new Uint8Array([0, 171, 255]), 0, 3); // '00abff'
 * hexOf(packedShas, 32 * row);               // row's sha256 as 64 hex digits
 * ```
 */
export function hexOf(bytes: Uint8Array, at = 0, n = 32): string {
  if (at < 0 || at + n > bytes.length) throw new RangeError(`hexOf: bytes [${at}, ${at + n}) outside ${bytes.length} bytes`);
  let s = '';
  for (let i = at; i < at + n; i++) s += HEX[bytes[i]!];
  return s;
}

/**
 * Writes the bytes of a 64-digit hex sha256 into out[at, at + 32).
 *
 * @example
 * ```ts
 * hexToBytes(sha, packedShas, 32 * row);
 * ```
 */
export function hexToBytes(hex: string, out: Uint8Array, at: number): void {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new RangeError(`hexToBytes: '${hex}' is not 64 hex digits`);
  for (let i = 0; i < 32; i++) out[at + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
}
