import {signEd25519, verifyEd25519} from '../crypto/ed25519.js';
import {CocoonError} from '../errors.js';
import {malformed} from './errors.js';
import {ProviderInfoSchema, SignedInfoSchema} from './schemas.js';
import {INFO_SIGNING_PREFIX, type ProviderInfo} from './wire.js';

/** GET /v1/info body: the info JSON string and the signature over prefix ‖ that string. */
export interface SignedInfo {
  info: string;
  signature: string;
}

function signingBytes(info: string): Buffer {
  return Buffer.from(INFO_SIGNING_PREFIX + info, 'utf8');
}

/** Sign live info with the provider's Ed25519 node key. */
export function signInfo(info: ProviderInfo, ed25519Seed: Uint8Array): SignedInfo {
  const json = JSON.stringify(info);
  return {info: json, signature: signEd25519(ed25519Seed, signingBytes(json)).toString('hex')};
}

/**
 * Check a GET /v1/info body against the provider's Ed25519 key (from its
 * registry record) and return the validated info. The signature is checked on
 * the exact string before it is parsed.
 */
export function verifyInfo(body: unknown, ed25519PublicKey: Uint8Array): ProviderInfo {
  const outer = SignedInfoSchema.safeParse(body);
  if (!outer.success) throw malformed('provider info');
  if (!verifyEd25519(ed25519PublicKey, signingBytes(outer.data.info), Buffer.from(outer.data.signature, 'hex'))) {
    throw new CocoonError('PROTOCOL_ERROR', 'Provider info is not signed by the provider node key.');
  }
  let json: unknown;
  try {
    json = JSON.parse(outer.data.info);
  } catch (err) {
    throw malformed('provider info (JSON)', err);
  }
  const parsed = ProviderInfoSchema.safeParse(json);
  if (!parsed.success) throw malformed('provider info (schema)');
  return parsed.data;
}
