import {multiaddr} from '@multiformats/multiaddr';
import {createP2pNode} from './node.js';

/** One relay's answer to a probe. */
export interface RelayProbe {
  multiaddr: string;
  /** Dial (handshakes) plus a libp2p ping, ms; undefined when it did not answer in time. */
  rttMs?: number;
  error?: string;
}

/**
 * Dial each relay (Noise, yamux, identify) and ping it, all at once, from a
 * throwaway node; whether each answered within `timeoutMs`, and how fast.
 */
export async function probeRelays(addrs: string[], timeoutMs = 5000): Promise<RelayProbe[]> {
  const node = await createP2pNode({holePunch: false});
  await node.start();
  try {
    return await Promise.all(
      addrs.map(async (a): Promise<RelayProbe> => {
        const t = performance.now();
        try {
          const signal = AbortSignal.timeout(timeoutMs);
          const ping = node.services.ping as {ping(ma: ReturnType<typeof multiaddr>, o: {signal: AbortSignal}): Promise<number>};
          await ping.ping(multiaddr(a), {signal});
          return {multiaddr: a, rttMs: performance.now() - t};
        } catch (error) {
          return {multiaddr: a, error: (error as Error).message};
        }
      }),
    );
  } finally {
    await node.stop();
  }
}
