import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {afterEach, describe, expect, it} from 'vitest';
import {NullEngine} from '../../src/provider/null-engine.js';
import {P2P_WRITE_INTERVAL_MS} from '../../src/p2p/stream-duplex.js';
import {MAX_PRICE, startRig, type Rig} from '../protocol/setup.js';

/*
 * Over libp2p each write is a message whose cost is paid on every hop, so the provider's ResponseWriter
 * batches an answer's frames on a socket that sets `writeIntervalMs` (StreamDuplex does): the first frame
 * leaves at once, later ones at most every interval, several per write. Seen on the wire here: the provider's
 * own HTTP server accepts a TCP socket that carries the same `writeIntervalMs` a StreamDuplex has, and a raw
 * client records each HTTP chunk (one per write) and when it arrived. A plain TCP connection to the same
 * server is the control: as many chunks as the engine made frames.
 */

interface Chunk {
  bytes: number;
  atMs: number;
}

/** POST over a raw socket (Connection: close): the body's HTTP chunks, and the body itself. */
function chunkRecordingFetch(log: Chunk[][]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body ? Buffer.from(init.body as Uint8Array) : Buffer.alloc(0);
    const headers = Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const socket = net.connect(Number(url.port), url.hostname);
    const start = performance.now();
    socket.write(`${init?.method ?? 'GET'} ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\ncontent-length: ${body.length}\r\n${headers}\r\n`);
    socket.write(body);
    const arrivals: {end: number; atMs: number}[] = [];
    const parts: Buffer[] = [];
    let seen = 0;
    socket.on('data', (data: Buffer) => {
      parts.push(data);
      arrivals.push({end: (seen += data.length), atMs: performance.now() - start});
    });
    await new Promise((resolve, reject) => socket.on('end', resolve).on('error', reject));
    const raw = Buffer.concat(parts);
    const headEnd = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
    const responseHeaders = new Headers(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    let offset = headEnd + 4;
    if (responseHeaders.get('transfer-encoding') !== 'chunked') return new Response(raw.subarray(offset), {status: Number(head[0]!.split(' ')[1]), headers: responseHeaders});
    const chunks: Chunk[] = [];
    const out: Buffer[] = [];
    for (;;) {
      const line = raw.indexOf('\r\n', offset);
      const size = parseInt(raw.subarray(offset, line).toString('latin1'), 16);
      if (size === 0) break;
      out.push(raw.subarray(line + 2, line + 2 + size));
      const last = line + 2 + size - 1;
      chunks.push({bytes: size, atMs: arrivals.find((a) => a.end > last)!.atMs});
      offset = line + 2 + size + 2;
    }
    if (url.pathname === '/v1/query') log.push(chunks);
    responseHeaders.delete('transfer-encoding');
    return new Response(Buffer.concat(out), {status: Number(head[0]!.split(' ')[1]), headers: responseHeaders});
  };
}

let rig: Rig | undefined;
let front: net.Server | undefined;
afterEach(async () => {
  await new Promise((r) => (front ? front.close(r) : r(undefined)));
  await rig?.close();
  rig = front = undefined;
});

/** A listener whose sockets ask for batched writes, served by the rig's own HTTP server. */
async function batchingFront(r: Rig, writeIntervalMs: number): Promise<string> {
  front = net.createServer((socket) => {
    Object.assign(socket, {writeIntervalMs});
    r.server.accept(socket);
  });
  await new Promise<void>((resolve) => front!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
}

describe('answers over libp2p are written in batches', () => {
  it('StreamDuplex asks for batches of a few tens of milliseconds', () => {
    expect(P2P_WRITE_INTERVAL_MS).toBeGreaterThanOrEqual(10);
    expect(P2P_WRITE_INTERVAL_MS).toBeLessThanOrEqual(100);
  });

  it('the first frame leaves at once, later ones at most every interval, several per write; same bytes', async () => {
    const tokens = 60;
    // coalesceMs 0: the query handler makes a frame per token, so every batch below is the writer's doing.
    rig = await startRig({engine: new NullEngine({tokens, delayMs: 4}), coalesceMs: 0});
    const url = await batchingFront(rig, 50);
    const plain: Chunk[][] = [];
    const batched: Chunk[][] = [];
    const expected = NullEngine.expectedText('a b c', tokens);
    const control = await rig.client({fetch: chunkRecordingFetch(plain), autoPay: false}).query({model: 'null', prompt: 'a b c', maxTokens: tokens, maxPrice: MAX_PRICE}).result();
    expect(control.text).toBe(expected);
    const client = rig.client({endpoint: url, fetch: chunkRecordingFetch(batched)});
    const first = await client.query({model: 'null', prompt: 'a b c', maxTokens: tokens, maxPrice: MAX_PRICE}).result();
    expect(first.text).toBe(expected);
    expect(first.usage.completionTokens).toBe(tokens);
    // Direct HTTP is unchanged: a chunk per frame (60 tokens ≥ 240 ms at one frame each).
    expect(plain[0]!.length).toBeGreaterThan(tokens / 2);
    // The preamble (32 bytes) may leave alone, before the first token (its own timer: coalesceMs).
    const chunks = batched[0]!.filter((c, i) => !(i === 0 && c.bytes === 32));
    const spanMs = chunks.at(-1)!.atMs - chunks[0]!.atMs;
    // At most one write per 50 ms after the first, plus the end: a writer that did not batch would send ~60.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(spanMs / 50) + 2);
    expect(chunks.length).toBeLessThan(tokens / 4);
    // The first text was not held for the interval; the second write waited for it.
    expect(chunks[1]!.atMs - chunks[0]!.atMs).toBeGreaterThan(25);
    // The same bytes: the next answer pays the first with a riding voucher, and both verify.
    const second = await client.query({model: 'null', prompt: 'a b c', maxTokens: tokens, maxPrice: MAX_PRICE}).result();
    expect(second.total).toBe(first.total + control.total);
  });
});
