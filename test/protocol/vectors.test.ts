import fs from 'node:fs';
import {createHash, hkdfSync} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {readResponseFrames} from '../../src/consumer/response-reader.js';
import {openRequest} from '../../src/protocol/envelope.js';
import {sodium} from '../../src/crypto/sodium.js';
import {checkPow} from '../../src/protocol/pow.js';
import {decodeReceipt, verifyReceipt} from '../../src/protocol/receipt.js';
import {decodeQueryRequest} from '../../src/protocol/request.js';
import {buildVectors, INPUTS, VECTORS_PATH} from './vectors.js';

const fixture = JSON.parse(fs.readFileSync(VECTORS_PATH, 'utf8'));
const buf = (h: string) => Buffer.from(h, 'hex');

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

describe('golden vectors (test/fixtures/protocol-vectors.json)', () => {
  it('the code produces exactly the committed bytes', async () => {
    expect(await buildVectors()).toEqual(fixture);
  });

  it('the request vector follows the documented construction, recomputed with bare primitives', async () => {
    const r = fixture.request;
    const na = await sodium();
    const shared = na.crypto_scalarmult(buf(r.ephemeralSecret), buf(fixture.nodeKey.x25519PublicKey));
    expect(Buffer.from(shared).toString('hex')).toBe(r.sharedSecret);
    expect(buf(r.header)[4]).toBe(3); // version byte (docs/protocol.md §3.1)
    expect(JSON.parse(r.plaintext).v).toBe(3);
    const salt = createHash('sha256').update(buf(r.header)).digest();
    expect(Buffer.from(hkdfSync('sha256', shared, salt, 'cocoon/v3 request', 32)).toString('hex')).toBe(r.requestKey);
    expect(Buffer.from(hkdfSync('sha256', shared, salt, 'cocoon/v3 response', 32)).toString('hex')).toBe(r.responseKey);
    const body = buf(r.body);
    const plain = na.crypto_aead_xchacha20poly1305_ietf_decrypt(null, body.subarray(128), body.subarray(0, 128), buf(r.nonce), buf(r.requestKey));
    expect(Buffer.from(plain).toString('utf8')).toBe(r.plaintext);
    expect(checkPow(buf(fixture.requestWithPow.header), 8)).toBe(true);
  });

  it('the riding-voucher request carries the voucher vector, recomputed with bare primitives', async () => {
    const r = fixture.requestWithVoucher;
    const na = await sodium();
    const body = buf(r.body);
    expect(body.subarray(16, 32).toString('hex')).toBe(r.queryId);
    const shared = na.crypto_scalarmult(buf(fixture.request.ephemeralSecret), buf(fixture.nodeKey.x25519PublicKey));
    const salt = createHash('sha256').update(body.subarray(0, 128)).digest();
    expect(Buffer.from(hkdfSync('sha256', shared, salt, 'cocoon/v3 request', 32)).toString('hex')).toBe(r.requestKey);
    expect(Buffer.from(hkdfSync('sha256', shared, salt, 'cocoon/v3 response', 32)).toString('hex')).toBe(r.responseKey);
    const plain = na.crypto_aead_xchacha20poly1305_ietf_decrypt(null, body.subarray(128), body.subarray(0, 128), buf(r.nonce), buf(r.requestKey));
    expect(Buffer.from(plain).toString('utf8')).toBe(r.plaintext);
    // The rider is exactly the voucher of §7: amount and signature over the voucher cell's hash, by the consumer key.
    const json = JSON.parse(r.plaintext);
    expect(json.voucher).toEqual({amount: fixture.voucher.amount, signature: fixture.voucher.signature});
    const consumer = na.crypto_sign_seed_keypair(buf(fixture.voucher.consumerSeed));
    expect(na.crypto_sign_verify_detached(buf(json.voucher.signature), buf(fixture.voucher.hash), consumer.publicKey)).toBe(true);
    const decoded = decodeQueryRequest(plain);
    expect(decoded.voucher?.amount).toBe(1210n);
  });

  it('the waiver signature is Ed25519 over the documented bytes, recomputed with bare primitives', async () => {
    const w = fixture.waiver;
    const na = await sodium();
    const message = Buffer.from(`cocoon/v3 waive\n${w.channel}\n${w.queryId}`, 'utf8');
    expect(message.toString('utf8')).toBe(w.message);
    const consumer = na.crypto_sign_seed_keypair(buf(w.consumerSeed));
    expect(na.crypto_sign_verify_detached(buf(w.signature), message, consumer.publicKey)).toBe(true);
    expect(na.crypto_sign_verify_detached(buf(w.signature), Buffer.from(message.toString().replace('v3', 'v2')), consumer.publicKey)).toBe(false);
  });

  it('the provider opens the request vector and the consumer reads the response vector', async () => {
    const opened = await openRequest(buf(fixture.request.body), INPUTS.nodeSecret.subarray(0, 32));
    expect(decodeQueryRequest(opened.plaintext).model).toBe('stories260K');
    const frames = [];
    for await (const f of readResponseFrames(once(buf(fixture.response.body)), buf(fixture.request.responseKey))) frames.push(f);
    expect(frames.slice(0, 2)).toEqual(fixture.response.texts.map((text: string) => ({type: 'text', text})));
    const final = frames[2]!;
    expect(final.type).toBe('final');
    if (final.type !== 'final') return;
    expect(Buffer.from(final.signed.bytes).toString('hex')).toBe(fixture.receipt.bytes);
    expect(verifyReceipt(buf(fixture.receipt.bytes), buf(fixture.receipt.signature), buf(fixture.nodeKey.ed25519PublicKey))).toBe(true);
    expect(decodeReceipt(buf(fixture.receipt.bytes))).toMatchObject({cost: 390n, total: 1210n, usage: {promptTokens: 24, completionTokens: 5}});
    expect(final.tokenIds).toEqual(fixture.response.tokenIds);
  });

  it('the receipt commits to the model, the sampler and both token lists, recomputed with bare primitives', () => {
    const r = buf(fixture.receipt.bytes);
    expect(r.length).toBe(298);
    expect(r[4]).toBe(3);
    const u32s = (ids: number[]) => Buffer.concat(ids.map((id) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(id);
      return b;
    }));
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    expect(r.subarray(118, 150).toString('hex')).toBe(fixture.receipt.modelHash);
    expect([r.readFloatBE(150), r.readFloatBE(154), r.readUInt32BE(158), r.readUInt32BE(162)]).toEqual([0, Math.fround(0.9), 40, 42]);
    // The input is the request's messages, params and maxTokens, as the plaintext of the request vector has them.
    const plain = JSON.parse(fixture.request.plaintext);
    expect(fixture.receipt.input).toBe(JSON.stringify({messages: plain.messages, params: plain.params, maxTokens: plain.maxTokens}));
    expect(r.subarray(166, 198).toString('hex')).toBe(sha(fixture.receipt.input));
    expect(r.subarray(198, 230).toString('hex')).toBe(sha(u32s(fixture.receipt.promptTokenIds)));
    expect(r.subarray(230, 262).toString('hex')).toBe(sha(u32s(fixture.receipt.outputTokenIds)));
    expect(r.subarray(262, 294).toString('hex')).toBe(sha(fixture.response.texts.join('')));
    expect(r.readUInt32BE(54)).toBe(fixture.receipt.promptTokenIds.length);
    expect(r.readUInt32BE(58)).toBe(fixture.receipt.outputTokenIds.length);
    // Thought tokens (docs/protocol.md §4.2): stories260K does not think.
    expect(r.readUInt32BE(294)).toBe(fixture.receipt.reasoningTokens);
    expect(fixture.receipt.reasoningTokens).toBe(0);
  });
});

describe('secretstream seeded through init_pull', () => {
  it('pushes exactly what libsodium init_push would for the same header', async () => {
    const na = await sodium();
    const key = INPUTS.nodeSecret.subarray(0, 32);
    const {state, header} = na.crypto_secretstream_xchacha20poly1305_init_push(key);
    const viaPush = [na.crypto_secretstream_xchacha20poly1305_push(state, Buffer.from('one'), null, 0), na.crypto_secretstream_xchacha20poly1305_push(state, Buffer.from('two'), null, 3)];
    const pulled = na.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    const viaPull = [na.crypto_secretstream_xchacha20poly1305_push(pulled, Buffer.from('one'), null, 0), na.crypto_secretstream_xchacha20poly1305_push(pulled, Buffer.from('two'), null, 3)];
    expect(viaPull.map((b) => Buffer.from(b).toString('hex'))).toEqual(viaPush.map((b) => Buffer.from(b).toString('hex')));
  });
});
