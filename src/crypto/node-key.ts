import fs from 'node:fs/promises';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {ed25519PublicKey} from './ed25519.js';
import {openWithPassword, PasswordBoxSchema, sealWithPassword, type KdfCost} from './password-box.js';
import {x25519KeyPair} from './x25519.js';

/**
 * A provider node's keys: X25519 to receive sealed queries, Ed25519 to sign
 * receipts and info. Kept apart from the wallet: a node key never moves funds,
 * and the wallet key never sits on the serving machine's hot path.
 */
export interface NodeKey {
  x25519PublicKey: Uint8Array;
  x25519SecretKey: Uint8Array;
  ed25519PublicKey: Uint8Array;
  /** 32-byte Ed25519 seed. */
  ed25519Seed: Uint8Array;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const NodeKeyFileSchema = z.object({
  version: z.literal(1),
  x25519PublicKey: z.string().regex(/^[0-9a-f]{64}$/),
  ed25519PublicKey: z.string().regex(/^[0-9a-f]{64}$/),
  box: PasswordBoxSchema,
});

/** Make a node key from 64 bytes of secret material (default: fresh random bytes). */
export async function generateNodeKey(secret: Uint8Array = randomBytes(64)): Promise<NodeKey> {
  if (secret.length !== 64) throw new TypeError('node key secret must be 64 bytes');
  const x = await x25519KeyPair(secret.slice(0, 32));
  const seed = secret.slice(32, 64);
  return {x25519PublicKey: x.publicKey, x25519SecretKey: x.secretKey, ed25519PublicKey: ed25519PublicKey(seed), ed25519Seed: seed};
}

/** Options shared by saveNodeKey and loadNodeKey. */
export interface NodeKeyFileOptions {
  /** File path (the CLI's is config's nodeKeyPath()). Required. */
  path: string;
  /** Password. Default: env COCOON_NODE_PASSWORD; neither set is INVALID_INPUT. */
  password?: string;
  /** Argon2id cost when saving. Default: password-box defaults (~300 ms, 64 MiB). */
  kdf?: KdfCost;
  /** Replace an existing file when saving. Default: false (ALREADY_EXISTS). */
  overwrite?: boolean;
}

function password(o: NodeKeyFileOptions): string {
  const pw = o.password ?? process.env.COCOON_NODE_PASSWORD;
  if (!pw) {
    throw new CocoonError('INVALID_INPUT', 'No password for the provider node key.', {
      hint: 'Set COCOON_NODE_PASSWORD or pass the password.',
    });
  }
  return pw;
}

// The public keys are bound as associated data, so the file's cleartext header can't be swapped.
const associatedData = (x: string, ed: string) => `cocoon-node-key:v1:${x}:${ed}`;

/** Encrypt the node key under a password and write it (mode 0600, directory 0700, atomically). */
export async function saveNodeKey(key: NodeKey, options: NodeKeyFileOptions): Promise<string> {
  const file = options.path;
  const pw = password(options);
  if (!options.overwrite && (await fs.stat(file).catch(() => undefined))) {
    throw new CocoonError('ALREADY_EXISTS', `A node key already exists at ${file}.`, {hint: 'Use it, or overwrite it on purpose.'});
  }
  const x = hex(key.x25519PublicKey);
  const ed = hex(key.ed25519PublicKey);
  const secret = Buffer.concat([key.x25519SecretKey, key.ed25519Seed]);
  const box = await sealWithPassword(secret, pw, associatedData(x, ed), options.kdf);
  secret.fill(0);
  await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700});
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({version: 1, x25519PublicKey: x, ed25519PublicKey: ed, box}, null, 2) + '\n', {mode: 0o600});
  await fs.rename(tmp, file);
  return file;
}

/** Read and decrypt the node key; checks that the decrypted secrets match the stored public keys. */
export async function loadNodeKey(options: NodeKeyFileOptions): Promise<NodeKey> {
  const file = options.path;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CocoonError('NOT_FOUND', `No provider node key at ${file}.`, {cause: err, hint: 'Create one first.'});
  }
  let parsed: z.infer<typeof NodeKeyFileSchema>;
  try {
    parsed = NodeKeyFileSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new CocoonError('CORRUPT_DATA', `The node key file ${file} is not valid.`, {cause: err});
  }
  const secret = await openWithPassword(parsed.box, password(options), associatedData(parsed.x25519PublicKey, parsed.ed25519PublicKey)).catch((err: unknown) => {
    // The box's own hint names the wallet's variable; this is the node key's password.
    if (err instanceof CocoonError && err.code === 'BAD_PASSWORD') {
      throw new CocoonError('BAD_PASSWORD', 'Wrong password for the provider node key (or its file was altered).', {
        hint: 'Check the node key password or COCOON_NODE_PASSWORD (it is not the wallet password) and try again.',
        cause: err,
      });
    }
    throw err;
  });
  if (secret.length !== 64) throw new CocoonError('CORRUPT_DATA', `The node key file ${file} holds a secret of the wrong size.`);
  const key = await generateNodeKey(secret);
  if (hex(key.x25519PublicKey) !== parsed.x25519PublicKey || hex(key.ed25519PublicKey) !== parsed.ed25519PublicKey) {
    throw new CocoonError('CORRUPT_DATA', `The node key file ${file} does not match its public keys.`);
  }
  return key;
}
