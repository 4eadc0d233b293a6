/**
 * Bytes in the library entry points' signatures (`lotwise/engine`, `lotwise/ledger`).
 *
 * Their declarations (dist/types) must type-check in a program without Node.js's types
 * (`@types/node` is not a dependency of lotwise): so they never name `Buffer`, a global that only
 * @types/node declares. `Bytes` is Node's `Buffer` where the program has Node's types (lotwise's
 * own code, which calls Buffer methods on it) and `Uint8Array` where it has not (nor where an old
 * @types/node declares `Buffer` as a class, which is no property of `globalThis`). A Buffer is a
 * Uint8Array, and what lotwise reads it takes as either (`asBuffer`).
 */
export type Bytes = typeof globalThis extends { Buffer: { prototype: infer B } } ? B : Uint8Array;

/**
 * `bytes` as a Buffer over the same memory (no copy): what a caller without Node's types passes
 * (a `Uint8Array`) is read as lotwise reads a file's chunks.
 */
export const asBuffer = (bytes: Uint8Array): Bytes =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
