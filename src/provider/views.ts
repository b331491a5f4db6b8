import type {NetworkName} from '../config/settings.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatPricePerMillion, formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {servedKind} from '../chain/contracts/registry-extension.js';
import {rentStatus, type RentState} from '../chain/contracts/registry-rent.js';

/** A registry record as commands show it (JSON-safe: no bigints). */
export interface RecordView {
  owner: string;
  status: string;
  model: string;
  architecture: string;
  /** What the node serves (the record's kind): chat (chat and completions), embeddings, or `kind N` for one this version does not know. */
  kind: string;
  modelSha256: string;
  contextSize: number;
  queriesPerDay: number;
  /** GRAM per 1M tokens. */
  pricePrompt: string;
  priceCompletion: string;
  /** nanoGRAM per token, as stored. */
  promptPriceNano: string;
  completionPriceNano: string;
  /** GRAM. */
  stake: string;
  endpoint: string;
  nodeKey: string;
  encryptionKey: string;
  registeredAt: string;
  updatedAt: string;
  unlockAt: string | null;
  /** Prepaid rent: until when, how many whole days are left (negative once it ran out), and what that means (rent.ts). Null on v1 data. */
  rent: {paidUntil: string; daysLeft: number; state: RentState; evictableAt: string} | null;
}

const iso = (s: number) => new Date(s * 1000).toISOString();

/** JSON-safe view of a record. */
export function recordView(record: ProviderRecord, network: NetworkName): RecordView {
  return {
    owner: formatAddress(record.owner, network),
    status: record.status,
    model: record.model,
    architecture: record.architecture,
    kind: servedKind(record.extension) === 'other' ? `kind ${record.extension?.kind}` : servedKind(record.extension),
    modelSha256: record.modelHash.toString('hex'),
    contextSize: record.contextSize,
    queriesPerDay: record.queriesPerDay,
    pricePrompt: formatPricePerMillion(record.promptPrice),
    priceCompletion: formatPricePerMillion(record.completionPrice),
    promptPriceNano: record.promptPrice.toString(),
    completionPriceNano: record.completionPrice.toString(),
    stake: formatTon(record.stake),
    endpoint: record.endpoint,
    nodeKey: record.nodeKey.toString('hex'),
    encryptionKey: record.encryptionKey.toString('hex'),
    registeredAt: iso(record.registeredAt),
    updatedAt: iso(record.updatedAt),
    unlockAt: record.unlockAt ? iso(record.unlockAt) : null,
    rent: rentView(record),
  };
}

function rentView(record: ProviderRecord): RecordView['rent'] {
  const rent = rentStatus(record);
  if (!rent) return null;
  return {paidUntil: iso(rent.paidUntil), daysLeft: Math.floor(rent.secondsLeft / 86_400), state: rent.state, evictableAt: iso(rent.evictableAt)};
}
