// Rules of docs/protocol.md that an independent client relies on, checked on
// real sockets with hand-made requests: optional params, schema errors that
// name the field, and the voucher endpoint's idempotence and errors.
import {afterEach, describe, expect, it} from 'vitest';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {readResponseFrames} from '../../src/consumer/response-reader.js';
import {signWaiver} from '../../src/protocol/channel-state.js';
import {sealRequest} from '../../src/protocol/envelope.js';
import type {ResponseFrame} from '../../src/protocol/wire.js';
import {bytes, CHANNEL, CONSUMER_SEED, startRig, type Rig} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Seal `fields` (merged into a valid request plaintext, `undefined` removes a key) and return the response frames. */
async function rawQuery(r: Rig, fields: Record<string, unknown>): Promise<ResponseFrame[]> {
  const queryId = bytes(`q${Math.random()}`, 16);
  const timestamp = Date.now();
  const json: Record<string, unknown> = {
    v: 3, queryId: queryId.toString('hex'), timestamp, channel: CHANNEL.toRawString(), model: 'null', prompt: 'hi there',
    params: {}, maxTokens: 5, maxPrice: {prompt: '100', completion: '100'}, ...fields,
  };
  for (const [k, v] of Object.entries(json)) if (v === undefined) delete json[k];
  const sealed = await sealRequest({recipientKey: r.nodeKey.x25519PublicKey, queryId, timestamp, plaintext: Buffer.from(JSON.stringify(json))});
  const res = await fetch(`${r.server.url}/v1/query`, {method: 'POST', body: sealed.body});
  expect(res.status).toBe(200);
  const frames: ResponseFrame[] = [];
  for await (const f of readResponseFrames(res.body as AsyncIterable<Uint8Array>, sealed.keys.responseKey)) frames.push(f);
  return frames;
}

async function postVoucher(r: Rig, body: string): Promise<{status: number; json: {error?: {code: string; message: string}; ok?: boolean; paid?: string; owed?: string}}> {
  const res = await fetch(`${r.server.url}/v1/voucher`, {method: 'POST', body, headers: {'content-type': 'application/json'}});
  return {status: res.status, json: (await res.json()) as never};
}

describe('request plaintext', () => {
  it('serves a request without params (the engine defaults)', async () => {
    rig = await startRig();
    const frames = await rawQuery(rig, {params: undefined});
    expect(frames.at(-1)?.type).toBe('final');
  });

  it('refuses a request without maxPrice with BAD_REQUEST naming the field', async () => {
    rig = await startRig();
    const frames = await rawQuery(rig, {maxPrice: undefined});
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('maxPrice')});
    const bad = await rawQuery(rig, {params: {temperature: 99}});
    expect(bad[0]).toMatchObject({type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('params.temperature')});
    // A version-1 plaintext inside a version-3 envelope: the `v` field is named.
    const old = await rawQuery(rig, {v: 1});
    expect(old[0]).toMatchObject({type: 'error', code: 'BAD_REQUEST', message: expect.stringMatching(/\(v: .*expected 3/)});
    const rider = await rawQuery(rig, {voucher: {amount: '01', signature: 'ab'.repeat(64)}});
    expect(rider[0]).toMatchObject({type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('voucher.amount')});
  });
});

describe('POST /v1/voucher', () => {
  it('accepts the current paid total again while a receipt is outstanding, and an overtaken voucher, and changes nothing', async () => {
    rig = await startRig();
    const client = rig.client();
    const first = await client.query({model: 'null', prompt: 'one', maxTokens: 5, maxPrice: {prompt: 100n, completion: 100n}}).result();
    const unpaid = rig.client({autoPay: false, paid: first.total});
    const second = await unpaid.query({model: 'null', prompt: 'two', maxTokens: 5, maxPrice: {prompt: 100n, completion: 100n}}).result();
    expect(second.voucherPosted).toBe(false);
    // The first voucher, posted again (a retry whose acknowledgement was lost).
    const again = await postVoucher(rig, JSON.stringify({v: 3, channel: CHANNEL.toRawString(), amount: first.total.toString(), signature: Buffer.from(first.voucher.signature).toString('hex')}));
    expect(again).toMatchObject({status: 200, json: {ok: true, paid: first.total.toString(), owed: second.total.toString()}});
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: second.total, outstanding: [{queryId: second.queryId}]});
    await unpaid.postVoucher(second.total, second.voucher.signature);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: second.total, owed: second.total, outstanding: []});
    // The first voucher arriving late, after the newer one: acknowledged, paid stays.
    await client.postVoucher(first.total, first.voucher.signature);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: second.total, owed: second.total});
    expect(rig.server.metrics.get('cocoon_vouchers_total', {result: 'repeated'})).toBe(2);
  });

  it('answers 400 BAD_REQUEST naming the field, 413 over 4 KiB, BAD_VOUCHER for an unknown channel, a forged waiver or nothing to waive', async () => {
    rig = await startRig();
    const offSchema = await postVoucher(rig, JSON.stringify({v: 3, channel: CHANNEL.toRawString(), amount: '1'}));
    expect(offSchema).toMatchObject({status: 400, json: {error: {code: 'BAD_REQUEST', message: expect.stringContaining('signature')}}});
    expect((await postVoucher(rig, 'x'.repeat(5000))).status).toBe(413);
    const stranger = bytes('stranger', 32);
    const other = new (CHANNEL.constructor as typeof import('@ton/core').Address)(0, stranger);
    const unknown = await postVoucher(rig, JSON.stringify({v: 3, channel: other.toRawString(), amount: '0', signature: Buffer.from(signVoucher({channel: other, amount: 0n}, CONSUMER_SEED)).toString('hex')}));
    expect(unknown).toMatchObject({status: 400, json: {error: {code: 'BAD_VOUCHER'}}});
    const zero = {v: 3, channel: CHANNEL.toRawString(), amount: '0', signature: Buffer.from(signVoucher({channel: CHANNEL, amount: 0n}, CONSUMER_SEED)).toString('hex')};
    const queryId = 'ab'.repeat(16);
    // v1's bare query id is off the v2 schema: a waiver must be signed.
    expect(await postVoucher(rig, JSON.stringify({...zero, waive: queryId}))).toMatchObject({status: 400, json: {error: {code: 'BAD_REQUEST', message: expect.stringContaining('waive')}}});
    const forged = await postVoucher(rig, JSON.stringify({...zero, waive: {queryId, signature: signWaiver(CHANNEL, queryId, bytes('mallory', 32)).toString('hex')}}));
    expect(forged).toMatchObject({status: 400, json: {error: {code: 'BAD_VOUCHER', message: expect.stringMatching(/waiver is not signed/)}}});
    const waive = await postVoucher(rig, JSON.stringify({...zero, waive: {queryId, signature: signWaiver(CHANNEL, queryId, CONSUMER_SEED).toString('hex')}}));
    expect(waive).toMatchObject({status: 400, json: {error: {code: 'BAD_VOUCHER', message: expect.stringMatching(/Nothing to waive/)}}});
  });
});
