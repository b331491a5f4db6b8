// A devnet with two providers serving the test model, and a funded consumer
// wallet, all through the built CLI — the market the gateway tests run against.
import {Address} from '@ton/core';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

/** The running market. */
export interface Market {
  /** COCOON_HOME of the consumer (and of the devnet). */
  home: string;
  /** Environment every CLI call of the suite needs. */
  env: Record<string, string>;
  /** The providers, cheapest first (then the embedding node, if asked for). */
  providers: Array<{address: Address; node: Background}>;
  /** Stop the provider and the devnet. */
  stop(): Promise<void>;
}

/** Model name the provider registers. */
export const MODEL = 'stories';
/** Prices of the cheaper provider, nanoTON per token (1 and 100 TON per 1M tokens: high, so costs are large numbers). */
export const PRICES = {prompt: 1000n, completion: 100_000n};
/** Completion prices of the two providers, TON per 1M tokens. */
const COMPLETION_PRICES = ['100', '200'];

async function ok(home: string, env: Record<string, string>, args: string[]) {
  const r = await runCli([...args, '--json'], {home, env, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

/** Price of the embedding node (startMarket's `embeddings`), GRAM per 1M input tokens, and per token in nanoGRAM. */
export const EMBED_PRICE = {perMillion: '3', nano: 3000n};

/**
 * Start a devnet, register and start two providers of one model (the second
 * dearer), fund the consumer wallet `me`. With `embeddings`, a third node of
 * the same model name serves embeddings (registry kind 1) at EMBED_PRICE.
 */
export async function startMarket(options: {embeddings?: boolean} = {}): Promise<Market> {
  const home = tempHome();
  const env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
  await ok(home, env, ['devnet', 'start', '--detach']);
  const offers = COMPLETION_PRICES.map((price) => ['--price-prompt', '1', '--price-completion', price]);
  if (options.embeddings) offers.push(['--kind', 'embeddings', '--price-prompt', EMBED_PRICE.perMillion]);
  const homes = offers.map(() => tempHome());
  // Both providers' wallets are made at once (each CLI run costs seconds); the faucet funds one at a time (its seqno).
  await Promise.all([ok(home, env, ['wallet', 'create', 'me']), ...homes.map((h) => ok(h, env, ['wallet', 'create', 'gpu']))]);
  await ok(home, env, ['devnet', 'fund', 'me', '20']);
  for (const h of homes) await ok(h, env, ['devnet', 'fund', 'gpu', '5']);
  const providers = await Promise.all(
    homes.map(async (h, i) => {
      const reg = await ok(h, env, [
        'provide', 'register', '--model', testModel(), '--model-name', MODEL, '--stake', '1',
        ...offers[i]!, '--port', String(await freePort()), '--yes',
      ]);
      const node = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1'], {home: h, env, ready: /serving \S+/});
      return {address: Address.parse(reg.record.owner), node};
    }),
  );
  return {
    home,
    env,
    providers,
    async stop() {
      for (const p of providers) p.node.child.kill('SIGKILL');
      await runCli(['devnet', 'stop'], {home, env});
    },
  };
}
