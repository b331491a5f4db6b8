import type Sodium from 'libsodium-wrappers-sumo';

/** The libsodium API (sumo build: it has Argon2id). */
export type SodiumApi = typeof Sodium;

let ready: Promise<SodiumApi> | undefined;

/**
 * libsodium, loaded once and lazily (its WASM costs ~30 ms to instantiate).
 * src/crypto is the only place that imports libsodium.
 */
export function sodium(): Promise<SodiumApi> {
  ready ??= import('libsodium-wrappers-sumo').then(async (mod) => {
    const lib = (mod.default ?? mod) as SodiumApi;
    await lib.ready;
    return lib;
  });
  return ready;
}
