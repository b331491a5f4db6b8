// Builds the golden vectors of protocol v3 from fixed keys, nonces and clock.
// `node --import tsx test/protocol/vectors.ts --write` regenerates
// test/fixtures/protocol-vectors.json; vectors.test.ts checks the code against it.
import fs from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Address} from '@ton/core';
import {signVoucher, voucherHash} from '../../src/chain/contracts/voucher.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {signWaiver, waiverBytes} from '../../src/protocol/channel-state.js';
import {sealRequest} from '../../src/protocol/envelope.js';
import {StreamSealer} from '../../src/crypto/response-stream.js';
import {x25519} from '../../src/crypto/x25519.js';
import {encodeErrorPayload, encodeFinalPayload, encodeResponsePreamble, encodeTextPayload, lengthPrefixed} from '../../src/protocol/frames.js';
import {inputHash, signReceipt, textHash, tokenIdsHash} from '../../src/protocol/receipt.js';
import {encodeQueryRequest} from '../../src/protocol/request.js';
import type {QueryRequest} from '../../src/protocol/wire.js';
import {bytes} from './setup.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Fixed inputs of the vectors. */
export const INPUTS = {
  nodeSecret: bytes('node', 64),
  ephemeralSecret: bytes('ephemeral', 32),
  nonce: bytes('nonce', 24),
  queryId: bytes('query', 16),
  timestamp: 1767225600000,
  channel: new Address(0, bytes('channel', 32)),
  consumerSeed: bytes('consumer', 32),
  streamHeader: bytes('stream', 24),
  ridingQueryId: bytes('riding query', 16),
  ridingNonce: bytes('riding nonce', 24),
  texts: ['Once upon', ' a time.'],
  /** stories260K.gguf's token ids for the texts above and for the request's rendered messages (beginning token first), and that file's SHA-256. */
  outputTokenIds: [403, 407, 261, 378, 426],
  promptTokenIds: [1, 318, 419, 285, 467, 274, 411, 306, 284, 411, 261, 349, 304, 422, 426, 13, 412, 419, 419, 293, 413, 303, 413, 467],
  modelHash: Buffer.from('270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d', 'hex'),
};

