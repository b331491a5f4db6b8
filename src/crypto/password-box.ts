import {randomBytes} from 'node:crypto';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {sodium} from './sodium.js';

/**
 * A secret encrypted under a password: Argon2id (libsodium crypto_pwhash) derives
 * a 32-byte key, XChaCha20-Poly1305 encrypts, and caller-chosen associated data
 * (e.g. the wallet's name and address) is authenticated so a keystore's public
 * header cannot be swapped. Used by the wallet keystore and the provider node key.
 */
export const PasswordBoxSchema = z.object({
  kdf: z.object({
    alg: z.literal('argon2id13'),
    opslimit: z.number().int().min(1).max(64),
    memlimit: z.number().int().min(8192).max(4 * 1024 ** 3),
    salt: z.string().regex(/^[0-9a-f]{32}$/),
  }),
  cipher: z.object({
    alg: z.literal('xchacha20poly1305-ietf'),
    nonce: z.string().regex(/^[0-9a-f]{48}$/),
    ciphertext: z.string().regex(/^([0-9a-f]{2})+$/),
  }),
});
/** The stored form of a password-encrypted secret. */
export type PasswordBox = z.infer<typeof PasswordBoxSchema>;

/** Argon2id cost; the defaults take ~300 ms and 64 MiB here. */
export interface KdfCost {
  /** Passes over memory. Default: 3. */
  opslimit?: number;
  /** Memory in bytes. Default: 64 MiB. */
  memlimit?: number;
}

const DEFAULT_OPS = 3;
const DEFAULT_MEM = 64 * 1024 * 1024;

async function deriveKey(password: string, salt: Uint8Array, opslimit: number, memlimit: number): Promise<Uint8Array> {
  const na = await sodium();
  return na.crypto_pwhash(32, password, salt, opslimit, memlimit, na.crypto_pwhash_ALG_ARGON2ID13);
}

/** Encrypt `secret` under `password`, binding `associatedData`. */
export async function sealWithPassword(
  secret: Uint8Array,
  password: string,
  associatedData: string,
  cost: KdfCost = {},
): Promise<PasswordBox> {
  const na = await sodium();
  const opslimit = cost.opslimit ?? DEFAULT_OPS;
  const memlimit = cost.memlimit ?? DEFAULT_MEM;
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const key = await deriveKey(password, salt, opslimit, memlimit);
  const ciphertext = na.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, associatedData, null, nonce, key);
  na.memzero(key);
  return {
    kdf: {alg: 'argon2id13', opslimit, memlimit, salt: Buffer.from(salt).toString('hex')},
    cipher: {alg: 'xchacha20poly1305-ietf', nonce: Buffer.from(nonce).toString('hex'), ciphertext: Buffer.from(ciphertext).toString('hex')},
  };
}

/**
 * Decrypt a PasswordBox. A wrong password and a tampered box look the same to
 * the cipher; both throw BAD_PASSWORD.
 */
export async function openWithPassword(box: PasswordBox, password: string, associatedData: string): Promise<Uint8Array> {
  const na = await sodium();
  const key = await deriveKey(password, Buffer.from(box.kdf.salt, 'hex'), box.kdf.opslimit, box.kdf.memlimit);
  try {
    return na.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      Buffer.from(box.cipher.ciphertext, 'hex'),
      associatedData,
      Buffer.from(box.cipher.nonce, 'hex'),
      key,
    );
  } catch {
    throw new CocoonError('BAD_PASSWORD', 'Wrong password (or the encrypted file was altered).', {
      hint: 'Check the password or COCOON_WALLET_PASSWORD and try again.',
    });
  } finally {
    na.memzero(key);
  }
}
