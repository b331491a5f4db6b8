// The one HTTP server of the provider, the gateway and the devnet, on real sockets.
import os from 'node:os';
import {describe, expect, it} from 'vitest';
import {readBody, sendJson} from '../../src/http/body.js';
import {startHttpServer} from '../../src/http/server.js';

function hasIpv6Loopback(): boolean {
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6' && i.internal));
}

describe('startHttpServer', () => {
  it('routes by METHOD /path, reads bounded bodies, and answers a throwing handler through onError', async () => {
    const server = await startHttpServer({
      port: 0,
      handle: async (req, res, {route}) => {
        if (route === 'POST /echo') {
          const read = await readBody(req, {limit: 16});
          return read.ok ? sendJson(res, 200, {got: read.body.toString()}) : sendJson(res, 413, {reason: read.reason});
        }
        throw new Error('boom');
      },
      onError: (_e, _req, res) => sendJson(res, 500, {error: 'handled'}),
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await fetch(`${server.url}/echo?x=1`, {method: 'POST', body: 'hello'});
      expect(await ok.json()).toEqual({got: 'hello'});
      const big = await fetch(`${server.url}/echo`, {method: 'POST', body: 'x'.repeat(17)});
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({reason: 'too-large'});
      const failed = await fetch(`${server.url}/other`);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({error: 'handled'});
    } finally {
      await server.close();
    }
  });

  // A machine without IPv6 loopback cannot listen there: the test says it is skipped rather than passing empty.
  it.skipIf(!hasIpv6Loopback())('formats an IPv6 listen address with brackets', async () => {
    const server = await startHttpServer({host: '::1', port: 0, handle: (_q, res) => sendJson(res, 200, {ok: true})});
    try {
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(await (await fetch(`${server.url}/`)).json()).toEqual({ok: true});
    } finally {
      await server.close();
    }
  });

  it('close() lets a request in flight finish within the grace, and aborts one that outlives it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const aborted: boolean[] = [];
    const server = await startHttpServer({
      port: 0,
      closeGraceMs: 300,
      handle: async (_req, res, {path, signal}) => {
        if (path === '/quick') {
          await gate;
          return sendJson(res, 200, {done: true});
        }
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}));
        aborted.push(signal.aborted);
        res.destroy();
      },
    });
    const quick = fetch(`${server.url}/quick`).then((r) => r.json());
    const slow = fetch(`${server.url}/slow`).then((r) => r.status, () => 'cut');
    await expect.poll(() => server.inFlight).toBe(2);
    const closing = server.close();
    expect(server.closing).toBe(true);
    release();
    expect(await quick).toEqual({done: true});
    await closing;
    expect(aborted).toEqual([true]);
    expect(await slow).toBe('cut');
    await expect(fetch(`${server.url}/quick`)).rejects.toThrow();
  });

  it('turns a port in use into the caller’s error', async () => {
    const first = await startHttpServer({port: 0, handle: () => undefined});
    try {
      await expect(startHttpServer({port: first.port, handle: () => undefined, listenError: (e) => new Error(`taken: ${e.code}`)})).rejects.toThrow('taken: EADDRINUSE');
    } finally {
      await first.close();
    }
  });
});
