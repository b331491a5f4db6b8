// POST /v1/channel on real sockets: the consumer reads what the provider holds
// for its channel, signed by the node key; nobody else can ask, and a stale,
// forged or replayed exchange is refused.
import {Address} from '@ton/core';
import {afterEach, describe, expect, it} from 'vitest';
import {signChannelRequest} from '../../src/protocol/channel-state.js';
import {bytes, CHANNEL, MAX_PRICE, startRig, type Rig} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ask = {model: 'null', prompt: 'a short story', maxTokens: 20, maxPrice: MAX_PRICE};

async function post(r: Rig, body: unknown): Promise<{status: number; code?: string; message?: string}> {
  const res = await fetch(`${r.server.url}/v1/channel`, {method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: {'content-type': 'application/json'}});
  const json = (await res.json()) as {error?: {code: string; message: string}};
  return {status: res.status, code: json.error?.code, message: json.error?.message};
}

describe('POST /v1/channel', () => {
  it('tells the consumer paid, owed, the outstanding receipts and waivers, signed by the node key', async () => {
    rig = await startRig();
    const client = rig.client();
    expect(await client.channelState()).toMatchObject({paid: 0n, owed: 0n, waived: 0, outstanding: []});
    const first = await client.query(ask).result();
    expect(await client.channelState()).toMatchObject({paid: first.total, owed: first.total, outstanding: []});
    const unpaid = rig.client({autoPay: false, paid: first.total});
    const second = await unpaid.query(ask).result();
    const held = await unpaid.channelState();
    expect(held).toMatchObject({paid: first.total, owed: second.total, waived: 0});
    expect(held.channel.equals(CHANNEL)).toBe(true);
    expect(held.outstanding).toEqual([{receipt: Buffer.from(second.receipt.bytes).toString('hex'), signature: Buffer.from(second.receipt.signature).toString('hex')}]);
    // A third unpaid answer (the second's voucher rides on it): only the third is outstanding, oldest first.
    const third = await unpaid.query(ask).result();
    const later = await unpaid.channelState();
    expect(later).toMatchObject({paid: second.total, owed: third.total});
    expect(later.outstanding).toEqual([{receipt: Buffer.from(third.receipt.bytes).toString('hex'), signature: Buffer.from(third.receipt.signature).toString('hex')}]);
  });

  it('answers only the channel’s voucher key, inside the timestamp window, for a channel the guard knows', async () => {
    rig = await startRig();
    const now = Date.now();
    const forged = {channel: CHANNEL.toRawString(), timestamp: now, signature: signChannelRequest(CHANNEL, now, bytes('mallory', 32)).toString('hex')};
    expect(await post(rig, forged)).toMatchObject({status: 400, code: 'BAD_VOUCHER'});
    await expect(rig.client({now: () => Date.now() - 120_000}).channelState()).rejects.toMatchObject({details: {wireCode: 'STALE'}});
    const other = new Address(0, bytes('elsewhere', 32));
    await expect(rig.client({channel: other}).channelState()).rejects.toMatchObject({details: {wireCode: 'UNKNOWN_CHANNEL'}});
    expect(await post(rig, {channel: CHANNEL.toRawString(), timestamp: now})).toMatchObject({status: 400, code: 'BAD_REQUEST', message: expect.stringContaining('signature')});
    expect(await post(rig, 'not json')).toMatchObject({status: 400, code: 'BAD_REQUEST'});
  });

  it('refuses an answer not signed by the node key, or one for another request', async () => {
    rig = await startRig();
    const url = `${rig.server.url}/v1/channel`;
    let saved: string | undefined;
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input) !== url) return res;
      const text = await res.text();
      saved ??= text;
      return new Response(text, {status: res.status, headers: res.headers});
    };
    await rig.client({fetch: recording}).channelState();
    const replaying: typeof fetch = async (input, init) => (String(input) === url ? new Response(saved, {status: 200}) : fetch(input, init));
    await expect(rig.client({fetch: replaying, now: () => Date.now() + 5}).channelState()).rejects.toMatchObject({code: 'PROTOCOL_ERROR', message: expect.stringMatching(/another request/)});
    const forging: typeof fetch = async (input, init) => {
      if (String(input) !== url) return fetch(input, init);
      const body = (await (await fetch(input, init)).json()) as {state: string; signature: string};
      return new Response(JSON.stringify({state: body.state.replace('"paid":"0"', '"paid":"1"'), signature: body.signature}), {status: 200});
    };
    await expect(rig.client({fetch: forging}).channelState()).rejects.toMatchObject({code: 'PROTOCOL_ERROR', message: expect.stringMatching(/not signed/)});

  });
});
