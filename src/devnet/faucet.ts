import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import {devnetElsewhere} from '../chain/client.js';

/** A faucet payment. */
export interface FundResult {
  lt: string;
  hash: string;
  /** Balance after funding, nanoGRAM. */
  balance: bigint;
}

/** Ask the devnet at `url` to send `amount` nanoGRAM to `address` from its faucet. */
export async function fundFromFaucet(options: {url: string; address: Address; amount: bigint}): Promise<FundResult> {
  let res: Response;
  try {
    res = await fetch(`${options.url}/devnet/fund`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({address: options.address.toRawString(), amount: options.amount.toString()}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const elsewhere = devnetElsewhere(options.url);
    throw new CocoonError('CHAIN_UNAVAILABLE', `No devnet is running at ${options.url}${elsewhere ? `; this COCOON_HOME's devnet runs at ${elsewhere}` : ''}.`, {
      hint: elsewhere
        ? `Point at it with --port / COCOON_DEVNET_PORT=${new URL(elsewhere).port}, or unset devnet.port to follow the running devnet.`
        : 'Start one with `cocoon devnet start --detach`.',
      cause: error,
    });
  }
  const body = (await res.json().catch(() => ({}))) as {ok?: boolean; error?: string; result?: {lt: string; hash: string; balance: string}};
  if (!res.ok || !body.ok || !body.result) {
    throw new CocoonError('CHAIN_ERROR', `The devnet faucet refused: ${body.error ?? `HTTP ${res.status}`}`);
  }
  return {lt: body.result.lt, hash: body.result.hash, balance: BigInt(body.result.balance)};
}
