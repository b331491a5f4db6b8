// bench/lib/delay-proxy.ts: a round-trip delay in front of a provider-side HTTP server, over real sockets.
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {startDelayProxy} from '../../bench/lib/delay-proxy.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('delay proxy', () => {
  it('adds the round trip to every exchange and passes bodies through unchanged', async () => {
    const server = http.createServer((req, res) => req.pipe(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const proxy = await startDelayProxy({target: {host: '127.0.0.1', port: (server.address() as AddressInfo).port}, delayMs: 100});
    cleanup.push(() => proxy.close());
    const body = 'x'.repeat(200_000);
    const t0 = Date.now();
    const answer = await (await fetch(proxy.url, {method: 'POST', body})).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(answer).toBe(body);
    expect(proxy.accepted).toBe(1);
  });

  it('forwards to loopback only and bounds the delay', async () => {
    await expect(startDelayProxy({target: {host: '10.0.0.1', port: 80}, delayMs: 10})).rejects.toThrow(/loopback only/);
    await expect(startDelayProxy({target: {host: '127.0.0.1', port: 80}, delayMs: 100_000})).rejects.toThrow(/delayMs/);
  });
});
