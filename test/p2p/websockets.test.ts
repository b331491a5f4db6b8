import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startHttpServer, type HttpServer} from '../../src/http/server.js';
import {startRelay, type Relay} from '../../src/p2p/relay.js';
import {startP2pEndpoint, type P2pEndpoint} from '../../src/provider/p2p-endpoint.js';
import {P2pDialer} from '../../src/consumer/p2p-transport.js';

// A relay that listens on WebSockets only (what a relay behind an HTTP proxy or on port 443 offers): the
// provider reserves over it and the consumer reaches the provider through it.
describe('a relay over WebSockets', () => {
  let relay: Relay;
  let server: HttpServer;
  let endpoint: P2pEndpoint;
  const dialer = new P2pDialer();

  beforeAll(async () => {
    relay = await startRelay({listen: ['/ip4/127.0.0.1/tcp/0/ws']});
    server = await startHttpServer({
      port: null,
      handle: async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        res.end(Buffer.concat(chunks));
      },
    });
    endpoint = await startP2pEndpoint({nodeSeed: randomBytes(32), relays: relay.multiaddrs, accept: (s) => server.accept(s)});
    await endpoint.ready({count: 1});
  }, 30_000);

  afterAll(async () => {
    await dialer.close();
    await endpoint?.close();
    await server?.close();
    await relay?.stop().catch(() => undefined);
  });

  it('listens on /ws only; a request and a 300 kB body go through it both ways', async () => {
    expect(relay.multiaddrs.length).toBeGreaterThan(0);
    for (const a of relay.multiaddrs) expect(a).toMatch(/\/tcp\/\d+\/ws\/p2p\//);
    const peer = {peerId: endpoint.peerId, relays: relay.multiaddrs};
    const body = randomBytes(300_000);
    const res = await dialer.transport(peer)(`libp2p://${endpoint.peerId}/echo`, {method: 'POST', body});
    expect(res.status).toBe(200);
    const parts: Uint8Array[] = [];
    for await (const p of res.body!) parts.push(p);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    const conn = await dialer.connection(peer);
    expect(conn.remoteAddr.toString()).toMatch(/\/ws\/p2p\/.+\/p2p-circuit\/p2p\//);
  });
});
