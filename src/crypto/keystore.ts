import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {PasswordBoxSchema, openWithPassword, sealWithPassword, type KdfCost} from './password-box.js';

/** Wallet names: safe as file names and in shells. */
export const WALLET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * A wallet keystore file. The public key is in clear so commands that only read
 * (show, balance, list) need no password; the mnemonic is sealed with Argon2id +
 * XChaCha20-Poly1305, and the name and public key are its associated data, so
 * the clear header cannot be edited without the password check failing.
 */
export const KeystoreSchema = z.object({
  version: z.literal(1),
  kind: z.literal('cocoon-wallet'),
  name: z.string().regex(WALLET_NAME),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  box: PasswordBoxSchema,
});
/** A parsed keystore. */
export type Keystore = z.infer<typeof KeystoreSchema>;

/** A wallet's unlocked secrets. Keep in memory only as long as needed. */
export interface UnlockedWallet {
  words: string[];
  publicKey: Buffer;
  secretKey: Buffer;
}

function associatedData(name: string, publicKey: string): string {
  return `cocoon-wallet:v1:${name}:${publicKey}`;
}

/** Derive the key pair of a 24-word TON mnemonic; invalid mnemonics are refused. */
export async function keyPairFromWords(words: string[]): Promise<{publicKey: Buffer; secretKey: Buffer}> {
  const {mnemonicValidate, mnemonicToPrivateKey} = await import('@ton/crypto');
  if (!(await mnemonicValidate(words))) {
    throw new CocoonError('INVALID_INPUT', `That is not a valid TON mnemonic (got ${words.length} words; expected 24 words from a TON wallet).`, {
      hint: 'Check the words and their order.',
    });
  }
  return mnemonicToPrivateKey(words);
}

/** Split a mnemonic as a person types it (spaces, commas, newlines). */
export function normalizeWords(text: string): string[] {
  return text.trim().toLowerCase().split(/[\s,]+/).filter(Boolean);
}

/** Options for createKeystore. */
export interface CreateKeystoreOptions {
  name: string;
  words: string[];
  password: string;
  /** Argon2id cost. Default: password-box's defaults. */
  cost?: KdfCost;
}

/** Seal a mnemonic into a new keystore record. */
export async function createKeystore(options: CreateKeystoreOptions): Promise<Keystore> {
  const keyPair = await keyPairFromWords(options.words);
  const publicKey = keyPair.publicKey.toString('hex');
  const box = await sealWithPassword(Buffer.from(options.words.join(' ')), options.password, associatedData(options.name, publicKey), options.cost);
  return {version: 1, kind: 'cocoon-wallet', name: options.name, publicKey, createdAt: new Date().toISOString(), box};
}

/** Open a keystore; throws BAD_PASSWORD on a wrong password, CORRUPT_DATA if its contents do not match its header. */
export async function unlockKeystore(keystore: Keystore, password: string): Promise<UnlockedWallet> {
  const plain = await openWithPassword(keystore.box, password, associatedData(keystore.name, keystore.publicKey));
  const words = Buffer.from(plain).toString('utf8').split(' ');
  const keyPair = await keyPairFromWords(words).catch(() => {
    throw new CocoonError('CORRUPT_DATA', `The keystore of wallet "${keystore.name}" holds no valid mnemonic.`);
  });
  if (keyPair.publicKey.toString('hex') !== keystore.publicKey) {
    throw new CocoonError('CORRUPT_DATA', `The keystore of wallet "${keystore.name}" does not match its public key.`);
  }
  return {words, ...keyPair};
}

/** Parse keystore file contents; anything malformed is CORRUPT_DATA naming the file. */
export function parseKeystore(text: string, file: string): Keystore {
  try {
    return KeystoreSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new CocoonError('CORRUPT_DATA', `The keystore ${file} is corrupt or not a Cocoon keystore.`, {
      hint: 'Restore it from a backup, or re-import the wallet from its mnemonic with `cocoon wallet import` under another name.',
      cause: error,
    });
  }
}
