// Ask the network from a Node program through the SDK: discovery, a lazily
// opened channel, an end-to-end encrypted query, a verified receipt, payment.
//
//   COCOON_WALLET_PASSWORD=… node --import tsx examples/ask-from-node.ts "Once upon a time"
//
// Uses your settings (network, wallet, channel.deposit) like the CLI does.
import {ChainClient, ChannelStore, Settings, WalletSender, WalletStore, ask, formatTon, openChannel, parseTon, registryAddress, unlockWallet} from '../src/index.js';

const prompt = process.argv.slice(2).join(' ') || 'Once upon a time';
const password = process.env.COCOON_WALLET_PASSWORD;
if (!password) throw new Error('Set COCOON_WALLET_PASSWORD (opening a channel moves money from your wallet).');

const settings = await Settings.open();
const network = settings.get('network');
const client = await ChainClient.fromSettings(settings);
const wallets = new WalletStore();
const walletName = wallets.resolveName(undefined, settings.get('wallet') || undefined);

const result = await ask({
  client,
  registry: await registryAddress(settings),
  store: new ChannelStore(network),
  prompt,
  maxTokens: 48,
  filter: {},
  onText: (text) => process.stdout.write(text),
  // First query to a provider: open a channel with the configured deposit.
  openChannel: async (provider) => {
    const sender = await WalletSender.create({client, keyPair: await unlockWallet(wallets, walletName, password)});
    return openChannel({client, store: new ChannelStore(network), sender, walletName, provider: provider.owner, deposit: parseTon(settings.get('channel.deposit')), closeDelay: settings.get('channel.closeDelay')});
  },
  onLowBalance: async () => {
    throw new Error('The channel is low: top it up with `cocoon channel topup`.');
  },
});
process.stdout.write('\n');
console.error(`${result.provider.model}: ${result.usage.completionTokens} tokens for ${formatTon(result.cost)} TON, receipt ${result.receipt.queryId}`);
