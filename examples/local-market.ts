// The whole market in one process through the SDK: devnet, provider, consumer,
// an encrypted paid question and the on-chain settlement (what `cocoon demo` runs).
//
//   COCOON_MODEL=./stories260K.gguf node --import tsx examples/local-market.ts
import {runDemo} from '../src/index.js';

const report = await runDemo({
  prompt: process.argv[2] ?? 'The little robot',
  maxTokens: 32,
  onStep: (step) => console.log(`${step.name.padEnd(16)} ${step.detail}`),
});
console.log(`\nanswer: ${report.answer.text.trim()}`);
console.log(`paid ${report.cost} GRAM; the provider claimed ${report.settlement.claimed} GRAM on chain`);