/** Compute every vector from INPUTS. */
export async function buildVectors(): Promise<Record<string, unknown>> {
  const node = await generateNodeKey(INPUTS.nodeSecret);
  const request: QueryRequest = {
    queryId: INPUTS.queryId,
    timestamp: INPUTS.timestamp,
    channel: INPUTS.channel,
    model: 'stories260K',
    messages: [{role: 'user', content: 'Tell me a story.'}],
    params: {temperature: 0, topK: 40, seed: 42},
    maxTokens: 64,
    maxPrice: {prompt: 100n, completion: 200n},
  };
  const plaintext = encodeQueryRequest(request);
  const seal = (powDifficulty: number) =>
    sealRequest({
      recipientKey: node.x25519PublicKey,
      plaintext,
      queryId: INPUTS.queryId,
      timestamp: INPUTS.timestamp,
      ephemeralSecret: INPUTS.ephemeralSecret,
      nonce: INPUTS.nonce,
      powDifficulty,
    });
  const sealed = await seal(0);
  const withPow = await seal(8);
  // The same request carrying the consumer's newest voucher (docs/protocol.md §4), under its own query id and nonce.
  const voucher = {channel: INPUTS.channel, amount: 1210n};
  const voucherSignature = signVoucher(voucher, INPUTS.consumerSeed);
  const riding: QueryRequest = {...request, queryId: INPUTS.ridingQueryId, voucher: {amount: voucher.amount, signature: voucherSignature}};
  const ridingPlaintext = encodeQueryRequest(riding);
  const withVoucher = await sealRequest({
    recipientKey: node.x25519PublicKey,
    plaintext: ridingPlaintext,
    queryId: INPUTS.ridingQueryId,
    timestamp: INPUTS.timestamp,
    ephemeralSecret: INPUTS.ephemeralSecret,
    nonce: INPUTS.ridingNonce,
  });
  const shared = await x25519(INPUTS.ephemeralSecret, node.x25519PublicKey);

  const receipt = {
    queryId: INPUTS.queryId,
    channel: INPUTS.channel,
    usage: {promptTokens: 24, completionTokens: 5},
    prices: {prompt: 10n, completion: 30n},
    cost: 390n,
    total: 1210n,
    timestamp: INPUTS.timestamp + 1000,
    modelHash: INPUTS.modelHash,
    sampling: {temperature: 0, topP: 0.9, topK: 40, seed: 42},
    inputHash: inputHash(request),
    promptHash: tokenIdsHash(INPUTS.promptTokenIds),
    outputHash: tokenIdsHash(INPUTS.outputTokenIds),
    textHash: textHash(INPUTS.texts.join('')),
    // stories260K does not think (docs/protocol.md §4.2).
    reasoningTokens: 0,
  };
  const signed = signReceipt(receipt, node.ed25519Seed);
  const sealer = await StreamSealer.create(sealed.keys.responseKey, INPUTS.streamHeader);
  const frames = [...INPUTS.texts.map((t) => sealer.push(encodeTextPayload(t), false)), sealer.push(encodeFinalPayload('stop', signed, INPUTS.outputTokenIds), true)];
  const response = Buffer.concat([encodeResponsePreamble(INPUTS.streamHeader), ...frames.map(lengthPrefixed)]);
  const errSealer = await StreamSealer.create(sealed.keys.responseKey, INPUTS.streamHeader);
  const errorResponse = Buffer.concat([
    encodeResponsePreamble(INPUTS.streamHeader),
    lengthPrefixed(errSealer.push(encodeErrorPayload('BUSY', 'The provider is at capacity.'), true)),
  ]);
  const waiverQueryId = hex(INPUTS.queryId);

  return {
    description: 'Cocoon private query protocol v3 golden vectors; see docs/protocol.md. Inputs are SHA-256 chains of labels (test/protocol/setup.ts bytes()).',
    nodeKey: {
      secret: hex(INPUTS.nodeSecret),
      x25519PublicKey: hex(node.x25519PublicKey),
      ed25519PublicKey: hex(node.ed25519PublicKey),
    },
    request: {
      ephemeralSecret: hex(INPUTS.ephemeralSecret),
      ephemeralPublicKey: hex(sealed.header.ephemeralKey),
      nonce: hex(INPUTS.nonce),
      queryId: hex(INPUTS.queryId),
      timestamp: INPUTS.timestamp,
      plaintext: Buffer.from(plaintext).toString('utf8'),
      sharedSecret: hex(shared),
      requestKey: hex(sealed.keys.requestKey),
      responseKey: hex(sealed.keys.responseKey),
      header: hex(sealed.body.subarray(0, 128)),
      body: hex(sealed.body),
    },
    requestWithPow: {difficulty: 8, powNonce: withPow.header.powNonce.toString(), header: hex(withPow.body.subarray(0, 128))},
    requestWithVoucher: {
      queryId: hex(INPUTS.ridingQueryId),
      nonce: hex(INPUTS.ridingNonce),
      plaintext: Buffer.from(ridingPlaintext).toString('utf8'),
      requestKey: hex(withVoucher.keys.requestKey),
      responseKey: hex(withVoucher.keys.responseKey),
      body: hex(withVoucher.body),
    },
    receipt: {
      bytes: hex(signed.bytes),
      signature: hex(signed.signature),
      modelHash: hex(INPUTS.modelHash),
      input: JSON.stringify({messages: request.messages, params: {temperature: 0, topK: 40, seed: 42}, maxTokens: 64}),
      inputHash: hex(receipt.inputHash),
      promptTokenIds: INPUTS.promptTokenIds,
      promptHash: hex(receipt.promptHash),
      outputTokenIds: INPUTS.outputTokenIds,
      outputHash: hex(receipt.outputHash),
      textHash: hex(receipt.textHash),
      reasoningTokens: receipt.reasoningTokens,
    },
    response: {streamHeader: hex(INPUTS.streamHeader), texts: INPUTS.texts, finishReason: 'stop', tokenIds: INPUTS.outputTokenIds, body: hex(response)},
    errorResponse: {code: 'BUSY', message: 'The provider is at capacity.', body: hex(errorResponse)},
    voucher: {
      channel: INPUTS.channel.toRawString(),
      amount: '1210',
      consumerSeed: hex(INPUTS.consumerSeed),
      hash: hex(voucherHash(voucher)),
      signature: hex(voucherSignature),
    },
    waiver: {
      channel: INPUTS.channel.toRawString(),
      queryId: waiverQueryId,
      consumerSeed: hex(INPUTS.consumerSeed),
      message: waiverBytes(INPUTS.channel, waiverQueryId).toString('utf8'),
      signature: hex(signWaiver(INPUTS.channel, waiverQueryId, INPUTS.consumerSeed)),
    },
  };
}

/** Path of the committed vectors. */
export const VECTORS_PATH = fileURLToPath(new URL('../fixtures/protocol-vectors.json', import.meta.url));

if (process.argv.includes('--write')) {
  fs.writeFileSync(VECTORS_PATH, JSON.stringify(await buildVectors(), null, 2) + '\n');
}
