import type {Address} from '@ton/core';
import type {ChainClient} from './client.js';
import {Channel} from './contracts/channel.js';
import type {ChannelState} from './contracts/channel-codec.js';

/**
 * A channel's full state in one get-method call, or undefined where no channel
 * contract answers (not deployed, or another contract). An unreachable chain
 * still throws.
 */
export async function readChannelState(client: ChainClient, channel: Address): Promise<ChannelState | undefined> {
  try {
    return await client.call((ton) => ton.open(Channel.createFromAddress(channel)).getState());
  } catch (error) {
    if ((error as {code?: string}).code === 'CHAIN_UNAVAILABLE') throw error;
    return undefined;
  }
}
