// The extension cell of a registry record: the room later fields live in, so
// adding one needs no new contract. The registry only bounds its shape (one cell,
// at most two refs without refs of their own); clients parse it, ignoring bits
// they do not know, so fields are only ever appended.
import {beginCell, type Cell, type Slice} from '@ton/core';
import {CocoonError} from '../../errors.js';

/** What a record may carry beyond the v1 fields; every field is optional. */
export interface ProviderExtension {
  /** What the node serves: 0 chat/completions (default), 1 embeddings, 2 reranking; other values reserved. */
  kind?: number;
  /** nanoGRAM of unpaid work the provider lets one channel run up (its credit window). */
  creditCap?: bigint;
  /** nanoGRAM per reasoning token, where the model bills them apart from completion tokens. */
  reasoningPrice?: bigint;
  /** SHA-256 of the node's latest audit report (where to find it is the auditor's business). */
  auditHash?: Buffer;
  /** libp2p multiaddr the node listens on (ref 1). */
  libp2p?: string;
  /** Relay multiaddrs, comma-joined (ref 2). */
  relays?: string[];
}

/** Values of ProviderExtension.kind: what a node serves. A record without one is a chat/completions node. */
export const RECORD_KIND = {chat: 0, embeddings: 1, reranking: 2} as const;

/** What a record's node serves: 'embeddings' for kind 1, else 'chat' (kinds this client does not know are not offered to it). */
export function servedKind(extension: ProviderExtension | undefined): 'chat' | 'embeddings' | 'other' {
  const kind = extension?.kind ?? RECORD_KIND.chat;
  return kind === RECORD_KIND.chat ? 'chat' : kind === RECORD_KIND.embeddings ? 'embeddings' : 'other';
}

const MAX_REF_BYTES = 127;

function textRef(name: string, text: string): Cell {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_REF_BYTES) throw new CocoonError('INVALID_INPUT', `${name} takes ${bytes.length} bytes; at most ${MAX_REF_BYTES} fit`);
  return beginCell().storeBuffer(bytes).endCell();
}

/**
 * ext$_ kind:(Maybe uint8) credit_cap:(Maybe Coins) reasoning_price:(Maybe Coins)
 *       audit:(Maybe bits256) libp2p:(Maybe ^Bytes) relays:(Maybe ^Bytes) = ProviderExtension;
 * Null when nothing is set, so a plain record pays for no extension cell.
 */
export function storeExtension(e: ProviderExtension | undefined): Cell | null {
  if (!e || Object.values(e).every((v) => v === undefined)) return null;
  const b = beginCell();
  const maybe = <T>(v: T | undefined, put: (v: T) => void) => {
    b.storeBit(v !== undefined);
    if (v !== undefined) put(v);
  };
  maybe(e.kind, (v) => b.storeUint(v, 8));
  maybe(e.creditCap, (v) => b.storeCoins(v));
  maybe(e.reasoningPrice, (v) => b.storeCoins(v));
  maybe(e.auditHash, (v) => {
    if (v.length !== 32) throw new CocoonError('INVALID_INPUT', 'auditHash must be 32 bytes');
    b.storeBuffer(v);
  });
  // Refs follow their presence bits in order; at most two, as the registry allows.
  maybe(e.libp2p, (v) => b.storeRef(textRef('libp2p', v)));
  maybe(e.relays, (v) => b.storeRef(textRef('relays', v.join(','))));
  return b.endCell();
}

/** Inverse of storeExtension; fields a newer writer appended are ignored. */
export function loadExtension(s: Slice): ProviderExtension {
  const e: ProviderExtension = {};
  const has = () => s.remainingBits > 0 && s.loadBit();
  const text = () => {
    const r = s.loadRef().beginParse();
    return r.loadBuffer(r.remainingBits / 8).toString('utf8');
  };
  if (has()) e.kind = s.loadUint(8);
  if (has()) e.creditCap = s.loadCoins();
  if (has()) e.reasoningPrice = s.loadCoins();
  if (has()) e.auditHash = s.loadBuffer(32);
  if (has()) e.libp2p = text();
  if (has()) e.relays = text().split(',').filter((r) => r.length > 0);
  return e;
}
