// Ask the network from a Node program through the SDK: discovery, a lazily
// opened channel, an end-to-end encrypted query, a verified receipt, payment.
//
//   COCOON_WALLET_PASSWORD=… node --import tsx examples/ask-from-node.ts "Once upon a time"
//
// Uses your settings (network, wallet, channel.deposit) like the CLI does.
import {AppContext, Settings, askNetwork, formatTon} from '../src/index.js';

const prompt = process.argv.slice(2).join(' ') || 'Once upon a time';
const password = process.env.COCOON_WALLET_PASSWORD;
if (!password) throw new Error('Set COCOON_WALLET_PASSWORD (opening a channel moves money from your wallet).');

// The wallet is unlocked only if a channel must be opened (the first query to a provider).
const app = AppContext.open({settings: await Settings.open(), secrets: async () => password});
const result = await askNetwork(app, {
  prompt,
  maxTokens: 48,
  // A channel too low for the query is refused rather than topped up.
  funding: 'never',
  onText: (text) => process.stdout.write(text),
});
process.stdout.write('\n');
console.error(`${result.provider.model}: ${result.usage.completionTokens} tokens for ${formatTon(result.cost)} GRAM, receipt ${result.receipt.queryId}`);
