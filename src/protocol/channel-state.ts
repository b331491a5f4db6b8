import {Address} from '@ton/core';
import {signEd25519, verifyEd25519} from '../crypto/ed25519.js';
import {CocoonError} from '../errors.js';
import {malformed} from './errors.js';
import {ChannelStateSchema, SignedChannelStateSchema} from './schemas.js';
import {CANCEL_SIGNING_PREFIX, CHANNEL_REQUEST_SIGNING_PREFIX, CHANNEL_STATE_SIGNING_PREFIX, WAIVE_SIGNING_PREFIX, type ChannelHoldings} from './wire.js';

/*
 * POST /v1/channel (docs/protocol.md §9.1): a consumer asks what the provider
 * holds for its channel. The request is signed by the channel's voucher key,
 * so only that consumer can read it; the answer is signed by the node key,
 * like /v1/info, and echoes the request's timestamp.
 */

/** POST /v1/channel answer body. */
export interface SignedChannelState {
  state: string;
  signature: string;
}

/** The bytes a voucher key signs to ask for a channel's state. */
export function channelRequestBytes(channel: Address, timestamp: number): Buffer {
  return Buffer.from(`${CHANNEL_REQUEST_SIGNING_PREFIX}${channel.toRawString()}\n${timestamp}`, 'utf8');
}

/** Sign a channel-state request with the consumer's voucher key. */
export function signChannelRequest(channel: Address, timestamp: number, voucherKey: Uint8Array): Buffer {
  return signEd25519(voucherKey, channelRequestBytes(channel, timestamp));
}

/** True if `signature` is the voucher key's over this request. */
export function verifyChannelRequest(channel: Address, timestamp: number, signature: Uint8Array, consumerKey: Uint8Array): boolean {
  return verifyEd25519(consumerKey, channelRequestBytes(channel, timestamp), signature);
}

function stateBytes(state: string): Buffer {
  return Buffer.from(CHANNEL_STATE_SIGNING_PREFIX + state, 'utf8');
}

/** Sign holdings with the provider's node key. */
export function signChannelState(h: ChannelHoldings, ed25519Seed: Uint8Array): SignedChannelState {
  const state = JSON.stringify({
    channel: h.channel.toRawString(), time: h.time, request: h.request, paid: h.paid.toString(), owed: h.owed.toString(), waived: h.waived, outstanding: h.outstanding,
  });
  return {state, signature: signEd25519(ed25519Seed, stateBytes(state)).toString('hex')};
}

/** Check an answer against the provider's Ed25519 key (from its registry record); the signature is checked on the exact string. */
export function verifyChannelState(body: unknown, ed25519PublicKey: Uint8Array): ChannelHoldings {
  const outer = SignedChannelStateSchema.safeParse(body);
  if (!outer.success) throw malformed('channel state');
  if (!verifyEd25519(ed25519PublicKey, stateBytes(outer.data.state), Buffer.from(outer.data.signature, 'hex'))) {
    throw new CocoonError('PROTOCOL_ERROR', 'The channel state is not signed by the provider node key.');
  }
  let json: unknown;
  try {
    json = JSON.parse(outer.data.state);
  } catch (err) {
    throw malformed('channel state (JSON)', err);
  }
  const parsed = ChannelStateSchema.safeParse(json);
  if (!parsed.success) throw malformed('channel state (schema)');
  const s = parsed.data;
  return {channel: Address.parseRaw(s.channel), time: s.time, request: s.request, paid: BigInt(s.paid), owed: BigInt(s.owed), waived: s.waived, outstanding: s.outstanding};
}

/** The bytes a voucher key signs to decline the charge of `queryId` (hex) as never received (docs/protocol.md §8). */
export function waiverBytes(channel: Address, queryId: string): Buffer {
  return Buffer.from(`${WAIVE_SIGNING_PREFIX}${channel.toRawString()}\n${queryId}`, 'utf8');
}

/** Sign a waiver with the consumer's voucher key. */
export function signWaiver(channel: Address, queryId: string, voucherKey: Uint8Array): Buffer {
  return signEd25519(voucherKey, waiverBytes(channel, queryId));
}

/** True if `signature` is the voucher key's waiver of `queryId` on `channel`. */
export function verifyWaiver(channel: Address, queryId: string, signature: Uint8Array, consumerKey: Uint8Array): boolean {
  return verifyEd25519(consumerKey, waiverBytes(channel, queryId), signature);
}

/** The bytes a voucher key signs to stop its answer `queryId` (hex) early (POST /v1/cancel). */
export function cancelBytes(channel: Address, queryId: string): Buffer {
  return Buffer.from(`${CANCEL_SIGNING_PREFIX}${channel.toRawString()}\n${queryId}`, 'utf8');
}

/** Sign a stop request with the consumer's voucher key. */
export function signCancel(channel: Address, queryId: string, voucherKey: Uint8Array): Buffer {
  return signEd25519(voucherKey, cancelBytes(channel, queryId));
}

/** True if `signature` is the voucher key's request to stop `queryId` on `channel`. */
export function verifyCancel(channel: Address, queryId: string, signature: Uint8Array, consumerKey: Uint8Array): boolean {
  return verifyEd25519(consumerKey, cancelBytes(channel, queryId), signature);
}
