import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startHttpServer, type HttpServer} from '../../src/http/server.js';
import {startRelay, type Relay} from '../../src/p2p/relay.js';
import {startP2pEndpoint, type P2pEndpoint} from '../../src/provider/p2p-endpoint.js';
import {P2pDialer} from '../../src/consumer/p2p-transport.js';

// An HTTP server that binds no port, reachable only through two relays on loopback.
describe('HTTP over libp2p circuit relays', () => {
  let relays: Relay[];
  let server: HttpServer;
  let endpoint: P2pEndpoint;
  const dialer = new P2pDialer();

  beforeAll(async () => {
    relays = [await startRelay(), await startRelay()];
    server = await startHttpServer({
      port: null,
      handle: async (req, res, ctx) => {
        if (ctx.path === '/echo') {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          res.end(Buffer.concat(chunks));
          return;
        }
        if (ctx.path === '/big') {
          // 2 MiB in 512 pieces with pauses: far past libp2p's default 128 KiB per relayed connection.
          res.writeHead(200, {'content-type': 'application/octet-stream'});
          for (let i = 0; i < 512; i++) {
            res.write(Buffer.alloc(4096, i % 256));
            if (i % 64 === 0) await new Promise((r) => setTimeout(r, 5));
          }
          res.end();
          return;
        }
        res.end(JSON.stringify({from: req.socket.remoteAddress}));
      },
    });
    endpoint = await startP2pEndpoint({nodeSeed: randomBytes(32), relays: relays.map((r) => r.multiaddrs[0]!), accept: (s) => server.accept(s)});
    await endpoint.ready({count: 2});
  }, 30_000);

  afterAll(async () => {
    await dialer.close();
    await endpoint?.close();
    await server?.close();
    await Promise.all(relays.map((r) => r.stop().catch(() => undefined)));
  });

  it('serves requests through a relay, keeps one warm connection, and the server sees the consumer peer', async () => {
    expect(server.url).toBe('');
    const peer = {peerId: endpoint.peerId, relays: relays.map((r) => r.multiaddrs[0]!)};
    const transport = dialer.transport(peer);
    const res = await transport(`libp2p://${endpoint.peerId}/who`, {method: 'GET'});
    expect(res.status).toBe(200);
    const body = (await res.json()) as {from: string};
    expect(body.from).toMatch(/^p2p:12D3KooW/);
    const payload = randomBytes(200_000);
    const echo = await transport(`libp2p://${endpoint.peerId}/echo`, {method: 'POST', body: payload});
    const back: Buffer[] = [];
    for await (const c of echo.body!) back.push(Buffer.from(c));
    expect(Buffer.concat(back).equals(payload)).toBe(true);
    const conn = await dialer.connection(peer);
    expect(conn.remoteAddr.toString()).toContain('/p2p-circuit');
    expect(conn.limits?.bytes).toBeGreaterThan(128n * 1024n);
  }, 30_000);

  it('carries far more than the library default limit on one relayed connection', async () => {
    const transport = dialer.transport({peerId: endpoint.peerId, relays: relays.map((r) => r.multiaddrs[0]!)});
    const res = await transport(`libp2p://${endpoint.peerId}/big`, {method: 'GET'});
    let n = 0;
    for await (const c of res.body!) n += c.byteLength;
    expect(n).toBe(512 * 4096);
  }, 30_000);

  it('fails over to the second relay when the first dies, and re-reserves when a relay returns', async () => {
    const stripped = relays.map((r) => r.multiaddrs[0]!.replace(/\/p2p\/.*$/, ''));
    const fresh = new P2pDialer();
    try {
      await relays[0]!.stop();
      // The record may name relays without ids (several fit in it): the dialer learns each relay's id.
      const transport = fresh.transport({peerId: endpoint.peerId, relays: stripped});
      const res = await transport(`libp2p://${endpoint.peerId}/who`, {method: 'GET'});
      expect(res.status).toBe(200);
      const conn = await fresh.connection({peerId: endpoint.peerId, relays: stripped});
      expect(conn.remoteAddr.toString()).toContain(relays[1]!.peerId);
      await endpoint.ready({count: 1});
      expect(endpoint.reserved()).toEqual([relays[1]!.multiaddrs[0]]);
    } finally {
      await fresh.close();
    }
  }, 30_000);
});
