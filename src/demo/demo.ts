import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {toNano} from '@ton/core';
import {AppContext} from '../app/context.js';
import {DevnetServer} from '../devnet/server.js';
import {fundFromFaucet} from '../devnet/faucet.js';
import {formatTon, parseAddress} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {NodeKey} from '../crypto/node-key.js';
import {Settings} from '../config/settings.js';
import {ask} from '../consumer/ask.js';
import {ChannelStore} from '../consumer/channel-store.js';
import {createEngine} from '../inference/engine.js';
import {modelSha256} from '../inference/hash.js';
import {readGgufModelInfo} from '../inference/gguf.js';
import {startProviderNode, type ProviderNode} from '../provider/node.js';
import {buildProfile, registerProvider} from '../provider/registration.js';
import {WalletStore} from '../wallet/store.js';
import {addWallet} from '../wallet/service.js';
import {findDemoModel} from './demo-model.js';

/** One visible step of the demo. */
export interface DemoStep {
  name: string;
  detail: string;
  ms: number;
}

/** Options for runDemo. */
export interface DemoOptions {
  /** Where the demo keeps its devnet, wallets and ledger. Default: a new temporary directory. */
  dir?: string;
  /** Keep the directory afterwards (it is deleted otherwise). Default: false. */
  keep?: boolean;
  /** Model to serve (path or store name). Default: COCOON_MODEL, a stored model, or a small download. */
  model?: string;
  /** The question. Default: "Once upon a time". */
  prompt?: string;
  /** Completion tokens to ask for. Default: 48. */
  maxTokens?: number;
  /** CPU threads for the engine. Default: the engine's. */
  threads?: number;
  /** Called as each step finishes (the CLI prints it). */
  onStep?: (step: DemoStep) => void;
  /** Each piece of the answer as it streams. */
  onText?: (text: string) => void;
  onDownload?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What the demo did. */
export interface DemoReport {
  dir: string;
  kept: boolean;
  devnet: string;
  registry: string;
  model: {path: string; source: string; name: string};
  wallets: {provider: string; consumer: string};
  answer: {text: string; promptTokens: number; completionTokens: number};
  /** GRAM. */
  cost: string;
  receipt: {queryId: string; signature: string};
  settlement: {claimed: string; providerEarned: string; channel: string};
  trust: string;
  steps: DemoStep[];
}

// Demo prices: high enough that one answer is worth an on-chain claim.
const PRICE_PROMPT = 2_000n; // nanoGRAM per token = 2 GRAM per 1M tokens
const PRICE_COMPLETION = 200_000n; // = 200 GRAM per 1M tokens

/**
 * The whole market on one machine, step by step: a devnet, a provider that
 * registers and serves a real GGUF model, a consumer that opens a channel and
 * asks an end-to-end encrypted question, and the provider's claim on chain. It
 * runs in its own directory and never touches the user's wallets or devnet.
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
  let node: ProviderNode | undefined;
  try {
    const model = await step('model', () => findDemoModel({model: options.model, onProgress: options.onDownload}), (m) => `${m.path} (${m.source})`);
    server = await step('devnet', () => DevnetServer.start({dir: path.join(dir, 'devnet'), port: 0}), (s) => `local chain at ${s.url}, registry deployed at genesis`);
    const devnet = server;
    const url = new URL(devnet.url);
    // The demo's own world: settings pointing at its devnet, its own wallets and channels, its own password.
    const settings = await Settings.open({configDir: path.join(dir, 'config'), env: {}, overrides: {network: 'devnet', 'devnet.host': url.hostname, 'devnet.port': Number(url.port)}});
    const app = AppContext.open({
      settings,
      wallets: new WalletStore(path.join(dir, 'wallets')),
      channels: new ChannelStore('devnet', path.join(dir, 'consumer-channels')),
      nodeKeyFile: path.join(dir, 'node-key.json'),
      journalDir: path.join(dir, 'journal'),
      secrets: async () => password,
    });
    const {client, registry} = await app.chainAccess();
    const store = app.wallets;
    const providerView = await step('provider wallet', () => addWallet({store, name: 'provider', password, network: 'devnet'}), (w) => w.address);
    const consumerView = await step('consumer wallet', () => addWallet({store, name: 'consumer', password, network: 'devnet'}), (w) => w.address);
    await step(
      'faucet',
      async () => {
        await fundFromFaucet({url: devnet.url, address: parseAddress(providerView.address), amount: toNano(5)});
        await fundFromFaucet({url: devnet.url, address: parseAddress(consumerView.address), amount: toNano(10)});
      },
      () => '5 GRAM to the provider, 10 GRAM to the consumer',
    );
    const {sender: providerSender} = await app.sender('provider');
    const {key: nodeKey} = await app.nodeKey({create: true});
    const info = await readGgufModelInfo(model.path);
    const sha256 = await modelSha256(model.path, {cache: false});
    const name = path.basename(model.path).replace(/\.gguf$/i, '');
    const record = await step(
      'register',
      async () =>
        registerProvider(
          await app.registryAccess('provider'),
          {
            profile: buildProfile(
              {model: name, architecture: info.architecture, modelSha256: sha256, contextSize: info.contextLength, queriesPerDay: 10_000, promptPrice: PRICE_PROMPT, completionPrice: PRICE_COMPLETION, endpoint: 'http://127.0.0.1:0'},
              nodeKey,
            ),
            stake: toNano(1),
          },
        ),
      (r) => `${r.model} [${r.architecture}], stake ${formatTon(r.stake)} GRAM, 2 / 200 GRAM per 1M prompt / completion tokens`,
    );
    // The node picks a free port; the registration is then updated to it, as `provide update` would.
    node = await step(
      'serve',
      async () => {
        const started = await startProviderNode({
          client,
          registry,
          wallet: providerSender.address,
          nodeKey,
          modelPath: model.path,
          createEngine: (o) => createEngine({...o, gpu: false, threads: options.threads, hash: false}),
          hashModel: async () => sha256,
          ledgerDir: path.join(dir, 'provider-ledger'),
          claimThreshold: toNano(1000),
          settleIntervalMs: 3_600_000,
          minCloseDelay: 60,
        });
        const {updateProvider} = await import('../provider/registration.js');
        await updateProvider(await app.registryAccess('provider'), {profile: {...buildProfileFromRecord(record, nodeKey), endpoint: started.url}});
        return started;
      },
      (n) => `node-llama-cpp (${n.engine.backend}) behind the encrypted protocol at ${n.url}`,
    );
    // The demo channel holds 2 GRAM: one answer never needs a top-up, so the policy never tops up.
    const funding = await app.funding({mode: 'never', deposit: toNano(2), closeDelay: 3600, wallet: 'consumer'});
    const answer = await step(
      'ask',
      () =>
        ask({
          client,
          registry,
          store: app.channels,
          prompt: options.prompt ?? 'Once upon a time',
          maxTokens: options.maxTokens ?? 48,
          temperature: 0,
          filter: {model: name},
          registryCacheMs: 0,
          signal: options.signal,
          onText: options.onText,
          funding,
        }),
      (a) => `"${a.text.trim().slice(0, 60)}${a.text.length > 60 ? '…' : ''}" (${a.usage.promptTokens} + ${a.usage.completionTokens} tokens, end-to-end encrypted)`,
    );
    await step('receipt', async () => answer, (a) => `cost ${formatTon(a.cost)} GRAM, signed by the node (query ${a.receipt.queryId.slice(0, 12)}…), voucher ${a.voucherPosted ? 'accepted' : 'pending'}`);
    const before = await client.balance(providerSender.address);
    const [claim] = await step(
      'settle',
      () => node!.settler.settle({force: true}),
      (reports) => `claimed ${formatTon((reports[0]?.paidAfter ?? 0n) - (reports[0]?.paidBefore ?? 0n))} GRAM on chain from ${formatAddress(answer.channel, 'devnet', {bounceable: true})}`,
    );
    const earned = (await client.balance(providerSender.address)) - before;
    await step('balances', async () => earned, (e) => `provider wallet +${formatTon(e)} GRAM (the answer's cost less the claim's fee)`);
    return {
      dir,
      kept: Boolean(options.keep),
      devnet: devnet.url,
      registry: registry.toRawString(),
      model: {path: model.path, source: model.source, name},
      wallets: {provider: providerView.address, consumer: consumerView.address},
      answer: {text: answer.text, promptTokens: answer.usage.promptTokens, completionTokens: answer.usage.completionTokens},
      cost: formatTon(answer.cost),
      receipt: {queryId: answer.receipt.queryId, signature: answer.receipt.signature},
      settlement: {claimed: formatTon((claim?.paidAfter ?? 0n) - (claim?.paidBefore ?? 0n)), providerEarned: formatTon(earned), channel: formatAddress(answer.channel, 'devnet', {bounceable: true})},
      trust: answer.trust,
      steps,
    };
  } finally {
    await node?.close().catch(() => undefined);
    await server?.close();
    if (!options.keep) fs.rmSync(dir, {recursive: true, force: true});
  }
}

function buildProfileFromRecord(record: Awaited<ReturnType<typeof registerProvider>>, nodeKey: NodeKey) {
  return buildProfile(
    {model: record.model, architecture: record.architecture, modelSha256: record.modelHash.toString('hex'), contextSize: record.contextSize, queriesPerDay: record.queriesPerDay, promptPrice: record.promptPrice, completionPrice: record.completionPrice, endpoint: record.endpoint},
    nodeKey,
  );
}
