import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {toNano} from '@ton/core';
import {ChainClient} from '../chain/client.js';
import {DevnetServer} from '../chain/devnet/server.js';
import {fundFromFaucet} from '../chain/devnet/faucet.js';
import {formatTon} from '../chain/units.js';
import {WalletStore} from '../wallet/store.js';
import {addWallet, unlockWallet} from '../wallet/service.js';
import {sendTon} from '../wallet/transfer.js';
import {parseAddress} from '../chain/units.js';

/** One visible step of the demo. */
export interface DemoStep {
  name: string;
  detail: string;
  ms: number;
}

/** Options for runDemo. */
export interface DemoOptions {
  /** Where the demo keeps its devnet and wallets. Default: a new temporary directory. */
  dir?: string;
  /** Keep the directory afterwards (it is deleted otherwise). Default: false. */
  keep?: boolean;
  /** Called as each step finishes (the CLI prints it). */
  onStep?: (step: DemoStep) => void;
  /** Stop early. */
  signal?: AbortSignal;
}

/** What the demo did. */
export interface DemoReport {
  dir: string;
  kept: boolean;
  devnet: string;
  registry: string;
  wallets: {provider: string; consumer: string};
  transfer: {amount: string; fee: string};
  balances: {provider: string; consumer: string};
  steps: DemoStep[];
}

/**
 * The whole market on one machine, step by step: a devnet, a provider and a
 * consumer wallet, funding, and a payment. It runs in its own directory and
 * never touches the user's wallets or devnet.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-demo-'));
  const steps: DemoStep[] = [];
  const step = async <T>(name: string, work: () => Promise<T>, describe: (value: T) => string): Promise<T> => {
    options.signal?.throwIfAborted();
    const started = performance.now();
    const value = await work();
    const done = {name, detail: describe(value), ms: Math.round(performance.now() - started)};
    steps.push(done);
    options.onStep?.(done);
    return value;
  };
  const password = 'cocoon-demo';
  let server: DevnetServer | undefined;
  try {
    server = await step('devnet', () => DevnetServer.start({dir: path.join(dir, 'devnet'), port: 0}), (s) => `local chain at ${s.url}, registry deployed at genesis`);
    const devnet = server;
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${devnet.url}/jsonRPC`});
    const store = new WalletStore(path.join(dir, 'wallets'));
    const provider = await step('provider wallet', () => addWallet({store, name: 'provider', password, network: 'devnet'}), (w) => w.address);
    const consumer = await step('consumer wallet', () => addWallet({store, name: 'consumer', password, network: 'devnet'}), (w) => w.address);
    await step(
      'faucet',
      async () => {
        await fundFromFaucet({url: devnet.url, address: parseAddress(provider.address), amount: toNano(5)});
        return fundFromFaucet({url: devnet.url, address: parseAddress(consumer.address), amount: toNano(10)});
      },
      () => '5 TON to the provider, 10 TON to the consumer',
    );
    const unlocked = await unlockWallet(store, 'consumer', password);
    const transfer = await step(
      'payment',
      () => sendTon({client, keyPair: unlocked, to: parseAddress(provider.address), amount: toNano('0.5'), comment: 'cocoon demo'}),
      (t) => `0.5 TON consumer → provider, fee ${formatTon(t.fee)} TON, tx ${t.hash}`,
    );
    const balances = await step(
      'balances',
      async () => ({
        provider: formatTon(await client.balance(parseAddress(provider.address))),
        consumer: formatTon(await client.balance(parseAddress(consumer.address))),
      }),
      (b) => `provider ${b.provider} TON, consumer ${b.consumer} TON`,
    );
    return {
      dir,
      kept: Boolean(options.keep),
      devnet: devnet.url,
      registry: devnet.info().contracts.registry ?? '',
      wallets: {provider: provider.address, consumer: consumer.address},
      transfer: {amount: formatTon(transfer.amount), fee: formatTon(transfer.fee)},
      balances,
      steps,
    };
  } finally {
    await server?.close();
    if (!options.keep) fs.rmSync(dir, {recursive: true, force: true});
  }
}
