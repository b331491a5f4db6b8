import {signEd25519, verifyEd25519} from '../crypto/ed25519.js';
import {CocoonError} from '../errors.js';
import {malformed} from './errors.js';
import {ProviderInfoSchema, SignedInfoSchema} from './schemas.js';
import {INFO_SIGNING_PREFIX, PROTOCOL_VERSION, type ProviderInfo} from './wire.js';

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
  // Another version signs under another prefix: say so, instead of calling its signature bad (the number is unverified; it only picks the message).
  const version = declaredVersion(outer.data.info);
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    throw new CocoonError('PROTOCOL_ERROR', `The provider speaks protocol version ${version}; this cocoon speaks version ${PROTOCOL_VERSION}.`, {
      hint: version < PROTOCOL_VERSION ? 'The provider must update cocoon; use another provider meanwhile.' : 'Update cocoon (npm install -g cocoon-cli@latest).',
    });
  }
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

function declaredVersion(info: string): number | undefined {
  try {
    const v = (JSON.parse(info) as {protocol?: unknown}).protocol;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
