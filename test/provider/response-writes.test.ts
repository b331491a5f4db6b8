import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {afterEach, describe, expect, it} from 'vitest';
import {Address} from '@ton/core';
import {NullEngine} from '../../src/provider/null-engine.js';
import {MAX_PRICE, startRig, type Rig} from '../protocol/setup.js';

/*
 * Write coalescing of /v1/query answers (src/provider/response-writer.ts): the
 * preamble leaves with the first frame, the last text with the final frame. The
 * bytes are the protocol's; what changes is how many HTTP chunks (one per
 * write) carry them. Seen here on the wire: a fetch over a raw socket that
 * records each chunk of the chunked body and when it arrived.
 */

interface Chunk {
  bytes: number;
  atMs: number;
}

/** A fetch over a raw TCP socket (Connection: close) that records the body's HTTP chunks. */
function chunkRecordingFetch(log: Chunk[][]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body ? Buffer.from(init.body as Uint8Array) : Buffer.alloc(0);
    const headers = Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const socket = net.connect(Number(url.port), url.hostname);
    const start = performance.now();
    socket.write(`${init?.method ?? 'GET'} ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\ncontent-length: ${body.length}\r\n${headers}\r\n`);
    socket.write(body);
    const arrivals: {data: Buffer; atMs: number}[] = [];
    socket.on('data', (data: Buffer) => arrivals.push({data, atMs: performance.now() - start}));
    await new Promise((resolve, reject) => socket.on('end', resolve).on('error', reject));
    const raw = Buffer.concat(arrivals.map((a) => a.data));
    const headEnd = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(head[0]!.split(' ')[1]);
    const responseHeaders = new Headers(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    let rest = raw.subarray(headEnd + 4);
    if (responseHeaders.get('transfer-encoding') !== 'chunked') return new Response(rest, {status, headers: responseHeaders});
    // When did byte i of the raw response arrive?
    const arrivedAt = (offset: number) => {
      let seen = 0;
      for (const a of arrivals) if ((seen += a.data.length) > offset) return a.atMs;
      return arrivals.at(-1)!.atMs;
    };
    const chunks: Chunk[] = [];
    const parts: Buffer[] = [];
    let offset = headEnd + 4;
    for (;;) {
      const line = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, line).toString('latin1'), 16);
      if (size === 0) break;
      parts.push(rest.subarray(line + 2, line + 2 + size));
      chunks.push({bytes: size, atMs: arrivedAt(offset + line + 2 + size - 1)});
      offset += line + 2 + size + 2;
      rest = rest.subarray(line + 2 + size + 2);
    }
    if (url.pathname === '/v1/query') log.push(chunks);
    responseHeaders.delete('transfer-encoding');
    return new Response(Buffer.concat(parts), {status, headers: responseHeaders});
  };
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('write coalescing of an answer', () => {
  it('a short answer is two chunks: the preamble with the first text, then the rest of the text with the final frame', async () => {
    // A wide coalescing window, so that a busy machine pausing this process between two tokens cannot split the text.
    rig = await startRig({engine: new NullEngine({tokens: 6}), coalesceMs: 2_000});
    const log: Chunk[][] = [];
    const client = rig.client({fetch: chunkRecordingFetch(log), autoPay: false});
    const first = await client.query({model: 'null', prompt: 'a b c', maxTokens: 6, maxPrice: MAX_PRICE}).result();
    expect(first.usage.completionTokens).toBe(6);
    expect(first.text).toBe(NullEngine.expectedText('a b c', 6));
    // Before, the preamble (32 bytes) was a chunk of its own, and the last text another before the final frame: four.
    expect(log[0]!.length).toBe(2);
    expect(log[0]![0]!.bytes).toBeGreaterThan(32);
    // Still the same bytes: the second answer pays the first with a riding voucher and verifies.
    const second = await client.query({model: 'null', prompt: 'a b c', maxTokens: 6, maxPrice: MAX_PRICE}).result();
    expect(second.total).toBe(first.total * 2n);
    expect(log[1]!.length).toBe(2);
  });

  it('a refusal after decryption is one chunk: the preamble and the error frame together', async () => {
    rig = await startRig();
    const log: Chunk[][] = [];
    const client = rig.client({fetch: chunkRecordingFetch(log), channel: new Address(0, Buffer.alloc(32, 0xee))});
    await expect(client.query({model: 'null', prompt: 'a', maxTokens: 4, maxPrice: MAX_PRICE}).result()).rejects.toMatchObject({wireCode: 'UNKNOWN_CHANNEL'});
    expect(log[0]!.length).toBe(1);
  });

  it('a slow first token does not hold the answer back: the preamble leaves alone after coalesceMs', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 2, delayMs: 300}), coalesceMs: 10});
    const log: Chunk[][] = [];
    const client = rig.client({fetch: chunkRecordingFetch(log), autoPay: false});
    const r = await client.query({model: 'null', prompt: 'a', maxTokens: 2, maxPrice: MAX_PRICE}).result();
    expect(r.usage.completionTokens).toBe(2);
    const [preamble, ...frames] = log[0]!;
    expect(preamble!.bytes).toBe(32);
    // It came well before the first token (300 ms after the start), not with it.
    expect(frames[0]!.atMs - preamble!.atMs).toBeGreaterThan(150);
  });
});
