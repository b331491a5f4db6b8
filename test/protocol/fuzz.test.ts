import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {readResponseFrames} from '../../src/consumer/response-reader.js';
import {openRequest} from '../../src/protocol/envelope.js';
import {isCocoonError} from '../../src/errors.js';
import {decodeFramePayload, decodeResponsePreamble, FrameSplitter} from '../../src/protocol/frames.js';
import {decodeRequestHeader} from '../../src/protocol/header.js';
import {verifyInfo} from '../../src/protocol/info.js';
import {decodeReceipt} from '../../src/protocol/receipt.js';
import {decodeQueryRequest} from '../../src/protocol/request.js';
import fs from 'node:fs';
import {VECTORS_PATH, INPUTS} from './vectors.js';

const fixture = JSON.parse(fs.readFileSync(VECTORS_PATH, 'utf8'));
const buf = (h: string) => Buffer.from(h, 'hex');
const nodeSecret = INPUTS.nodeSecret.subarray(0, 32);

/** Run a decoder: it may return, or throw a CocoonError; anything else fails the property. */
async function typedOnly(f: () => unknown): Promise<void> {
  try {
    await f();
  } catch (err) {
    if (!isCocoonError(err)) throw new Error(`untyped error: ${String(err)}`, {cause: err});
  }
}

async function drain(body: Uint8Array, chunk: number): Promise<void> {
  async function* chunks() {
    for (let i = 0; i < body.length; i += chunk) yield body.subarray(i, i + chunk);
  }
  for await (const _ of readResponseFrames(chunks(), buf(fixture.request.responseKey))) void _;
}

/** Random bytes, or a valid sample with a few bytes changed, cut or extended. */
function around(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({min: 1, max: 255})), {minLength: 1, maxLength: 4}), fc.integer({min: -8, max: 8}))
    .map(([flips, resize]) => {
      const out = Buffer.from(valid);
      for (const [pos, x] of flips) out[pos % out.length]! ^= x;
      return resize < 0 ? out.subarray(0, Math.max(0, out.length + resize)) : Buffer.concat([out, Buffer.alloc(resize)]);
    });
  return fc.oneof(fc.uint8Array({maxLength: 600}), mutated);
}

const runs = {numRuns: 300};

describe('decoders under fuzzing: no crash, only typed errors', () => {
  const body = buf(fixture.request.body);
  const response = buf(fixture.response.body);

  it('request header and request opening', async () => {
    await fc.assert(fc.asyncProperty(around(body), async (b) => {
      await typedOnly(() => decodeRequestHeader(b));
      await typedOnly(() => openRequest(b, nodeSecret));
    }), runs);
  });

  it('request plaintext (JSON + schema)', async () => {
    const plain = Buffer.from(fixture.request.plaintext, 'utf8');
    await fc.assert(fc.asyncProperty(fc.oneof(around(plain), fc.json().map((s) => Buffer.from(s))), async (b) => {
      await typedOnly(() => decodeQueryRequest(b));
    }), runs);
  });

  it('receipts, frame payloads and preambles', async () => {
    const receipt = buf(fixture.receipt.bytes);
    await fc.assert(fc.asyncProperty(around(receipt), fc.uint8Array({maxLength: 300}), async (r, p) => {
      await typedOnly(() => decodeReceipt(r));
      await typedOnly(() => decodeFramePayload(Buffer.concat([Buffer.of(2, 0), r, Buffer.alloc(64)])));
      await typedOnly(() => decodeFramePayload(p));
      await typedOnly(() => decodeFramePayload(Buffer.concat([Buffer.of(3), p])));
      await typedOnly(() => decodeResponsePreamble(p.subarray(0, 32)));
    }), runs);
  });

  it('frame splitter and the whole response reader, in any chunking', async () => {
    await fc.assert(fc.asyncProperty(around(response), fc.integer({min: 1, max: 64}), async (b, chunk) => {
      await typedOnly(() => drain(b, chunk));
      const s = new FrameSplitter();
      await typedOnly(() => {
        s.push(b);
        s.takePreamble();
        while (s.nextFrame());
      });
    }), runs);
  });

  it('a mutated response is never accepted', async () => {
    await fc.assert(fc.asyncProperty(around(response), async (b) => {
      fc.pre(!Buffer.from(b).equals(response));
      await expect(drain(b, 7)).rejects.toSatisfy(isCocoonError);
    }), runs);
  });

  it('signed provider info', async () => {
    const key = buf(fixture.nodeKey.ed25519PublicKey);
    await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({info: fc.string(), signature: fc.string()})), async (v) => {
      await typedOnly(() => verifyInfo(v, key));
    }), runs);
  });
});

describe('the provider under fuzzed requests', () => {
  it('answers every mutated or random body with a protocol error and keeps serving', async () => {
    const {startRig} = await import('./setup.js');
    const {sealRequest} = await import('../../src/protocol/envelope.js');
    const {encodeQueryRequest} = await import('../../src/protocol/request.js');
    const {CHANNEL, MAX_PRICE} = await import('./setup.js');
    const rig = await startRig({rateLimit: {capacity: 1e6, refillPerSecond: 1e6}});
    try {
      const queryId = Buffer.alloc(16, 5);
      const timestamp = Date.now();
      const {body} = await sealRequest({
        recipientKey: rig.nodeKey.x25519PublicKey,
        queryId,
        timestamp,
        plaintext: encodeQueryRequest({queryId, timestamp, channel: CHANNEL, model: 'null', prompt: 'hi', params: {}, maxTokens: 3, maxPrice: MAX_PRICE}),
      });
      await fc.assert(
        fc.asyncProperty(around(body), async (b) => {
          fc.pre(!Buffer.from(b).equals(body));
          const res = await fetch(`${rig.server.url}/v1/query`, {method: 'POST', body: b});
          const json = (await res.json()) as {error?: {code?: string}};
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(typeof json.error?.code).toBe('string');
        }),
        {numRuns: 200},
      );
      const ok = await fetch(`${rig.server.url}/v1/query`, {method: 'POST', body});
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    } finally {
      await rig.close();
    }
  });
});
