import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {Address} from '@ton/core';
import {afterEach, describe, expect, it} from 'vitest';
import {NullEngine} from '../../src/provider/null-engine.js';
import {CHANNEL, MAX_PRICE, bytes, errorOf, startRig, type Rig} from './setup.js';

// Real sockets throughout: clients bind distinct loopback addresses (127.0.0.2, 127.0.0.3 …),
// and the proxy is a real HTTP hop that appends the peer it saw to X-Forwarded-For.

let rig: Rig | undefined;
let proxy: http.Server | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  proxy = undefined;
});

/** A forwarding proxy on 127.0.0.1 that appends the client's address to X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for does. */
async function startProxy(target: string): Promise<string> {
  const to = new URL(target);
  proxy = http.createServer((req, res) => {
    const prior = req.headers['x-forwarded-for'];
    const headers = {...req.headers, 'x-forwarded-for': [prior, req.socket.remoteAddress].filter(Boolean).join(', ')};
    const up = http.request({host: to.hostname, port: to.port, localAddress: '127.0.0.1', method: req.method, path: req.url, headers}, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

/** GET /v1/info from a given loopback address, optionally with a client-written X-Forwarded-For; the status. */
function infoStatus(base: string, from: string, forwardedFor?: string): Promise<number> {
  const url = new URL('/v1/info', base);
  return new Promise((resolve, reject) => {
    const req = http.get({host: url.hostname, port: url.port, path: url.pathname, localAddress: from, agent: false, headers: forwardedFor ? {'x-forwarded-for': forwardedFor} : {}}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
  });
}

async function statuses(n: number, ask: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await ask(i));
  return out;
}

// Three requests per address, no refill to speak of during a test.
const tight = {capacity: 3, refillPerSecond: 0.001};

describe('client address behind proxies', () => {
  it('a client behind a trusted proxy is limited by its own address, and cannot spoof another', async () => {
    rig = await startRig({rateLimit: tight, trustedProxies: ['127.0.0.1']});
    const via = await startProxy(rig.server.url);
    // 127.0.0.2 spends its three, then is refused, whatever it writes into X-Forwarded-For itself.
    expect(await statuses(3, () => infoStatus(via, '127.0.0.2'))).toEqual([200, 200, 200]);
    expect(await statuses(3, (i) => infoStatus(via, '127.0.0.2', `198.51.100.${i + 1}`))).toEqual([429, 429, 429]);
    // Another client behind the same proxy has its own bucket.
    expect(await statuses(3, () => infoStatus(via, '127.0.0.3'))).toEqual([200, 200, 200]);
  });

  it('behind a proxy that is not trusted, every client shares the proxy’s bucket and the header is ignored', async () => {
    rig = await startRig({rateLimit: tight, trustedProxies: ['10.0.0.1']});
    const via = await startProxy(rig.server.url);
    expect(await statuses(2, () => infoStatus(via, '127.0.0.2'))).toEqual([200, 200]);
    expect(await statuses(2, () => infoStatus(via, '127.0.0.3'))).toEqual([200, 429]);
  });

  it('by default X-Forwarded-For is never believed: a direct client cannot spoof fresh buckets', async () => {
    rig = await startRig({rateLimit: tight});
    expect(await statuses(5, (i) => infoStatus(rig!.server.url, '127.0.0.2', `203.0.113.${i + 1}`))).toEqual([200, 200, 200, 429, 429]);
    // A client that connects to the provider directly is not a proxy, even when others are trusted.
    await rig.close();
    rig = await startRig({rateLimit: tight, trustedProxies: ['127.0.0.1']});
    expect(await statuses(5, (i) => infoStatus(rig!.server.url, '127.0.0.2', `203.0.113.${i + 1}`))).toEqual([200, 200, 200, 429, 429]);
  });

  it('refuses a trusted proxy that is not an address or range', async () => {
    await expect(startRig({trustedProxies: ['proxy.local']})).rejects.toMatchObject({code: 'INVALID_INPUT'});
    await expect(startRig({trustedProxies: ['10.0.0.0/33']})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });
});

describe('paid traffic is limited per channel', () => {
  const ask = {model: 'null', prompt: 'a story', maxTokens: 3, maxPrice: MAX_PRICE};

  it('two channels from one address each get the channel limit, beyond the address limit', async () => {
    // Per address: 3 requests. Per channel: 4, i.e. two paid answers (query + voucher each).
    rig = await startRig({engine: new NullEngine({tokens: 3}), rateLimit: tight, channelRateLimit: {capacity: 4, refillPerSecond: 0.001}});
    const second = new Address(0, bytes('second channel', 32));
    rig.guard.set(second, (await rig.guard.lookup(CHANNEL))!);
    const a = rig.client();
    const b = rig.client({channel: second});
    for (const client of [a, b, a, b]) {
      const r = await client.query(ask).result();
      expect(r.voucherPosted).toBe(true);
    }
    // Eight paid requests from one address, well over its 3. The third answer on a channel is over that channel's limit.
    expect(await errorOf(a.query(ask).result())).toMatchObject({code: 'BUSY', wire: 'RATE_LIMITED'});
    expect(await errorOf(b.query(ask).result())).toMatchObject({code: 'BUSY', wire: 'RATE_LIMITED'});
    // Paid requests gave their address tokens back: unauthenticated requests still have the address's three.
    expect(await statuses(4, () => infoStatus(rig!.server.url, '127.0.0.1'))).toEqual([200, 200, 200, 429]);
  });

  it('requests that do not prove an open channel stay on the address bucket', async () => {
    rig = await startRig({rateLimit: tight});
    const unknown = rig.client({channel: new Address(0, bytes('nobody', 32))});
    for (let i = 0; i < 3; i++) expect(await errorOf(unknown.query(ask).result())).toMatchObject({wire: 'UNKNOWN_CHANNEL'});
    expect(await errorOf(unknown.query(ask).result())).toMatchObject({wire: 'RATE_LIMITED'});
    // The address is spent, even for a channel that is open: it must get a token before anything is decrypted.
    expect(await errorOf(rig.client().query(ask).result())).toMatchObject({wire: 'RATE_LIMITED'});
  });
});
