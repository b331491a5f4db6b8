// A wallet's own refusals of an external message, in words: this machine's
// clock behind the chain's (the message is born expired), and the toncenter
// wording of the same refusal. Nothing is spent either way.
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {toNano} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {ChainClient} from '../../src/chain/client.js';
import {explainExit} from '../../src/chain/exit-messages.js';
import {parseAddress} from '../../src/chain/units.js';
import {DevnetServer} from '../../src/devnet/server.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {CocoonError} from '../../src/errors.js';
import {explainWalletRefusal} from '../../src/wallet/wallet-refusal.js';
import {WalletSender} from '../../src/wallet/wallet-sender.js';
import {tempHome} from '../helpers/home.js';

// The chain runs five minutes ahead of this machine: every message it signs is expired on arrival.
const AHEAD = 300;
let server: DevnetServer;
let client: ChainClient;

beforeAll(async () => {
  server = await DevnetServer.start({dir: path.join(tempHome(), 'devnet'), port: 0, now: () => Math.floor(Date.now() / 1000) + AHEAD});
  client = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
});
afterAll(async () => {
  await server?.close();
});

describe('a wallet refusing its own message', () => {
  it("says the clock is behind the chain's, and nothing is spent", async () => {
    const keys = await mnemonicToPrivateKey(await mnemonicNew());
    const behind = await WalletSender.create({client, keyPair: keys, explainExit, pollMs: 20});
    await fundFromFaucet({url: server.url, address: behind.address, amount: toNano(3)});
    // Deploy the wallet on the chain's own clock, so the refusal below is the wallet's and not a missing account's.
    const onTime = await WalletSender.create({client, keyPair: keys, explainExit, pollMs: 20, now: () => Date.now() / 1000 + AHEAD});
    // A deployed contract that takes plain transfers (the registry's rent pool).
    const target = parseAddress(server.info().contracts.registry!);
    await onTime.send({to: target, value: toNano('0.1'), bounce: false});
    const balance = await client.balance(behind.address);
    const error = await behind.send({to: target, value: toNano('0.1'), bounce: false}).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CocoonError);
    expect((error as CocoonError).message).toMatch(/refused the transfer as already expired .*this machine's clock is behind the devnet chain's\. Nothing was sent\./);
    expect((error as CocoonError).hint).toMatch(/Set the clock right/);
    // Not the emulator's pages of VM logs.
    expect((error as CocoonError).message).not.toMatch(/VM logs|execute /);
    expect(await client.balance(behind.address)).toBe(balance);
  });

  it("reads toncenter's wording of the same refusals", () => {
    const refusal = (text: string) => new CocoonError('CHAIN_ERROR', `The mainnet chain refused the request: ${text}`);
    const ctx = {network: 'mainnet', validUntil: 1_900_000_000};
    const expired = explainWalletRefusal(refusal('LITE_SERVER_UNKNOWN: cannot apply external message to current state : External message was not accepted\nCannot run message on account: inbound external message rejected by transaction 9F1C:\nexitcode=136, steps=12, gas_used=0'), ctx) as CocoonError;
    expect(expired.message).toMatch(/as already expired \(valid until 2030-03-17T17:46:40.000Z\)/);
    const seqno = explainWalletRefusal(refusal('External message was not accepted\nexitcode=133, steps=9'), ctx) as CocoonError;
    expect(seqno.message).toMatch(/another transfer from this wallet took its sequence number/);
    const network = explainWalletRefusal(refusal('External message not accepted by smart contract\nExit code: 134'), ctx) as CocoonError;
    expect(network.message).toMatch(/wallet id names another network than mainnet/);
    // Anything else is left as it was.
    const other = refusal('External message was not accepted\nexitcode=37');
    expect(explainWalletRefusal(other, ctx)).toBe(other);
    const unrelated = new CocoonError('CHAIN_UNAVAILABLE', 'timeout');
    expect(explainWalletRefusal(unrelated, ctx)).toBe(unrelated);
  });
});
